// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's life: validate everything without changing the system, take
 * over what a killed flowpin left or install from scratch (routes, then the
 * nftables table, then the rules that send traffic to them), run one epoll
 * loop, and on SIGTERM/SIGINT remove exactly what it added.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
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

enum {
	EV_SIGNAL = 1,
	EV_RTNL,
	EV_CONNTRACK,
	EV_CONTROL,
	EV_CLIENT, /* EV_CLIENT + i */
};

#define CAP_NET_ADMIN_BIT 12

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

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

static void ruleset_of(const struct daemon *d, struct ruleset_link *rl,
		       struct ruleset *rs, const struct table_state *carry)
{
	for (unsigned int i = 0; i < d->cfg.nlinks; i++) {
		rl[i] = (struct ruleset_link){ .mark = d->links[i].mark };
		for (unsigned int k = 0; carry && k < carry->nlinks; k++) {
			if (!strcmp(carry->links[k].name,
				    d->cfg.links[i].name)) {
				rl[i].packets = carry->links[k].packets;
				rl[i].bytes = carry->links[k].bytes;
			}
		}
	}
	*rs = (struct ruleset){ &d->cfg, rl, &d->buckets };
}

/* The kernel now holds d->buckets: later changes are sent as differences. */
static void remember_applied(struct daemon *d)
{
	memcpy(d->applied, d->buckets.owner,
	       d->buckets.size * sizeof(*d->applied));
}

static int apply_table(struct daemon *d, const struct table_state *carry,
		       bool dry_run)
{
	struct ruleset_link rl[d->cfg.nlinks];
	struct ruleset rs;
	char *script, *err = NULL;
	int ret;

	ruleset_of(d, rl, &rs, carry);
	script = ruleset_table(&rs);
	if (!script)
		return -ENOMEM;
	ret = nftables_run(d->nft, script, dry_run, &err);
	if (ret)
		log_err("nftables: %s", err ? err : strerror(-ret));
	else if (!dry_run)
		remember_applied(d);
	free(err);
	free(script);
	return ret;
}

static int apply_buckets(struct daemon *d)
{
	struct ruleset_link rl[d->cfg.nlinks];
	struct ruleset rs;
	char *script, *err = NULL;
	int ret;

	ruleset_of(d, rl, &rs, NULL);
	script = ruleset_buckets(&rs, d->applied);
	if (!script)
		return -ENOMEM;
	ret = nftables_run(d->nft, script, false, &err);
	if (ret)
		log_err("nftables: bucket update failed: %s", err ? err : "");
	else
		remember_applied(d);
	free(err);
	free(script);
	return ret;
}

/* The first live link of the lowest tier: the fallback table's route. */
static int primary_link(const struct daemon *d)
{
	int best = -1;

	for (unsigned int i = 0; i < d->cfg.nlinks; i++)
		if (d->links[i].up &&
		    (best < 0 ||
		     d->cfg.links[i].tier < d->cfg.links[best].tier))
			best = (int)i;
	return best;
}

static int sync_link_routes(struct daemon *d, unsigned int i)
{
	struct uplink *u = &d->links[i];
	struct route want[LINK_ROUTES_MAX];
	unsigned int n = 0;
	int ret;

	if (u->usable)
		n = routing_link_routes(&d->cfg.links[i], &u->ifc, u->table,
					want);
	ret = route_sync(&d->nl, u->table, want, n, RTPROT_FLOWPIN);
	if (ret)
		log_err("link %s: routes of table %u: %s", d->cfg.links[i].name,
			u->table, strerror(-ret));
	return ret;
}

static int sync_fallback_route(struct daemon *d)
{
	int p = primary_link(d), ret;
	struct route r = { 0 };

	if (p >= 0)
		r = routing_default_route(&d->cfg.links[p], &d->links[p].ifc,
					  d->cfg.table);
	ret = route_sync(&d->nl, d->cfg.table, &r, p >= 0, RTPROT_FLOWPIN);
	if (ret)
		log_err("fallback table %u: %s", d->cfg.table, strerror(-ret));
	return ret;
}

static int sync_rules(struct daemon *d)
{
	uint32_t marks[d->cfg.nlinks], tables[d->cfg.nlinks];
	struct rule want[d->cfg.nlinks + 2];
	unsigned int n;
	int ret;

	for (unsigned int i = 0; i < d->cfg.nlinks; i++) {
		marks[i] = d->links[i].mark;
		tables[i] = d->links[i].table;
	}
	n = routing_rules(&d->cfg, marks, tables, want);
	ret = rule_sync(&d->nl, want, n, RTPROT_FLOWPIN);
	if (ret)
		log_err("ip rules: %s", strerror(-ret));
	return ret;
}

/* Remove every route, rule and nftables object flowpin added. */
static void teardown(struct daemon *d)
{
	rule_sync(&d->nl, NULL, 0, RTPROT_FLOWPIN);
	nftables_delete_table(d->nft);
	for (unsigned int i = 0; i < d->cfg.nlinks; i++)
		route_sync(&d->nl, d->links[i].table, NULL, 0, RTPROT_FLOWPIN);
	for (unsigned int i = 0; i < d->nstale; i++)
		route_sync(&d->nl, d->stale_tables[i], NULL, 0, RTPROT_FLOWPIN);
	route_sync(&d->nl, d->cfg.table, NULL, 0, RTPROT_FLOWPIN);
}

static void set_up(struct daemon *d, unsigned int i, bool up)
{
	struct uplink *u = &d->links[i];

	if (u->up == up)
		return;
	u->up = up;
	u->since = time(NULL);
	if (up)
		log_info("link %s up", d->cfg.links[i].name);
	else
		log_warn("link %s down: %s", d->cfg.links[i].name, u->why);
}

/* Re-read a link's interface; 0, or -ENODEV when it is gone. */
static int read_link(struct daemon *d, unsigned int i)
{
	struct uplink *u = &d->links[i];
	const struct link_config *l = &d->cfg.links[i];
	int ret = iface_get(&d->nl, l->ifname, &u->ifc);

	if (ret && ret != -ENODEV)
		return ret;
	u->usable = routing_link_usable(l, &u->ifc, u->why, sizeof(u->why));
	return 0;
}

/* Share the buckets among the live links; apply when something moved. */
static int rebalance(struct daemon *d, bool apply)
{
	unsigned int n = d->cfg.nlinks;
	uint32_t weight[n], tier[n], eff[n], moved, active;
	bool live[n];

	for (unsigned int i = 0; i < n; i++) {
		weight[i] = d->cfg.links[i].weight;
		tier[i] = d->cfg.links[i].tier;
		live[i] = d->links[i].up;
	}
	active = bucket_tier_weights(weight, tier, live, n, eff);
	moved = bucket_table_balance(&d->buckets, eff, n);
	if (!apply || moved == 0)
		return 0;
	double t0 = now_ms();
	int ret = apply_buckets(d);

	if (ret)
		return ret;
	if (active)
		log_info("%u buckets moved; tier %u carries new connections (applied in %.1f ms)",
			 moved, active, now_ms() - t0);
	else
		log_err("no link is up: new connections follow the main routing table");
	return 0;
}

/* Interfaces changed: routes, liveness, buckets, fallback route. */
static void refresh(struct daemon *d)
{
	bool changed = false;

	for (unsigned int i = 0; i < d->cfg.nlinks; i++) {
		bool was = d->links[i].up;

		if (read_link(d, i))
			continue;
		sync_link_routes(d, i);
		set_up(d, i, d->links[i].usable);
		changed |= was != d->links[i].up;
	}
	if (changed)
		rebalance(d, true);
	sync_fallback_route(d);
}

static int link_of_mark(const struct daemon *d, uint32_t mark)
{
	mark &= d->cfg.mark_mask;
	for (unsigned int i = 0; i < d->cfg.nlinks; i++)
		if (d->links[i].mark == mark)
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

/* Count the pinned connections afresh: at start, and after lost events. */
static void flows_resync(struct daemon *d)
{
	ct_events_discard(&d->ct);
	flowcount_clear(&d->flows);
	for (unsigned int i = 0; i < d->cfg.nlinks; i++) {
		int ret = ct_dump_mark(d->links[i].mark, d->cfg.mark_mask,
				       on_conntrack, d);

		if (ret)
			log_warn("conntrack dump: %s", strerror(-ret));
	}
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

/* Everything that can be checked without changing the system. */
static int validate(struct daemon *d)
{
	const struct config *c = &d->cfg;
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
		struct uplink *u = &d->links[i];
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

struct foreign {
	unsigned int n;
};

static void count_foreign(const struct route *r, void *data)
{
	struct foreign *f = data;

	f->n += r->protocol != RTPROT_FLOWPIN;
}

/* A table flowpin would fill must hold nothing but flowpin's routes. */
static int check_table_free(struct daemon *d, uint32_t table)
{
	struct foreign f = { 0 };
	int ret = route_list(&d->nl, table, count_foreign, &f);

	if (ret)
		return ret;
	if (f.n) {
		log_err("%s: routing table %u holds %u routes flowpin did not add: choose another \"table\" in [global]",
			d->cfg.path, table, f.n);
		return -EEXIST;
	}
	return 0;
}

/* Decide slots, tables and buckets, taking over a previous run's state. */
static int plan(struct daemon *d, struct table_state *st)
{
	const struct config *c = &d->cfg;
	unsigned int slots[c->nlinks], ngone = 0;
	uint32_t gone[st->nlinks + 1];
	int ret;

	ret = takeover_plan(c, st, slots, &d->buckets, gone, &ngone);
	if (ret) {
		log_err("mark_mask 0x%x has no room for the links",
			c->mark_mask);
		return ret;
	}
	d->takeover = st->present;
	ret = check_table_free(d, c->table);
	for (unsigned int i = 0; i < c->nlinks && !ret; i++) {
		struct uplink *u = &d->links[i];

		u->slot = slots[i];
		u->mark = config_slot_mark(c, slots[i]);
		u->table = c->table + slots[i];
		ret = check_table_free(d, u->table);
	}
	if (ret)
		return ret;

	/* Links the configuration dropped: their tables and connections go. */
	d->stale_tables = calloc(ngone + 1, sizeof(*d->stale_tables));
	if (!d->stale_tables)
		return -ENOMEM;
	for (unsigned int k = 0; k < ngone; k++) {
		uint32_t low = c->mark_mask & -c->mark_mask;

		if ((gone[k] & ~c->mark_mask) == 0)
			d->stale_tables[d->nstale++] = c->table + gone[k] / low;
	}
	for (unsigned int k = 0; k < ngone; k++) {
		log_warn("link with mark 0x%x is no longer configured: its connections are dropped",
			 gone[k]);
		ct_delete_mark(gone[k], c->mark_mask);
	}

	for (unsigned int i = 0; i < c->nlinks; i++) {
		struct uplink *u = &d->links[i];

		u->usable = routing_link_usable(&c->links[i], &u->ifc, u->why,
						sizeof(u->why));
		u->up = u->usable;
		u->since = time(NULL);
	}
	return rebalance(d, false);
}

static int install(struct daemon *d, const struct table_state *st)
{
	int ret = 0;

	for (unsigned int i = 0; i < d->nstale && !ret; i++)
		ret = route_sync(&d->nl, d->stale_tables[i], NULL, 0,
				 RTPROT_FLOWPIN);
	for (unsigned int i = 0; i < d->cfg.nlinks && !ret; i++)
		ret = sync_link_routes(d, i);
	if (!ret)
		ret = sync_fallback_route(d);
	if (!ret)
		ret = apply_table(d, st, false);
	if (!ret)
		ret = sync_rules(d);
	return ret;
}

static int watch(struct daemon *d, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

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
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sigfd < 0 || d->epfd < 0)
		return -errno;

	ret = nl_open(&d->mon, NETLINK_ROUTE,
		      RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE |
			      RTMGRP_IPV4_RULE);
	if (ret)
		return ret;
	ret = flowcount_init(&d->flows);
	if (!ret)
		ret = ct_events_open(&d->ct, d->cfg.mark_mask, on_conntrack, d);
	if (ret) {
		log_err("conntrack events: %s", strerror(-ret));
		return ret;
	}
	flows_resync(d);

	ret = watch(d, d->sigfd, EV_SIGNAL);
	if (!ret)
		ret = watch(d, mnl_socket_get_fd(d->mon.sock), EV_RTNL);
	if (!ret)
		ret = watch(d, d->ct.fd, EV_CONNTRACK);
	if (!ret)
		ret = watch(d, d->ctlfd, EV_CONTROL);
	return ret;
}

/* Link, address and rule changes count; routes only in flowpin's tables. */
static void on_rtnl(struct daemon *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool relevant = false;
	ssize_t n;

	while ((n = recv(mnl_socket_get_fd(d->mon.sock), buf, sizeof(buf),
			 MSG_DONTWAIT)) > 0 ||
	       (n < 0 && errno == ENOBUFS)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0) {
			relevant = true; /* lost some: look at everything */
			continue;
		}
		for (; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
			uint32_t t = rtm->rtm_table;

			if (nlh->nlmsg_type != RTM_NEWROUTE &&
			    nlh->nlmsg_type != RTM_DELROUTE) {
				relevant = true;
				continue;
			}
			/* routes: only those of flowpin's tables */
			const struct nlattr *a;

			mnl_attr_for_each(a, nlh, sizeof(*rtm))
				if (mnl_attr_get_type(a) == RTA_TABLE)
					t = mnl_attr_get_u32(a);
			relevant |= t >= d->cfg.table &&
				    t <= d->cfg.table + config_slots(&d->cfg);
		}
	}
	if (relevant) {
		refresh(d);
		sync_rules(d);
	}
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_warn(
				"SIGHUP: reloading is not supported yet; restart to apply changes");
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

static void on_client(struct daemon *d, unsigned int i)
{
	struct client *cl = &d->clients[i];
	char *reply, *nl;
	ssize_t n;

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
	reply = answer_request(d, cl->buf);
	if (reply) {
		/* replies fit the socket buffer: one write */
		if (write(cl->fd, reply, strlen(reply)) < 0)
			log_warn("control: %s", strerror(errno));
		free(reply);
	}
	drop_client(d, i);
}

static void loop(struct daemon *d)
{
	while (!d->stop) {
		struct epoll_event evs[16];
		int n = epoll_wait(d->epfd, evs, 16, -1);

		for (int k = 0; k < n; k++) {
			uint32_t tag = evs[k].data.u32;

			switch (tag) {
			case EV_SIGNAL:
				on_signal(d);
				break;
			case EV_RTNL:
				on_rtnl(d);
				break;
			case EV_CONNTRACK:
				if (ct_events_read(&d->ct) == -ENOBUFS) {
					log_warn(
						"conntrack events overflowed: recounting");
					flows_resync(d);
				}
				break;
			case EV_CONTROL:
				on_accept(d);
				break;
			default:
				on_client(d, tag - EV_CLIENT);
				break;
			}
		}
	}
}

static void cleanup(struct daemon *d)
{
	for (unsigned int i = 0; i < CLIENTS_MAX; i++)
		if (d->clients[i].fd >= 0)
			close(d->clients[i].fd);
	if (d->ctlfd >= 0) {
		close(d->ctlfd);
		unlink(d->cfg.control);
	}
	ct_events_close(&d->ct);
	flowcount_free(&d->flows);
	nl_close(&d->mon);
	nl_close(&d->nl);
	nftables_close(d->nft);
	if (d->epfd >= 0)
		close(d->epfd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	bucket_table_free(&d->buckets);
	free(d->applied);
	free(d->stale_tables);
	free(d->links);
	config_free(&d->cfg);
}

int daemon_main(const char *config_path)
{
	struct daemon d = { .epfd = -1, .sigfd = -1, .ctlfd = -1 };
	struct table_state st = { 0 };
	int ret;

	for (unsigned int i = 0; i < CLIENTS_MAX; i++)
		d.clients[i].fd = -1;
	log_open("flowpin", true);
	if (config_load(&d.cfg, config_path, stderr))
		return 1;
	if (!have_net_admin()) {
		log_err("run needs CAP_NET_ADMIN: run it as root");
		config_free(&d.cfg);
		return 1;
	}
	if (control_alive(d.cfg.control)) {
		log_err("another flowpin is running (control socket %s)",
			d.cfg.control);
		config_free(&d.cfg);
		return 1;
	}

	d.links = calloc(d.cfg.nlinks, sizeof(*d.links));
	d.nft = nftables_open();
	ret = !d.links || !d.nft ? -ENOMEM : 0;
	if (!ret)
		ret = nl_open(&d.nl, NETLINK_ROUTE, 0);
	if (!ret)
		ret = bucket_table_init(&d.buckets, d.cfg.buckets);
	if (!ret) {
		d.applied = calloc(d.cfg.buckets, sizeof(*d.applied));
		ret = d.applied ? 0 : -ENOMEM;
	}
	if (ret) {
		log_err("%s", strerror(-ret));
		goto out;
	}

	/* Nothing below changes the system until install(). */
	ret = validate(&d);
	if (!ret)
		ret = nftables_read_state(d.nft, &st);
	if (!ret)
		ret = plan(&d, &st);
	if (!ret)
		ret = apply_table(&d, &st, true);
	if (ret)
		goto out;

	d.ctlfd = control_listen(d.cfg.control);
	if (d.ctlfd < 0) {
		ret = d.ctlfd;
		log_err("control socket %s: %s", d.cfg.control,
			ret == -EADDRINUSE ? "another flowpin is running" :
					     strerror(-ret));
		goto out;
	}

	double t0 = now_ms();

	ret = install(&d, &st);
	if (ret) {
		/* undo a fresh install; a taken-over one keeps forwarding */
		if (!d.takeover)
			teardown(&d);
		goto out;
	}
	log_info("%s %u links from %s (hash %s, %u buckets; applied in %.1f ms)",
		 d.takeover ? "took over" : "running", d.cfg.nlinks, d.cfg.path,
		 hash_mode_name(d.cfg.hash), d.cfg.buckets, now_ms() - t0);

	ret = open_loop(&d);
	if (!ret) {
		refresh(&d);
		loop(&d);
	}
	teardown(&d);
	log_info("stopped: routes, rules and nftables table removed");
out:
	table_state_free(&st);
	cleanup(&d);
	return ret ? 1 : 0;
}
