// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's life: validate everything without changing the system, take
 * over what a killed flowpin left or install from scratch (routes, then the
 * nftables table, then the rules that send traffic to them), run the event
 * loop, and on SIGTERM/SIGINT remove exactly what it added. A reload
 * (SIGHUP) takes over from the running daemon itself: the same steps, from
 * the state in the kernel, applying only what differs.
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

#include "core/routing.h"
#include "core/ruleset.h"
#include "core/takeover.h"
#include "daemon/config_file.h"
#include "daemon/daemon.h"
#include "daemon/instance.h"
#include "daemon/metrics.h"
#include "daemon/notify.h"
#include "daemon/preflight.h"
#include "daemon/sync.h"
#include "kernel/nftables.h"
#include "kernel/nlroute.h"
#include "kernel/rtmon.h"
#include "kernel/sysctl.h"
#include "lib/log.h"
#include "lib/monotonic.h"

static void model_free(struct daemon *d, struct model *m)
{
	links_stop(d, m);
	for (enum fam f = 0; f < FAM_MAX; f++)
		controller_free(&m->ctl[f]);
	free(m->gone);
	free(m->shape);
	free(m->links);
	free(m->slots);
	free(m->marks);
	free(m->text);
	config_free(&m->cfg);
	memset(m, 0, sizeof(*m));
}

static int model_alloc(struct daemon *d, struct model *m)
{
	unsigned int n = TAKEOVER_SLOTS(&m->cfg) + 1;

	m->links = calloc(m->cfg.nlinks ? m->cfg.nlinks : 1, sizeof(*m->links));
	m->slots = calloc(n, sizeof(*m->slots));
	m->marks = calloc(n, sizeof(*m->marks));
	if (!m->links || !m->slots || !m->marks)
		return -ENOMEM;
	links_init(d, m);
	for (enum fam f = 0; f < FAM_MAX; f++) {
		int ret = controller_init(&m->ctl[f], &m->cfg, f);

		if (ret)
			return ret;
	}
	return 0;
}

void model_ruleset(const struct daemon *d, const struct model *m,
		   struct ruleset_link *rl, struct ruleset *rs)
{
	const struct config *c = &m->cfg;

	*rs = (struct ruleset){ .cfg = c,
				.links = rl,
				.pair_marks = m->marks + c->nlinks,
				.owner = d->nft_owner };
	for (enum fam f = 0; f < FAM_MAX; f++)
		for (unsigned int p = 0; p < c->npolicies; p++)
			rs->buckets[f][p] = controller_buckets(&m->ctl[f], p);
	for (unsigned int i = 0; i < c->nlinks; i++)
		rl[i] = (struct ruleset_link){ .mark = m->links[i].mark };
}

/* The table script; with @shape, without counters or bucket elements. */
static char *table_script(const struct daemon *d, const struct model *m,
			  const struct table_state *st, bool shape)
{
	const struct config *c = &m->cfg;
	struct ruleset_count rc[c->nrules + 1];
	struct ruleset_link rl[c->nlinks];
	struct ruleset rs;

	model_ruleset(d, m, rl, &rs);
	rs.shape = shape;
	rs.present = st && st->present;
	rs.rules = rc;
	memset(rc, 0, sizeof(rc));
	for (unsigned int i = 0; st && !shape && i < c->nlinks; i++) {
		int k = takeover_find(st, c->links[i].name, "");

		if (k >= 0) {
			rl[i].packets = st->links[k].packets;
			rl[i].bytes = st->links[k].bytes;
		}
	}
	for (unsigned int r = 0; st && !shape && r < c->nrules; r++)
		for (unsigned int k = 0; k < st->nrules; k++)
			if (!strcmp(st->rules[k].name, c->rules[r].name)) {
				rc[r].packets = st->rules[k].packets;
				rc[r].bytes = st->rules[k].bytes;
			}
	return ruleset_table(&rs);
}

/* Whether the table is in the kernel now (or cannot be told). */
static bool table_there(struct daemon *d)
{
	struct table_state now;
	bool there = nftables_read_state(d->nft, &now) || now.present;

	takeover_state_free(&now);
	return there;
}

/*
 * Load the table: the whole of it, in one transaction, unless only the
 * bucket table differs from what the kernel has (a weight changed) and
 * not @full: then just the buckets that differ.
 */
static int apply_table(struct daemon *d, struct model *m,
		       const struct table_state *st, bool dry_run, bool full)
{
	char *script, *shape, *err = NULL;
	int ret;

	shape = table_script(d, m, NULL, true);
	if (!shape)
		return -ENOMEM;
	if (!dry_run && !full && st && st->present && d->m.shape &&
	    !strcmp(shape, d->m.shape) && m == &d->m) {
		free(shape);
		ret = links_apply_buckets(d, FAM_IPV4);
		return ret ? ret : links_apply_buckets(d, FAM_IPV6);
	}
	script = table_script(d, m, st, false);
	if (!script) {
		free(shape);
		return -ENOMEM;
	}
	ret = nftables_run(d->nft, script, dry_run, &err);
	/* deleted since it was read (a flush meanwhile): load it afresh */
	if (ret && st && st->present && !table_there(d)) {
		free(script);
		free(err);
		err = NULL;
		script = table_script(d, m, NULL, false);
		ret = script ? nftables_run(d->nft, script, dry_run, &err) :
			       -ENOMEM;
	}
	if (ret) {
		log_err("nftables: %s", err ? err : strerror(-ret));
	} else if (!dry_run) {
		for (enum fam f = 0; f < FAM_MAX; f++)
			controller_applied(&m->ctl[f]);
		free(m->shape);
		m->shape = shape;
		shape = NULL;
	}
	free(shape);
	free(err);
	free(script);
	return ret;
}

int daemon_restore_table(struct daemon *d, bool gone)
{
	const struct model *m = &d->m;
	struct ruleset_link rl[m->cfg.nlinks];
	struct table_state st = { 0 };
	struct ruleset rs;
	char *script, *err = NULL;
	int ret = 0;

	/*
	 * Gone: until it is back, pinned connections follow the main table.
	 * Their marks first, in a transaction of their own, then the rest.
	 */
	if (gone) {
		model_ruleset(d, m, rl, &rs);
		script = ruleset_marks_only(&rs);
		ret = script ? nftables_run(d->nft, script, false, &err) :
			       -ENOMEM;
		if (ret)
			log_err("nftables: %s", err ? err : strerror(-ret));
		d->heal.marks_us = monotonic_us();
		free(script);
		free(err);
	}
	/*
	 * The table as it is now: after the marks, ours, its counters from
	 * zero; else whether it is there, and its counters, read.
	 */
	if (gone && !ret)
		st.present = true;
	else
		ret = nftables_read_state(d->nft, &st);
	if (!ret)
		ret = apply_table(d, &d->m, &st, false, true);
	takeover_state_free(&st);
	return ret;
}

static int install_rules(struct daemon *d)
{
	const struct model *m = &d->m;
	uint32_t marks[m->cfg.nlinks + 1], tables[m->cfg.nlinks + 1];
	struct rule want[FAM_MAX * (m->cfg.nlinks + 2)];
	unsigned int n;
	int ret;

	for (unsigned int i = 0; i < m->cfg.nlinks; i++) {
		marks[i] = m->links[i].mark;
		tables[i] = m->links[i].table;
	}
	n = routing_rules(&m->cfg, marks, tables, want);
	/* IPv4's first, then IPv6's: as many of each */
	ret = sync_rules(&d->nl, FAM_IPV4, want, n / 2, &d->rules_added);
	if (ret) {
		log_err("ip rules: %s", nl_strerror(&d->nl, ret));
		return ret;
	}
	/*
	 * IPv6 that the kernel refuses (booted without it, no multiple
	 * tables) leaves IPv4 working: said, not fatal
	 */
	if (sysctl_have_ipv6() &&
	    (ret = sync_rules(&d->nl, FAM_IPV6, want + n / 2, n / 2,
			      &d->rules_added)))
		log_err("ip -6 rules: %s: IPv6 connections are not pinned",
			nl_strerror(&d->nl, ret));
	return 0;
}

static uint32_t gone_table(const struct model *m, const struct takeover_gone *g)
{
	uint32_t mark = g->mark;
	uint32_t low = m->cfg.mark_mask & -m->cfg.mark_mask;

	return m->cfg.table + mark / low;
}

/* Remove every route, rule and nftables object flowpin added. */
static void teardown(struct daemon *d)
{
	const struct model *m = &d->m;

	for (enum fam f = 0; f < FAM_MAX; f++)
		sync_rules(&d->nl, f, NULL, 0, NULL);
	nftables_delete_table(d->nft);
	for (enum fam f = 0; f < FAM_MAX; f++) {
		for (unsigned int i = 0; i < m->cfg.nlinks; i++)
			sync_routes(&d->nl, f, m->links[i].table, NULL, 0,
				    NULL);
		for (unsigned int i = 0; i < m->ngone; i++)
			if (m->gone[i].link < 0)
				sync_routes(&d->nl, f,
					    gone_table(m, &m->gone[i]), NULL, 0,
					    NULL);
		sync_routes(&d->nl, f, m->cfg.table, NULL, 0, NULL);
	}
}

static void diag_log(void *ctx, const char *file, int line, const char *msg)
{
	(void)ctx;
	if (line > 0)
		log_err("%s:%d: %s", file, line, msg);
	else
		log_err("%s: %s", file, msg);
}

static void diag_log_warn(void *ctx, const char *file, int line,
			  const char *msg)
{
	(void)ctx;
	/* log_warn says "warning:" */
	if (line > 0)
		log_warn("%s:%d: %s", file, line, msg);
	else
		log_warn("%s: %s", file, msg);
}

/* The daemon's problems go to its log. */
static const struct config_diag log_diag = { .report = diag_log,
					     .warn = diag_log_warn };

/*
 * Decide slots, tables and buckets of @m, from the state a previous run
 * (or this one, on reload) left in the kernel, and the links' first state.
 */
static int plan(struct daemon *d, struct model *m, const struct table_state *st,
		const struct model *prev, const struct link_seen *seen)
{
	const struct config *c = &m->cfg;
	struct bucket_table *t[FAM_MAX][POLICY_MAX];
	uint32_t tables[c->nlinks + 1];
	struct takeover_gone gone[st->nlinks + 1];
	int ret;

	for (enum fam f = 0; f < FAM_MAX; f++)
		for (unsigned int p = 0; p < c->npolicies; p++)
			t[f][p] = &m->ctl[f].pol[p].buckets;
	ret = takeover_plan(c, st, m->slots,
			    (struct bucket_table *const *const[FAM_MAX]){
				    t[FAM_IPV4], t[FAM_IPV6] },
			    gone, &m->ngone);
	if (ret) {
		log_err("mark_mask 0x%x has no room for the links and their policies",
			c->mark_mask);
		return ret;
	}
	for (unsigned int k = 0; k < TAKEOVER_SLOTS(c); k++)
		m->marks[k] = m->slots[k] ? config_slot_mark(c, m->slots[k]) :
					    0;
	m->gone = malloc((m->ngone + 1) * sizeof(*m->gone));
	if (!m->gone)
		return -ENOMEM;
	memcpy(m->gone, gone, m->ngone * sizeof(*gone));
	/* the owners taken over are the kernel's */
	for (enum fam f = 0; f < FAM_MAX; f++)
		if (st->nowner[f] == m->ctl[f].pol[POLICY_DEFAULT].buckets.size)
			controller_applied(&m->ctl[f]);

	for (unsigned int i = 0; i < c->nlinks; i++) {
		struct uplink *u = &m->links[i];

		u->slot = m->slots[i];
		u->mark = m->marks[i];
		u->table = c->table + m->slots[i];
		tables[i] = u->table;
	}
	ret = preflight_tables(&d->nl, c, tables, c->nlinks, &log_diag);
	for (enum fam f = 0; f < FAM_MAX && !ret; f++) {
		struct link_seen fs[c->nlinks + 1];

		for (unsigned int i = 0; i < c->nlinks; i++)
			fs[i] = seen[i * FAM_MAX + f];
		controller_start(&m->ctl[f], fs, prev ? &prev->ctl[f] : NULL,
				 st->present, monotonic_us() / 1000);
	}
	return ret;
}

static int install(struct daemon *d, const struct table_state *st)
{
	struct model *m = &d->m;
	int ret = 0;

	for (enum fam f = 0; f < FAM_MAX; f++) {
		int r = 0;

		for (unsigned int i = 0; i < m->ngone && !r; i++)
			if (m->gone[i].link < 0)
				r = sync_routes(&d->nl, f,
						gone_table(m, &m->gone[i]),
						NULL, 0, NULL);
		for (unsigned int i = 0; i < m->cfg.nlinks && !r; i++)
			r = links_sync_routes(d, f, i);
		/* IPv6 routes the kernel refuses leave IPv4 working (logged) */
		if (f == FAM_IPV4)
			ret = r;
	}
	if (!ret)
		ret = links_sync_fallback(d);
	/*
	 * A policy's mark gone (no more failback = all, the policy or its
	 * link left it): its connections stay on the link with the link's
	 * own mark, which the table in the kernel has as the next does.
	 */
	for (unsigned int k = 0; k < m->ngone && !ret; k++) {
		const struct takeover_gone *g = &m->gone[k];
		unsigned int moved = 0;
		int r;

		if (g->link < 0)
			continue;
		r = conntrack_remark(&d->nfnl, g->mark, m->cfg.mark_mask,
				     m->links[g->link].mark, &moved);
		if (r)
			log_err("mark 0x%x: moving its connections to link %s's mark: %s",
				g->mark, m->cfg.links[g->link].name,
				nl_strerror(&d->nfnl, r));
		else
			log_info("mark 0x%x of a policy's connections on link %s is no longer configured: its %u connection%s keep the link with its mark",
				 g->mark, m->cfg.links[g->link].name, moved,
				 moved == 1 ? "" : "s");
	}
	if (!ret)
		ret = apply_table(d, m, st, false, false);
	if (!ret)
		ret = install_rules(d);
	/* links the configuration dropped: their connections cannot stay */
	for (unsigned int k = 0; k < m->ngone && !ret; k++) {
		if (m->gone[k].link >= 0)
			continue;
		log_warn("the link with mark 0x%x is no longer configured: its connections are dropped",
			 m->gone[k].mark);
		conntrack_delete_mark(&d->nfnl, AF_UNSPEC, m->gone[k].mark,
				      m->cfg.mark_mask);
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
	/* per link, one per family */
	struct link_seen *seen =
		calloc(FAM_MAX * m->cfg.nlinks + 1, sizeof(*seen));
	int ret = seen ? model_alloc(d, m) : -ENOMEM;

	if (!ret)
		ret = preflight_links(&d->nl, &m->cfg, seen, &log_diag);
	if (!ret)
		ret = nftables_read_state(d->nft, st);
	if (!ret)
		ret = plan(d, m, st, prev, seen);
	if (!ret)
		ret = apply_table(d, m, st, true, false);
	if (!ret)
		ret = preflight_control(&m->cfg, &log_diag);
	if (!ret) {
		preflight_sysctls(&m->cfg, &log_diag);
		preflight_hook(&m->cfg, &log_diag);
	}
	free(seen);
	return ret;
}

/* SIGHUP: the new file, applied as a difference; on error, keep running. */
void daemon_reload(struct daemon *d)
{
	struct model next = { 0 }, old;
	struct table_state st = { 0 };
	const struct config *a = &d->m.cfg, *b = &next.cfg;
	int ret;

	log_info("SIGHUP: reloading %s", d->config_path);
	d->counts.reloads++;
	if (config_load_text(&next.cfg, d->config_path, &log_diag,
			     &next.text)) {
		log_err("reload: %s has errors: still running the previous configuration",
			d->config_path);
		d->counts.reload_failures++;
		return;
	}
	if (a->mark_mask != b->mark_mask || a->table != b->table ||
	    a->priority != b->priority || strcmp(a->control, b->control) ||
	    a->own_table != b->own_table || !http_config_equal(a, b)) {
		log_err("reload: mark_mask, table, priority, control, own_table and metrics can only change with a restart: still running the previous configuration");
		d->counts.reload_failures++;
		model_free(d, &next);
		return;
	}
	ret = prepare(d, &next, &st, &d->m);
	if (ret) {
		log_err("reload: still running the previous configuration");
		goto out;
	}
	metrics_carry(&next, &d->m);
	old = d->m;
	d->m = next;
	next = old; /* freed below */
	/* the controllers point at their configurations: follow the move */
	for (enum fam f = 0; f < FAM_MAX; f++) {
		d->m.ctl[f].cfg = &d->m.cfg;
		next.ctl[f].cfg = &next.cfg;
	}
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
	d->counts.reload_failures += ret != 0;
	takeover_state_free(&st);
	model_free(d, &next);
}

/* What the routing notifications of one read ask of the daemon. */
enum rtnl_need {
	NEED_REFRESH = 1, /* links, addresses, flowpin's routes */
	NEED_RULES = 2, /* flowpin's rules */
};

static int rtnl_need(struct daemon *d, const struct rtmon_event *ev)
{
	const struct config *c = &d->m.cfg;

	switch (ev->kind) {
	case RTMON_LINK:
	case RTMON_ADDR:
		return NEED_REFRESH;
	case RTMON_NEIGH:
		links_neighbour(d, &ev->neigh);
		return 0;
	case RTMON_ROUTE:
		/* a default route a gateway may be learned from */
		if (!ev->route.dst_len && ev->protocol != RTPROT_FLOWPIN)
			return NEED_REFRESH;
		if (ev->table < c->table ||
		    ev->table > c->table + config_slots(c))
			return 0;
		heal_rtnl_note(d, ev);
		return NEED_REFRESH;
	case RTMON_RULE:
		if (!ev->deleted || ev->protocol != RTPROT_FLOWPIN)
			return 0;
		heal_rtnl_note(d, ev);
		return NEED_RULES;
	default:
		return 0;
	}
}

struct rtnl_read {
	struct daemon *d;
	int need;
};

static void rtnl_msg(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_read *r = data;
	struct rtmon_event ev;

	if (!rtmon_parse(nlh, &ev))
		r->need |= rtnl_need(r->d, &ev);
}

static void on_rtnl(struct loop *l, struct loop_watch *w, uint32_t events)
{
	struct daemon *d = w->data;
	struct rtnl_read r = { d, 0 };

	(void)l;
	(void)events;
	if (nl_drain(w->fd, rtnl_msg, &r))
		r.need = NEED_REFRESH | NEED_RULES; /* lost some */
	d->routes_added = d->rules_added = 0;
	if (r.need & NEED_REFRESH)
		links_refresh(d);
	if (r.need & NEED_RULES)
		install_rules(d);
	heal_rtnl_report(d, d->routes_added, d->rules_added);
}

/* A hook event of the daemon as a whole: start, stop, reload. */
static void hook_daemon(struct daemon *d, const char *event, const char *more)
{
	char config[300], links[32];
	const char *vars[] = { config, links, more };

	snprintf(config, sizeof(config), "FLOWPIN_CONFIG=%s", d->config_path);
	snprintf(links, sizeof(links), "FLOWPIN_LINKS=%u", d->m.cfg.nlinks);
	hooks_event(&d->hooks, event, vars, more ? 3 : 2);
}

static void on_signal(struct loop *l, struct loop_watch *w, uint32_t events)
{
	struct daemon *d = w->data;
	struct signalfd_siginfo si;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			uint64_t failed = d->counts.reload_failures;

			notify_reloading();
			daemon_reload(d);
			notify_ready(d);
			hooks_configure(&d->hooks, d->m.cfg.hook,
					d->m.cfg.hook_timeout_ms);
			hook_daemon(d, "reload",
				    d->counts.reload_failures == failed ?
					    "FLOWPIN_RESULT=ok" :
					    "FLOWPIN_RESULT=failed");
			continue;
		}
		log_info("%s: stopping", strsignal((int)si.ssi_signo));
		notify_stopping();
		loop_stop(l);
	}
}

/* The group control_group names (preflight checked it), or -1: none. */
static gid_t control_gid(const struct config *c)
{
	gid_t gid = (gid_t)-1;

	if (c->control_group[0] && control_group_lookup(c->control_group, &gid))
		gid = (gid_t)-1;
	return gid;
}

/* Every request is answered with the conntrack events taken in first. */
static char *answer(void *ctx, const char *request)
{
	struct daemon *d = ctx;

	flows_catch_up(d);
	return answer_request(d, request);
}

/*
 * Signals are blocked from the first moment: one that comes while the
 * daemon starts waits in the signalfd for the loop, so that a SIGTERM
 * then still removes what was installed.
 */
static int open_signals(struct daemon *d)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return d->sigfd < 0 ? -errno : 0;
}

static void on_lock(struct loop *l, struct loop_watch *w, uint32_t events)
{
	(void)l;
	(void)events;
	instance_answer(w->fd);
}

/* The kernel's events, and the timers: the loop's registrations. */
static int open_loop(struct daemon *d)
{
	int ret = rtmon_open(&d->mon);

	if (!ret)
		ret = heal_open(d);
	if (!ret)
		ret = flows_open(d);
	if (!ret)
		ret = loop_add(&d->loop, &d->sig_watch, d->sigfd, EPOLLIN,
			       on_signal, d);
	if (!ret)
		ret = loop_add(&d->loop, &d->lock_watch, d->lock_fd, EPOLLIN,
			       on_lock, d);
	if (!ret)
		ret = loop_add(&d->loop, &d->mon_watch, nl_fd(&d->mon), EPOLLIN,
			       on_rtnl, d);
	loop_timer_init(&d->tick, links_tick, d);
	return ret;
}

static void cleanup(struct daemon *d)
{
	control_server_close(&d->ctl);
	hooks_close(&d->hooks);
	http_close(d);
	model_free(d, &d->m);
	flows_close(d);
	heal_close(d);
	nl_close(&d->mon);
	nl_close(&d->nfnl);
	nl_close(&d->nl);
	nftables_close(d->nft);
	loop_free(&d->loop);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
}

int daemon_main(const char *config_path)
{
	struct daemon d = {
		.config_path = config_path,
		.sigfd = -1,
		.lock_fd = -1,
		.loop = { .epfd = -1, .timerfd = -1 },
	};
	struct table_state st = { 0 };
	pid_t holder;
	uint64_t t0;
	int ret;

	log_open("flowpin", true);
	ret = open_signals(&d);
	if (ret) {
		log_err("signals: %s", strerror(-ret));
		return 1;
	}
	ret = config_load_text(&d.m.cfg, config_path, &log_diag, &d.m.text);
	if (ret)
		goto out;
	if (!sysctl_have_net_admin()) {
		log_err("run needs CAP_NET_ADMIN: run it as root");
		ret = -EPERM;
		goto out;
	}
	d.lock_fd = instance_lock(&holder);
	if (d.lock_fd < 0) {
		ret = d.lock_fd;
		if (ret == -EADDRINUSE && holder)
			log_err("another flowpin (pid %d) is running in this network namespace: one instance per namespace",
				(int)holder);
		else if (ret == -EADDRINUSE)
			log_err("another flowpin is running in this network namespace: one instance per namespace");
		else
			log_err("instance lock: %s", strerror(-ret));
		goto out;
	}
	if (control_alive(d.m.cfg.control)) {
		log_err("another flowpin is running (control socket %s)",
			d.m.cfg.control);
		ret = -EADDRINUSE;
		goto out;
	}
	d.nft = nftables_open();
	ret = d.nft ? loop_init(&d.loop) : -ENOMEM;
	hooks_init(&d.hooks, &d.loop);
	if (!ret)
		ret = nl_open(&d.nl, NETLINK_ROUTE, 0);
	if (!ret)
		ret = nl_open(&d.nfnl, NETLINK_NETFILTER, 0);
	if (ret) {
		log_err("%s", strerror(-ret));
		goto out;
	}

	/* Nothing below changes the system until install(). */
	d.nft_owner = d.m.cfg.own_table && nftables_can_own(d.nft);
	ret = prepare(&d, &d.m, &st, NULL);
	if (ret)
		goto out;
	d.takeover = st.present;
	ret = control_server_open(&d.ctl, &d.loop, d.m.cfg.control,
				  control_gid(&d.m.cfg), answer, &d);
	if (ret) {
		log_err("control socket %s: %s", d.m.cfg.control,
			ret == -EADDRINUSE ?
				"another flowpin is running" :
			ret == -ENOTSOCK ?
				"a file that is not a socket is there: flowpin leaves it alone" :
				strerror(-ret));
		goto out;
	}
	ret = http_open(&d); /* metrics = ...; logs its errors */
	if (ret)
		goto out;

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
	if (d.nft_owner)
		log_info(
			"the nftables table is flowpin's own and persistent: other processes' \"flush ruleset\" leaves it");
	else if (!d.m.cfg.own_table)
		log_info(
			"own_table = no: the nftables table is watched and restored");
	else
		log_info(
			"this kernel or libnftables cannot make the nftables table flowpin's own (NFT_TABLE_F_PERSIST: Linux 6.9, nftables 1.1): it is watched and restored instead");

	ret = open_loop(&d);
	if (!ret) {
		links_refresh(&d);
		notify_ready(&d); /* the kernel is programmed */
		hooks_configure(&d.hooks, d.m.cfg.hook,
				d.m.cfg.hook_timeout_ms);
		hook_daemon(&d, "start", NULL);
		loop_run(&d.loop);
	}
	teardown(&d);
	log_info("stopped: routes, rules and nftables table removed");
	/* the stop hook sees the router as flowpin leaves it; nobody
	 * waits meanwhile on a socket that no longer answers */
	control_server_close(&d.ctl);
	hook_daemon(&d, "stop", NULL);
	hooks_drain(&d.hooks);
out:
	takeover_state_free(&st);
	cleanup(&d);
	return ret ? 1 : 0;
}
