// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The links' state and what follows from it. A link carries new
 * connections while it is usable (interface, carrier, address), its
 * gateway's neighbour entry has not FAILED, and its probes say it is up.
 * When that changes, the bucket table is rebalanced and applied in one
 * transaction, then the connections of links that went down, and only
 * those, are deleted from conntrack so that they pick a live link at their
 * next packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "neigh.h"
#include "nftables.h"
#include "route.h"
#include "routing.h"
#include "ruleset.h"

#define NEIGH_RETRY_US \
	1000000 /* a FAILED gateway is tried again every second */
#define RECOUNT_DELAY_US                                     \
	2000000 /* after a deletion, count connections again \
		 */

uint64_t monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static bool probed(const struct link_config *l)
{
	return l->ntrack > 0;
}

int links_sync_routes(struct daemon *d, unsigned int i)
{
	struct uplink *u = &d->m.links[i];
	struct route want[LINK_ROUTES_MAX];
	unsigned int n = 0;
	int ret;

	if (u->usable)
		n = routing_link_routes(&d->m.cfg.links[i], &u->ifc, u->table,
					want);
	ret = route_sync(&d->nl, u->table, want, n, RTPROT_FLOWPIN);
	if (ret)
		log_err("link %s: routes of table %u: %s",
			d->m.cfg.links[i].name, u->table, strerror(-ret));
	return ret;
}

/* The first live link of the lowest tier: the fallback table's route. */
int links_sync_fallback(struct daemon *d)
{
	const struct model *m = &d->m;
	struct route r = { 0 };
	int best = -1, ret;

	for (unsigned int i = 0; i < m->cfg.nlinks; i++)
		if (m->links[i].up &&
		    (best < 0 ||
		     m->cfg.links[i].tier < m->cfg.links[best].tier))
			best = (int)i;
	if (best >= 0)
		r = routing_default_route(&m->cfg.links[best],
					  &m->links[best].ifc, m->cfg.table);
	ret = route_sync(&d->nl, m->cfg.table, &r, best >= 0, RTPROT_FLOWPIN);
	if (ret)
		log_err("fallback table %u: %s", m->cfg.table, strerror(-ret));
	return ret;
}

int links_apply_buckets(struct daemon *d)
{
	struct model *m = &d->m;
	struct ruleset_link rl[m->cfg.nlinks];
	struct ruleset rs = { &m->cfg, rl, &m->buckets, false };
	char *script, *err = NULL;
	int ret;

	for (unsigned int i = 0; i < m->cfg.nlinks; i++)
		rl[i] = (struct ruleset_link){ .mark = m->links[i].mark };
	script = ruleset_buckets(&rs, m->applied);
	if (!script)
		return -ENOMEM;
	ret = nftables_run(d->nft, script, false, &err);
	if (ret)
		log_err("nftables: bucket update failed: %s", err ? err : "");
	else
		memcpy(m->applied, m->buckets.owner,
		       m->buckets.size * sizeof(*m->applied));
	free(err);
	free(script);
	return ret;
}

/* Start, restart or stop a link's prober to match its interface. */
static void sync_prober(struct daemon *d, unsigned int i, uint64_t now)
{
	const struct link_config *l = &d->m.cfg.links[i];
	struct uplink *u = &d->m.links[i];
	const struct iface_addr *a;
	int ret;

	if (!probed(l))
		return;
	a = u->usable ? routing_source(l, &u->ifc) : NULL;
	if (prober_running(&u->probe) && a &&
	    u->probe.src.s_addr == a->local.s_addr)
		return;
	if (prober_running(&u->probe))
		prober_stop(&u->probe);
	if (!a)
		return;
	/* the identifier tells apart links that share an address */
	ret = prober_start(&u->probe, l, u->mark, a->local,
			   (uint16_t)(getpid() * 16 + u->slot), now);
	if (ret) {
		log_err("link %s: probes: %s", l->name, strerror(-ret));
		return;
	}
	if (u->probe.icmp_fd >= 0) {
		struct epoll_event ev = {
			.events = EPOLLIN,
			.data.u64 = (uint64_t)EV_PROBE << 32 |
				    (uint64_t)i << 16 | 0xffff,
		};

		epoll_ctl(d->epfd, EPOLL_CTL_ADD, u->probe.icmp_fd, &ev);
	}
}

/* The reason a link is down, for logs and status. */
static void explain_down(const struct daemon *d, unsigned int i)
{
	const struct link_config *l = &d->m.cfg.links[i];
	struct uplink *u = (struct uplink *)&d->m.links[i];
	char gw[INET_ADDRSTRLEN];

	if (!u->usable)
		return; /* u->why holds what is missing */
	if (u->neigh_failed) {
		inet_ntop(AF_INET, &l->gateway, gw, sizeof(gw));
		snprintf(u->why, sizeof(u->why),
			 "gateway %s does not answer (neighbour FAILED)", gw);
	} else {
		snprintf(u->why, sizeof(u->why),
			 "%u probes lost in a row; %.0f%% of the last %u lost",
			 l->down, health_loss(&u->health), u->health.nhistory);
	}
}

void links_why_down(const struct daemon *d, unsigned int i, char *buf,
		    size_t size)
{
	const struct link_config *l = &d->m.cfg.links[i];
	const struct uplink *u = &d->m.links[i];
	char gw[INET_ADDRSTRLEN];

	if (!u->usable) {
		snprintf(buf, size, "%s", u->why);
	} else if (u->neigh_failed) {
		inet_ntop(AF_INET, &l->gateway, gw, sizeof(gw));
		snprintf(buf, size,
			 "gateway %s does not answer (neighbour FAILED)", gw);
	} else {
		snprintf(buf, size,
			 "probes: %.0f%% of the last %u lost; up after %u answered in a row, %u so far",
			 health_loss(&u->health), u->health.nhistory,
			 health_needed(&u->health), u->health.run);
	}
}

static bool live(const struct daemon *d, unsigned int i)
{
	const struct uplink *u = &d->m.links[i];

	return u->usable && !u->neigh_failed &&
	       (!probed(&d->m.cfg.links[i]) || u->health.is_up);
}

/*
 * Rebalance for the links that are up. When none is, fall back to every
 * usable link: probe targets that stop answering on every link at once
 * more likely failed themselves, and a router that drops everything
 * helps nobody.
 */
uint32_t links_rebalance(struct model *m)
{
	unsigned int n = m->cfg.nlinks;
	uint32_t weight[SLOTS_MAX] = { 0 }, tier[SLOTS_MAX] = { 0 };
	uint32_t eff[SLOTS_MAX], active;
	bool on[SLOTS_MAX] = { false }; /* taken into account */

	for (unsigned int i = 0; i < n; i++) {
		weight[i] = m->cfg.links[i].weight;
		tier[i] = m->cfg.links[i].tier;
		on[i] = m->links[i].up;
	}
	active = bucket_tier_weights(weight, tier, on, n, eff);
	if (!active) {
		for (unsigned int i = 0; i < n; i++)
			on[i] = m->links[i].usable && !m->links[i].neigh_failed;
		active = bucket_tier_weights(weight, tier, on, n, eff);
		if (active && !m->degraded)
			log_err("every link is down: new connections use every usable link until one recovers");
		m->degraded = active != 0;
	} else if (m->degraded) {
		log_info("a link is up again: leaving the all-down fallback");
		m->degraded = false;
	}
	if (!active)
		log_err("no usable link: new connections follow the main routing table");
	return bucket_table_balance(&m->buckets, eff, n);
}

int links_evaluate(struct daemon *d)
{
	struct model *m = &d->m;
	unsigned int n = m->cfg.nlinks;
	bool changed[n], carrying[n], any = false;
	uint64_t dropped[n];
	uint32_t moved = 0;
	uint64_t t0, t1;
	int ret = 0;

	for (unsigned int i = 0; i < n; i++) {
		bool up = live(d, i);

		changed[i] = up != m->links[i].up;
		dropped[i] = 0;
		any |= changed[i];
		if (!changed[i])
			continue;
		m->links[i].up = up;
		m->links[i].since = time(NULL);
		if (up)
			m->links[i].flushed = false;
		else
			explain_down(d, i);
	}
	t0 = monotonic_us();
	if (any)
		moved = links_rebalance(m);
	/* whenever the kernel's table differs: also retries a failed update */
	if (memcmp(m->applied, m->buckets.owner,
		   m->buckets.size * sizeof(*m->applied)))
		ret = links_apply_buckets(d);
	/* which links carry new connections is what the kernel has */
	for (unsigned int i = 0; i < n; i++)
		carrying[i] = false;
	for (uint32_t b = 0; b < m->buckets.size; b++)
		if (m->applied[b] >= 0)
			carrying[m->applied[b]] = true;
	for (unsigned int i = 0; i < n; i++)
		if (carrying[i]) /* down but carrying (all down): live again */
			m->links[i].flushed = false;
	t1 = monotonic_us();
	/* after the table: deleted connections must not re-pick the link */
	for (unsigned int i = 0; i < n && !ret; i++) {
		struct uplink *u = &m->links[i];

		if (u->up || carrying[i] || u->flushed)
			continue;
		flows_catch_up(d); /* the count as of now */
		dropped[i] = flowcount_get(&d->flows, i);
		/*
		 * No destroy events for the connections deleted here: building
		 * and queueing them doubles the time the deletion takes. Ours
		 * are forgotten at once; a recount soon after makes up for the
		 * destroy events of other connections missed meanwhile.
		 */
		ct_events_destroy_group(&d->ct, false);
		ret = ct_delete_mark(&d->nfnl, u->mark, m->cfg.mark_mask);
		ct_events_destroy_group(&d->ct, true);
		flowcount_drop_link(&d->flows, i);
		d->recount_us = monotonic_us() + RECOUNT_DELAY_US;
		if (ret)
			log_err("link %s: deleting its connections: %s",
				m->cfg.links[i].name, strerror(-ret));
		u->flushed = true;
	}
	uint64_t t2 = monotonic_us();
	double ms = (double)(t2 - t0) / 1000.0;
	double table_ms = (double)(t1 - t0) / 1000.0;
	double ct_ms = (double)(t2 - t1) / 1000.0;

	for (unsigned int i = 0; i < n; i++) {
		const char *name = m->cfg.links[i].name;

		if (!changed[i])
			continue;
		if (m->links[i].up)
			log_info("link %s up: %u buckets moved (applied in %.1f ms)",
				 name, moved, ms);
		else
			log_warn("link %s down: %s; %u buckets moved, %llu connections dropped (applied in %.1f ms: table %.1f, conntrack %.1f)",
				 name, m->links[i].why, moved,
				 (unsigned long long)dropped[i], ms, table_ms,
				 ct_ms);
	}
	if (any)
		links_sync_fallback(d);
	return ret;
}

/* Interfaces or addresses changed: routes, probers, link states. */
int links_refresh(struct daemon *d)
{
	uint64_t now = monotonic_us();
	int ret;

	for (unsigned int i = 0; i < d->m.cfg.nlinks; i++) {
		const struct link_config *l = &d->m.cfg.links[i];
		struct uplink *u = &d->m.links[i];
		bool was = u->usable;
		struct iface ifc;
		int err = iface_get(&d->nl, l->ifname, &ifc);

		/* on a netlink error, keep what was known of it */
		if (err && err != -ENODEV)
			continue;
		u->ifc = ifc;
		u->usable =
			routing_link_usable(l, &u->ifc, u->why, sizeof(u->why));
		if (was != u->usable) {
			u->neigh_failed = false; /* a new start for the gateway
						  */
			/* carrier back: the link proves itself again first */
			if (probed(l))
				health_force_down(&u->health, now / 1000);
		}
		links_sync_routes(d, i);
		sync_prober(d, i, now);
	}
	links_arm_timer(d);
	ret = links_evaluate(d);
	/* an address change may have taken the fallback route along */
	links_sync_fallback(d);
	return ret;
}

void links_neighbour(struct daemon *d, const struct nlmsghdr *nlh)
{
	struct neigh nb;
	bool changed = false;

	if (neigh_parse(nlh, &nb) || nb.verdict == NEIGH_UNKNOWN)
		return;
	for (unsigned int i = 0; i < d->m.cfg.nlinks; i++) {
		const struct link_config *l = &d->m.cfg.links[i];
		struct uplink *u = &d->m.links[i];
		bool failed = nb.verdict == NEIGH_FAILED;

		if (!l->has_gateway || l->gateway.s_addr != nb.addr.s_addr ||
		    u->ifc.index != nb.ifindex || u->neigh_failed == failed)
			continue;
		u->neigh_failed = failed;
		u->neigh_retry_us = monotonic_us() + NEIGH_RETRY_US;
		if (failed && probed(l))
			health_force_down(&u->health, monotonic_us() / 1000);
		changed = true;
	}
	if (changed)
		links_evaluate(d);
}

struct watch_ctx {
	struct daemon *d;
	unsigned int link;
};

int links_watch_probe(void *ctx, int fd, unsigned int slot)
{
	struct watch_ctx *w = ctx;
	struct epoll_event ev = {
		.events = EPOLLOUT,
		.data.u64 = (uint64_t)EV_PROBE << 32 | (uint64_t)w->link << 16 |
			    slot,
	};

	return epoll_ctl(w->d->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

void links_probe_input(struct daemon *d, unsigned int link, int slot)
{
	struct prober *p;

	if (link >= d->m.cfg.nlinks)
		return;
	p = &d->m.links[link].probe;
	if (!prober_running(p))
		return;
	if (slot < 0)
		prober_icmp_input(p, monotonic_us());
	else
		prober_tcp_input(p, (unsigned int)slot, monotonic_us());
}

/* Outcomes into health, then the probes that are due. */
void links_probe_tick(struct daemon *d)
{
	uint64_t now = monotonic_us();
	bool changed = false;

	for (unsigned int i = 0; i < d->m.cfg.nlinks; i++) {
		struct uplink *u = &d->m.links[i];
		struct watch_ctx w = { d, i };
		bool answered;
		double rtt;

		/* nothing else sends to a failed gateway: ask the kernel */
		if (u->neigh_failed && now >= u->neigh_retry_us) {
			neigh_resolve(&d->nl, u->ifc.index,
				      d->m.cfg.links[i].gateway);
			u->neigh_retry_us = now + NEIGH_RETRY_US;
		}
		if (!prober_running(&u->probe))
			continue;
		while (prober_outcome(&u->probe, now, &answered, &rtt)) {
			changed |= health_probe(&u->health, answered, rtt,
						now / 1000);
			/* the path works: so does the gateway's neighbour */
			if (answered && u->neigh_failed) {
				u->neigh_failed = false;
				changed = true;
			}
		}
		prober_send(&u->probe, now, links_watch_probe, &w);
	}
	if (changed)
		links_evaluate(d);
	if (d->recount_us && now >= d->recount_us) {
		d->recount_us = 0;
		flows_resync(d);
	}
	links_arm_timer(d);
}

void links_arm_timer(struct daemon *d)
{
	struct itimerspec its = { 0 };
	uint64_t next = UINT64_MAX;

	for (unsigned int i = 0; i < d->m.cfg.nlinks; i++) {
		const struct uplink *u = &d->m.links[i];

		if (prober_running(&u->probe) &&
		    prober_deadline(&u->probe) < next)
			next = prober_deadline(&u->probe);
		if (u->neigh_failed && u->neigh_retry_us < next)
			next = u->neigh_retry_us;
	}
	if (d->recount_us && d->recount_us < next)
		next = d->recount_us;
	if (next == UINT64_MAX)
		next = 0; /* disarmed */
	else if (next == 0)
		next = 1; /* zero would disarm the timer */
	if (next == d->timer_us)
		return; /* armed so already: most wake-ups change nothing */
	its.it_value.tv_sec = (time_t)(next / 1000000);
	its.it_value.tv_nsec = (long)(next % 1000000) * 1000;
	timerfd_settime(d->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
	d->timer_us = next;
}
