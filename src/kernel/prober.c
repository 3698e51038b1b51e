// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <time.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel/prober.h"

#define ICMP_FILTER_OPT 1 /* <linux/icmp.h> ICMP_FILTER, on SOL_RAW */

union sockaddr_inet {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* @a of family @f, port @port: into @sa; returns its length. */
static socklen_t sockaddr_set(union sockaddr_inet *sa, enum fam f,
			      const union inaddr *a, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	if (f == FAM_IPV6) {
		sa->in6.sin6_family = AF_INET6;
		sa->in6.sin6_addr = a->v6;
		sa->in6.sin6_port = htons(port);
		return sizeof(sa->in6);
	}
	sa->in.sin_family = AF_INET;
	sa->in.sin_addr = a->v4;
	sa->in.sin_port = htons(port);
	return sizeof(sa->in);
}

/* @l's next target of @fam after index @i, cyclically; ntrack if none. */
static unsigned int target_after(const struct link_config *l, enum fam fam,
				 unsigned int i)
{
	for (unsigned int k = 1; k <= l->ntrack; k++) {
		unsigned int j = (i + k) % l->ntrack;

		if (l->track[j].fam == fam)
			return j;
	}
	return l->ntrack;
}

bool prober_running(const struct prober *p)
{
	return p->cfg != NULL;
}

/*
 * Mark, device and source address: the probe can only use this link. The
 * device first: it is the scope a link-local source would need.
 */
static int bind_to_link(int fd, const struct prober *p)
{
	const char *ifn = p->cfg->ifname;
	union sockaddr_inet sa;
	socklen_t len = sockaddr_set(&sa, p->fam, &p->src, 0);

	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &p->mark, sizeof(p->mark)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifn, strlen(ifn) + 1) ||
	    bind(fd, &sa.sa, len))
		return -errno;
	return 0;
}

/* The raw socket of the family, passing only echo replies. */
static int icmp_socket(enum fam fam)
{
	int fd, ret;

	if (fam == FAM_IPV6) {
		struct icmp6_filter f6;

		fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    IPPROTO_ICMPV6);
		if (fd < 0)
			return -errno;
		ICMP6_FILTER_SETBLOCKALL(&f6);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f6);
		ret = setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f6,
				 sizeof(f6));
	} else {
		uint32_t f4 = ~(1u << ICMP_ECHOREPLY);

		fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    IPPROTO_ICMP);
		if (fd < 0)
			return -errno;
		ret = setsockopt(fd, SOL_RAW, ICMP_FILTER_OPT, &f4, sizeof(f4));
	}
	if (ret) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

void prober_init(struct prober *p)
{
	memset(p, 0, sizeof(*p));
	p->icmp_fd = -1;
	for (unsigned int i = 0; i < PROBE_RING; i++)
		p->ring[i].fd = -1;
}

int prober_start(struct prober *p, const struct link_config *l, enum fam fam,
		 uint32_t mark, const union inaddr *src, uint16_t ident,
		 uint64_t now_us)
{
	uint64_t sent = p->sent, lost = p->lost;
	unsigned int first;
	int ret, one = 1;

	prober_init(p);
	p->sent = sent;
	p->lost = lost;
	/* @l's first target of @fam; ntrack (0 too) when it has none */
	first = l->ntrack ? target_after(l, fam, l->ntrack - 1) : 0;
	if (first == l->ntrack)
		return -ENOENT;
	p->cfg = l;
	p->fam = fam;
	p->mark = mark;
	p->src = *src;
	p->ident = ident;
	p->next_target = first;
	p->next_send_us = now_us;
	if (l->probe != PROBE_ICMP)
		return 0;

	/* Only echo replies: the kernel drops every other ICMP type. */
	p->icmp_fd = icmp_socket(fam);
	if (p->icmp_fd < 0) {
		ret = p->icmp_fd;
		goto err;
	}
	ret = bind_to_link(p->icmp_fd, p);
	if (ret)
		goto err;
	/* the kernel's receive time: an RTT without the loop's latency */
	if (setsockopt(p->icmp_fd, SOL_SOCKET, SO_TIMESTAMPNS, &one,
		       sizeof(one))) {
		ret = -errno;
		goto err;
	}
	return 0;
err:
	prober_stop(p);
	return ret;
}

void prober_stop(struct prober *p)
{
	uint64_t sent = p->sent, lost = p->lost;

	if (p->icmp_fd >= 0)
		close(p->icmp_fd);
	for (unsigned int i = 0; i < PROBE_RING; i++)
		if (p->ring[i].fd >= 0)
			close(p->ring[i].fd);
	prober_init(p);
	p->sent = sent;
	p->lost = lost;
}

static uint16_t checksum(const void *data, size_t len)
{
	const uint8_t *b = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* Settled at @now_us; @rtt_us when the kernel measured it, else 0. */
static void settle(struct probe_slot *s, bool answered, uint64_t now_us,
		   uint64_t rtt_us)
{
	s->state = answered ? SLOT_ANSWERED : SLOT_LOST;
	s->rtt_ms = (double)(rtt_us ? rtt_us : now_us - s->sent_us) / 1000.0;
	if (s->fd >= 0) {
		/* reset, not FIN: no TIME_WAIT left behind per probe */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(s->fd);
		s->fd = -1;
	}
}

static int send_icmp(struct prober *p, struct probe_slot *s,
		     const union sockaddr_inet *dst, socklen_t dlen)
{
	union {
		struct {
			struct icmphdr h;
			uint64_t stamp;
		} v4;
		struct {
			struct icmp6_hdr h;
			uint64_t stamp;
		} v6;
	} msg;
	size_t len;

	memset(&msg, 0, sizeof(msg));
	if (p->fam == FAM_IPV6) {
		/* no checksum: the kernel's, over the IPv6 pseudo-header */
		msg.v6.h.icmp6_type = ICMP6_ECHO_REQUEST;
		msg.v6.h.icmp6_id = htons(p->ident);
		msg.v6.h.icmp6_seq = htons(s->seq);
		msg.v6.stamp = s->sent_us;
		len = sizeof(msg.v6);
	} else {
		msg.v4.h.type = ICMP_ECHO;
		msg.v4.h.un.echo.id = htons(p->ident);
		msg.v4.h.un.echo.sequence = htons(s->seq);
		msg.v4.stamp = s->sent_us;
		msg.v4.h.checksum = checksum(&msg.v4, sizeof(msg.v4));
		len = sizeof(msg.v4);
	}
	if (sendto(p->icmp_fd, &msg, len, 0, &dst->sa, dlen) < 0)
		return -errno;
	return 0;
}

static int send_tcp(struct prober *p, struct probe_slot *s,
		    const union sockaddr_inet *dst, socklen_t dlen,
		    unsigned int slot, probe_watch watch, void *ctx)
{
	int ret;

	s->fd = socket(fam_af(p->fam),
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	ret = bind_to_link(s->fd, p);
	if (!ret && connect(s->fd, &dst->sa, dlen) && errno != EINPROGRESS)
		ret = -errno;
	if (!ret)
		ret = watch(ctx, s->fd, slot);
	return ret;
}

void prober_send(struct prober *p, uint64_t now_us, probe_watch watch,
		 void *ctx)
{
	const struct link_config *l = p->cfg;
	uint64_t interval = (uint64_t)l->interval_ms * 1000;

	while (p->next_send_us <= now_us && p->count < PROBE_RING) {
		unsigned int slot = (p->head + p->count) % PROBE_RING;
		struct probe_slot *s = &p->ring[slot];
		union sockaddr_inet dst;
		/* a raw socket's port is its protocol: 0 */
		socklen_t dlen =
			sockaddr_set(&dst, p->fam,
				     &l->track[p->next_target].addr,
				     l->probe == PROBE_TCP ? l->probe_port : 0);
		int ret;

		p->next_target = target_after(l, p->fam, p->next_target);
		s->state = SLOT_WAIT;
		s->seq = p->seq++;
		s->sent_us = now_us;
		s->sent_rt_ns = realtime_ns();
		p->count++;
		p->sent++;
		if (l->probe == PROBE_ICMP)
			ret = send_icmp(p, s, &dst, dlen);
		else
			ret = send_tcp(p, s, &dst, dlen, slot, watch, ctx);
		/* no route, no address: lost, in its turn */
		if (ret)
			settle(s, false, now_us, 0);

		p->next_send_us += interval;
		/* late by more than one interval: do not send a burst */
		if (p->next_send_us + interval <= now_us)
			p->next_send_us = now_us + interval;
	}
}

/* The in-flight probe with sequence number @seq, if any. */
static struct probe_slot *find_seq(struct prober *p, uint16_t seq)
{
	for (unsigned int i = 0; i < p->count; i++) {
		struct probe_slot *s = &p->ring[(p->head + i) % PROBE_RING];

		if (s->state == SLOT_WAIT && s->seq == seq)
			return s;
	}
	return NULL;
}

/* The receive time the kernel attached to @msg, in ns of CLOCK_REALTIME. */
static uint64_t rx_time_ns(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (uint64_t)ts.tv_sec * 1000000000 +
			       (uint64_t)ts.tv_nsec;
		}
	return 0;
}

/*
 * Whether the @n bytes read from a raw socket are an echo reply: its
 * identifier and sequence number. IPv4's come with their IP header.
 */
static bool echo_reply4(const uint8_t *buf, size_t n, uint16_t *id,
			uint16_t *seq)
{
	struct iphdr ip;
	struct icmphdr h;
	size_t hl;

	if (n < sizeof(ip))
		return false;
	memcpy(&ip, buf, sizeof(ip));
	hl = (size_t)ip.ihl * 4;
	if (n < hl + sizeof(h))
		return false;
	memcpy(&h, buf + hl, sizeof(h));
	*id = ntohs(h.un.echo.id);
	*seq = ntohs(h.un.echo.sequence);
	return h.type == ICMP_ECHOREPLY;
}

/* IPv6's come without. */
static bool echo_reply6(const uint8_t *buf, size_t n, uint16_t *id,
			uint16_t *seq)
{
	struct icmp6_hdr h;

	if (n < sizeof(h))
		return false;
	memcpy(&h, buf, sizeof(h));
	*id = ntohs(h.icmp6_id);
	*seq = ntohs(h.icmp6_seq);
	return h.icmp6_type == ICMP6_ECHO_REPLY;
}

void prober_icmp_input(struct prober *p, uint64_t now_us)
{
	uint8_t buf[512];
	char control[CMSG_SPACE(sizeof(struct timespec))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (p->icmp_fd < 0)
		return;
	for (;;) {
		struct probe_slot *s;
		uint64_t rx_ns, rtt_us = 0;
		uint16_t id, seq;
		bool echo;

		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		n = recvmsg(p->icmp_fd, &msg, MSG_DONTWAIT);
		if (n <= 0)
			break;
		echo = p->fam == FAM_IPV6 ?
			       echo_reply6(buf, (size_t)n, &id, &seq) :
			       echo_reply4(buf, (size_t)n, &id, &seq);
		/* two links may share an address: the identifier tells */
		if (!echo || id != p->ident)
			continue;
		s = find_seq(p, seq);
		if (!s)
			continue;
		rx_ns = rx_time_ns(&msg);
		if (rx_ns > s->sent_rt_ns)
			rtt_us = (rx_ns - s->sent_rt_ns) / 1000;
		settle(s, true, now_us, rtt_us);
	}
}

void prober_tcp_input(struct prober *p, unsigned int slot, uint64_t now_us)
{
	struct probe_slot *s = &p->ring[slot % PROBE_RING];
	socklen_t len = sizeof(int);
	struct tcp_info ti;
	uint64_t rtt_us = 0;
	int err = 0;

	if (s->state != SLOT_WAIT || s->fd < 0)
		return;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	/* connected: the kernel timed the handshake itself */
	len = sizeof(ti);
	if (!err && !getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) &&
	    ti.tcpi_rtt)
		rtt_us = ti.tcpi_rtt;
	/* connected, or refused by the target itself: the path works */
	settle(s, err == 0 || err == ECONNREFUSED, now_us, rtt_us);
}

/*
 * Whatever answered the head probe already, taken in before it is judged
 * lost: after a stall of the loop, answers wait in the sockets.
 */
static void take_in(struct prober *p, uint64_t now_us)
{
	struct probe_slot *s = &p->ring[p->head];
	struct pollfd pfd;

	if (s->fd < 0) {
		prober_icmp_input(p, now_us);
		return;
	}
	pfd = (struct pollfd){ .fd = s->fd, .events = POLLOUT };
	if (poll(&pfd, 1, 0) == 1)
		prober_tcp_input(p, p->head, now_us);
}

bool prober_outcome(struct prober *p, uint64_t now_us, bool *answered,
		    double *rtt_ms)
{
	struct probe_slot *s;
	uint64_t timeout = (uint64_t)p->cfg->timeout_ms * 1000;

	if (!p->count)
		return false;
	s = &p->ring[p->head];
	if (s->state == SLOT_WAIT && now_us - s->sent_us >= timeout)
		take_in(p, now_us);
	if (s->state == SLOT_WAIT && now_us - s->sent_us >= timeout)
		settle(s, false, now_us, 0);
	if (s->state == SLOT_WAIT)
		return false;
	*answered = s->state == SLOT_ANSWERED;
	*rtt_ms = s->rtt_ms;
	p->lost += !*answered;
	s->state = SLOT_FREE;
	p->head = (p->head + 1) % PROBE_RING;
	p->count--;
	return true;
}

uint64_t prober_deadline(const struct prober *p)
{
	uint64_t next = p->next_send_us;

	if (p->count) {
		const struct probe_slot *s = &p->ring[p->head];
		uint64_t t = s->state == SLOT_WAIT ?
				     s->sent_us + (uint64_t)p->cfg->timeout_ms *
							  1000 :
				     0; /* settled: deliver now */

		if (t < next)
			next = t;
	}
	return next;
}
