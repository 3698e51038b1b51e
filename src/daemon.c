// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's life: validate everything without changing the system, take
 * over what a killed flowpin left or install from scratch (routes, then the
 * nftables table, then the rules that send traffic to them), run one epoll
 * loop, and on SIGTERM/SIGINT remove exactly what it added. A reload
 * (SIGHUP) takes over from the running daemon itself: the same steps, from
 * the state in the kernel, applying only what differs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "answer.h"
#include "control.h"
#include "daemon.h"
#include "log.h"
#include "nftables.h"
#include "route.h"
#include "routing.h"
#include "rule.h"
#include "ruleset.h"
#include "takeover.h"

#define CAP_NET_ADMIN_BIT 12

/* Effective CAP_NET_ADMIN, read without libcap. */
static bool have_net_admin(void)
{
	unsigned long long caps = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return geteuid() == 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps & (1ULL << CAP_NET_ADMIN_BIT);
}

static void model_free(struct model *m)
{
	for (unsigned int i = 0; m->links && i < m->cfg.nlinks; i++)
		prober_stop(&m->links[i].probe);
	bucket_table_free(&m->buckets);
	free(m->applied);
	free(m->gone);
	free(m->shape);
	free(m->links);
	config_free(&m->cfg);
	memset(m, 0, sizeof(*m));
}

static int model_alloc(struct model *m)
{
	int ret;

	m->links = calloc(m->cfg.nlinks, sizeof(*m->links));
	m->applied = calloc(m->cfg.buckets, sizeof(*m->applied));
	if (!m->links || !m->applied)
		return -ENOMEM;
	for (unsigned int i = 0; i < m->cfg.nlinks; i++)
		prober_init(&m->links[i].probe);
	ret = bucket_table_init(&m->buckets, m->cfg.buckets);
	if (ret)
		return ret;
	for (uint32_t b = 0; b < m->cfg.buckets; b++)
		m->applied[b] = BUCKET_NONE;
	return 0;
}

/* The table script; with @shape, without counters or bucket elements. */
static char *table_script(const struct model *m, const struct table_state *st,
			  bool shape)
{
	struct ruleset_link rl[m->cfg.nlinks];
	struct ruleset rs = { &m->cfg, rl, &m->buckets, shape };

	for (unsigned int i = 0; i < m->cfg.nlinks; i++) {
		rl[i] = (struct ruleset_link){ .mark = m->links[i].mark };
		for (unsigned int k = 0; st && !shape && k < st->nlinks; k++) {
			if (!strcmp(st->links[k].name, m->cfg.links[i].name)) {
				rl[i].packets = st->links[k].packets;
				rl[i].bytes = st->links[k].bytes;
			}
		}
	}
	return ruleset_table(&rs);
}

/*
 * Load the table: the whole of it, in one transaction, unless only the
 * bucket table differs from what the kernel has (a weight changed): then
 * just the buckets that differ.
 */
static int apply_table(struct daemon *d, struct model *m,
		       const struct table_state *st, bool dry_run)
{
	char *script, *shape, *err = NULL;
	int ret;

	shape = table_script(m, NULL, true);
	if (!shape)
		return -ENOMEM;
	if (!dry_run && st && st->present && d->m.shape &&
	    !strcmp(shape, d->m.shape) && m == &d->m) {
		free(shape);
		return links_apply_buckets(d);
	}
	script = table_script(m, st, false);
	if (!script) {
		free(shape);
		return -ENOMEM;
	}
	ret = nftables_run(d->nft, script, dry_run, &err);
	if (ret) {
		log_err("nftables: %s", err ? err : strerror(-ret));
	} else if (!dry_run) {
		memcpy(m->applied, m->buckets.owner,
		       m->buckets.size * sizeof(*m->applied));
		free(m->shape);
		m->shape = shape;
		shape = NULL;
	}
	free(shape);
	free(err);
	free(script);
	return ret;
}

static int sync_rules(struct daemon *d)
{
	const struct model *m = &d->m;
	uint32_t marks[m->cfg.nlinks], tables[m->cfg.nlinks];
	struct rule want[m->cfg.nlinks + 2];
	unsigned int n;
	int ret;

	for (unsigned int i = 0; i < m->cfg.nlinks; i++) {
		marks[i] = m->links[i].mark;
		tables[i] = m->links[i].table;
	}
	n = routing_rules(&m->cfg, marks, tables, want);
	ret = rule_sync(&d->nl, want, n, RTPROT_FLOWPIN);
	if (ret)
		log_err("ip rules: %s", strerror(-ret));
	return ret;
}

static uint32_t gone_table(const struct model *m, uint32_t mark)
{
	uint32_t low = m->cfg.mark_mask & -m->cfg.mark_mask;

	return m->cfg.table + mark / low;
}

/* Remove every route, rule and nftables object flowpin added. */
static void teardown(struct daemon *d)
{
	const struct model *m = &d->m;

	rule_sync(&d->nl, NULL, 0, RTPROT_FLOWPIN);
	nftables_delete_table(d->nft);
	for (unsigned int i = 0; i < m->cfg.nlinks; i++)
		route_sync(&d->nl, m->links[i].table, NULL, 0, RTPROT_FLOWPIN);
	for (unsigned int i = 0; i < m->ngone; i++)
		route_sync(&d->nl, gone_table(m, m->gone[i]), NULL, 0,
			   RTPROT_FLOWPIN);
	route_sync(&d->nl, m->cfg.table, NULL, 0, RTPROT_FLOWPIN);
}

/* An integer sysctl of interface @ifname ("all" for the global one). */
static int conf_sysctl(const char *ifname, const char *name)
{
	char path[128];
	int v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", ifname,
		 name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * Settings that quietly break a multi-uplink router: say so at start. A
 * strict reverse-path filter checks replies against the main table, where
 * the link they arrive on is not the default, unless the check may use
 * the packet's mark.
 */
static void warn_sysctls(const struct config *c)
{
	if (conf_sysctl("all", "forwarding") == 0)
		log_warn(
			"net.ipv4.ip_forward is 0: LAN traffic is not forwarded");
	for (unsigned int i = 0; i < c->nlinks; i++) {
		const char *ifn = c->links[i].ifname;
		int all = conf_sysctl("all", "rp_filter");
		int dev = conf_sysctl(ifn, "rp_filter");
		bool vmark = conf_sysctl("all", "src_valid_mark") > 0 ||
			     conf_sysctl(ifn, "src_valid_mark") > 0;

		if ((all > dev ? all : dev) == 1 && !vmark)
			log_warn("link %s: strict rp_filter on %s drops replies flowpin routes by mark: set net.ipv4.conf.%s.src_valid_mark=1 (or rp_filter=2)",
				 c->links[i].name, ifn, ifn);
	}
}

/* Everything about @m that can be checked without changing the system. */
static int validate(struct daemon *d, struct model *m)
{
	const struct config *c = &m->cfg;
	int errors = 0;

	for (unsigned int i = 0; i < c->nlan; i++) {
		struct iface ifc;

		if (iface_get(&d->nl, c->lan[i], &ifc) == -ENODEV) {
			log_err("%s:%d: lan interface %s does not exist",
				c->path, c->lan_line, c->lan[i]);
			errors++;
		}
	}
	for (unsigned int i = 0; i < c->nlinks; i++) {
		const struct link_config *l = &c->links[i];
		struct uplink *u = &m->links[i];
		char gw[INET_ADDRSTRLEN];
		int ret = iface_get(&d->nl, l->ifname, &u->ifc);

		if (ret == -ENODEV) {
			log_err("%s:%d: link %s: interface %s does not exist",
				c->path, l->line, l->name, l->ifname);
			errors++;
			continue;
		}
		if (ret) {
			log_err("link %s: %s", l->name, strerror(-ret));
			return ret;
		}
		if (!l->has_gateway && !iface_pointopoint(&u->ifc)) {
			log_err("%s:%d: link %s: interface %s is not point-to-point: set its gateway",
				c->path, l->line, l->name, l->ifname);
			errors++;
		}
		if (l->has_gateway && u->ifc.naddr &&
		    !iface_addr_for(&u->ifc, l->gateway)) {
			inet_ntop(AF_INET, &l->gateway, gw, sizeof(gw));
			log_err("%s:%d: link %s: gateway %s is not on a network of %s",
				c->path, l->line, l->name, gw, l->ifname);
			errors++;
		}
	}
	if (!errors)
		warn_sysctls(c);
	return errors ? -EINVAL : 0;
}

static void count_foreign(const struct route *r, void *data)
{
	*(unsigned int *)data += r->protocol != RTPROT_FLOWPIN;
}

/* A table flowpin would fill must hold nothing but flowpin's routes. */
static int check_table_free(struct daemon *d, const struct config *c,
			    uint32_t table)
{
	unsigned int foreign = 0;
	int ret = route_list(&d->nl, table, count_foreign, &foreign);

	if (ret)
		return ret;
	if (foreign) {
		log_err("%s: routing table %u holds %u routes flowpin did not add: choose another \"table\" in [global]",
			c->path, table, foreign);
		return -EEXIST;
	}
	return 0;
}

/* A link's state before it has been watched: what the system says now. */
static void first_state(struct uplink *u, const struct link_config *l,
			const struct uplink *prev, bool was_down,
			uint64_t now_ms)
{
	u->usable = routing_link_usable(l, &u->ifc, u->why, sizeof(u->why));
	if (prev) {
		/* a reload: the link keeps what was learnt of it */
		u->neigh_failed = prev->neigh_failed;
		u->health = prev->health;
		u->health.down = l->down;
		u->health.up = l->up;
		u->flushed = prev->flushed;
		u->since = prev->since;
		u->up = prev->up && u->usable;
		return;
	}
	/*
	 * New: up as far as the system can tell. A dead path is found by
	 * the probes within a second; starting down would send every new
	 * connection to the main table meanwhile, and disturb a takeover.
	 * But a link the killed daemon had taken down proves itself first,
	 * or the takeover would hand it new connections for that second.
	 */
	was_down = was_down && l->ntrack;
	health_init(&u->health, l->down, l->up, !was_down, now_ms);
	u->up = u->usable && !was_down;
	u->flushed = was_down; /* the killed daemon deleted its connections */
	u->since = time(NULL);
}

/*
 * Decide slots, tables and buckets of @m, from the state a previous run
 * (or this one, on reload) left in the kernel.
 */
static int plan(struct daemon *d, struct model *m, const struct table_state *st,
		const struct model *prev)
{
	const struct config *c = &m->cfg;
	unsigned int slots[c->nlinks];
	uint32_t gone[st->nlinks + 1];
	uint64_t now_ms = monotonic_us() / 1000;
	int ret;

	ret = takeover_plan(c, st, slots, &m->buckets, gone, &m->ngone);
	if (ret) {
		log_err("mark_mask 0x%x has no room for the links",
			c->mark_mask);
		return ret;
	}
	m->gone = malloc((m->ngone + 1) * sizeof(*m->gone));
	if (!m->gone)
		return -ENOMEM;
	memcpy(m->gone, gone, m->ngone * sizeof(*gone));
	if (st->nowner == m->buckets.size)
		memcpy(m->applied, m->buckets.owner,
		       m->buckets.size * sizeof(*m->applied));

	/*
	 * In the killed daemon's table, a link of the tier carrying new
	 * connections (or of a lower one) that owned no bucket was down. A
	 * link of a higher tier owns none anyway: a backup, not a dead link.
	 */
	uint32_t active = 0;

	for (unsigned int i = 0; i < c->nlinks; i++)
		if (bucket_count(&m->buckets, (int)i) &&
		    (!active || c->links[i].tier < active))
			active = c->links[i].tier;

	ret = check_table_free(d, c, c->table);
	for (unsigned int i = 0; i < c->nlinks && !ret; i++) {
		struct uplink *u = &m->links[i];
		int k = prev ? config_find_link(&prev->cfg, c->links[i].name) :
			       -1;

		u->slot = slots[i];
		u->mark = config_slot_mark(c, slots[i]);
		u->table = c->table + slots[i];
		first_state(u, &c->links[i], k >= 0 ? &prev->links[k] : NULL,
			    st->present && active &&
				    c->links[i].tier <= active &&
				    !bucket_count(&m->buckets, (int)i),
			    now_ms);
		ret = check_table_free(d, c, u->table);
	}
	return ret;
}

static int install(struct daemon *d, const struct table_state *st)
{
	struct model *m = &d->m;
	int ret = 0;

	for (unsigned int i = 0; i < m->ngone && !ret; i++)
		ret = route_sync(&d->nl, gone_table(m, m->gone[i]), NULL, 0,
				 RTPROT_FLOWPIN);
	for (unsigned int i = 0; i < m->cfg.nlinks && !ret; i++)
		ret = links_sync_routes(d, i);
	if (!ret)
		ret = links_sync_fallback(d);
	if (!ret)
		ret = apply_table(d, m, st, false);
	if (!ret)
		ret = sync_rules(d);
	/* links the configuration dropped: their connections cannot stay */
	for (unsigned int k = 0; k < m->ngone && !ret; k++) {
		log_warn("the link with mark 0x%x is no longer configured: its connections are dropped",
			 m->gone[k]);
		ct_delete_mark(&d->nfnl, m->gone[k], m->cfg.mark_mask);
	}
	return ret;
}

/*
 * Build the model of @cfg against the kernel's current state: validate,
 * plan and check the table in a dry run. Nothing changes on failure.
 */
static int prepare(struct daemon *d, struct model *m, struct table_state *st,
		   const struct model *prev)
{
	int ret = model_alloc(m);

	if (!ret)
		ret = validate(d, m);
	if (!ret)
		ret = nftables_read_state(d->nft, st);
	if (!ret)
		ret = plan(d, m, st, prev);
	if (!ret) {
		m->degraded = prev && prev->degraded;
		links_rebalance(m);
		ret = apply_table(d, m, st, true);
	}
	return ret;
}

static int link_of_mark(const struct daemon *d, uint32_t mark)
{
	mark &= d->m.cfg.mark_mask;
	for (unsigned int i = 0; i < d->m.cfg.nlinks; i++)
		if (d->m.links[i].mark == mark)
			return (int)i;
	return -1;
}

static void on_conntrack(void *data, bool gone, uint64_t key, uint32_t mark)
{
	struct daemon *d = data;
	int i;

	if (gone) {
		flowcount_del(&d->flows, key);
		return;
	}
	i = link_of_mark(d, mark);
	if (i >= 0)
		flowcount_add(&d->flows, key, (unsigned int)i);
}

/*
 * The conntrack events not read yet, taken in: the counts as of now, for
 * whoever reads them between two batches.
 */
void flows_catch_up(struct daemon *d)
{
	if (ct_events_read(&d->ct) == -ENOBUFS) {
		log_warn("conntrack events overflowed: recounting");
		flows_resync(d);
	}
}

/* At start, after lost events, and after deletions without events. */
void flows_resync(struct daemon *d)
{
	ct_events_discard(&d->ct);
	flowcount_clear(&d->flows);
	for (unsigned int i = 0; i < d->m.cfg.nlinks; i++) {
		int ret = ct_dump_mark(&d->nfnl, d->m.links[i].mark,
				       d->m.cfg.mark_mask, on_conntrack, d);

		if (ret)
			log_warn("conntrack dump: %s", strerror(-ret));
	}
}

/* SIGHUP: the new file, applied as a difference; on error, keep running. */
static void reload(struct daemon *d)
{
	struct model next = { 0 }, old;
	struct table_state st = { 0 };
	const struct config *a = &d->m.cfg, *b = &next.cfg;
	int ret;

	log_info("SIGHUP: reloading %s", d->config_path);
	if (config_load(&next.cfg, d->config_path, stderr)) {
		log_err("reload: %s has errors: still running the previous configuration",
			d->config_path);
		return;
	}
	if (a->mark_mask != b->mark_mask || a->table != b->table ||
	    a->priority != b->priority || strcmp(a->control, b->control)) {
		log_err("reload: mark_mask, table, priority and control can only change with a restart: still running the previous configuration");
		model_free(&next);
		return;
	}
	ret = prepare(d, &next, &st, &d->m);
	if (ret) {
		log_err("reload: still running the previous configuration");
		goto out;
	}
	old = d->m;
	d->m = next;
	next = old; /* freed below */
	d->m.shape = old.shape;
	next.shape = NULL;
	ret = install(d, &st);
	if (!ret)
		ret = links_refresh(d);
	if (ret)
		log_err("reload: applying failed (%s): restart flowpin",
			strerror(-ret));
	else
		log_info("reloaded: %u links", d->m.cfg.nlinks);
	/* the connection counts are by link index: count afresh */
	flows_resync(d);
out:
	table_state_free(&st);
	model_free(&next);
}

static int watch(struct daemon *d, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag << 32 };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int open_loop(struct daemon *d)
{
	sigset_t mask;
	int ret;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->timerfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->sigfd < 0 || d->timerfd < 0)
		return -errno;

	ret = nl_open(&d->mon, NETLINK_ROUTE,
		      RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE |
			      RTMGRP_IPV4_RULE | RTMGRP_NEIGH);
	if (ret)
		return ret;
	ret = flowcount_init(&d->flows);
	if (!ret)
		ret = ct_events_open(&d->ct, d->m.cfg.mark_mask, on_conntrack,
				     d);
	if (ret) {
		log_err("conntrack events: %s", strerror(-ret));
		return ret;
	}
	flows_resync(d);

	ret = watch(d, d->sigfd, EV_SIGNAL);
	if (!ret)
		ret = watch(d, d->timerfd, EV_TIMER);
	if (!ret)
		ret = watch(d, mnl_socket_get_fd(d->mon.sock), EV_RTNL);
	if (!ret)
		ret = watch(d, d->ct.fd, EV_CONNTRACK);
	if (!ret)
		ret = watch(d, d->ctlfd, EV_CONTROL);
	return ret;
}

/* What a routing notification asks of the daemon. */
enum rtnl_need {
	NEED_NOTHING = 0,
	NEED_REFRESH = 1, /* links, addresses, flowpin's routes */
	NEED_RULES = 2, /* flowpin's rules */
};

static int rtnl_need(struct daemon *d, const struct nlmsghdr *nlh)
{
	const struct config *c = &d->m.cfg;
	const struct nlattr *a;
	uint32_t table;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return NEED_REFRESH;
	case RTM_NEWNEIGH:
		links_neighbour(d, nlh);
		return NEED_NOTHING;
	case RTM_NEWROUTE:
	case RTM_DELROUTE: {
		const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

		table = rtm->rtm_table;
		mnl_attr_for_each(a, nlh, sizeof(*rtm))
			if (mnl_attr_get_type(a) == RTA_TABLE)
				table = mnl_attr_get_u32(a);
		return table >= c->table &&
				       table <= c->table + config_slots(c) ?
			       NEED_REFRESH :
			       NEED_NOTHING;
	}
	case RTM_DELRULE:
		mnl_attr_for_each(a, nlh, sizeof(struct fib_rule_hdr))
			if (mnl_attr_get_type(a) == FRA_PROTOCOL &&
			    mnl_attr_get_u8(a) == RTPROT_FLOWPIN)
				return NEED_RULES;
		return NEED_NOTHING;
	default:
		return NEED_NOTHING;
	}
}

static void on_rtnl(struct daemon *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int need = NEED_NOTHING;
	ssize_t n;

	while ((n = recv(mnl_socket_get_fd(d->mon.sock), buf, sizeof(buf),
			 MSG_DONTWAIT)) > 0 ||
	       (n < 0 && errno == ENOBUFS)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0) {
			need = NEED_REFRESH | NEED_RULES; /* lost some */
			continue;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			need |= rtnl_need(d, nlh);
	}
	if (need & NEED_REFRESH)
		links_refresh(d);
	if (need & NEED_RULES)
		sync_rules(d);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(d);
			continue;
		}
		log_info("%s: stopping", strsignal((int)si.ssi_signo));
		d->stop = true;
	}
}

static void drop_client(struct daemon *d, unsigned int i)
{
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->clients[i].fd, NULL);
	close(d->clients[i].fd);
	d->clients[i].fd = -1;
}

static void on_accept(struct daemon *d)
{
	int fd;

	while ((fd = accept4(d->ctlfd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		unsigned int i;

		for (i = 0; i < CLIENTS_MAX && d->clients[i].fd >= 0; i++)
			;
		if (i == CLIENTS_MAX || watch(d, fd, EV_CLIENT + i)) {
			close(fd);
			continue;
		}
		d->clients[i].fd = fd;
		d->clients[i].len = 0;
	}
}

/*
 * A reply can outgrow the socket buffer (a table of 65536 buckets): write
 * it whole, giving a client that does not read one second in all.
 */
static void write_reply(int fd, const char *reply)
{
	uint64_t deadline = monotonic_us() + 1000000;
	size_t len = strlen(reply);

	while (len) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		uint64_t now = monotonic_us();
		ssize_t n;

		if (now >= deadline ||
		    poll(&p, 1, (int)((deadline - now) / 1000) + 1) != 1) {
			log_warn("control: a client did not read its reply");
			return;
		}
		n = write(fd, reply, len);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0) {
			log_warn("control: reply not sent: %s",
				 strerror(errno));
			return;
		}
		reply += n;
		len -= (size_t)n;
	}
}

static void on_client(struct daemon *d, unsigned int i)
{
	struct client *cl = &d->clients[i];
	char *reply, *nl;
	ssize_t n;

	if (i >= CLIENTS_MAX || cl->fd < 0)
		return;
	n = read(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - 1 - cl->len);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n > 0)
		cl->len += (size_t)n;
	cl->buf[cl->len] = '\0';
	nl = strchr(cl->buf, '\n');
	if (!nl && n > 0 && cl->len < sizeof(cl->buf) - 1)
		return; /* more to come */
	if (nl)
		*nl = '\0';
	flows_catch_up(d); /* status counts what happened before it was asked */
	reply = answer_request(d, cl->buf);
	if (reply) {
		write_reply(cl->fd, reply);
		free(reply);
	}
	drop_client(d, i);
}

/*
 * Conntrack events are read in batches, CT_BATCH_MS apart at the most: at
 * thousands of new connections a second, a wake-up for each would cost
 * more than the events themselves. The counts are that much late.
 */
#define CT_BATCH_MS 10

static void ct_pause(struct daemon *d, bool pause)
{
	struct epoll_event ev = {
		.events = pause ? 0 : EPOLLIN,
		.data.u64 = (uint64_t)EV_CONNTRACK << 32,
	};

	epoll_ctl(d->epfd, EPOLL_CTL_MOD, d->ct.fd, &ev);
	d->ct_resume_us = pause ? monotonic_us() + CT_BATCH_MS * 1000 : 0;
}

/* The epoll timeout: until paused events are due again, if they are. */
static int ct_timeout(struct daemon *d)
{
	uint64_t now;

	if (!d->ct_resume_us)
		return -1;
	now = monotonic_us();
	if (now >= d->ct_resume_us) {
		ct_pause(d, false);
		return -1;
	}
	return (int)((d->ct_resume_us - now + 999) / 1000);
}

static void loop(struct daemon *d)
{
	while (!d->stop) {
		struct epoll_event evs[32];
		int n = epoll_wait(d->epfd, evs, 32, ct_timeout(d));

		for (int k = 0; k < n; k++) {
			uint32_t tag = (uint32_t)(evs[k].data.u64 >> 32);
			uint32_t arg = (uint32_t)evs[k].data.u64;
			uint64_t expirations;

			switch (tag) {
			case EV_SIGNAL:
				on_signal(d);
				break;
			case EV_TIMER: /* drained: the tick below acts */
				(void)!read(d->timerfd, &expirations,
					    sizeof(expirations));
				d->timer_us = 0;
				break;
			case EV_PROBE:
				links_probe_input(d, arg >> 16,
						  (arg & 0xffff) == 0xffff ?
							  -1 :
							  (int)(arg & 0xffff));
				break;
			case EV_RTNL:
				on_rtnl(d);
				break;
			case EV_CONNTRACK:
				flows_catch_up(d);
				ct_pause(d, true);
				break;
			case EV_CONTROL:
				on_accept(d);
				break;
			default:
				on_client(d, tag - EV_CLIENT);
				break;
			}
		}
		/* outcomes, sends and the next timer, after every wake-up */
		links_probe_tick(d);
	}
}

static void cleanup(struct daemon *d)
{
	for (unsigned int i = 0; i < CLIENTS_MAX; i++)
		if (d->clients[i].fd >= 0)
			close(d->clients[i].fd);
	if (d->ctlfd >= 0) {
		close(d->ctlfd);
		unlink(d->m.cfg.control);
	}
	ct_events_close(&d->ct);
	flowcount_free(&d->flows);
	nl_close(&d->mon);
	nl_close(&d->nfnl);
	nl_close(&d->nl);
	nftables_close(d->nft);
	if (d->epfd >= 0)
		close(d->epfd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->timerfd >= 0)
		close(d->timerfd);
	model_free(&d->m);
}

int daemon_main(const char *config_path)
{
	struct daemon d = {
		.config_path = config_path,
		.epfd = -1,
		.sigfd = -1,
		.ctlfd = -1,
		.timerfd = -1,
	};
	struct table_state st = { 0 };
	uint64_t t0;
	int ret;

	for (unsigned int i = 0; i < CLIENTS_MAX; i++)
		d.clients[i].fd = -1;
	log_open("flowpin", true);
	if (config_load(&d.m.cfg, config_path, stderr))
		return 1;
	if (!have_net_admin()) {
		log_err("run needs CAP_NET_ADMIN: run it as root");
		config_free(&d.m.cfg);
		return 1;
	}
	if (control_alive(d.m.cfg.control)) {
		log_err("another flowpin is running (control socket %s)",
			d.m.cfg.control);
		config_free(&d.m.cfg);
		return 1;
	}
	d.nft = nftables_open();
	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	ret = !d.nft || d.epfd < 0 ? -ENOMEM : 0;
	if (!ret)
		ret = nl_open(&d.nl, NETLINK_ROUTE, 0);
	if (!ret)
		ret = nl_open(&d.nfnl, NETLINK_NETFILTER, 0);
	if (ret) {
		log_err("%s", strerror(-ret));
		goto out;
	}

	/* Nothing below changes the system until install(). */
	ret = prepare(&d, &d.m, &st, NULL);
	if (ret)
		goto out;
	d.takeover = st.present;
	d.ctlfd = control_listen(d.m.cfg.control);
	if (d.ctlfd < 0) {
		ret = d.ctlfd;
		log_err("control socket %s: %s", d.m.cfg.control,
			ret == -EADDRINUSE ? "another flowpin is running" :
					     strerror(-ret));
		goto out;
	}

	t0 = monotonic_us();
	ret = install(&d, &st);
	if (ret) {
		/* undo a fresh install; a taken-over one keeps forwarding */
		if (!d.takeover)
			teardown(&d);
		goto out;
	}
	log_info("%s %u links from %s (hash %s, %u buckets; applied in %.1f ms)",
		 d.takeover ? "took over" : "running", d.m.cfg.nlinks,
		 d.m.cfg.path, hash_mode_name(d.m.cfg.hash), d.m.cfg.buckets,
		 (double)(monotonic_us() - t0) / 1000.0);

	ret = open_loop(&d);
	if (!ret) {
		links_refresh(&d);
		loop(&d);
	}
	teardown(&d);
	log_info("stopped: routes, rules and nftables table removed");
out:
	table_state_free(&st);
	cleanup(&d);
	return ret ? 1 : 0;
}
