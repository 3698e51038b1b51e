// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fp-traffic: real TCP and UDP traffic for flowpin's system tests and demo.
 *
 * Addresses are IPv4 or IPv6 (HOST, -a, -b; icmp: IPv4 only).
 *
 *   fp-traffic serve [-a ADDR] [-p PORT] [-P NPORTS] [-l LOG]
 *	TCP and UDP on NPORTS (1) ports from PORT, on ADDR (0.0.0.0). An IPv6
 *	ADDR (:: for any) serves IPv6 only: IPv4 is another server's. Every
 *	line or datagram gets one line back: the source address and port the
 *	server saw it from. With -l, one line per TCP connection and per UDP
 *	datagram is logged: "tcp|udp ADDR PORT".
 *
 *   fp-traffic tcp  [-n N] [-s SPORT] [-b ADDR] [-t MS] [-v] HOST PORT
 *	N short connections in turn (source ports SPORT.. when given), each
 *	asking the server what it saw. Prints "tried N", "ok N", "fail N" and
 *	"seen ADDR N" per server-seen address; with -v also "conn SPORT ADDR"
 *	per connection ("-" when it failed).
 *
 *   fp-traffic udp  [-n N] [-k K] [-s SPORT] [-t MS] [-q] [-v] HOST PORT
 *	N flows of K datagrams each. A flow is "split" when the server saw
 *	its datagrams from more than one address. -q: send, do not wait.
 *	-v: "conn SPORT ADDR" per flow, as for tcp.
 *
 *   fp-traffic icmp [-n N] [-t MS] HOST
 *	N echo requests (raw socket); prints "sent N" and "answered N".
 *
 *   fp-traffic unix PATH TEXT
 *	Send TEXT and a newline to a Unix stream socket; print the reply.
 *
 *   fp-traffic hold [-n N] [-i MS] [-d MS] [-s SPORT] [-P NPORTS] HOST PORT
 *	N long-lived connections (to NPORTS ports from PORT, in turn), each
 *exchanging a line every MS (100) for -d MS or until SIGTERM/SIGINT. Prints
 *"held N", "broken N" and "moved N" (the server saw a connection from a new
 *address) and "unconnected N" (broken ones that never connected), then "seen
 *ADDR N" for the connections held and "lost ADDR N" for the broken ones, by the
 *address the server last saw them from ("none": unconnected). All connect, and
 *every round is exchanged, at once: connections through a dead path cost one 2
 *s timeout together.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEEN 64
#define MAX_PORTS 64

struct seen {
	char addr[INET6_ADDRSTRLEN];
	unsigned long count;
};

static struct seen seen[MAX_SEEN], lost[MAX_SEEN];
static int nseen, nlost;
static bool verbose;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void count_in(struct seen *t, int *n, const char *addr)
{
	for (int i = 0; i < *n; i++) {
		if (!strcmp(t[i].addr, addr)) {
			t[i].count++;
			return;
		}
	}
	if (*n < MAX_SEEN) {
		snprintf(t[*n].addr, sizeof(t[*n].addr), "%s", addr);
		t[(*n)++].count = 1;
	}
}

static void count_seen(const char *addr)
{
	count_in(seen, &nseen, addr);
}

static void print_seen(void)
{
	for (int i = 0; i < nseen; i++)
		printf("seen %s %lu\n", seen[i].addr, seen[i].count);
	for (int i = 0; i < nlost; i++)
		printf("lost %s %lu\n", lost[i].addr, lost[i].count);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A socket address of either family. */
union sockaddr_any {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

static socklen_t sa_len(const union sockaddr_any *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->in6) : sizeof(a->in);
}

static unsigned int sa_port(const union sockaddr_any *a)
{
	return ntohs(a->sa.sa_family == AF_INET6 ? a->in6.sin6_port :
						   a->in.sin_port);
}

static void sa_set_port(union sockaddr_any *a, unsigned int port)
{
	if (a->sa.sa_family == AF_INET6)
		a->in6.sin6_port = htons((uint16_t)port);
	else
		a->in.sin_port = htons((uint16_t)port);
}

/* The address's text (INET6_ADDRSTRLEN) into @buf. */
static const char *sa_ntop(const union sockaddr_any *a, char *buf)
{
	if (a->sa.sa_family == AF_INET6)
		return inet_ntop(AF_INET6, &a->in6.sin6_addr, buf,
				 INET6_ADDRSTRLEN);
	return inet_ntop(AF_INET, &a->in.sin_addr, buf, INET6_ADDRSTRLEN);
}

/* @host, IPv4 or IPv6, and @port into @a. */
static int make_addr(const char *host, unsigned int port, union sockaddr_any *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, &a->in.sin_addr) == 1) {
		a->in.sin_family = AF_INET;
	} else if (inet_pton(AF_INET6, host, &a->in6.sin6_addr) == 1) {
		a->in6.sin6_family = AF_INET6;
	} else {
		fprintf(stderr, "fp-traffic: bad address %s\n", host);
		return -1;
	}
	sa_set_port(a, port);
	return 0;
}

/* A socket of family @af bound to @src:@sport (either may be 0/NULL). */
static int bound_socket(int af, int type, const char *src, unsigned int sport)
{
	const char *any = af == AF_INET6 ? "::" : "0.0.0.0";
	union sockaddr_any sin;
	int one = 1, fd;

	fd = socket(af, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (!src && !sport)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (make_addr(src ? src : any, sport, &sin)) {
		close(fd);
		return -1;
	}
	if (sin.sa.sa_family != af) {
		fprintf(stderr,
			"fp-traffic: bind %s: not of the peer's family\n", src);
		close(fd);
		return -1;
	}
	if (bind(fd, &sin.sa, sa_len(&sin))) {
		fprintf(stderr, "fp-traffic: bind %s:%u: %s\n", src ? src : "*",
			sport, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait for @fd to be readable or writable; 0 when ready, -1 on timeout. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		long long left = deadline - now_ms();
		int r;

		if (left <= 0)
			return -1;
		r = poll(&p, 1, (int)left);
		if (r == 1)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* Read one line into @buf before @deadline. */
static int read_line(int fd, char *buf, size_t size, long long deadline)
{
	size_t len = 0;

	while (len + 1 < size) {
		ssize_t n;

		if (wait_fd(fd, POLLIN, deadline))
			return -1;
		n = read(fd, buf + len, 1);
		if (n <= 0)
			return -1;
		if (buf[len] == '\n') {
			buf[len] = '\0';
			return 0;
		}
		len++;
	}
	return -1;
}

/* Connect with a deadline; returns the connected socket or -1. */
static int connect_to(const union sockaddr_any *dst, const char *src,
		      unsigned int sport, long long deadline)
{
	int fd = bound_socket(dst->sa.sa_family, SOCK_STREAM, src, sport);
	int err = 0;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return -1;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (connect(fd, &dst->sa, sa_len(dst)) && errno != EINPROGRESS)
		goto fail;
	if (wait_fd(fd, POLLOUT, deadline))
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* The server's answer carries "ADDR PORT"; keep the address. */
static void answer_addr(char *line)
{
	char *sp = strchr(line, ' ');

	if (sp)
		*sp = '\0';
}

static int run_tcp(const union sockaddr_any *dst, const char *src,
		   unsigned int sport, unsigned long n, int timeout)
{
	unsigned long ok = 0;

	for (unsigned long i = 0; i < n; i++) {
		long long deadline = now_ms() + timeout;
		char line[128];
		int fd;

		fd = connect_to(dst, src, sport ? sport + (unsigned int)i : 0,
				deadline);
		if (fd < 0) {
			if (verbose)
				printf("conn %u -\n", sport + (unsigned int)i);
			continue;
		}
		if (write(fd, "hello\n", 6) == 6 &&
		    read_line(fd, line, sizeof(line), deadline) == 0) {
			answer_addr(line);
			count_seen(line);
			ok++;
			if (verbose)
				printf("conn %u %s\n", sport + (unsigned int)i,
				       line);
		} else if (verbose) {
			printf("conn %u -\n", sport + (unsigned int)i);
		}
		close(fd);
	}
	printf("tried %lu\nok %lu\nfail %lu\n", n, ok, n - ok);
	print_seen();
	return 0;
}

static int run_udp(const union sockaddr_any *dst, unsigned int sport,
		   unsigned long n, unsigned long k, int timeout, bool quiet)
{
	unsigned long ok = 0, split = 0;

	for (unsigned long f = 0; f < n; f++) {
		char first[128] = "", line[128];
		bool good = true, apart = false;
		int fd;

		fd = bound_socket(dst->sa.sa_family, SOCK_DGRAM, NULL,
				  sport ? sport + (unsigned int)f : 0);
		if (fd < 0 || connect(fd, &dst->sa, sa_len(dst))) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		for (unsigned long i = 0; i < k && good; i++) {
			long long deadline = now_ms() + timeout;
			int len =
				snprintf(line, sizeof(line), "%lu %lu\n", f, i);
			ssize_t r;

			if (send(fd, line, (size_t)len, 0) != len) {
				good = false;
				break;
			}
			if (quiet)
				continue;
			if (wait_fd(fd, POLLIN, deadline)) {
				good = false;
				break;
			}
			r = recv(fd, line, sizeof(line) - 1, 0);
			if (r <= 0) {
				good = false;
				break;
			}
			line[r] = '\0';
			line[strcspn(line, "\n")] = '\0';
			answer_addr(line);
			if (!first[0])
				memcpy(first, line, sizeof(first));
			else if (strcmp(first, line))
				apart = true;
		}
		close(fd);
		if (good) {
			ok++;
			if (!quiet)
				count_seen(first);
		}
		if (verbose && !quiet)
			printf("conn %u %s\n", sport + (unsigned int)f,
			       good ? first : "-");
		split += apart;
	}
	printf("flows %lu\nok %lu\nfail %lu\nsplit %lu\n", n, ok, n - ok,
	       split);
	print_seen();
	return 0;
}

static uint16_t icmp_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static int run_icmp(const union sockaddr_any *dst, unsigned long n, int timeout)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	unsigned long answered = 0;
	uint16_t id = (uint16_t)getpid();

	if (dst->sa.sa_family != AF_INET) {
		fprintf(stderr, "fp-traffic: icmp: IPv4 only\n");
		if (fd >= 0)
			close(fd);
		return 2;
	}
	if (fd < 0) {
		perror("fp-traffic: icmp socket");
		return 1;
	}
	for (unsigned long i = 0; i < n; i++) {
		struct icmphdr h = { .type = ICMP_ECHO };
		long long deadline = now_ms() + timeout;
		char buf[256];

		h.un.echo.id = htons(id);
		h.un.echo.sequence = htons((uint16_t)i);
		h.checksum = icmp_checksum(&h, sizeof(h));
		if (sendto(fd, &h, sizeof(h), 0, &dst->sa, sa_len(dst)) < 0)
			continue;
		while (wait_fd(fd, POLLIN, deadline) == 0) {
			ssize_t r = recv(fd, buf, sizeof(buf), 0);
			struct iphdr *ip = (struct iphdr *)buf;
			struct icmphdr *e;

			if (r < (ssize_t)(sizeof(*ip) + sizeof(*e)))
				continue;
			e = (struct icmphdr *)(buf + ip->ihl * 4);
			if (e->type == ICMP_ECHOREPLY &&
			    e->un.echo.id == htons(id) &&
			    e->un.echo.sequence == htons((uint16_t)i)) {
				answered++;
				break;
			}
		}
	}
	close(fd);
	printf("sent %lu\nanswered %lu\n", n, answered);
	return 0;
}

struct held {
	int fd;
	char addr[64];
	size_t len; /* of a reply line read so far, in line */
	char line[64];
	bool broken, unconnected;
};

/*
 * Connect all @n at once, so that connections through a dead path cost one
 * timeout in all, not one each.
 */
static void hold_connect(struct held *h, unsigned long n,
			 const union sockaddr_any *dst, int nports,
			 unsigned int sport)
{
	struct pollfd *p = calloc(n, sizeof(*p));
	long long deadline = now_ms() + 2000;
	unsigned long pending = 0;

	for (unsigned long i = 0; i < n; i++) {
		h[i].fd = bound_socket(dst->sa.sa_family, SOCK_STREAM, NULL,
				       sport ? sport + (unsigned int)i : 0);
		h[i].unconnected = true;
		if (h[i].fd < 0)
			continue;
		union sockaddr_any to = *dst;

		/* spread over the server's ports, as over many services */
		sa_set_port(&to,
			    sa_port(dst) +
				    (unsigned int)(i % (unsigned long)nports));
		fcntl(h[i].fd, F_SETFL, O_NONBLOCK);
		if (!connect(h[i].fd, &to.sa, sa_len(&to)) ||
		    errno == EINPROGRESS) {
			pending++;
		} else {
			close(h[i].fd);
			h[i].fd = -1;
		}
	}
	while (p && pending && now_ms() < deadline) {
		unsigned long np = 0;

		for (unsigned long i = 0; i < n; i++)
			if (h[i].fd >= 0 && h[i].unconnected)
				p[np++] =
					(struct pollfd){ h[i].fd, POLLOUT, 0 };
		if (poll(p, np, (int)(deadline - now_ms())) <= 0)
			continue;
		for (unsigned long j = 0; j < np; j++) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (!p[j].revents)
				continue;
			for (unsigned long i = 0; i < n; i++) {
				if (h[i].fd != p[j].fd)
					continue;
				if (!getsockopt(h[i].fd, SOL_SOCKET, SO_ERROR,
						&err, &len) &&
				    !err)
					h[i].unconnected = false;
				else {
					close(h[i].fd);
					h[i].fd = -1;
				}
				pending--;
			}
		}
	}
	for (unsigned long i = 0; i < n; i++)
		if (h[i].unconnected)
			h[i].broken = true;
	free(p);
}

/* Read what has come of @c's reply; 1 when the line is whole, -1 broken. */
static int hold_read(struct held *c)
{
	ssize_t r = read(c->fd, c->line + c->len, sizeof(c->line) - 1 - c->len);
	char *nl;

	if (r <= 0)
		return r < 0 && errno == EAGAIN ? 0 : -1;
	c->len += (size_t)r;
	c->line[c->len] = '\0';
	nl = strchr(c->line, '\n');
	if (!nl)
		return c->len + 1 < sizeof(c->line) ? 0 : -1;
	*nl = '\0';
	return 1;
}

/* One exchange on every live connection, all in flight together. */
static unsigned long hold_round(struct held *h, unsigned long n,
				struct pollfd *p)
{
	long long deadline = now_ms() + 2000;
	unsigned long moved = 0, waiting = 0;

	for (unsigned long i = 0; i < n; i++) {
		if (h[i].broken)
			continue;
		h[i].len = 0;
		if (write(h[i].fd, "ping\n", 5) != 5)
			h[i].broken = true;
		else
			waiting++;
	}
	while (waiting && now_ms() < deadline) {
		unsigned long np = 0;

		for (unsigned long i = 0; i < n; i++)
			if (!h[i].broken && h[i].len != SIZE_MAX)
				p[np++] = (struct pollfd){ h[i].fd, POLLIN, 0 };
		if (poll(p, np, (int)(deadline - now_ms())) <= 0)
			continue;
		for (unsigned long i = 0, j = 0; i < n && j < np; i++) {
			if (h[i].broken || h[i].len == SIZE_MAX)
				continue;
			if (!p[j++].revents)
				continue;
			int r = hold_read(&h[i]);

			if (r == 0)
				continue;
			waiting--;
			if (r < 0) {
				h[i].broken = true;
				continue;
			}
			if (h[i].addr[0] && strcmp(h[i].addr, h[i].line))
				moved++;
			memcpy(h[i].addr, h[i].line, sizeof(h[i].addr));
			h[i].len = SIZE_MAX; /* answered this round */
		}
	}
	for (unsigned long i = 0; i < n; i++)
		if (!h[i].broken && h[i].len != SIZE_MAX)
			h[i].broken = true; /* no answer in time */
	return moved;
}

static int run_hold(const union sockaddr_any *dst, int nports,
		    unsigned int sport, unsigned long n, int interval,
		    long long duration)
{
	struct held *h = calloc(n, sizeof(*h));
	struct pollfd *p = calloc(n, sizeof(*p));
	unsigned long broken = 0, moved = 0, held = 0, unconnected = 0;
	long long end = duration ? now_ms() + duration : 0;

	if (!h || !p) {
		free(h);
		free(p);
		return 1;
	}
	hold_connect(h, n, dst, nports, sport);
	/* Tell a waiting test that the connections are up. */
	printf("ready\n");
	fflush(stdout);

	while (!stop && (!end || now_ms() < end)) {
		moved += hold_round(h, n, p);
		struct timespec ts = { 0, (long)interval * 1000000L };

		nanosleep(&ts, NULL);
	}
	for (unsigned long i = 0; i < n; i++) {
		answer_addr(h[i].addr);
		if (h[i].broken) {
			count_in(lost, &nlost,
				 h[i].addr[0] ? h[i].addr : "none");
			broken++;
			unconnected += h[i].unconnected;
		} else {
			count_seen(h[i].addr);
			held++;
		}
		if (h[i].fd >= 0)
			close(h[i].fd);
	}
	printf("held %lu\nbroken %lu\nmoved %lu\nunconnected %lu\n", held,
	       broken, moved, unconnected);
	print_seen();
	free(h);
	free(p);
	return 0;
}

/*
 * Answer a datagram from the address it was sent to (IP_PKTINFO,
 * IPV6_PKTINFO): a server bound to 0.0.0.0 or :: would otherwise answer from
 * its outgoing interface's address, and a connected client would not take
 * the answer.
 */
static void udp_answer(int fd, FILE *log)
{
	char buf[512], who[80], ip[INET6_ADDRSTRLEN];
	char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	union sockaddr_any peer;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = {
		.msg_name = &peer,
		.msg_namelen = sizeof(peer),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct in_pktinfo *pi = NULL;
	struct in6_pktinfo *pi6 = NULL;
	struct cmsghdr *cm;

	if (recvmsg(fd, &msg, 0) < 0)
		return;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO)
			pi = (struct in_pktinfo *)CMSG_DATA(cm);
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO)
			pi6 = (struct in6_pktinfo *)CMSG_DATA(cm);
	}
	sa_ntop(&peer, ip);
	if (log)
		fprintf(log, "udp %s %u\n", ip, sa_port(&peer));
	iov.iov_base = who;
	iov.iov_len = (size_t)snprintf(who, sizeof(who), "%s %u\n", ip,
				       sa_port(&peer));
	if (pi) {
		pi->ipi_ifindex = 0;
		pi->ipi_spec_dst = pi->ipi_addr;
		msg.msg_controllen = CMSG_SPACE(sizeof(*pi));
	} else if (pi6) {
		/* the address it came to; the routing picks the interface */
		pi6->ipi6_ifindex = 0;
		msg.msg_controllen = CMSG_SPACE(sizeof(*pi6));
	} else {
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
	}
	sendmsg(fd, &msg, 0);
}

/* The server: one epoll loop for the TCP listener, its connections and UDP. */
static int index_of(const int *fds, int n, int fd)
{
	for (int i = 0; i < n; i++)
		if (fds[i] == fd)
			return i;
	return -1;
}

/* TCP and UDP sockets on @port.. @port + @nports - 1, in @ep. */
static int serve_ports(int ep, const char *addr, unsigned int port, int nports,
		       int *lfds, int *ufds)
{
	struct epoll_event ev = { .events = EPOLLIN };
	union sockaddr_any sin;
	int one = 1;

	for (int i = 0; i < nports; i++) {
		if (make_addr(addr, port + (unsigned int)i, &sin))
			return -1;
		int af = sin.sa.sa_family;

		lfds[i] = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ufds[i] = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		setsockopt(lfds[i], SOL_SOCKET, SO_REUSEADDR, &one,
			   sizeof(one));
		if (af == AF_INET6) {
			/* IPv6 only: IPv4 is another server's */
			setsockopt(lfds[i], IPPROTO_IPV6, IPV6_V6ONLY, &one,
				   sizeof(one));
			setsockopt(ufds[i], IPPROTO_IPV6, IPV6_V6ONLY, &one,
				   sizeof(one));
			setsockopt(ufds[i], IPPROTO_IPV6, IPV6_RECVPKTINFO,
				   &one, sizeof(one));
		} else {
			setsockopt(ufds[i], IPPROTO_IP, IP_PKTINFO, &one,
				   sizeof(one));
		}
		if (bind(lfds[i], &sin.sa, sa_len(&sin)) ||
		    listen(lfds[i], 4096) ||
		    bind(ufds[i], &sin.sa, sa_len(&sin))) {
			fprintf(stderr, "fp-traffic: serve %s:%u: %s\n", addr,
				port + (unsigned int)i, strerror(errno));
			return -1;
		}
		ev.data.fd = lfds[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, lfds[i], &ev);
		ev.data.fd = ufds[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, ufds[i], &ev);
	}
	return 0;
}

static int run_serve(const char *addr, unsigned int port, int nports,
		     const char *log_path)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep, lfds[MAX_PORTS], ufds[MAX_PORTS];
	FILE *log = NULL;

	if (log_path) {
		log = fopen(log_path, "a");
		if (!log) {
			perror(log_path);
			return 1;
		}
		setvbuf(log, NULL, _IOLBF, 0);
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || serve_ports(ep, addr, port, nports, lfds, ufds))
		return 1;

	while (!stop) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, 500);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			union sockaddr_any peer;
			socklen_t plen = sizeof(peer);
			char buf[512], who[80], ip[INET6_ADDRSTRLEN];
			ssize_t r;

			if (index_of(lfds, nports, fd) >= 0) {
				int c = accept4(fd, &peer.sa, &plen,
						SOCK_CLOEXEC);

				if (c < 0)
					continue;
				sa_ntop(&peer, ip);
				if (log)
					fprintf(log, "tcp %s %u\n", ip,
						sa_port(&peer));
				ev.data.fd = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				continue;
			}
			if (index_of(ufds, nports, fd) >= 0) {
				udp_answer(fd, log);
				continue;
			}
			/* One reply line per line received. */
			r = read(fd, buf, sizeof(buf));
			if (r <= 0 || getpeername(fd, &peer.sa, &plen)) {
				close(fd);
				continue;
			}
			sa_ntop(&peer, ip);
			int len = snprintf(who, sizeof(who), "%s %u\n", ip,
					   sa_port(&peer));
			for (ssize_t j = 0; j < r; j++)
				if (buf[j] == '\n' &&
				    write(fd, who, (size_t)len) != len)
					break;
		}
	}
	return 0;
}

static int run_unix(const char *path, const char *text)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[4096];
	ssize_t n;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		perror(path);
		return 1;
	}
	if (write(fd, text, strlen(text)) < 0 || write(fd, "\n", 1) < 0)
		return 1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	putchar('\n');
	close(fd);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fp-traffic serve [-a ADDR] [-p PORT] [-P NPORTS] [-l LOG]\n"
		"       fp-traffic tcp  [-n N] [-s SPORT] [-b ADDR] [-t MS] HOST PORT\n"
		"       fp-traffic udp  [-n N] [-k K] [-s SPORT] [-t MS] [-q] HOST PORT\n"
		"       fp-traffic icmp [-n N] [-t MS] HOST\n"
		"       fp-traffic unix PATH TEXT\n"
		"       fp-traffic hold [-n N] [-i MS] [-d MS] [-s SPORT] [-P NPORTS] HOST PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long n = 1, k = 1;
	unsigned int sport = 0, port = 7000;
	const char *addr = "0.0.0.0", *log = NULL, *src = NULL, *mode;
	int timeout = 1000, interval = 100, nports = 1, opt;
	long long duration = 0;
	bool quiet = false;
	union sockaddr_any dst;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "a:p:P:l:n:k:s:b:t:i:d:qv")) != -1) {
		switch (opt) {
		case 'a':
			addr = optarg;
			break;
		case 'p':
			port = (unsigned int)atoi(optarg);
			break;
		case 'P':
			nports = atoi(optarg);
			if (nports < 1 || nports > MAX_PORTS)
				usage();
			break;
		case 'l':
			log = optarg;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 0);
			break;
		case 'k':
			k = strtoul(optarg, NULL, 0);
			break;
		case 's':
			sport = (unsigned int)atoi(optarg);
			break;
		case 'b':
			src = optarg;
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		case 'i':
			interval = atoi(optarg);
			break;
		case 'd':
			duration = atoll(optarg);
			break;
		case 'q':
			quiet = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(mode, "serve"))
		return run_serve(addr, port, nports, log);
	if (!strcmp(mode, "icmp") && argc - optind == 1) {
		if (make_addr(argv[optind], 0, &dst))
			return 2;
		return run_icmp(&dst, n, timeout);
	}
	if (argc - optind != 2)
		usage();
	if (!strcmp(mode, "unix"))
		return run_unix(argv[optind], argv[optind + 1]);
	if (make_addr(argv[optind], (unsigned int)atoi(argv[optind + 1]), &dst))
		return 2;
	if (!strcmp(mode, "tcp"))
		return run_tcp(&dst, src, sport, n, timeout);
	if (!strcmp(mode, "udp"))
		return run_udp(&dst, sport, n, k, timeout, quiet);
	if (!strcmp(mode, "hold"))
		return run_hold(&dst, nports, sport, n, interval, duration);
	usage();
	return 2;
}
