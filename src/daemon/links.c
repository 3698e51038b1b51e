// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The links, between the controller and the kernel: interfaces,
 * neighbours and probe outcomes go in; the controller's decisions (routes,
 * the bucket table, connections to delete) come out through the adapters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/routing.h"
#include "core/ruleset.h"
#include "daemon/daemon.h"
#include "daemon/seen.h"
#include "daemon/sync.h"
#include "kernel/neigh.h"
#include "kernel/nftables.h"
#include "lib/log.h"
#include "lib/monotonic.h"

static bool probed(const struct link_config *l)
{
	return l->ntrack > 0;
}

void links_init(struct daemon *d, struct model *m)
{
	for (unsigned int i = 0; i < m->cfg.nlinks; i++) {
		struct uplink *u = &m->links[i];

		u->d = d;
		prober_init(&u->probe);
		u->icmp_watch.fd = -1;
		for (unsigned int s = 0; s < PROBE_RING; s++)
			u->tcp_watch[s].fd = -1;
	}
}

/*
 * A TCP probe's watch is stale once the prober has settled the probe and
 * closed its socket (the kernel forgot the registration with it); only
 * one whose socket is still the prober's is removed from the loop.
 */
static bool tcp_watch_live(const struct uplink *u, unsigned int slot)
{
	return u->tcp_watch[slot].fd >= 0 &&
	       u->tcp_watch[slot].fd == u->probe.ring[slot].fd;
}

static void stop_prober(struct daemon *d, struct uplink *u)
{
	loop_del(&d->loop, &u->icmp_watch);
	for (unsigned int s = 0; s < PROBE_RING; s++) {
		if (tcp_watch_live(u, s))
			loop_del(&d->loop, &u->tcp_watch[s]);
		u->tcp_watch[s].fd = -1;
	}
	prober_stop(&u->probe);
}

void links_stop(struct daemon *d, struct model *m)
{
	for (unsigned int i = 0; m->links && i < m->cfg.nlinks; i++)
		stop_prober(d, &m->links[i]);
}

int links_sync_routes(struct daemon *d, unsigned int i)
{
	struct uplink *u = &d->m.links[i];
	struct route want[LINK_ROUTES_MAX];
	unsigned int n = 0;
	int ret;

	const struct ctl_link *cl = &d->m.ctl.links[i];

	if (cl->usable)
		n = routing_link_routes(&d->m.cfg.links[i], &cl->seen.ifc,
					cl->seen.has_route ? &cl->seen.route :
							     NULL,
					u->table, want);
	else if (cl->hold_ms)
		want[n++] = routing_hold_route(u->table);
	ret = sync_routes(&d->nl, u->table, want, n, &d->routes_added);
	if (ret)
		log_err("link %s: routes of table %u: %s",
			d->m.cfg.links[i].name, u->table,
			nl_strerror(&d->nl, ret));
	return ret;
}

/* The first live link of the lowest tier: the fallback table's route. */
int links_sync_fallback(struct daemon *d)
{
	const struct model *m = &d->m;
	int best = controller_fallback(&m->ctl), ret;
	struct route r = { 0 };

	if (best >= 0) {
		const struct ctl_link *cl = &m->ctl.links[best];

		r = routing_default_route(&m->cfg.links[best], &cl->seen.ifc,
					  cl->seen.has_route ? &cl->seen.route :
							       NULL,
					  m->cfg.table);
	}
	ret = sync_routes(&d->nl, m->cfg.table, &r, best >= 0,
			  &d->routes_added);
	if (ret)
		log_err("fallback table %u: %s", m->cfg.table,
			nl_strerror(&d->nl, ret));
	return ret;
}

int links_apply_buckets(struct daemon *d)
{
	struct model *m = &d->m;
	struct ruleset_link rl[m->cfg.nlinks];
	struct ruleset rs = { .cfg = &m->cfg,
			      .links = rl,
			      .buckets = &m->ctl.buckets,
			      .owner = d->nft_owner };
	char *script, *err = NULL;
	int ret;

	for (unsigned int i = 0; i < m->cfg.nlinks; i++)
		rl[i] = (struct ruleset_link){ .mark = m->links[i].mark };
	script = ruleset_buckets(&rs, m->ctl.applied);
	if (!script)
		return -ENOMEM;
	ret = nftables_run(d->nft, script, false, &err);
	if (ret)
		log_err("nftables: bucket update failed: %s", err ? err : "");
	else
		controller_applied(&m->ctl);
	free(err);
	free(script);
	return ret;
}

static void on_icmp(struct loop *l, struct loop_watch *w, uint32_t events)
{
	struct uplink *u = w->data;

	(void)l;
	(void)events;
	prober_icmp_input(&u->probe, monotonic_us());
}

static void on_tcp(struct loop *l, struct loop_watch *w, uint32_t events)
{
	struct uplink *u = w->data;
	unsigned int slot = (unsigned int)(w - u->tcp_watch);

	(void)events;
	if (!tcp_watch_live(u, slot)) {
		w->fd = -1; /* an event of a probe settled meanwhile */
		return;
	}
	/* once: the probe's socket is closed when it settles */
	loop_del(l, w);
	prober_tcp_input(&u->probe, slot, monotonic_us());
}

static int watch_tcp(void *ctx, int fd, unsigned int slot)
{
	struct uplink *u = ctx;

	return loop_add(&u->d->loop, &u->tcp_watch[slot], fd, EPOLLOUT, on_tcp,
			u);
}

/* Start, restart or stop a link's prober to match its interface. */
static void sync_prober(struct daemon *d, unsigned int i, uint64_t now)
{
	const struct link_config *l = &d->m.cfg.links[i];
	struct uplink *u = &d->m.links[i];
	const struct iface_addr *a = controller_source(&d->m.ctl, i);
	int ret;

	if (!probed(l))
		return;
	if (prober_running(&u->probe) && a &&
	    u->probe.src.s_addr == a->local.s_addr)
		return;
	if (prober_running(&u->probe))
		stop_prober(d, u);
	if (!a)
		return;
	/* the identifier tells apart links that share an address */
	ret = prober_start(&u->probe, l, u->mark, a->local,
			   (uint16_t)(getpid() * 16 + u->slot), now);
	if (!ret && u->probe.icmp_fd >= 0)
		ret = loop_add(&d->loop, &u->icmp_watch, u->probe.icmp_fd,
			       EPOLLIN, on_icmp, u);
	if (ret)
		log_err("link %s: probes: %s", l->name, strerror(-ret));
}

static void log_changes(const struct daemon *d, const struct ctl_decision *dec,
			const uint64_t *dropped, double table_ms, double ct_ms)
{
	const struct model *m = &d->m;

	if (dec->mode != dec->was) {
		if (dec->mode == POLICY_DEGRADED)
			log_err("every link is down: new connections use every usable link until one recovers");
		else if (dec->mode == POLICY_NONE)
			log_err("no usable link: new connections follow the main routing table");
		else if (dec->was == POLICY_DEGRADED)
			log_info(
				"a link is up again: leaving the all-down fallback");
	}
	for (unsigned int i = 0; i < m->cfg.nlinks; i++) {
		const char *name = m->cfg.links[i].name;

		if (dec->expired[i])
			log_warn("link %s: still down (%s): the %llu connections it kept are dropped",
				 name, m->ctl.links[i].why,
				 (unsigned long long)dropped[i]);
		if (!dec->changed[i])
			continue;
		if (m->ctl.links[i].up)
			log_info("link %s up: %u buckets moved (applied in %.1f ms)",
				 name, dec->moved[i], table_ms + ct_ms);
		else if (m->ctl.links[i].hold_ms)
			log_warn("link %s down: %s; %u buckets moved; its connections kept up to %u ms for it to come back",
				 name, m->ctl.links[i].why, dec->moved[i],
				 CONTROLLER_RENUMBER_HOLD_MS);
		else
			log_warn("link %s down: %s; %u buckets moved, %llu connections dropped (applied in %.1f ms: table %.1f, conntrack %.1f)",
				 name, m->ctl.links[i].why, dec->moved[i],
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
static void renumbered(struct daemon *d, unsigned int i)
{
	const struct link_config *l = &d->m.cfg.links[i];
	const struct iface_addr *now = controller_source(&d->m.ctl, i);
	char was[INET_ADDRSTRLEN], is[INET_ADDRSTRLEN] = "none";
	unsigned int deleted = 0;
	struct in_addr old;
	int ret;

	if (!controller_renumbered(&d->m.ctl, i, &old))
		return;
	ret = conntrack_delete_nat(&d->nfnl, d->m.links[i].mark,
				   d->m.cfg.mark_mask, old, &deleted);
	inet_ntop(AF_INET, &old, was, sizeof(was));
	if (now)
		inet_ntop(AF_INET, &now->local, is, sizeof(is));
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
 * Decide, apply the table, delete the connections of links that went
 * down, log; the fallback route follows a change, or always with
 * @fallback (an address change may have taken it along).
 */
static int evaluate(struct daemon *d, bool fallback)
{
	struct model *m = &d->m;
	unsigned int n = m->cfg.nlinks;
	uint64_t dropped[SLOTS_MAX] = { 0 }, t0, t1, t2;
	bool flush[SLOTS_MAX];
	struct ctl_decision dec;
	int ret = 0;

	t0 = monotonic_us();
	controller_evaluate(&m->ctl, t0 / 1000, &dec);
	if (dec.apply)
		ret = links_apply_buckets(d);
	t1 = monotonic_us();
	/* after the table: deleted connections must not re-pick the link */
	if (!ret && controller_flushes(&m->ctl, flush)) {
		flows_catch_up(d); /* the counts as of now */
		for (unsigned int i = 0; i < n && !ret; i++) {
			if (!flush[i])
				continue;
			dropped[i] = flowcount_get(&d->flows, i);
			/*
			 * No destroy events for the connections deleted here:
			 * building and queueing them doubles the time the
			 * deletion takes. Ours are forgotten at once; a recount
			 * soon after makes up for the destroy events of other
			 * connections missed meanwhile.
			 */
			conntrack_events_destroy_group(&d->ct, false);
			ret = conntrack_delete_mark(&d->nfnl, m->links[i].mark,
						    m->cfg.mark_mask);
			conntrack_events_destroy_group(&d->ct, true);
			flowcount_drop_link(&d->flows, i);
			flows_recount_later(d);
			if (ret)
				log_err("link %s: deleting its connections: %s",
					m->cfg.links[i].name,
					nl_strerror(&d->nfnl, ret));
		}
	}
	t2 = monotonic_us();
	log_changes(d, &dec, dropped, (double)(t1 - t0) / 1000.0,
		    (double)(t2 - t1) / 1000.0);
	for (unsigned int i = 0; i < n; i++) {
		renumbered(d, i);
		if (dec.expired[i]) /* its blackhole goes */
			links_sync_routes(d, i);
	}
	if (dec.nchanged || fallback)
		links_sync_fallback(d);
	return ret;
}

/* When the tick is next needed: probes, neighbour retries. */
static void arm_tick(struct daemon *d)
{
	uint64_t next = controller_deadline(&d->m.ctl);

	next = next == UINT64_MAX ? UINT64_MAX : next * 1000;
	for (unsigned int i = 0; i < d->m.cfg.nlinks; i++) {
		const struct prober *p = &d->m.links[i].probe;

		if (prober_running(p) && prober_deadline(p) < next)
			next = prober_deadline(p);
	}
	loop_timer_set(&d->loop, &d->tick, next == UINT64_MAX ? 0 : next ?: 1);
}

/* Interfaces or addresses changed: routes, probers, link states. */
int links_refresh(struct daemon *d)
{
	uint64_t now = monotonic_us();

	for (unsigned int i = 0; i < d->m.cfg.nlinks; i++) {
		struct link_seen seen;

		/* on a netlink error, keep what was known of it */
		if (seen_link(&d->nl, &d->m.cfg.links[i], &seen))
			continue;
		controller_iface(&d->m.ctl, i, &seen, now / 1000);
		links_sync_routes(d, i);
		sync_prober(d, i, now);
	}
	arm_tick(d);
	return evaluate(d, true);
}

void links_neighbour(struct daemon *d, const struct neigh *nb)
{
	if (!controller_neigh(&d->m.ctl, nb, monotonic_us() / 1000))
		return;
	evaluate(d, false);
	arm_tick(d); /* a FAILED gateway is asked again in a second */
}

/* Probe outcomes into the controller, then the probes that are due. */
void links_tick(struct loop *l, void *data, uint64_t now)
{
	struct daemon *d = data;
	/* a held link whose time ran out is judged now */
	bool changed = controller_deadline(&d->m.ctl) <= now / 1000;

	(void)l;
	for (unsigned int i = 0; i < d->m.cfg.nlinks; i++) {
		struct uplink *u = &d->m.links[i];
		struct in_addr gw;
		bool answered;
		double rtt;

		if (controller_neigh_due(&d->m.ctl, i, now / 1000) &&
		    controller_gateway(&d->m.ctl, i, &gw))
			neigh_resolve(&d->nl, d->m.ctl.links[i].seen.ifc.index,
				      gw);
		if (!prober_running(&u->probe))
			continue;
		while (prober_outcome(&u->probe, now, &answered, &rtt))
			changed |= controller_probe(&d->m.ctl, i, answered, rtt,
						    now / 1000);
		prober_send(&u->probe, now, watch_tcp, u);
	}
	if (changed)
		evaluate(d, false);
	arm_tick(d);
}
