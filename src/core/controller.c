// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/controller.h"
#include "core/routing.h"

static bool probed(const struct controller *c, unsigned int i)
{
	return config_ntrack(&c->cfg->links[i], c->fam) > 0;
}

/* Whether new connections of the family may be balanced onto link @i. */
static bool balanced(const struct controller *c, unsigned int i)
{
	return c->fam != FAM_IPV6 || config_balances6(&c->cfg->links[i]);
}

static const struct route *learned(const struct ctl_link *u)
{
	return link_seen_route(&u->seen);
}

static bool has_address(const struct iface *ifc, enum fam f,
			const union inaddr *a)
{
	for (unsigned int i = 0; i < ifc->naddr; i++)
		if (ifc->addr[i].fam == f &&
		    inaddr_equal(f, &ifc->addr[i].local, a))
			return true;
	return false;
}

/* A link waits for its address or gateway while its interface is up. */
static bool holdable(const struct ctl_link *u)
{
	return u->seen.ifc.index && iface_running(&u->seen.ifc);
}

/* Waiting for its address or gateway to come back, connections kept. */
static bool held(const struct ctl_link *u, uint64_t now_ms)
{
	return u->hold_ms && now_ms < u->hold_ms;
}

/*
 * What is seen of link @i changed: whether it is usable, and which address
 * it sends from. True when either, its next hop, or its wait changed.
 */
static bool observe(struct controller *c, unsigned int i,
		    const struct link_seen *seen, uint64_t now_ms)
{
	const struct link_config *l = &c->cfg->links[i];
	struct ctl_link *u = &c->links[i];
	enum fam f = c->fam;
	bool was = u->usable, had_gw, has_gw, came_back;
	union inaddr old_gw = { 0 }, gw = { 0 }, old_src = u->src;
	uint64_t old_hold = u->hold_ms;

	had_gw = routing_gateway(l, f, learned(u), &old_gw);
	u->seen = *seen;
	has_gw = routing_gateway(l, f, learned(u), &gw);
	u->usable = routing_link_usable(l, f, &u->seen.ifc, learned(u), u->why,
					sizeof(u->why));
	came_back = u->usable && !was && held(u, now_ms);
	/* only a link that carried connections keeps them while it waits */
	if (u->usable) {
		u->src = routing_source(l, f, &u->seen.ifc, learned(u))->local;
		/*
		 * given up: an IPv6 address that is only deprecated (its
		 * prefix being replaced) still carries what it has
		 */
		if (!inaddr_is_zero(f, &old_src) &&
		    !inaddr_equal(f, &u->src, &old_src) &&
		    !has_address(&u->seen.ifc, f, &old_src))
			u->renumbered = old_src;
		u->hold_ms = 0;
	} else if (was && u->up && holdable(u)) {
		u->hold_ms = now_ms + CONTROLLER_RENUMBER_HOLD_MS;
	} else if (!holdable(u) && u->hold_ms) {
		/* gone, or no carrier: what it kept goes at the next look */
		u->hold_ms = 1;
	}
	if (had_gw != has_gw || !inaddr_equal(f, &gw, &old_gw))
		u->neigh_failed = false; /* another gateway: a new start */
	if (was != u->usable) {
		u->neigh_failed = false; /* a new start for the gateway */
		/* back after a while: the link proves itself again first */
		if (probed(c, i) && !came_back && !held(u, now_ms))
			health_force_down(&u->health, now_ms);
		return true;
	}
	return !inaddr_equal(f, &u->src, &old_src) || had_gw != has_gw ||
	       !inaddr_equal(f, &gw, &old_gw) || u->hold_ms != old_hold;
}

static void policy_free(struct ctl_policy *p)
{
	bucket_table_free(&p->buckets);
	free(p->applied);
	free(p->failback);
}

static int policy_init(struct ctl_policy *p, const struct config *cfg)
{
	int ret;

	p->applied = calloc(cfg->buckets, sizeof(*p->applied));
	p->failback =
		calloc(cfg->nlinks ? cfg->nlinks : 1, sizeof(*p->failback));
	if (!p->applied || !p->failback)
		return -ENOMEM;
	ret = bucket_table_init(&p->buckets, cfg->buckets);
	if (ret)
		return ret;
	for (uint32_t b = 0; b < cfg->buckets; b++)
		p->applied[b] = BUCKET_NONE;
	p->mode = POLICY_UP;
	return 0;
}

int controller_init(struct controller *c, const struct config *cfg,
		    enum fam fam)
{
	int ret = -ENOMEM;

	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->fam = fam;
	c->links = calloc(cfg->nlinks ? cfg->nlinks : 1, sizeof(*c->links));
	c->pol = calloc(cfg->npolicies ? cfg->npolicies : 1, sizeof(*c->pol));
	if (!c->links || !c->pol)
		goto err;
	for (unsigned int p = 0; p < cfg->npolicies; p++) {
		ret = policy_init(&c->pol[p], cfg);
		if (ret)
			goto err;
	}
	return 0;
err:
	controller_free(c);
	return ret;
}

void controller_free(struct controller *c)
{
	for (unsigned int p = 0; c->pol && p < c->cfg->npolicies; p++)
		policy_free(&c->pol[p]);
	free(c->pol);
	free(c->links);
	memset(c, 0, sizeof(*c));
}

/* The links' states, as every policy sees them (weights its own). */
static void link_states(const struct controller *c, struct policy_link *pl)
{
	for (unsigned int i = 0; i < c->cfg->nlinks; i++) {
		const struct ctl_link *l = &c->links[i];

		pl[i] = (struct policy_link){
			.up = l->up && balanced(c, i),
			.usable = l->usable && !l->neigh_failed &&
				  balanced(c, i),
		};
	}
}

/* The tier of the links owning buckets of @p, the lowest; 0: none. */
static uint32_t owning_tier(const struct controller *c, unsigned int p)
{
	const struct policy_config *pc = &c->cfg->policies[p];
	uint32_t tier = 0;

	for (unsigned int i = 0; i < c->cfg->nlinks; i++)
		if (bucket_count(&c->pol[p].buckets, (int)i) &&
		    (!tier || pc->tier[i] < tier))
			tier = pc->tier[i];
	return tier;
}

/*
 * A failback = all policy whose better tier came back: its connections
 * on the links of the tiers it left go, those of links still up (a
 * link that went down loses all of its connections anyway).
 */
static bool note_failback(struct controller *c, unsigned int p, uint32_t was)
{
	const struct policy_config *pc = &c->cfg->policies[p];
	struct ctl_policy *cp = &c->pol[p];
	bool any = false;

	if (pc->failback != FAILBACK_ALL || !was || !cp->tier ||
	    cp->tier >= was)
		return false;
	for (unsigned int i = 0; i < c->cfg->nlinks; i++)
		if (pc->weight[i] && pc->tier[i] > cp->tier && c->links[i].up &&
		    !bucket_count(&cp->buckets, (int)i)) {
			cp->failback[i] = true;
			any = true;
		}
	return any;
}

/*
 * Every policy's table from the links' states; the buckets moved in all.
 * @failback: whether some policy fails back.
 */
static uint32_t rebalance(struct controller *c, bool *failback)
{
	struct policy_link state[SLOTS_MAX], pl[SLOTS_MAX];
	uint32_t moved = 0;

	link_states(c, state);
	*failback = false;
	for (unsigned int i = 0; i < c->cfg->nlinks; i++) {
		c->links[i].balanced_up = state[i].up;
		c->links[i].balanced_usable = state[i].usable;
	}
	for (unsigned int p = 0; p < c->cfg->npolicies; p++) {
		struct ctl_policy *cp = &c->pol[p];
		uint32_t was = cp->tier;

		policy_links(c->cfg, p, state, pl);
		moved += policy_balance(&cp->buckets, pl, c->cfg->nlinks,
					&cp->mode);
		cp->tier = owning_tier(c, p);
		*failback |= note_failback(c, p, was);
	}
	return moved;
}

/* Whether the links' states differ from those the tables were made of. */
static bool states_changed(const struct controller *c)
{
	struct policy_link state[SLOTS_MAX];

	link_states(c, state);
	for (unsigned int i = 0; i < c->cfg->nlinks; i++)
		if (state[i].up != c->links[i].balanced_up ||
		    state[i].usable != c->links[i].balanced_usable)
			return true;
	return false;
}

uint32_t controller_owned(const struct controller *c, unsigned int i)
{
	uint32_t n = 0;

	for (unsigned int p = 0; p < c->cfg->npolicies; p++)
		n += bucket_count(&c->pol[p].buckets, (int)i);
	return n;
}

/*
 * At a reload, the wait of link @u, @p before: what it waited for, or the
 * wait it starts now when it lost its address since it was last seen, as
 * it would have then; none when usable, over at once when its interface
 * went meanwhile.
 */
static uint64_t reload_hold(const struct ctl_link *u, const struct ctl_link *p,
			    uint64_t now_ms)
{
	if (u->usable)
		return 0;
	if (!holdable(u))
		return p->hold_ms ? 1 : 0;
	if (p->hold_ms)
		return p->hold_ms;
	return p->usable && p->up ? now_ms + CONTROLLER_RENUMBER_HOLD_MS : 0;
}

/*
 * In a killed daemon's tables, whether link @i owned no bucket of a
 * policy whose tier carrying new connections is its own or above: it was
 * down there. A link of a higher tier owns none anyway: a backup, not a
 * dead link.
 */
static bool was_down(const struct controller *c, unsigned int i)
{
	const struct config *cfg = c->cfg;
	bool member = false;

	for (unsigned int p = 0; p < cfg->npolicies; p++) {
		const struct policy_config *pc = &cfg->policies[p];
		uint32_t active = owning_tier(c, p);

		if (!pc->weight[i])
			continue;
		if (bucket_count(&c->pol[p].buckets, (int)i) || !active ||
		    pc->tier[i] > active)
			return false;
		member = true;
	}
	return member;
}

uint32_t controller_start(struct controller *c, const struct link_seen *seen,
			  const struct controller *prev, bool takeover,
			  uint64_t now_ms)
{
	const struct config *cfg = c->cfg;
	uint32_t moved;
	bool failback;

	for (unsigned int i = 0; i < cfg->nlinks; i++) {
		const struct link_config *l = &cfg->links[i];
		struct ctl_link *u = &c->links[i];
		int k = prev ? config_find_link(prev->cfg, l->name) : -1;
		bool down;

		u->seen = seen[i];
		u->usable = routing_link_usable(l, c->fam, &u->seen.ifc,
						learned(u), u->why,
						sizeof(u->why));
		if (u->usable)
			u->src = routing_source(l, c->fam, &u->seen.ifc,
						learned(u))
					 ->local;
		if (k >= 0) {
			const struct ctl_link *p = &prev->links[k];

			u->neigh_failed = p->neigh_failed;
			u->neigh_retry_ms = p->neigh_retry_ms;
			u->health = p->health;
			u->health.down = l->down;
			u->health.up = l->up;
			u->flushed = p->flushed;
			u->since_ms = p->since_ms;
			u->hold_ms = reload_hold(u, p, now_ms);
			u->renumbered = p->renumbered;
			if (!u->usable)
				u->src = u->hold_ms ? p->src :
						      (union inaddr){ 0 };
			else if (!inaddr_is_zero(c->fam, &p->src) &&
				 !inaddr_equal(c->fam, &p->src, &u->src) &&
				 !has_address(&u->seen.ifc, c->fam, &p->src))
				u->renumbered = p->src;
			u->up = p->up && u->usable;
			/* down since it was last seen: evaluate says so */
			u->pending = p->up && !u->up;
			continue;
		}
		down = takeover && was_down(c, i) && probed(c, i) &&
		       balanced(c, i);
		health_init(&u->health, l->down, l->up, !down, now_ms);
		u->up = u->usable && !down;
		u->flushed = down; /* the killed daemon deleted them */
		u->since_ms = now_ms;
	}
	for (unsigned int p = 0; p < cfg->npolicies; p++) {
		struct ctl_policy *cp = &c->pol[p];
		int k = prev ? config_find_policy(prev->cfg,
						  cfg->policies[p].name) :
			       -1;

		cp->mode = k >= 0 ? prev->pol[k].mode : POLICY_UP;
		/* a reload is no failback: the tier it had stands */
		cp->tier = k >= 0 ? prev->pol[k].tier : owning_tier(c, p);
	}
	moved = rebalance(c, &failback);
	for (unsigned int p = 0; p < cfg->npolicies && failback; p++)
		memset(c->pol[p].failback, 0,
		       cfg->nlinks * sizeof(*c->pol[p].failback));
	return moved;
}

bool controller_iface(struct controller *c, unsigned int i,
		      const struct link_seen *seen, uint64_t now_ms)
{
	return observe(c, i, seen, now_ms);
}

bool controller_gateway(const struct controller *c, unsigned int i,
			union inaddr *gw)
{
	return routing_gateway(&c->cfg->links[i], c->fam, learned(&c->links[i]),
			       gw);
}

bool controller_renumbered(struct controller *c, unsigned int i,
			   union inaddr *old)
{
	struct ctl_link *u = &c->links[i];

	if (inaddr_is_zero(c->fam, &u->renumbered))
		return false;
	*old = u->renumbered;
	u->renumbered = (union inaddr){ 0 };
	return true;
}

bool controller_neigh(struct controller *c, const struct neigh *nb,
		      uint64_t now_ms)
{
	bool failed = nb->verdict == NEIGH_FAILED, changed = false;

	if (nb->verdict == NEIGH_UNKNOWN || nb->fam != c->fam)
		return false;
	for (unsigned int i = 0; i < c->cfg->nlinks; i++) {
		struct ctl_link *u = &c->links[i];
		union inaddr gw;

		if (!controller_gateway(c, i, &gw) ||
		    !inaddr_equal(c->fam, &gw, &nb->addr) ||
		    u->seen.ifc.index != nb->ifindex ||
		    u->neigh_failed == failed)
			continue;
		u->neigh_failed = failed;
		u->neigh_retry_ms = now_ms + CONTROLLER_NEIGH_RETRY_MS;
		if (failed && probed(c, i))
			health_force_down(&u->health, now_ms);
		changed = true;
	}
	return changed;
}

bool controller_probe(struct controller *c, unsigned int i, bool answered,
		      double rtt_ms, uint64_t now_ms)
{
	struct ctl_link *u = &c->links[i];
	bool changed = health_probe(&u->health, answered, rtt_ms, now_ms);

	/* the path works: so does the gateway's neighbour */
	if (answered && u->neigh_failed) {
		u->neigh_failed = false;
		changed = true;
	}
	return changed;
}

bool controller_neigh_due(struct controller *c, unsigned int i, uint64_t now_ms)
{
	struct ctl_link *u = &c->links[i];

	if (!u->neigh_failed || now_ms < u->neigh_retry_ms)
		return false;
	u->neigh_retry_ms = now_ms + CONTROLLER_NEIGH_RETRY_MS;
	return true;
}

uint64_t controller_deadline(const struct controller *c)
{
	uint64_t next = UINT64_MAX;

	for (unsigned int i = 0; i < c->cfg->nlinks; i++) {
		const struct ctl_link *u = &c->links[i];

		if (u->neigh_failed && u->neigh_retry_ms < next)
			next = u->neigh_retry_ms;
		if (u->hold_ms && u->hold_ms < next)
			next = u->hold_ms;
	}
	return next;
}

static bool live(const struct controller *c, unsigned int i)
{
	const struct ctl_link *u = &c->links[i];

	if (!u->usable || u->neigh_failed)
		return false;
	if (probed(c, i))
		return u->health.is_up;
	return !u->borrows || u->borrowed_up;
}

bool controller_borrow(struct controller *c, unsigned int i, bool up)
{
	struct ctl_link *u = &c->links[i];
	bool changed = !u->borrows || u->borrowed_up != up;

	if (probed(c, i))
		return false;
	u->borrows = true;
	u->borrowed_up = up;
	return changed;
}

/* Why a path without targets of its own is down: the other family's. */
static bool borrowed_down(const struct controller *c, unsigned int i, char *buf,
			  size_t size)
{
	const struct ctl_link *u = &c->links[i];
	enum fam other = c->fam == FAM_IPV4 ? FAM_IPV6 : FAM_IPV4;

	if (probed(c, i) || !u->borrows || u->borrowed_up)
		return false;
	snprintf(buf, size,
		 "no %s probe target: its %s probes say the path is down",
		 fam_label(c->fam), fam_label(other));
	return true;
}

static void gateway_text(const struct controller *c, unsigned int i, char *buf,
			 size_t size)
{
	char text[INADDR_STRLEN];
	union inaddr gw = { 0 };

	controller_gateway(c, i, &gw);
	snprintf(buf, size, "gateway %s does not answer (neighbour FAILED)",
		 inaddr_str(c->fam, &gw, text));
}

/* Why a link that was up just went down, kept for the log. */
static void note_down(struct controller *c, unsigned int i)
{
	struct ctl_link *u = &c->links[i];

	if (!u->usable)
		return; /* u->why holds what is missing */
	if (u->neigh_failed)
		gateway_text(c, i, u->why, sizeof(u->why));
	else if (!borrowed_down(c, i, u->why, sizeof(u->why)))
		snprintf(u->why, sizeof(u->why),
			 "%u probes lost in a row; %.0f%% of the last %u lost",
			 c->cfg->links[i].down, health_loss(&u->health),
			 u->health.nhistory);
}

void controller_why(const struct controller *c, unsigned int i, char *buf,
		    size_t size)
{
	const struct ctl_link *u = &c->links[i];

	if (!u->usable)
		snprintf(buf, size, "%s", u->why);
	else if (u->neigh_failed)
		gateway_text(c, i, buf, size);
	else if (!borrowed_down(c, i, buf, size))
		snprintf(buf, size,
			 "probes: %.0f%% of the last %u lost; up after %u answered in a row, %u so far",
			 health_loss(&u->health), u->health.nhistory,
			 health_needed(&u->health), u->health.run);
}

void controller_evaluate(struct controller *c, uint64_t now_ms,
			 struct ctl_decision *d)
{
	unsigned int n = c->cfg->nlinks;
	uint32_t before[SLOTS_MAX];

	memset(d, 0, sizeof(*d));
	d->was = c->pol[POLICY_DEFAULT].mode;
	for (unsigned int i = 0; i < n; i++) {
		struct ctl_link *u = &c->links[i];
		bool up = live(c, i);

		/* nothing came back in time: its connections go now */
		if (u->hold_ms && !held(u, now_ms)) {
			u->hold_ms = 0;
			u->src = (union inaddr){ 0 };
			u->renumbered = (union inaddr){ 0 };
			d->expired[i] = true;
		}
		before[i] = controller_owned(c, i);
		if (up == u->up && !u->pending)
			continue;
		u->pending = false;
		d->changed[i] = true;
		d->nchanged++;
		u->changes++;
		u->up = up;
		u->since_ms = now_ms;
		if (up) {
			u->flushed = false;
		} else if (!u->hold_ms) {
			note_down(c, i);
			/* its connections go with it: none to renumber */
			u->renumbered = (union inaddr){ 0 };
			if (!u->usable)
				u->src = (union inaddr){ 0 };
		}
	}
	/*
	 * Not only when a link went up or down: one that is down anyway may
	 * become unusable (or usable) while every link is down, and the
	 * degraded tables are made of the usable ones.
	 */
	if (states_changed(c))
		rebalance(c, &d->failback);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t after = controller_owned(c, i);

		d->moved[i] = after > before[i] ? after - before[i] :
						  before[i] - after;
	}
	d->mode = c->pol[POLICY_DEFAULT].mode;
	/* whenever a kernel's table differs: also retries a failed update */
	for (unsigned int p = 0; p < c->cfg->npolicies; p++)
		d->apply |= memcmp(c->pol[p].applied, c->pol[p].buckets.owner,
				   c->pol[p].buckets.size *
					   sizeof(*c->pol[p].applied)) != 0;
}

void controller_applied(struct controller *c)
{
	for (unsigned int p = 0; p < c->cfg->npolicies; p++)
		memcpy(c->pol[p].applied, c->pol[p].buckets.owner,
		       c->pol[p].buckets.size * sizeof(*c->pol[p].applied));
}

unsigned int controller_flushes(struct controller *c, bool *flush)
{
	unsigned int n = c->cfg->nlinks, count = 0;
	bool carrying[SLOTS_MAX] = { false };

	/* which links carry new connections is what the kernel has */
	for (unsigned int p = 0; p < c->cfg->npolicies; p++) {
		const struct ctl_policy *cp = &c->pol[p];

		for (uint32_t b = 0; b < cp->buckets.size; b++)
			if (cp->applied[b] >= 0 &&
			    (unsigned int)cp->applied[b] < n)
				carrying[cp->applied[b]] = true;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct ctl_link *u = &c->links[i];

		flush[i] = false;
		if (carrying[i]) { /* down but carrying (all down): live */
			u->flushed = false;
			continue;
		}
		/*
		 * held: kept while its address may come back; not balanced
		 * (IPv6 sources of its own prefix): they would come back to
		 * it, the only provider that routes them
		 */
		if (u->up || u->flushed || u->hold_ms || !balanced(c, i))
			continue;
		flush[i] = true;
		u->flushed = true;
		count++;
	}
	return count;
}

unsigned int controller_failbacks(struct controller *c, unsigned int p,
				  bool *flush)
{
	struct ctl_policy *cp = &c->pol[p];
	unsigned int count = 0;

	for (unsigned int i = 0; i < c->cfg->nlinks; i++) {
		/* owning buckets in the kernel's table: it has them back */
		bool owns = false;

		for (uint32_t b = 0; b < cp->buckets.size && !owns; b++)
			owns = cp->applied[b] == (int)i;
		flush[i] = cp->failback[i] && !owns;
		cp->failback[i] = false;
		count += flush[i];
	}
	return count;
}

int controller_fallback(const struct controller *c)
{
	int best = -1;

	/* a held link has no route to give */
	for (unsigned int i = 0; i < c->cfg->nlinks; i++)
		if (c->links[i].up && c->links[i].usable &&
		    (best < 0 ||
		     c->cfg->links[i].tier < c->cfg->links[best].tier))
			best = (int)i;
	return best;
}

const struct iface_addr *controller_source(const struct controller *c,
					   unsigned int i)
{
	const struct ctl_link *u = &c->links[i];

	return u->usable ? routing_source(&c->cfg->links[i], c->fam,
					  &u->seen.ifc, learned(u)) :
			   NULL;
}
