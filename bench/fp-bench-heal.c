// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fp-bench-heal: the timing of bench/dynamic.sh, uplinks and a table that
 * change under flowpin. Every time is CLOCK_MONOTONIC, one clock for all
 * network namespaces, so the figures of two commands in two namespaces
 * compare.
 *
 *   fp-bench-heal route -o IF -g GW [-t TABLE] [-w MS] [COMMAND [ARGS...]]
 *	A DHCP client's renumbering: COMMAND (the address change, run to its
 *	end), then "default via GW dev IF" added to the main table as "ip
 *	route add" adds it (protocol boot); "command NS" is the time just
 *	before COMMAND, "t0 NS" just before the route's request, "ack_ms"
 *	when the kernel had it. With -t, the time from t0 until table TABLE
 *	has a default route via GW ("table_ms", "-" when none came within
 *	-w MS, 3000), on the route notifications.
 *
 *   fp-bench-heal connect -s PORT[,PORT...] [-i US] [-t MS] HOST PORT
 *	A new TCP connection every -i US (1000), from the source ports in
 *	turn (one in use is skipped), each asking the server (fp-traffic
 *	serve) what it saw, given -t MS (2000), and closed with a reset (no
 *	TIME_WAIT: a port serves again at once), until SIGTERM. One line per
 *	attempt as it ends: "ok START END ADDR" (the address the server saw)
 *	or "fail START END ERROR" ("pending": still under way at SIGTERM),
 *	times in ns.
 *
 *   fp-bench-heal stream -s SPORT [-r PPS] HOST PORT
 *	One UDP flow from SPORT, PPS (5000) datagrams a second, until
 *	SIGTERM; then "sent N" and "pps N".
 *
 *   fp-bench-heal nft -p PID [-w MS] -- COMMAND [ARGS...]
 *	Watches nftables (the monitor group), runs COMMAND (another process
 *	changing the ruleset: nft flush ruleset) and times, from just before
 *	it starts, the end of its transaction ("commit_ms"), then of the
 *	first transaction of process PID (flowpin) that adds the chain
 *	"prerouting" of table inet flowpin, the marks back ("marks_ms"), and
 *	of the first that adds its chain "postrouting", the whole table
 *	("whole_ms"); "-" for what did not come within -w MS (3000).
 *
 *   fp-bench-heal load -c CONFIG [-n RUNS]
 *	The baseline: the two transactions flowpin makes to restore its
 *	table for CONFIG (the mark-restoring chains alone, then the whole
 *	table over them), run directly (libnftables, in this process). Once
 *	on a quiet namespace from no table ("quiet_marks_ms",
 *	"quiet_marks_then_whole_ms"; "quiet_whole_ms" the whole table alone),
 *	and once as a healer does it: the table loaded, "nft flush ruleset"
 *	run, and the two started as the monitor has the flush's end, timed
 *	from there ("run MARKS_MS WHOLE_MS" each, then the medians
 *	"marks_ms", "marks_then_whole_ms"); the nft process exits meanwhile,
 *	as it does under flowpin. Medians of RUNS (20). Run it in a namespace
 *	of its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h> /* before linux/netfilter.h, which has linux/in.h */
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/bucket.h"
#include "core/ruleset.h"
#include "daemon/config_file.h"
#include "kernel/nftables.h"
#include "kernel/nftmon.h"
#include "kernel/rtmon.h"

#include "bench.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int usage(void)
{
	fputs("usage: fp-bench-heal route -o IF -g GW [-t TABLE] [-w MS] [COMMAND...]\n"
	      "       fp-bench-heal connect -s PORT[,PORT...] [-i US] [-t MS] HOST PORT\n"
	      "       fp-bench-heal stream -s SPORT [-r PPS] HOST PORT\n"
	      "       fp-bench-heal nft -p PID [-w MS] -- COMMAND [ARGS...]\n"
	      "       fp-bench-heal load -c CONFIG [-n RUNS]\n",
	      stderr);
	return 2;
}

static int addr_port(const char *host, const char *port, struct sockaddr_in *a)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)atoi(port));
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

/* Run a command to its end; 0 when it succeeded. */
static int run_command(char **argv)
{
	int status;
	pid_t child = fork();

	if (child == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (child < 0 || waitpid(child, &status, 0) != child)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* "default via @gw dev @oif" in the main table, as "ip route add" adds it */
static int add_default(struct nl *nl, struct in_addr gw, int oif)
{
	struct nlmsghdr *nlh =
		nl_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gw), &gw);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	return nl_talk(nl, nlh, NULL, NULL);
}

/* route: the DHCP client's renumbering, then flowpin's route. */
static int cmd_route(int argc, char **argv)
{
	struct in_addr gw = { 0 };
	uint32_t table = 0;
	int wait_ms = 3000, opt, oif = 0, ret;
	uint64_t cmd, t0, t1 = 0, ack, deadline;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nl mon, req;

	while ((opt = getopt(argc, argv, "+o:g:t:w:")) != -1) {
		if (opt == 'g' && inet_pton(AF_INET, optarg, &gw) == 1)
			continue;
		else if (opt == 'o')
			oif = (int)if_nametoindex(optarg);
		else if (opt == 't')
			table = (uint32_t)strtoul(optarg, NULL, 0);
		else if (opt == 'w')
			wait_ms = atoi(optarg);
		else
			return usage();
	}
	if (!gw.s_addr || !oif)
		return usage();
	if (rtmon_open(&mon) || nl_open(&req, NETLINK_ROUTE, 0)) {
		perror("fp-bench-heal route: netlink");
		return 1;
	}
	/* the address change, as the DHCP client's script makes it */
	cmd = now_ns();
	if (optind < argc && run_command(argv + optind)) {
		fprintf(stderr, "fp-bench-heal route: %s failed\n",
			argv[optind]);
		return 1;
	}
	t0 = now_ns();
	ret = add_default(&req, gw, oif);
	ack = now_ns();
	if (ret) {
		fprintf(stderr, "fp-bench-heal route: default via %s: %s\n",
			inet_ntoa(gw), nl_strerror(&req, ret));
		return 1;
	}
	deadline = t0 + (uint64_t)wait_ms * 1000000u;
	while (table && !t1 && now_ns() < deadline) {
		struct pollfd p = { nl_fd(&mon), POLLIN, 0 };
		int left = (int)((deadline - now_ns()) / 1000000u) + 1;
		ssize_t n;

		if (poll(&p, 1, left) <= 0)
			continue;
		n = recv(nl_fd(&mon), buf, sizeof(buf), MSG_DONTWAIT);
		uint64_t t = now_ns();
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;

		for (; n > 0 && mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			struct rtmon_event ev;

			if (!rtmon_parse(nlh, &ev) && ev.kind == RTMON_ROUTE &&
			    !ev.deleted && !ev.route.dst_len &&
			    ev.route.gw.v4.s_addr == gw.s_addr &&
			    ev.table == table && !t1)
				t1 = t;
		}
	}
	nl_close(&mon);
	nl_close(&req);
	printf("command %llu\nt0 %llu\nack_ms %.3f\n", (unsigned long long)cmd,
	       (unsigned long long)t0, (double)(ack - t0) / 1e6);
	if (!table)
		return 0;
	if (t1)
		printf("table_ms %.3f\n", (double)(t1 - t0) / 1e6);
	else
		printf("table_ms -\n");
	return 0;
}

/* connect: one attempt */
struct attempt {
	int fd; /* -1: a free slot */
	unsigned int port;
	bool sent;
	uint64_t start, deadline;
};

/* One line per attempt, as it ends (stdout is line-buffered). */
static void record(const struct attempt *a, bool ok, const char *what)
{
	printf("%s %llu %llu %s\n", ok ? "ok" : "fail",
	       (unsigned long long)a->start, (unsigned long long)now_ns(),
	       what);
}

static void finish(int ep, struct attempt *a, bool ok, const char *what)
{
	record(a, ok, what);
	epoll_ctl(ep, EPOLL_CTL_DEL, a->fd, NULL);
	close(a->fd); /* SO_LINGER 0: a reset */
	a->fd = -1;
}

/* Start a connection from @port in slot @a; false when it cannot start. */
static bool start(int ep, struct attempt *a, unsigned int port,
		  const struct sockaddr_in *dst, uint64_t timeout_ns)
{
	struct linger lg = { 1, 0 };
	struct sockaddr_in src = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };
	struct epoll_event ev = { .events = EPOLLOUT };
	int one = 1;

	a->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0)
		return false;
	setsockopt(a->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(a->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	setsockopt(a->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	a->port = port;
	a->sent = false;
	a->start = now_ns();
	a->deadline = a->start + timeout_ns;
	if (bind(a->fd, (const struct sockaddr *)&src, sizeof(src))) {
		close(a->fd);
		a->fd = -1;
		return false;
	}
	ev.data.ptr = a;
	epoll_ctl(ep, EPOLL_CTL_ADD, a->fd, &ev);
	if (connect(a->fd, (const struct sockaddr *)dst, sizeof(*dst)) &&
	    errno != EINPROGRESS)
		finish(ep, a, false, strerror(errno));
	return true;
}

static void progress(int ep, struct attempt *a)
{
	char line[128];
	int err = 0;
	socklen_t len = sizeof(err);

	if (!a->sent) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = a };

		if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &len) ||
		    err) {
			finish(ep, a, false, strerror(err ? err : errno));
			return;
		}
		if (write(a->fd, "?\n", 2) != 2) {
			finish(ep, a, false, strerror(errno));
			return;
		}
		a->sent = true;
		epoll_ctl(ep, EPOLL_CTL_MOD, a->fd, &ev);
		return;
	}
	ssize_t n = read(a->fd, line, sizeof(line) - 1);

	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		finish(ep, a, false, n < 0 ? strerror(errno) : "closed");
		return;
	}
	line[n] = '\0';
	line[strcspn(line, " \n")] = '\0'; /* "ADDR PORT\n": the address */
	finish(ep, a, true, line);
}

static int cmd_connect(int argc, char **argv)
{
	enum { SLOTS = 1024 };
	static struct attempt slots[SLOTS];
	unsigned int ports[4096], nports = 0, next = 0;
	long interval_us = 1000;
	uint64_t timeout_ns = 2000000000u, due;
	struct sockaddr_in dst;
	int opt, ep;
	char *s, *tok;

	while ((opt = getopt(argc, argv, "s:i:t:")) != -1) {
		if (opt == 's') {
			for (s = optarg; (tok = strtok(s, ",")); s = NULL)
				if (nports < sizeof(ports) / sizeof(ports[0]))
					ports[nports++] =
						(unsigned int)atoi(tok);
		} else if (opt == 'i') {
			interval_us = atol(optarg);
		} else if (opt == 't') {
			timeout_ns = (uint64_t)atol(optarg) * 1000000u;
		} else {
			return usage();
		}
	}
	if (!nports || interval_us < 1 || argc - optind != 2 ||
	    addr_port(argv[optind], argv[optind + 1], &dst))
		return usage();
	on_stop_signals();
	setvbuf(stdout, NULL, _IOLBF, 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < SLOTS; i++)
		slots[i].fd = -1;
	due = now_ns();
	while (!stop) {
		struct epoll_event evs[64];
		uint64_t t = now_ns();
		int wait_ms = t >= due ? 0 : (int)((due - t) / 1000000u);

		/* the next attempt, from the next port not in use */
		if (t >= due) {
			for (unsigned int k = 0; k < nports; k++) {
				unsigned int port = ports[next];
				struct attempt *free_slot = NULL;
				bool busy = false;

				next = (next + 1) % nports;
				for (int i = 0; i < SLOTS; i++) {
					if (slots[i].fd < 0 && !free_slot)
						free_slot = &slots[i];
					busy |= slots[i].fd >= 0 &&
						slots[i].port == port;
				}
				if (busy || !free_slot)
					continue;
				if (start(ep, free_slot, port, &dst,
					  timeout_ns))
					break;
			}
			due += (uint64_t)interval_us * 1000u;
			if (due < t)
				due = t; /* late: no burst to catch up */
			continue;
		}
		int n = epoll_wait(ep, evs, 64, wait_ms);

		for (int i = 0; i < n; i++)
			progress(ep, evs[i].data.ptr);
		t = now_ns();
		for (int i = 0; i < SLOTS; i++)
			if (slots[i].fd >= 0 && t > slots[i].deadline)
				finish(ep, &slots[i], false, "timeout");
	}
	/* what is still under way has not succeeded */
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].fd >= 0)
			finish(ep, &slots[i], false, "pending");
	return 0;
}

/* stream: one UDP flow at a steady rate */
static int cmd_stream(int argc, char **argv)
{
	struct sockaddr_in src = { .sin_family = AF_INET }, dst;
	long pps = 5000;
	unsigned long long sent = 0;
	uint64_t t0, step, due;
	char payload[18] = "fp-bench-heal";
	char junk[512];
	int opt, fd, one = 1;

	while ((opt = getopt(argc, argv, "s:r:")) != -1) {
		if (opt == 's')
			src.sin_port = htons((uint16_t)atoi(optarg));
		else if (opt == 'r')
			pps = atol(optarg);
		else
			return usage();
	}
	if (!src.sin_port || pps < 1 || argc - optind != 2 ||
	    addr_port(argv[optind], argv[optind + 1], &dst))
		return usage();
	on_stop_signals();
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
		perror("fp-bench-heal stream");
		return 1;
	}
	step = 1000000000u / (uint64_t)pps;
	t0 = due = now_ns();
	while (!stop) {
		struct timespec ts = { (time_t)(due / 1000000000u),
				       (long)(due % 1000000000u) };

		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		/* on time, or catching up after a late wake-up */
		for (uint64_t t = now_ns(); due <= t && !stop; due += step)
			if (send(fd, payload, sizeof(payload), MSG_DONTWAIT) >
			    0)
				sent++;
		/* the server's answers: read and dropped */
		while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
			;
	}
	printf("sent %llu\npps %.0f\n", sent,
	       (double)sent * 1e9 / (double)(now_ns() - t0));
	return 0;
}

/* nft: the chain a NEWCHAIN notification names, or "" */
static void chain_name(const struct nlmsghdr *nlh, char *name, size_t size)
{
	struct nlattr *a;

	name[0] = '\0';
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_CHAIN_NAME &&
		    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			snprintf(name, size, "%s", mnl_attr_get_str(a));
}

static void print_ms(const char *key, uint64_t t, uint64_t t0)
{
	if (t)
		printf("%s %.3f\n", key, (double)(t - t0) / 1e6);
	else
		printf("%s -\n", key);
}

static int cmd_nft(int argc, char **argv)
{
	uint32_t flowpin = 0;
	int wait_ms = 3000, opt, status;
	uint64_t t0, deadline, commit = 0, marks = 0, whole = 0;
	bool pre = false, post = false;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nl nl;
	pid_t child;

	while ((opt = getopt(argc, argv, "+p:w:")) != -1) {
		if (opt == 'p')
			flowpin = (uint32_t)atoi(optarg);
		else if (opt == 'w')
			wait_ms = atoi(optarg);
		else
			return usage();
	}
	if (!flowpin || optind >= argc)
		return usage();
	if (nftmon_open(&nl)) {
		perror("fp-bench-heal nft: the nftables monitor");
		return 1;
	}
	t0 = now_ns();
	child = fork();
	if (child == 0) {
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	if (child < 0)
		return 1;
	deadline = t0 + (uint64_t)wait_ms * 1000000u;
	while (!(commit && whole) && now_ns() < deadline) {
		struct pollfd p = { nl_fd(&nl), POLLIN, 0 };
		int left = (int)((deadline - now_ns()) / 1000000u) + 1;
		ssize_t n;

		if (poll(&p, 1, left) <= 0)
			continue;
		n = recv(nl_fd(&nl), buf, sizeof(buf), MSG_DONTWAIT);
		uint64_t t = now_ns();
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0 && errno == ENOBUFS) {
			fprintf(stderr,
				"fp-bench-heal nft: notifications lost\n");
			continue;
		}
		for (; n > 0 && mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			struct nftmon_event ev;
			char chain[NFT_CHAIN_MAXNAMELEN];

			if (nftmon_parse(nlh, &ev))
				continue;
			if (ev.kind == NFTMON_OBJECT &&
			    ev.type == NFT_MSG_NEWCHAIN &&
			    ev.family == NFPROTO_INET &&
			    !strcmp(ev.table, RULESET_TABLE)) {
				chain_name(nlh, chain, sizeof(chain));
				pre |= !strcmp(chain, "prerouting");
				post |= !strcmp(chain, "postrouting");
			}
			if (ev.kind != NFTMON_GEN)
				continue;
			if (ev.pid == (uint32_t)child && !commit)
				commit = t;
			if (ev.pid == flowpin && commit) {
				if (pre && !marks)
					marks = t;
				if (post && !whole)
					whole = t;
			}
			pre = post = false;
		}
	}
	nl_close(&nl);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "fp-bench-heal nft: %s failed\n", argv[optind]);
		return 1;
	}
	print_ms("commit_ms", commit, t0);
	print_ms("marks_ms", marks, t0);
	print_ms("whole_ms", whole, t0);
	return 0;
}

/* load: the baseline */
/*
 * "nft flush ruleset" in a process of its own, as in cmd_nft; returns when
 * the monitor @nl has its transaction's end (its time in ns, 0 when none
 * came within a second), leaving the process to exit meanwhile. *@child:
 * the process, for waitpid.
 */
static uint64_t flush_by_nft(struct nl *nl, pid_t *child)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint64_t deadline = now_ns() + 1000000000u;

	*child = fork();
	if (*child == 0) {
		execlp("nft", "nft", "flush", "ruleset", (char *)NULL);
		_exit(127);
	}
	while (*child > 0 && now_ns() < deadline) {
		struct pollfd p = { nl_fd(nl), POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(nl_fd(nl), buf, sizeof(buf), MSG_DONTWAIT);
		uint64_t t = now_ns();
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;

		for (; n > 0 && mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			struct nftmon_event ev;

			if (!nftmon_parse(nlh, &ev) && ev.kind == NFTMON_GEN &&
			    ev.pid == (uint32_t)*child)
				return t;
		}
	}
	return 0;
}

static int cmd_load(int argc, char **argv)
{
	const char *path = NULL;
	int runs = 20, opt, status;
	struct config c;
	struct bucket_table t;
	struct ruleset_link rl[SLOTS_MAX];
	struct nft_ctx *ctx;
	struct nl nl;

	while ((opt = getopt(argc, argv, "c:n:")) != -1) {
		if (opt == 'c')
			path = optarg;
		else if (opt == 'n')
			runs = atoi(optarg);
		else
			return usage();
	}
	if (!path || runs < 1 ||
	    config_load(&c, path, CONFIG_DIAG_FILE(stderr)))
		return usage();
	ctx = nftables_open();
	if (!ctx || nftmon_open(&nl))
		return 1;
	uint32_t slot_marks[TAKEOVER_SLOTS(&c) + 1];
	struct ruleset rs;

	bench_ruleset(&c, &t, rl, slot_marks, &rs);
	char *marks_script = ruleset_marks_only(&rs);
	char *whole_script = ruleset_table(&rs);
	double quiet_marks[runs], quiet_both[runs], quiet_whole[runs];
	double marks[runs], both[runs];
	char drain[8192];

	if (!marks_script || !whole_script)
		return 1;
	for (int r = 0; r < runs; r++) {
		pid_t child;
		uint64_t t0;

		/* quiet: from no table, nothing else going on */
		nftables_delete_table(ctx);
		quiet_marks[r] =
			bench_nft_ms(ctx, marks_script, "fp-bench-heal load");
		quiet_both[r] =
			quiet_marks[r] +
			bench_nft_ms(ctx, whole_script, "fp-bench-heal load");
		nftables_delete_table(ctx);
		quiet_whole[r] =
			bench_nft_ms(ctx, whole_script, "fp-bench-heal load");
		usleep(50000);
		/* at the end of another process's flush, as a healer sees it */
		t0 = flush_by_nft(&nl, &child);
		if (!t0) {
			fprintf(stderr, "fp-bench-heal load: no flush seen\n");
			return 1;
		}
		bench_nft_ms(ctx, marks_script, "fp-bench-heal load");
		marks[r] = (double)(now_ns() - t0) / 1e6;
		bench_nft_ms(ctx, whole_script, "fp-bench-heal load");
		both[r] = (double)(now_ns() - t0) / 1e6;
		printf("run %.3f %.3f\n", marks[r], both[r]);
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			return 1;
		/* what the monitor saw of the two: read and dropped */
		while (recv(nl_fd(&nl), drain, sizeof(drain), MSG_DONTWAIT) > 0)
			;
		usleep(50000);
	}
	nftables_delete_table(ctx);
	nl_close(&nl);
	printf("quiet_marks_ms %.3f\n", bench_median(quiet_marks, runs));
	printf("quiet_marks_then_whole_ms %.3f\n",
	       bench_median(quiet_both, runs));
	printf("quiet_whole_ms %.3f\n", bench_median(quiet_whole, runs));
	printf("marks_ms %.3f\n", bench_median(marks, runs));
	printf("marks_then_whole_ms %.3f\n", bench_median(both, runs));
	free(marks_script);
	free(whole_script);
	nftables_close(ctx);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "route", cmd_route },	  { "connect", cmd_connect },
		{ "stream", cmd_stream }, { "nft", cmd_nft },
		{ "load", cmd_load },
	};

	if (argc < 2)
		return usage();
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	return usage();
}
