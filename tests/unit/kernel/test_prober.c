// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The prober against the kernel, as root, in a network namespace of the
 * test's own (live.h) and a peer namespace joined to it by a veth pair:
 *
 *   this namespace  fp0 ══════ fp1  peer namespace
 *   10.7.0.1, 10.7.0.5         10.7.0.2  (answers; TCP: listens on LISTEN)
 *   2001:db8:7::1, ::5         2001:db8:7::2
 *   10.7.0.9, 2001:db8:7::9: static neighbours no one has (never answer)
 *   fpd (a veth to nowhere): the main table's route to the peer's addresses
 *
 * Probes are bound to .5 and ::5, which the kernel would not choose (a
 * secondary address; a deprecated one), and go to the peer by fp0 only if
 * bound to it. An nftables counter in the output hook counts the probes
 * that leave with the mark, device and source wanted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "kernel/prober.h"
#include "lib/monotonic.h"

#include "live.h"

#define MARK 0x100
#define LISTEN 7777 /* the peer's listening port */
#define REFUSE 7778 /* a port the peer refuses */
#define TIMEOUT_MS 300
#define IDENT 0x4242
#define OUTCOMES 64
#define RUNS_MAX 4 /* probers driven at once */

static const char *const src_of[FAM_MAX] = { "10.7.0.5", "2001:db8:7::5" };
static char peer[32]; /* the peer namespace's name, once made */
static int listener = -1;
static int stamper = -1;

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run a shell command; the test fails unless it succeeds. */
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	if (system(cmd))
		fail_msg("failed: %s", cmd);
}

static union inaddr addr(const char *s, enum fam *f)
{
	union inaddr a = { 0 };

	if (inet_pton(AF_INET, s, &a.v4) == 1)
		*f = FAM_IPV4;
	else if (inet_pton(AF_INET6, s, &a.v6) == 1)
		*f = FAM_IPV6;
	else
		fail_msg("bad address %s", s);
	return a;
}

/* A link on fp0 probing @targets (NULL-terminated, either family). */
static struct link_config link_of(enum probe_kind probe, uint16_t port,
				  const char *const *targets)
{
	struct link_config l = {
		.name = "fp0",
		.ifname = "fp0",
		.probe = probe,
		.probe_port = port,
		.interval_ms = 20,
		.timeout_ms = TIMEOUT_MS,
	};

	for (; *targets; targets++) {
		struct track_target *t = &l.track[l.ntrack++];

		t->addr = addr(*targets, &t->fam);
	}
	return l;
}

/* A listening socket of both families in the peer namespace. */
static int peer_listener(void)
{
	struct sockaddr_in6 any = { .sin6_family = AF_INET6,
				    .sin6_port = htons(LISTEN) };
	char path[64];
	int self, other, fd, zero = 0;

	snprintf(path, sizeof(path), "/run/netns/%s", peer);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	other = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(self >= 0 && other >= 0);
	assert_int_equal(setns(other, CLONE_NEWNET), 0);
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
				    sizeof(zero)),
			 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&any, sizeof(any)), 0);
	/* the kernel completes the handshakes: nothing needs to accept */
	assert_int_equal(listen(fd, 128), 0);
	assert_int_equal(setns(self, CLONE_NEWNET), 0);
	close(self);
	close(other);
	return fd;
}

/* Live (live.h), with the network above made once. */
static void live_net(void)
{
	int one = 1;

	if (!live_netns())
		skip();
	if (peer[0])
		return;
	snprintf(peer, sizeof(peer), "fpt-prober-%d", (int)getpid());
	sh("set -e; P=%s\n"
	   "ip netns add $P\n"
	   "for n in '' \"ip netns exec $P\"; do\n"
	   "  $n ip link set lo up\n"
	   "  $n sysctl -qw net.ipv6.conf.all.disable_ipv6=0"
	   " net.ipv6.conf.default.disable_ipv6=0"
	   " net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0\n"
	   "done\n"
	   "ip link add fp0 type veth peer name fp1 netns $P\n"
	   "ip addr add 10.7.0.1/24 dev fp0\n"
	   "ip addr add 10.7.0.5/24 dev fp0\n"
	   "ip addr add 2001:db8:7::1/64 dev fp0 nodad\n"
	   "ip addr add 2001:db8:7::5/64 dev fp0 nodad preferred_lft 0\n"
	   "ip link set fp0 up\n"
	   /* a decoy: the main table's way to the peer, were it not bound */
	   "ip link add fpd type veth peer name fpe\n"
	   "ip link set fpe up\n"
	   "ip link set fpd up\n"
	   "ip route add 10.7.0.2/32 dev fpd\n"
	   "ip route add 2001:db8:7::2/128 dev fpd\n"
	   "ip neigh replace 10.7.0.9 lladdr 02:00:00:07:00:09"
	   " dev fp0 nud permanent\n"
	   "ip neigh replace 2001:db8:7::9 lladdr 02:00:00:07:00:09"
	   " dev fp0 nud permanent\n"
	   "ip netns exec $P ip addr add 10.7.0.2/24 dev fp1\n"
	   "ip netns exec $P ip addr add 2001:db8:7::2/64 dev fp1 nodad\n"
	   "ip netns exec $P ip link set fp1 up\n"
	   /* until both carriers are on, a veth drops what it is given */
	   "for i in $(seq 100); do\n"
	   "  ip -o link show fp0 | grep -q 'state UP' &&\n"
	   "  ip netns exec $P ip -o link show fp1 | grep -q 'state UP' &&\n"
	   "  exit 0\n"
	   "  sleep 0.05\n"
	   "done\n"
	   "exit 1\n",
	   peer);
	/* every probe counted, and those with the mark, device and source */
	sh("nft -f - <<'EOF'\n"
	   "table inet fpt {\n"
	   "  counter probes { }\n"
	   "  counter wanted { }\n"
	   "  chain out {\n"
	   "    type filter hook output priority 0; policy accept;\n"
	   "    meta l4proto { icmp, ipv6-icmp, tcp } jump probe\n"
	   "  }\n"
	   "  chain probe {\n"
	   "    icmp type != echo-request return\n"
	   "    icmpv6 type != echo-request return\n"
	   "    tcp flags & (syn | ack) != syn return\n"
	   "    counter name probes\n"
	   "    meta mark %#x oifname \"fp0\" ip saddr %s counter name wanted\n"
	   "    meta mark %#x oifname \"fp0\" ip6 saddr %s counter name wanted\n"
	   "  }\n"
	   "}\n"
	   "EOF\n",
	   MARK, src_of[FAM_IPV4], MARK, src_of[FAM_IPV6]);
	listener = peer_listener();
	/*
	 * The kernel turns receive timestamps on for all once a socket
	 * wants them, but not at once: until its work has run, a packet
	 * gets the time it is read. Kept on, as a running daemon keeps it.
	 */
	stamper = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(stamper >= 0);
	assert_int_equal(setsockopt(stamper, SOL_SOCKET, SO_TIMESTAMPNS, &one,
				    sizeof(one)),
			 0);
	usleep(10 * 1000);
}

static int teardown(void **state)
{
	(void)state;
	if (listener >= 0)
		close(listener);
	if (stamper >= 0)
		close(stamper);
	if (peer[0])
		sh("ip netns del %s", peer);
	return 0;
}

/* The packets counter @name has counted so far. */
static unsigned long counted(const char *name)
{
	char cmd[128], line[256];
	unsigned long n = 0;
	bool found = false;
	const char *at;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nft list counter inet fpt %s", name);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if ((at = strstr(line, "packets "))) {
			n = strtoul(at + strlen("packets "), NULL, 10);
			found = true;
		}
	assert_int_equal(pclose(f), 0);
	assert_true(found);
	return n;
}

/* One prober driven as the daemon's loop does, and what came out. */
struct run {
	struct prober p;
	unsigned int want; /* probes to send */
	unsigned int n; /* outcomes so far */
	bool answered[OUTCOMES];
	double rtt_ms[OUTCOMES];
	int watched[PROBE_RING]; /* TCP probes' sockets, by slot */
};

/* static: a failed assertion leaves nothing to free */
static struct run pool[RUNS_MAX];

static int watch(void *ctx, int fd, unsigned int slot)
{
	struct run *r = ctx;

	r->watched[slot] = fd;
	return 0;
}

static void run_start(struct run *r, const struct link_config *l, enum fam fam,
		      uint32_t mark, const char *src, uint16_t ident,
		      unsigned int want)
{
	enum fam f;
	union inaddr a = addr(src, &f);

	assert_int_equal(f, fam);
	/* what a failed test left running */
	if (prober_running(&r->p))
		prober_stop(&r->p);
	memset(r, 0, sizeof(*r));
	for (unsigned int i = 0; i < PROBE_RING; i++)
		r->watched[i] = -1;
	r->want = want;
	assert_int_equal(prober_start(&r->p, l, fam, mark, &a, ident,
				      monotonic_us()),
			 0);
	assert_true(prober_running(&r->p));
	assert_int_equal(r->p.fam, fam);
}

static bool tcp_live(const struct run *r, unsigned int slot)
{
	const struct probe_slot *s = &r->p.ring[slot];

	return r->watched[slot] >= 0 && s->fd == r->watched[slot] &&
	       s->state == SLOT_WAIT;
}

/* Send @want probes on each of @runs, until all their outcomes are in. */
static void drive(struct run *runs, unsigned int nruns)
{
	uint64_t give_up = monotonic_us() + 10 * 1000 * 1000;

	assert_true(nruns <= RUNS_MAX);

	for (;;) {
		struct pollfd pfd[RUNS_MAX * (PROBE_RING + 1)];
		struct {
			struct run *r;
			int slot; /* -1: the ICMP socket */
		} of[RUNS_MAX * (PROBE_RING + 1)];
		uint64_t now = monotonic_us(), next = UINT64_MAX;
		unsigned int nfd = 0;
		bool done = true;
		int wait_ms;

		assert_true(now < give_up);
		for (unsigned int i = 0; i < nruns; i++) {
			struct run *r = &runs[i];
			struct prober *p = &r->p;
			bool answered;
			double rtt;

			if (p->seq < r->want)
				prober_send(p, now, watch, r);
			while (prober_outcome(p, now, &answered, &rtt)) {
				assert_true(r->n < OUTCOMES);
				r->answered[r->n] = answered;
				r->rtt_ms[r->n++] = rtt;
			}
			if (r->n < r->want || p->count)
				done = false;
			if ((p->count || p->seq < r->want) &&
			    prober_deadline(p) < next)
				next = prober_deadline(p);
			if (p->icmp_fd >= 0) {
				pfd[nfd] = (struct pollfd){ .fd = p->icmp_fd,
							    .events = POLLIN };
				of[nfd].r = r;
				of[nfd++].slot = -1;
			}
			for (unsigned int s = 0; s < PROBE_RING; s++) {
				if (!tcp_live(r, s))
					continue;
				pfd[nfd] = (struct pollfd){ .fd = r->watched[s],
							    .events = POLLOUT };
				of[nfd].r = r;
				of[nfd++].slot = (int)s;
			}
		}
		if (done)
			return;
		wait_ms = next > now ? (int)((next - now + 999) / 1000) : 0;
		if (poll(pfd, nfd, wait_ms ? wait_ms : 1) < 0)
			fail_msg("poll: %s", strerror(errno));
		now = monotonic_us();
		for (unsigned int i = 0; i < nfd; i++) {
			struct run *r = of[i].r;

			if (!pfd[i].revents)
				continue;
			if (of[i].slot < 0) {
				prober_icmp_input(&r->p, now);
			} else if (tcp_live(r, (unsigned int)of[i].slot)) {
				r->watched[of[i].slot] = -1;
				prober_tcp_input(&r->p,
						 (unsigned int)of[i].slot, now);
			}
		}
	}
}

/*
 * The targets alternate: one answers, the next does not. Every answer has
 * an RTT within the timeout.
 */
static void check_alternate(const struct run *r)
{
	assert_true(r->n >= r->want);
	for (unsigned int i = 0; i < r->n; i++) {
		assert_int_equal(r->answered[i], i % 2 == 0);
		if (r->answered[i]) {
			assert_true(r->rtt_ms[i] > 0);
			assert_true(r->rtt_ms[i] < TIMEOUT_MS);
		}
	}
}

static void test_no_target_of_family(void **state)
{
	static const char *const only4[] = { "192.0.2.1", "192.0.2.2", NULL };
	static const char *const only6[] = { "2001:db8::1", NULL };
	static const char *const none[] = { NULL };
	struct link_config l4 = link_of(PROBE_ICMP, 0, only4);
	struct link_config l6 = link_of(PROBE_TCP, 80, only6);
	struct link_config l0 = link_of(PROBE_ICMP, 0, none);
	union inaddr src = { 0 };
	struct prober p;

	(void)state;
	prober_init(&p);
	assert_int_equal(prober_start(&p, &l4, FAM_IPV6, MARK, &src, 1, 0),
			 -ENOENT);
	assert_false(prober_running(&p));
	assert_int_equal(p.icmp_fd, -1);
	assert_int_equal(prober_start(&p, &l6, FAM_IPV4, MARK, &src, 1, 0),
			 -ENOENT);
	assert_false(prober_running(&p));
	assert_int_equal(prober_start(&p, &l0, FAM_IPV4, MARK, &src, 1, 0),
			 -ENOENT);
	assert_false(prober_running(&p));
}

/* ICMP and ICMPv6 at once on one link, the same identifier on both. */
static void test_icmp(void **state)
{
	static const char *const targets[] = { "10.7.0.2", "2001:db8:7::2",
					       "10.7.0.9", "2001:db8:7::9",
					       NULL };
	struct link_config l = link_of(PROBE_ICMP, 0, targets);
	unsigned long probes, wanted;

	(void)state;
	live_net();
	probes = counted("probes");
	wanted = counted("wanted");
	for (int f = 0; f < FAM_MAX; f++)
		run_start(&pool[f], &l, f, MARK, src_of[f], IDENT, 8);
	drive(pool, FAM_MAX);
	for (int f = 0; f < FAM_MAX; f++) {
		check_alternate(&pool[f]);
		/* counted: every other probe lost; kept across a stop */
		assert_int_equal(pool[f].p.sent, pool[f].n);
		assert_int_equal(pool[f].p.lost, pool[f].n / 2);
		prober_stop(&pool[f].p);
		assert_false(prober_running(&pool[f].p));
		assert_int_equal(pool[f].p.sent, pool[f].n);
		assert_int_equal(pool[f].p.lost, pool[f].n / 2);
	}
	assert_int_equal(counted("probes") - probes, pool[0].n + pool[1].n);
	assert_int_equal(counted("wanted") - wanted, pool[0].n + pool[1].n);
}

/* tcp:PORT over both families: connected, or refused; or lost. */
static void test_tcp(void **state)
{
	static const char *const targets[] = { "10.7.0.2", "10.7.0.9",
					       "2001:db8:7::2", "2001:db8:7::9",
					       NULL };
	static const char *const refusing[] = { "2001:db8:7::2", "10.7.0.2",
						NULL };
	struct link_config l = link_of(PROBE_TCP, LISTEN, targets);
	struct link_config lr = link_of(PROBE_TCP, REFUSE, refusing);
	unsigned long probes, wanted, sent = 0;

	(void)state;
	live_net();
	probes = counted("probes");
	wanted = counted("wanted");
	for (int f = 0; f < FAM_MAX; f++) {
		run_start(&pool[f], &l, f, MARK, src_of[f], IDENT, 6);
		run_start(&pool[FAM_MAX + f], &lr, f, MARK, src_of[f], IDENT,
			  3);
	}
	drive(pool, 2 * FAM_MAX);
	for (int f = 0; f < FAM_MAX; f++) {
		const struct run *r = &pool[FAM_MAX + f];

		check_alternate(&pool[f]);
		/* the target's RST came back: the path works */
		for (unsigned int i = 0; i < r->n; i++)
			assert_true(r->answered[i]);
	}
	for (int i = 0; i < 2 * FAM_MAX; i++) {
		sent += pool[i].n;
		prober_stop(&pool[i].p);
	}
	assert_int_equal(counted("probes") - probes, sent);
	assert_int_equal(counted("wanted") - wanted, sent);
}

/*
 * The RTT is the kernel's: read 100 ms after the answer came, a probe
 * still has the RTT of the wire, not of the reader.
 */
static void test_kernel_rtt(void **state)
{
	static const char *const targets[] = { "10.7.0.2", "2001:db8:7::2",
					       NULL };
	struct run *r = &pool[0];

	(void)state;
	live_net();
	for (int kind = PROBE_ICMP; kind <= PROBE_TCP; kind++) {
		struct link_config l = link_of(kind, LISTEN, targets);

		for (int f = 0; f < FAM_MAX; f++) {
			bool answered = false;
			double rtt = 0;

			run_start(r, &l, f, MARK, src_of[f], IDENT, 1);
			prober_send(&r->p, monotonic_us(), watch, r);
			assert_int_equal(r->p.count, 1);
			usleep(100 * 1000);
			if (kind == PROBE_ICMP)
				prober_icmp_input(&r->p, monotonic_us());
			else
				prober_tcp_input(&r->p, 0, monotonic_us());
			assert_true(prober_outcome(&r->p, monotonic_us(),
						   &answered, &rtt));
			assert_true(answered);
			assert_true(rtt > 0 && rtt < 50);
			prober_stop(&r->p);
		}
	}
}

/* The counter tells: another mark, or the kernel's own source, is not wanted.
 */
static void test_counter_tells(void **state)
{
	static const char *const targets[] = { "10.7.0.2", "2001:db8:7::2",
					       NULL };
	static const char *const other_src[FAM_MAX] = { "10.7.0.1",
							"2001:db8:7::1" };
	struct link_config l = link_of(PROBE_ICMP, 0, targets);
	unsigned long probes, wanted, sent = 0;

	(void)state;
	live_net();
	probes = counted("probes");
	wanted = counted("wanted");
	for (int f = 0; f < FAM_MAX; f++) {
		run_start(&pool[f], &l, f, MARK + 0x100, src_of[f], IDENT, 2);
		run_start(&pool[FAM_MAX + f], &l, f, MARK, other_src[f], IDENT,
			  2);
	}
	drive(pool, 2 * FAM_MAX);
	for (int i = 0; i < 2 * FAM_MAX; i++) {
		/* answered all the same: they left by fp0 */
		for (unsigned int k = 0; k < pool[i].n; k++)
			assert_true(pool[i].answered[k]);
		sent += pool[i].n;
		prober_stop(&pool[i].p);
	}
	assert_int_equal(counted("probes") - probes, sent);
	assert_int_equal(counted("wanted") - wanted, 0);
}

/*
 * Two probers from one address, one to a target that answers, the other
 * to one that does not: the identifier keeps the answers apart, though
 * both sockets read them and the sequence numbers are the same.
 */
static void test_ident(void **state)
{
	static const char *const up[] = { "10.7.0.2", "2001:db8:7::2", NULL };
	static const char *const dead[] = { "10.7.0.9", "2001:db8:7::9", NULL };
	struct link_config lu = link_of(PROBE_ICMP, 0, up);
	struct link_config ld = link_of(PROBE_ICMP, 0, dead);

	(void)state;
	live_net();
	for (int f = 0; f < FAM_MAX; f++) {
		run_start(&pool[f], &lu, f, MARK, src_of[f], IDENT, 3);
		run_start(&pool[FAM_MAX + f], &ld, f, MARK, src_of[f],
			  IDENT + 1, 3);
	}
	drive(pool, 2 * FAM_MAX);
	for (int i = 0; i < 2 * FAM_MAX; i++) {
		for (unsigned int k = 0; k < pool[i].n; k++)
			assert_int_equal(pool[i].answered[k], i < FAM_MAX);
		prober_stop(&pool[i].p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_target_of_family),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_kernel_rtt),
		cmocka_unit_test(test_counter_tells),
		cmocka_unit_test(test_ident),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
