// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fp-load: the traffic of make bench's side-by-side runs.
 *
 * Every mode takes -P NPORTS: the server listens on NPORTS ports from PORT
 * and clients spread their connections and sockets over them in turn, as
 * traffic spreads over many services (some policies key on the port).
 * serve, bulk, rate and flood take -j JOBS: that many processes, each
 * with -n streams, workers or sockets of its own (the figures are their
 * sums), for one per CPU.
 *
 * HOST and ADDR are IPv4 or IPv6 addresses (the family follows the
 * address: 198.19.0.1, 2001:db8:ffff::1).
 *
 *   fp-load serve [-p PORT] ADDR
 *	TCP and UDP on ADDR:PORT. A TCP connection's first byte says what it
 *	is: 'r' a request, answered "k\n" and closed by the server (so that
 *	clients keep no TIME_WAIT and never run out of ports); 'b' bulk data,
 *	counted, and the count sent back at EOF; 'c' the number of UDP
 *	datagrams received since the last 'c'.
 *
 *   fp-load bulk  [-n STREAMS] [-d MS] HOST PORT
 *	STREAMS connections sending for MS. Prints "bytes N" (as received by
 *	the server), "ms N" and "mbit_s N".
 *
 *   fp-load rate  [-n WORKERS] [-d MS] HOST PORT
 *	Short connections (connect, request, answer, close), WORKERS at a
 *	time, for MS. Prints "conns N", "failed N" and "per_s N".
 *
 *   fp-load flood [-n SOCKETS] [-d MS] [-l LEN] [-r PPS] HOST PORT
 *	LEN-byte datagrams (18: 64-byte frames, 84 over IPv6) from SOCKETS
 *	source ports as fast as they go, or PPS a second in all, for MS.
 *	Prints "sent N", "received N", "pps N" and "cpu_ns N", the machine's
 *	busy CPU time (all namespaces, /proc/stat, without steal) per datagram
 *	received:
 *	at full speed the machine is always busy and that is only 1/pps, so
 *	CPU per packet is measured at a rate every contender keeps up with.
 *
 *   fp-load attempts [-i MS] [-t MS] [-d MS] HOST PORT
 *	A new connection every -i MS (10) for -d MS, each given -t MS (800,
 *	below the 1 s SYN retransmission, so an attempt only succeeds when its
 *	first SYN got through). Prints "fail T" for each failed attempt by its
 *	start (CLOCK_REALTIME, ms), then "tried N", "ok N" and "failed N".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define MAX_PORTS 64
#define MAX_JOBS 64

/* An address of either family, with its port. */
union addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

static socklen_t addr_len(const union addr *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->in6) : sizeof(a->in);
}

/* The port, in network order. */
static in_port_t *addr_port(union addr *a)
{
	return a->sa.sa_family == AF_INET6 ? &a->in6.sin6_port :
					     &a->in.sin_port;
}

/* A socket of @a's family. */
static int addr_socket(const union addr *a, int type)
{
	return socket(a->sa.sa_family, type, 0);
}

/* What to do: -n, -d, -l, -i and -t, and where. */
static struct {
	union addr dst;
	long n, ms, len, interval, timeout, rate;
} o = { .n = 8, .ms = 2000, .len = 18, .interval = 10, .timeout = 800 };
static int jobs = 1, job; /* job: this process's index, from 0 */

/*
 * Destinations are ports dst.. dst + nports - 1, taken in turn; each job
 * starts where the one before it ends, so that together they use them all.
 */
static int nports = 1;

static union addr port_of(const union addr *dst, unsigned long i)
{
	union addr to = *dst;
	in_port_t *port = addr_port(&to);

	i += (unsigned long)job * (unsigned long)o.n;
	*port = htons((uint16_t)(ntohs(*port) + i % (unsigned long)nports));
	return to;
}

static long long clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static long long now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int make_addr(const char *host, const char *port, union addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, &a->in.sin_addr) == 1) {
		a->in.sin_family = AF_INET;
	} else if (inet_pton(AF_INET6, host, &a->in6.sin6_addr) == 1) {
		a->in6.sin6_family = AF_INET6;
	} else {
		fprintf(stderr, "fp-load: bad address %s\n", host);
		return -EINVAL;
	}
	*addr_port(a) = htons((uint16_t)atoi(port));
	return 0;
}

/*
 * A blocking TCP connection sending @first; -1 on failure. Connect and
 * reads give up after 10 s: a broken path fails the run, not hangs it.
 */
static int dial(const union addr *dst, char first)
{
	struct timeval tv = { 10, 0 };
	int fd = addr_socket(dst, SOCK_STREAM | SOCK_CLOEXEC);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, &dst->sa, addr_len(dst)) || write(fd, &first, 1) != 1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The number a server sends back on @fd, after EOF of ours. */
static long long read_count(int fd)
{
	char buf[32];
	ssize_t n, len = 0;

	shutdown(fd, SHUT_WR);
	while (len < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len ? atoll(buf) : -1;
}

/* The server. */

struct peer {
	int fd;
	char kind;
	long long bytes;
};

/* The UDP count, shared by the server's processes. */
static long long *udp_total;

static void serve_read(struct peer *c)
{
	static char buf[256 * 1024];
	char out[32];
	ssize_t n;
	int len;

	while ((n = read(c->fd, buf, sizeof(buf))) > 0) {
		if (!c->kind)
			c->kind = buf[0];
		c->bytes += n;
		if (c->kind == 'r') {
			len = snprintf(out, sizeof(out), "k\n");
			goto answer;
		}
	}
	if (n < 0 && errno == EAGAIN)
		return;
	if (c->kind == 'b') {
		len = snprintf(out, sizeof(out), "%lld\n", c->bytes - 1);
	} else if (c->kind == 'c') {
		len = snprintf(out, sizeof(out), "%lld\n",
			       __atomic_exchange_n(udp_total, 0,
						   __ATOMIC_RELAXED));
	} else {
		len = 0;
	}
answer:
	if (len && write(c->fd, out, (size_t)len) != len)
		perror("fp-load: answer");
	close(c->fd); /* also takes it out of the epoll set */
	free(c);
}

static void serve_udp(int fd)
{
	static char bufs[64][64];
	struct mmsghdr m[64];
	struct iovec iov[64];
	int n;

	for (int i = 0; i < 64; i++) {
		iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		m[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i],
						      .msg_iovlen = 1 } };
	}
	while ((n = recvmmsg(fd, m, 64, MSG_DONTWAIT, NULL)) > 0)
		__atomic_fetch_add(udp_total, n, __ATOMIC_RELAXED);
}

/* A listener and a UDP socket on each port, in @ep. */
static int serve_ports(int ep, const union addr *sin, int *lfds, int *ufds)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int one = 1, rcvbuf = 32 << 20;

	for (int i = 0; i < nports; i++) {
		union addr to = port_of(sin, (unsigned long)i);

		lfds[i] = addr_socket(sin, SOCK_STREAM | SOCK_NONBLOCK |
						   SOCK_CLOEXEC);
		ufds[i] = addr_socket(sin, SOCK_DGRAM | SOCK_NONBLOCK |
						   SOCK_CLOEXEC);
		setsockopt(lfds[i], SOL_SOCKET, SO_REUSEADDR, &one,
			   sizeof(one));
		/* every process its own sockets; the kernel spreads */
		setsockopt(lfds[i], SOL_SOCKET, SO_REUSEPORT, &one,
			   sizeof(one));
		setsockopt(ufds[i], SOL_SOCKET, SO_REUSEPORT, &one,
			   sizeof(one));
		setsockopt(ufds[i], SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
			   sizeof(rcvbuf));
		if (lfds[i] < 0 || ufds[i] < 0 ||
		    bind(lfds[i], &to.sa, addr_len(&to)) ||
		    listen(lfds[i], 4096) ||
		    bind(ufds[i], &to.sa, addr_len(&to))) {
			perror("fp-load: serve");
			return -1;
		}
		ev.data.ptr = &lfds[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, lfds[i], &ev);
		ev.data.ptr = &ufds[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, ufds[i], &ev);
	}
	return 0;
}

static int run_serve(const union addr *sin)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep, lfds[MAX_PORTS], ufds[MAX_PORTS];

	udp_total = mmap(NULL, sizeof(*udp_total), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (udp_total == MAP_FAILED)
		return 1;
	for (int j = 1; j < jobs; j++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (!pid) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			break;
		}
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || serve_ports(ep, sin, lfds, ufds))
		return 1;
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < n; i++) {
			int *tag = evs[i].data.ptr, fd;

			if (tag >= ufds && tag < ufds + nports) {
				serve_udp(*tag);
				continue;
			}
			if (tag < lfds || tag >= lfds + nports) {
				serve_read(evs[i].data.ptr);
				continue;
			}
			while ((fd = accept4(*tag, NULL, NULL,
					     SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
			       0) {
				struct peer *c = calloc(1, sizeof(*c));

				if (!c) {
					close(fd);
					continue;
				}
				c->fd = fd;
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
			}
		}
	}
}

/* Bulk streams. */

static int bulk_job(void)
{
	static char buf[128 * 1024];
	struct epoll_event ev = { .events = EPOLLOUT }, evs[64];
	long long t0, end, total = 0;
	int fds[64], streams = (int)o.n, ep = epoll_create1(EPOLL_CLOEXEC);

	if (streams > 64)
		return 2;
	for (int i = 0; i < streams; i++) {
		union addr to = port_of(&o.dst, (unsigned long)i);

		fds[i] = dial(&to, 'b');
		if (fds[i] < 0) {
			perror("fp-load: bulk connect");
			return 1;
		}
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
		ev.data.fd = fds[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	t0 = now_ms();
	end = t0 + o.ms;
	while (now_ms() < end) {
		int n = epoll_wait(ep, evs, 64, 10);

		for (int i = 0; i < n; i++)
			while (write(evs[i].data.fd, buf, sizeof(buf)) > 0)
				;
	}
	for (int i = 0; i < streams; i++) {
		fcntl(fds[i], F_SETFL, 0);
		total += read_count(fds[i]);
	}
	printf("bytes %lld\nms %lld\n", total, now_ms() - t0);
	close(ep);
	return 0;
}

/* Short connections: rate and attempts. */

struct req {
	int fd;
	long long start, start_real;
	bool answered;
};

enum { REQ_PENDING, REQ_OK, REQ_FAILED };

static int req_start(struct req *r, int ep, const union addr *dst,
		     unsigned int slot)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = slot };
	static unsigned long started;
	union addr to = port_of(dst, started++);

	r->fd = addr_socket(dst, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC);
	r->start = now_ms();
	r->start_real = clock_ms(CLOCK_REALTIME);
	r->answered = false;
	if (r->fd < 0)
		return -errno;
	if (connect(r->fd, &to.sa, addr_len(&to)) && errno != EINPROGRESS) {
		close(r->fd);
		r->fd = -1;
		return -ECONNREFUSED;
	}
	epoll_ctl(ep, EPOLL_CTL_ADD, r->fd, &ev);
	return 0;
}

/* One step of @r on readiness: REQ_PENDING, REQ_OK or REQ_FAILED. */
static int req_step(struct req *r, int ep, unsigned int slot,
		    unsigned int events)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = slot };
	char buf[16];
	ssize_t n;

	if (events & EPOLLOUT) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &len) ||
		    err || write(r->fd, "r", 1) != 1)
			goto failed;
		epoll_ctl(ep, EPOLL_CTL_MOD, r->fd, &ev);
		return REQ_PENDING;
	}
	/* Wait for the server's close too: it closes first, so we keep
	 * no TIME_WAIT. */
	while ((n = read(r->fd, buf, sizeof(buf))) > 0)
		r->answered |= memchr(buf, 'k', (size_t)n) != NULL;
	if (n < 0 && errno == EAGAIN)
		return REQ_PENDING;
	close(r->fd);
	r->fd = -1;
	return r->answered ? REQ_OK : REQ_FAILED;
failed:
	close(r->fd);
	r->fd = -1;
	return REQ_FAILED;
}

/*
 * @workers connections at a time for @ms (rate), or one more every
 * @interval ms (attempts, @workers slots), each given @timeout ms.
 */
/* Failed attempts: how many, and when the first @cap of them started. */
struct failures {
	long long *at;
	unsigned long n, cap;
};

static void failed_at(struct failures *f, long long start_real)
{
	if (f->n < f->cap)
		f->at[f->n] = start_real;
	f->n++;
}

static int run_requests(const union addr *dst, unsigned int workers, long ms,
			long interval, long timeout)
{
	struct req *r = calloc(workers, sizeof(*r));
	struct failures fl = { calloc(workers * 64, sizeof(*fl.at)), 0,
			       workers * 64UL };
	long long t0 = now_ms(), end = t0 + ms, next = t0;
	unsigned long tried = 0, ok = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	unsigned int live = 0;

	if (!r || !fl.at || ep < 0)
		return 1;
	for (unsigned int i = 0; i < workers; i++)
		r[i].fd = -1;
	for (;;) {
		struct epoll_event evs[64];
		long long now = now_ms();
		int n;

		for (unsigned int i = 0; i < workers && now < end; i++) {
			if (r[i].fd >= 0 || (interval && now < next))
				continue;
			next += interval;
			tried++;
			if (req_start(&r[i], ep, dst, i)) {
				failed_at(&fl, r[i].start_real);
				continue;
			}
			live++;
		}
		/* attempts wait for the last outcomes; rate counts what
		 * finished in its time and leaves the rest */
		if (now >= end && (!live || !interval))
			break;
		n = epoll_wait(ep, evs, 64, interval ? 1 : 10);
		for (int i = 0; i < n; i++) {
			unsigned int s = evs[i].data.u32;
			int res = req_step(&r[s], ep, s, evs[i].events);

			if (res == REQ_PENDING)
				continue;
			live--;
			if (res == REQ_OK) {
				ok++;
				continue;
			}
			failed_at(&fl, r[s].start_real);
		}
		now = now_ms();
		for (unsigned int i = 0; i < workers; i++) {
			if (r[i].fd < 0 || now - r[i].start < timeout)
				continue;
			close(r[i].fd);
			r[i].fd = -1;
			live--;
			failed_at(&fl, r[i].start_real);
		}
	}
	for (unsigned int i = 0; i < workers; i++)
		if (r[i].fd >= 0)
			close(r[i].fd);
	if (interval) {
		for (unsigned long i = 0; i < fl.n && i < fl.cap; i++)
			printf("fail %lld\n", fl.at[i]);
		printf("tried %lu\nok %lu\nfailed %lu\n", tried, ok, fl.n);
	} else {
		printf("conns %lu\nfailed %lu\nms %lld\n", ok, fl.n,
		       now_ms() - t0);
	}
	free(r);
	free(fl.at);
	close(ep);
	return 0;
}

/* UDP flood. */

/* The machine's busy CPU time so far, in ns (all CPUs). */
static long long cpu_busy_ns(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int ok;

	if (!f)
		return 0;
	ok = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (ok != 8)
		return 0;
	/* user nice system [idle iowait] irq softirq [steal: the host's] */
	return (long long)(v[0] + v[1] + v[2] + v[5] + v[6]) *
	       (1000000000LL / sysconf(_SC_CLK_TCK));
}

static long long udp_count(const union addr *dst)
{
	int fd = dial(dst, 'c');

	return fd < 0 ? -1 : read_count(fd);
}

static int flood_job(void)
{
	static char payload[1472];
	struct mmsghdr m[BATCH];
	struct iovec iov = { payload, (size_t)o.len };
	long long sent = 0, t0, end, per_s = o.rate / jobs;
	int fds[256];

	if (o.n > 256 || o.len > (long)sizeof(payload))
		return 2;
	for (int i = 0; i < BATCH; i++)
		m[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov,
						      .msg_iovlen = 1 } };
	for (int i = 0; i < o.n; i++) {
		union addr to = port_of(&o.dst, (unsigned long)i);

		fds[i] = addr_socket(&to, SOCK_DGRAM | SOCK_NONBLOCK);
		if (fds[i] < 0 || connect(fds[i], &to.sa, addr_len(&to))) {
			perror("fp-load: flood socket");
			return 1;
		}
	}
	t0 = now_ns();
	end = t0 + o.ms * 1000000LL;
	for (unsigned long k = 0;; k++) {
		long long now = now_ns(), due;
		int n, want = BATCH;

		if (now >= end)
			break;
		if (per_s) { /* -r: the packets due by now, no more */
			due = (now - t0) * per_s / 1000000000LL - sent;
			if (due <= 0) {
				long long ns = BATCH * 1000000000LL / per_s;
				struct timespec ts = { 0, ns < 100000000 ?
								  ns :
								  100000000 };

				nanosleep(&ts, NULL);
				continue;
			}
			want = due < BATCH ? (int)due : BATCH;
		}
		n = sendmmsg(fds[k % (unsigned long)o.n], m, (unsigned int)want,
			     0);
		if (n > 0)
			sent += n;
	}
	printf("sent %lld\n", sent);
	return 0;
}

static int rate_job(void)
{
	return run_requests(&o.dst, (unsigned int)o.n, o.ms, 0, o.timeout);
}

/* What the jobs printed, summed ("ms": the longest). */
struct sums {
	long long bytes, ms, conns, failed, sent;
};

static void sum_line(struct sums *t, const char *key, long long v)
{
	if (!strcmp(key, "ms"))
		t->ms = v > t->ms ? v : t->ms;
	else if (!strcmp(key, "bytes"))
		t->bytes += v;
	else if (!strcmp(key, "conns"))
		t->conns += v;
	else if (!strcmp(key, "failed"))
		t->failed += v;
	else if (!strcmp(key, "sent"))
		t->sent += v;
}

/*
 * @fn in -j processes at once. One per CPU keeps every CPU busy: with one
 * client and one server, each waits for the other, and the machine idles
 * a share of the time that varies from run to run.
 */
static int run_jobs(int (*fn)(void), struct sums *t)
{
	pid_t pid[MAX_JOBS];
	FILE *out[MAX_JOBS];
	int ret = 0;

	memset(t, 0, sizeof(*t));
	fflush(stdout);
	for (int j = 0; j < jobs; j++) {
		int p[2];

		if (pipe(p) || (pid[j] = fork()) < 0) {
			while (j--) /* the jobs started so far */
				kill(pid[j], SIGKILL);
			return 1;
		}
		if (!pid[j]) {
			job = j;
			close(p[0]);
			dup2(p[1], STDOUT_FILENO);
			exit(fn());
		}
		close(p[1]);
		out[j] = fdopen(p[0], "r");
	}
	for (int j = 0; j < jobs; j++) {
		char key[32];
		long long v;
		int st;

		while (out[j] && fscanf(out[j], "%31s %lld", key, &v) == 2)
			sum_line(t, key, v);
		if (out[j])
			fclose(out[j]);
		if (waitpid(pid[j], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			ret = 1;
	}
	if (!t->ms)
		t->ms = 1;
	return ret;
}

static int run_flood(void)
{
	long long received, cpu0, cpu1;
	struct sums t;

	if (udp_count(&o.dst) < 0) { /* resets the server's count */
		fprintf(stderr, "fp-load: no server\n");
		return 1;
	}
	cpu0 = cpu_busy_ns();
	if (run_jobs(flood_job, &t))
		return 1;
	sleep_ms(200); /* what is in flight arrives */
	cpu1 = cpu_busy_ns();
	received = udp_count(&o.dst);
	if (received < 0) {
		fprintf(stderr, "fp-load: the server's count is lost\n");
		return 1;
	}
	printf("sent %lld\nreceived %lld\npps %lld\ncpu_ns %lld\n", t.sent,
	       received, received * 1000 / o.ms,
	       received > 0 ? (cpu1 - cpu0) / received : 0);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fp-load serve [-j JOBS] [-P NPORTS] [-p PORT] ADDR\n"
		"       fp-load bulk [-j JOBS] [-P NPORTS] [-n STREAMS] [-d MS] HOST PORT\n"
		"       fp-load rate [-j JOBS] [-P NPORTS] [-n WORKERS] [-d MS] HOST PORT\n"
		"       fp-load flood [-j JOBS] [-P NPORTS] [-n SOCKETS] [-d MS] [-l LEN] [-r PPS] HOST PORT\n"
		"       fp-load attempts [-P NPORTS] [-i MS] [-t MS] [-d MS] HOST PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *port = "7100", *mode;
	struct sums t;
	int opt;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "p:P:j:n:d:l:i:t:r:")) != -1) {
		switch (opt) {
		case 'p':
			port = optarg;
			break;
		case 'P':
			nports = atoi(optarg);
			if (nports < 1 || nports > MAX_PORTS)
				usage();
			break;
		case 'j':
			jobs = atoi(optarg);
			if (jobs < 1 || jobs > MAX_JOBS)
				usage();
			break;
		case 'n':
			o.n = atol(optarg);
			break;
		case 'd':
			o.ms = atol(optarg);
			break;
		case 'l':
			o.len = atol(optarg);
			break;
		case 'i':
			o.interval = atol(optarg);
			break;
		case 't':
			o.timeout = atol(optarg);
			break;
		case 'r':
			o.rate = atol(optarg);
			break;
		default:
			usage();
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "serve") && argc - optind == 1) {
		if (make_addr(argv[optind], port, &o.dst))
			return 2;
		return run_serve(&o.dst);
	}
	if (argc - optind != 2 || o.n < 1 || o.ms < 1 || o.interval < 1 ||
	    o.len < 1 || o.rate < 0 || (o.rate && o.rate < jobs) ||
	    make_addr(argv[optind], argv[optind + 1], &o.dst))
		usage();
	if (!strcmp(mode, "bulk")) {
		if (run_jobs(bulk_job, &t))
			return 1;
		printf("bytes %lld\nms %lld\nmbit_s %lld\n", t.bytes, t.ms,
		       t.bytes * 8 / 1000 / t.ms);
		return 0;
	}
	if (!strcmp(mode, "rate")) {
		if (run_jobs(rate_job, &t))
			return 1;
		printf("conns %lld\nfailed %lld\nper_s %lld\n", t.conns,
		       t.failed, t.conns * 1000 / t.ms);
		return 0;
	}
	if (!strcmp(mode, "flood"))
		return run_flood();
	if (!strcmp(mode, "attempts"))
		return run_requests(&o.dst,
				    (unsigned int)(o.timeout / o.interval + 2),
				    o.ms, o.interval, o.timeout);
	usage();
	return 2;
}
