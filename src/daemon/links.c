// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The links, between the controller and the kernel: interfaces,
 * neighbours and probe outcomes go in; the controller's decisions (routes,
 * the bucket table, connections to delete) come out through the adapters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/routing.h"
#include "core/ruleset.h"
#include "daemon/daemon.h"
#include "daemon/metrics.h"
#include "daemon/seen.h"
#include "daemon/sync.h"
#include "kernel/neigh.h"
#include "kernel/nftables.h"
#include "kernel/nftset.h"
#include "lib/log.h"
#include "lib/monotonic.h"

void links_init(struct daemon *d, struct model *m)
{
	for (unsigned int i = 0; i < m->cfg.nlinks; i++) {
		struct uplink *u = &m->links[i];

		u->d = d;
		for (enum fam f = 0; f < FAM_MAX; f++) {
			struct uplink_path *p = &u->path[f];

			p->u = u;
			p->fam = f;
			prober_init(&p->probe);
			p->icmp_watch.fd = -1;
			for (unsigned int s = 0; s < PROBE_RING; s++)
				p->tcp_watch[s].fd = -1;
		}
	}
}

/*
 * A TCP probe's watch is stale once the prober has settled the probe and
 * closed its socket (the kernel forgot the registration with it); only
 * one whose socket is still the prober's is removed from the loop.
 */
static bool tcp_watch_live(const struct uplink_path *p, unsigned int slot)
{
	return p->tcp_watch[slot].fd >= 0 &&
	       p->tcp_watch[slot].fd == p->probe.ring[slot].fd;
}

static void stop_prober(struct daemon *d, struct uplink_path *p)
{
	loop_del(&d->loop, &p->icmp_watch);
	for (unsigned int s = 0; s < PROBE_RING; s++) {
		if (tcp_watch_live(p, s))
			loop_del(&d->loop, &p->tcp_watch[s]);
		p->tcp_watch[s].fd = -1;
	}
	prober_stop(&p->probe);
}

void links_stop(struct daemon *d, struct model *m)
{
	for (unsigned int i = 0; m->links && i < m->cfg.nlinks; i++)
		for (enum fam f = 0; f < FAM_MAX; f++)
			stop_prober(d, &m->links[i].path[f]);
}

int links_sync_routes(struct daemon *d, enum fam f, unsigned int i)
{
	struct uplink *u = &d->m.links[i];
	const struct ctl_link *cl = &d->m.ctl[f].links[i];
	struct route want[LINK_ROUTES_MAX];
	unsigned int n = 0;
	int ret;

	if (cl->usable)
		n = routing_link_routes(&d->m.cfg.links[i], f, &cl->seen.ifc,
					link_seen_route(&cl->seen), u->table,
					want);
	else if (cl->hold_ms)
		want[n++] = routing_hold_route(f, u->table);
	ret = sync_routes(&d->nl, f, u->table, want, n, &d->routes_added);
	if (ret)
		log_err("link %s: %s routes of table %u: %s",
			d->m.cfg.links[i].name, fam_label(f), u->table,
			nl_strerror(&d->nl, ret));
	return ret;
}

/* The first live link of the lowest tier: the fallback table's route. */
int links_sync_fallback(struct daemon *d)
{
	const struct model *m = &d->m;
	int ret = 0;

	for (enum fam f = 0; f < FAM_MAX; f++) {
		int best = controller_fallback(&m->ctl[f]);
		struct route want = { 0 };

		if (best >= 0) {
			const struct ctl_link *cl = &m->ctl[f].links[best];

			want = routing_default_route(&m->cfg.links[best], f,
						     &cl->seen.ifc,
						     link_seen_route(&cl->seen),
						     m->cfg.table);
		}
		int err = sync_routes(&d->nl, f, m->cfg.table, &want, best >= 0,
				      &d->routes_added);

		/* IPv6 the kernel refuses leaves IPv4 working (logged) */
		if (f == FAM_IPV4)
			ret = err;
		if (err)
			log_err("fallback table %u (%s): %s", m->cfg.table,
				fam_label(f), nl_strerror(&d->nl, err));
	}
	return ret;
}

/*
 * Every policy's changed buckets of family @f, in one transaction of
 * netlink messages of our own (kernel/nftset.c).
 */
int links_apply_buckets(struct daemon *d, enum fam f)
{
	struct model *m = &d->m;
	unsigned int np = m->cfg.npolicies;
	struct ruleset_link rl[m->cfg.nlinks];
	struct nftset_map maps[np];
	char names[np][RULESET_NAME_MAX];
	struct ruleset_change *changes;
	struct ruleset rs;
	uint32_t total = 0;
	int ret;

	changes = malloc((size_t)np * m->cfg.buckets * sizeof(*changes) + 1);
	if (!changes)
		return -ENOMEM;
	model_ruleset(d, m, rl, &rs);
	for (unsigned int p = 0; p < np; p++) {
		maps[p] = (struct nftset_map){
			.name = ruleset_buckets_map(&m->cfg, p, f, names[p]),
			.policy = p,
			.changes = changes + (size_t)p * m->cfg.buckets,
		};
		maps[p].n =
			ruleset_bucket_changes(&rs, p, f,
					       m->ctl[f].pol[p].applied,
					       changes +
						       (size_t)p *
							       m->cfg.buckets);
		total += maps[p].n;
	}
	ret = total ? nftset_apply(&d->nfnl, &rs, maps, np) : 0;
	if (ret)
		log_err("nftables: %s bucket update failed: %s", fam_label(f),
			nl_strerror(&d->nfnl, ret));
	else
		controller_applied(&m->ctl[f]);
	free(changes);
	return ret;
}

static void on_icmp(struct loop *l, struct loop_watch *w, uint32_t events)
{
	struct uplink_path *p = w->data;

	(void)l;
	(void)events;
	prober_icmp_input(&p->probe, monotonic_us());
}

static void on_tcp(struct loop *l, struct loop_watch *w, uint32_t events)
{
	struct uplink_path *p = w->data;
	unsigned int slot = (unsigned int)(w - p->tcp_watch);

	(void)events;
	if (!tcp_watch_live(p, slot)) {
		w->fd = -1; /* an event of a probe settled meanwhile */
		return;
	}
	/* once: the probe's socket is closed when it settles */
	loop_del(l, w);
	prober_tcp_input(&p->probe, slot, monotonic_us());
}

static int watch_tcp(void *ctx, int fd, unsigned int slot)
{
	struct uplink_path *p = ctx;

	return loop_add(&p->u->d->loop, &p->tcp_watch[slot], fd, EPOLLOUT,
			on_tcp, p);
}

/* Start, restart or stop a link's prober of family @f to match it. */
static void sync_prober(struct daemon *d, enum fam f, unsigned int i,
			uint64_t now)
{
	const struct link_config *l = &d->m.cfg.links[i];
	struct uplink *u = &d->m.links[i];
	struct uplink_path *p = &u->path[f];
	const struct iface_addr *a = controller_source(&d->m.ctl[f], i);
	int ret;

	if (!config_ntrack(l, f))
		return;
	if (prober_running(&p->probe) && a &&
	    inaddr_equal(f, &p->probe.src, &a->local))
		return;
	if (prober_running(&p->probe))
		stop_prober(d, p);
	if (!a)
		return;
	/* the identifier tells apart links that share an address */
	ret = prober_start(&p->probe, l, f, u->mark, &a->local,
			   (uint16_t)(getpid() * 16 + u->slot), now);
	if (!ret && p->probe.icmp_fd >= 0)
		ret = loop_add(&d->loop, &p->icmp_watch, p->probe.icmp_fd,
			       EPOLLIN, on_icmp, p);
	if (ret)
		log_err("link %s: %s probes: %s", l->name, fam_label(f),
			strerror(-ret));
}

/*
 * A change of IPv4 is logged as it always was ("link wan1 down: ..."), one
 * of IPv6 names the family ("link wan1 IPv6 down: ..."): one log for both.
 */
/*
 * The hook's events of one evaluation: each link whose path of family @f
 * went up or down, then the failover as a whole when the table changed.
 */
static void run_hooks(struct daemon *d, enum fam f,
		      const struct ctl_decision *dec, const uint64_t *dropped,
		      double apply_ms)
{
	const struct model *m = &d->m;
	const struct controller *c = &m->ctl[f];
	char v[12][160], up[1024] = "";
	uint64_t moved = 0, deleted = 0;
	const char *vars[12];
	size_t uplen = 0;

	for (unsigned int k = 0; k < 12; k++)
		vars[k] = v[k];
	for (unsigned int i = 0; i < m->cfg.nlinks; i++) {
		const struct link_config *l = &m->cfg.links[i];
		const struct ctl_link *u = &c->links[i];
		const struct iface_addr *a = controller_source(c, i);
		char gw[INADDR_STRLEN] = "", src[INADDR_STRLEN] = "";
		union inaddr g;

		if (u->up)
			uplen += (size_t)snprintf(up + uplen,
						  uplen < sizeof(up) ?
							  sizeof(up) - uplen :
							  0,
						  "%s%s", uplen ? " " : "",
						  l->name);
		if (!dec->changed[i])
			continue;
		moved += dec->moved[i];
		deleted += dropped[i];
		if (controller_gateway(c, i, &g))
			inaddr_str(f, &g, gw);
		if (a)
			inaddr_str(f, &a->local, src);
		snprintf(v[0], sizeof(v[0]), "FLOWPIN_LINK=%s", l->name);
		snprintf(v[1], sizeof(v[1]), "FLOWPIN_INTERFACE=%s", l->ifname);
		snprintf(v[2], sizeof(v[2]), "FLOWPIN_FAMILY=%s", fam_name(f));
		snprintf(v[3], sizeof(v[3]), "FLOWPIN_STATE=%s",
			 u->up ? "up" : "down");
		snprintf(v[4], sizeof(v[4]), "FLOWPIN_REASON=%s",
			 u->up ? "" : u->why);
		snprintf(v[5], sizeof(v[5]), "FLOWPIN_GATEWAY=%s", gw);
		snprintf(v[6], sizeof(v[6]), "FLOWPIN_ADDRESS=%s", src);
		snprintf(v[7], sizeof(v[7]), "FLOWPIN_BUCKETS_MOVED=%u",
			 dec->moved[i]);
		snprintf(v[8], sizeof(v[8]), "FLOWPIN_CONNECTIONS_DELETED=%llu",
			 (unsigned long long)dropped[i]);
		snprintf(v[9], sizeof(v[9]), "FLOWPIN_TIER=%u", l->tier);
		snprintf(v[10], sizeof(v[10]), "FLOWPIN_WEIGHT=%u", l->weight);
		hooks_event(&d->hooks, u->up ? "up" : "down", vars, 11);
	}
	if (!dec->nchanged)
		return;
	snprintf(v[0], sizeof(v[0]), "FLOWPIN_FAMILY=%s", fam_name(f));
	snprintf(v[1], sizeof(v[1]), "FLOWPIN_LINKS_UP=%.140s", up);
	snprintf(v[2], sizeof(v[2]), "FLOWPIN_BUCKETS_MOVED=%llu",
		 (unsigned long long)moved);
	snprintf(v[3], sizeof(v[3]), "FLOWPIN_CONNECTIONS_DELETED=%llu",
		 (unsigned long long)deleted);
	snprintf(v[4], sizeof(v[4]), "FLOWPIN_APPLY_MS=%.1f", apply_ms);
	snprintf(v[5], sizeof(v[5]), "FLOWPIN_MODE=%s",
		 dec->mode == POLICY_UP	      ? "up" :
		 dec->mode == POLICY_DEGRADED ? "all-down" :
						"none");
	hooks_event(&d->hooks, "failover", vars, 6);
}

static void log_changes(const struct daemon *d, enum fam f,
			const struct ctl_decision *dec, const uint64_t *dropped,
			double table_ms, double ct_ms)
{
	const struct model *m = &d->m;
	const struct controller *c = &m->ctl[f];
	const char *fl = f == FAM_IPV6 ? " IPv6" : "";
	bool quiet = f == FAM_IPV6 && dec->was == POLICY_NONE;

	/* a router without IPv6 says so once, at the start, not at each look */
	if (dec->mode != dec->was && !(quiet && dec->mode == POLICY_NONE)) {
		if (dec->mode == POLICY_DEGRADED)
			log_err("every link is down%s: new %sconnections use every usable link until one recovers",
				fl, f == FAM_IPV6 ? "IPv6 " : "");
		else if (dec->mode == POLICY_NONE)
			log_err("no usable link%s: new %sconnections follow the main routing table",
				f == FAM_IPV6 ? " for IPv6" : "",
				f == FAM_IPV6 ? "IPv6 " : "");
		else if (dec->was == POLICY_DEGRADED)
			log_info("a link is up again%s: leaving the all-down fallback",
				 fl);
	}
	for (unsigned int i = 0; i < m->cfg.nlinks; i++) {
		const char *name = m->cfg.links[i].name;

		if (dec->expired[i])
			log_warn("link %s%s: still down (%s): the %llu connections it kept are dropped",
				 name, fl, c->links[i].why,
				 (unsigned long long)dropped[i]);
		if (!dec->changed[i])
			continue;
		if (c->links[i].up)
			log_info("link %s%s up: %u buckets moved (applied in %.1f ms)",
				 name, fl, dec->moved[i], table_ms + ct_ms);
		else if (c->links[i].hold_ms)
			log_warn("link %s%s down: %s; %u buckets moved; its connections kept up to %u ms for it to come back",
				 name, fl, c->links[i].why, dec->moved[i],
				 CONTROLLER_RENUMBER_HOLD_MS);
		else
			log_warn("link %s%s down: %s; %u buckets moved, %llu connections dropped (applied in %.1f ms: table %.1f, conntrack %.1f)",
				 name, fl, c->links[i].why, dec->moved[i],
				 (unsigned long long)dropped[i],
				 table_ms + ct_ms, table_ms, ct_ms);
	}
}

/*
 * A link that gave up an address while it stayed up: its connections the
 * router translated to that address, sent from it or received on it
 * cannot work any more, and go; the link's others, and every other
 * link's, stay.
 */
static void renumbered(struct daemon *d, enum fam f, unsigned int i)
{
	const struct link_config *l = &d->m.cfg.links[i];
	const struct iface_addr *now = controller_source(&d->m.ctl[f], i);
	char was[INADDR_STRLEN], is[INADDR_STRLEN] = "none";
	unsigned int deleted = 0;
	union inaddr old;
	int ret;

	if (!controller_renumbered(&d->m.ctl[f], i, &old))
		return;
	ret = 0;
	for (unsigned int k = 0; k < TAKEOVER_SLOTS(&d->m.cfg) && !ret; k++) {
		unsigned int n = 0;

		/* the link's own mark, and its policies' */
		if (k % d->m.cfg.nlinks != i || !d->m.marks[k])
			continue;
		ret = conntrack_delete_nat(&d->nfnl, f, d->m.marks[k],
					   d->m.cfg.mark_mask, &old, &n);
		deleted += n;
	}
	inaddr_str(f, &old, was);
	if (now)
		inaddr_str(f, &now->local, is);
	if (ret)
		log_err("link %s: address %s replaced by %s; deleting its connections: %s",
			l->name, was, is, nl_strerror(&d->nfnl, ret));
	else
		log_info("link %s: address %s replaced by %s: %u connection%s of %s deleted",
			 l->name, was, is, deleted, deleted == 1 ? "" : "s",
			 was);
	if (deleted)
		flows_recount_later(d);
}

/*
 * Delete the connections of family @f that carry mark @mark.
 * No destroy events for them: building and queueing them doubles the
 * time the deletion takes. Ours are forgotten at once (the caller's
 * part); a recount soon after makes up for the destroy events of other
 * connections missed meanwhile.
 */
static int delete_mark(struct daemon *d, enum fam f, uint32_t mark)
{
	int ret;

	conntrack_events_destroy_group(&d->ct, false);
	ret = conntrack_delete_mark(&d->nfnl, fam_af(f), mark,
				    d->m.cfg.mark_mask);
	conntrack_events_destroy_group(&d->ct, true);
	flows_recount_later(d);
	return ret;
}

/* Link @i's connections of family @f: its own mark's and its policies'. */
static int delete_link(struct daemon *d, enum fam f, unsigned int i)
{
	const struct model *m = &d->m;
	int ret = delete_mark(d, f, m->marks[i]);

	for (unsigned int p = 0; p < m->cfg.npolicies && !ret; p++) {
		uint32_t mark = m->marks[takeover_pair(&m->cfg, p, i)];

		if (mark)
			ret = delete_mark(d, f, mark);
	}
	flows_drop(d, i, f);
	return ret;
}

/*
 * Policies with failback = all whose better tier came back: their
 * connections on the links they left go, and come back on it.
 */
static void failbacks(struct daemon *d, enum fam f)
{
	struct model *m = &d->m;
	bool flush[SLOTS_MAX];

	for (unsigned int p = 0; p < m->cfg.npolicies; p++) {
		if (!controller_failbacks(&m->ctl[f], p, flush))
			continue;
		flows_catch_up(d);
		for (unsigned int i = 0; i < m->cfg.nlinks; i++) {
			unsigned int k = takeover_pair(&m->cfg, p, i);
			uint64_t n;
			int ret;

			if (!flush[i] || !m->marks[k])
				continue;
			n = flowcount_get(&d->flows,
					  flows_class(m->slots[k], f));
			ret = delete_mark(d, f, m->marks[k]);
			flowcount_drop_link(&d->flows,
					    flows_class(m->slots[k], f));
			if (ret)
				log_err("policy %s: deleting its %s connections on link %s: %s",
					m->cfg.policies[p].name, fam_label(f),
					m->cfg.links[i].name,
					nl_strerror(&d->nfnl, ret));
			else
				log_info("policy %s: tier %u is back: its %llu %s connection%s on link %s deleted, to come back on it",
					 m->cfg.policies[p].name,
					 m->ctl[f].pol[p].tier,
					 (unsigned long long)n, fam_label(f),
					 n == 1 ? "" : "s",
					 m->cfg.links[i].name);
		}
	}
}

/*
 * Decide for family @f, apply its table, delete the connections of that
 * family of links that went down, log.
 */
static int evaluate_family(struct daemon *d, enum fam f, bool *changed)
{
	struct model *m = &d->m;
	struct controller *c = &m->ctl[f];
	unsigned int n = m->cfg.nlinks;
	uint64_t dropped[SLOTS_MAX] = { 0 }, t0, t1, t2;
	bool flush[SLOTS_MAX];
	struct ctl_decision dec;
	int ret = 0;

	t0 = monotonic_us();
	controller_evaluate(c, t0 / 1000, &dec);
	if (dec.apply)
		ret = links_apply_buckets(d, f);
	t1 = monotonic_us();
	/* after the table: deleted connections must not re-pick the link */
	if (!ret && controller_flushes(c, flush)) {
		flows_catch_up(d); /* the counts as of now */
		for (unsigned int i = 0; i < n && !ret; i++) {
			if (!flush[i])
				continue;
			dropped[i] = flows_of(d, i, f);
			ret = delete_link(d, f, i);
			if (ret)
				log_err("link %s: deleting its %s connections: %s",
					m->cfg.links[i].name, fam_label(f),
					nl_strerror(&d->nfnl, ret));
		}
	}
	t2 = monotonic_us();
	if (!ret)
		failbacks(d, f);
	if (dec.nchanged)
		metrics_observe_apply(d, f, t2 - t0);
	log_changes(d, f, &dec, dropped, (double)(t1 - t0) / 1000.0,
		    (double)(t2 - t1) / 1000.0);
	run_hooks(d, f, &dec, dropped, (double)(t2 - t0) / 1000.0);
	for (unsigned int i = 0; i < n; i++) {
		renumbered(d, f, i);
		if (dec.expired[i]) /* its blackhole goes */
			links_sync_routes(d, f, i);
	}
	*changed |= dec.nchanged > 0;
	return ret;
}

/*
 * Both families decided and applied; the fallback routes follow a change,
 * or always with @fallback (an address change may have taken them along).
 */
static int evaluate(struct daemon *d, bool fallback)
{
	bool changed = false;
	int ret = 0;

	for (enum fam f = 0; f < FAM_MAX; f++) {
		int r = evaluate_family(d, f, &changed);

		ret = ret ? ret : r;
	}
	if (changed || fallback)
		links_sync_fallback(d);
	return ret;
}

/* The earliest of both controllers' deadlines. */
static uint64_t deadline_ms(const struct daemon *d)
{
	uint64_t a = controller_deadline(&d->m.ctl[FAM_IPV4]);
	uint64_t b = controller_deadline(&d->m.ctl[FAM_IPV6]);

	return a < b ? a : b;
}

/* When the tick is next needed: probes, neighbour retries. */
static void arm_tick(struct daemon *d)
{
	uint64_t next = deadline_ms(d);

	next = next == UINT64_MAX ? UINT64_MAX : next * 1000;
	for (unsigned int i = 0; i < d->m.cfg.nlinks; i++) {
		for (enum fam f = 0; f < FAM_MAX; f++) {
			const struct prober *p = &d->m.links[i].path[f].probe;

			if (prober_running(p) && prober_deadline(p) < next)
				next = prober_deadline(p);
		}
	}
	loop_timer_set(&d->loop, &d->tick, next == UINT64_MAX ? 0 : next ?: 1);
}

/* Interfaces or addresses changed: routes, probers, link states. */
int links_refresh(struct daemon *d)
{
	uint64_t now = monotonic_us();

	for (unsigned int i = 0; i < d->m.cfg.nlinks; i++) {
		struct link_seen seen[FAM_MAX];

		/* on a netlink error, keep what was known of it */
		if (seen_link(&d->nl, &d->m.cfg.links[i], seen))
			continue;
		for (enum fam f = 0; f < FAM_MAX; f++) {
			controller_iface(&d->m.ctl[f], i, &seen[f], now / 1000);
			links_sync_routes(d, f, i);
			sync_prober(d, f, i, now);
		}
	}
	arm_tick(d);
	return evaluate(d, true);
}

void links_neighbour(struct daemon *d, const struct neigh *nb)
{
	if (!controller_neigh(&d->m.ctl[nb->fam], nb, monotonic_us() / 1000))
		return;
	evaluate(d, false);
	arm_tick(d); /* a FAILED gateway is asked again in a second */
}

/* Probe outcomes into the controllers, then the probes that are due. */
void links_tick(struct loop *l, void *data, uint64_t now)
{
	struct daemon *d = data;
	/* a held link whose time ran out is judged now */
	bool changed = deadline_ms(d) <= now / 1000;

	(void)l;
	for (unsigned int i = 0; i < d->m.cfg.nlinks; i++) {
		for (enum fam f = 0; f < FAM_MAX; f++) {
			struct controller *c = &d->m.ctl[f];
			struct uplink_path *p = &d->m.links[i].path[f];
			union inaddr gw;
			bool answered;
			double rtt;

			if (controller_neigh_due(c, i, now / 1000) &&
			    controller_gateway(c, i, &gw))
				neigh_resolve(&d->nl,
					      c->links[i].seen.ifc.index, f,
					      &gw);
			if (!prober_running(&p->probe))
				continue;
			while (prober_outcome(&p->probe, now, &answered,
					      &rtt)) {
				if (answered)
					metrics_observe_rtt(p, rtt);
				changed |= controller_probe(c, i, answered, rtt,
							    now / 1000);
			}
			prober_send(&p->probe, now, watch_tcp, p);
		}
	}
	/* a path without targets of its own: the other family's verdict */
	for (unsigned int i = 0; i < d->m.cfg.nlinks; i++) {
		const struct link_config *lc = &d->m.cfg.links[i];

		for (enum fam f = 0; f < FAM_MAX; f++) {
			enum fam o = f == FAM_IPV4 ? FAM_IPV6 : FAM_IPV4;

			const struct ctl_link *ol = &d->m.ctl[o].links[i];

			/* only probes that run say anything */
			if (!config_ntrack(lc, f) && config_ntrack(lc, o))
				changed |= controller_borrow(
					&d->m.ctl[f], i,
					!ol->usable || ol->health.is_up);
		}
	}
	if (changed)
		evaluate(d, false);
	arm_tick(d);
}
