// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/classify.h"
#include "core/policy.h"
#include "sim/multipath.h"
#include "sim/sim.h"

const char *const sim_policy_names[SIM_POLICIES] = {
	[POL_ROUND_ROBIN] = "round-robin",
	[POL_KERNEL_L3] = "kernel-l3",
	[POL_KERNEL_L4] = "kernel-l4",
	[POL_FLOWPIN] = "flowpin",
};

/*
 * The kernel hashes multipath flows with SipHash under a per-boot random
 * key: no replay can reproduce its choice of each flow, only the way it
 * splits the hash space (multipath.c). A seeded jhash of the same fields
 * stands in for it, with the same uniform spread.
 */
#define KERNEL_STANDIN_SEED 0x6b65726e

int sim_event_parse(const char *arg, const struct config *c,
		    struct sim_event *ev, char *err, size_t errlen)
{
	char buf[96], *link, *what, *end;
	double t;
	uint32_t w;
	int i;

	/* cut short, it would be read as another event */
	if (strlen(arg) >= sizeof(buf)) {
		snprintf(err, errlen,
			 "\"%.40s...\" is longer than %zu characters", arg,
			 sizeof(buf) - 1);
		return -EINVAL;
	}
	strcpy(buf, arg);
	link = strchr(buf, ':');
	what = link ? strchr(link + 1, ':') : NULL;
	if (!what) {
		snprintf(err, errlen,
			 "\"%s\" is not TIME:LINK:down|up|weight=N", arg);
		return -EINVAL;
	}
	*link++ = '\0';
	*what++ = '\0';
	t = strtod(buf, &end);
	if (end == buf || *end || !(t >= 0) || t > 1e9) {
		snprintf(err, errlen, "\"%s\": \"%s\" is not a time in seconds",
			 arg, buf);
		return -EINVAL;
	}
	i = config_find_link(c, link);
	if (i < 0) {
		snprintf(err, errlen, "\"%s\": no link \"%s\" in %s", arg, link,
			 c->path);
		return -EINVAL;
	}
	ev->at_us = (uint64_t)llround(t * 1e6);
	ev->link = (unsigned int)i;
	if (!strcmp(what, "down")) {
		ev->kind = SIM_DOWN;
	} else if (!strcmp(what, "up")) {
		ev->kind = SIM_UP;
	} else if (!strncmp(what, "weight=", 7) &&
		   parse_u32(what + 7, 1, 255, &w) == 0) {
		ev->kind = SIM_WEIGHT;
		ev->weight = w;
	} else {
		snprintf(err, errlen,
			 "\"%s\": \"%s\" is not down, up or weight=1..255", arg,
			 what);
		return -EINVAL;
	}
	return 0;
}

/*
 * Policy @p's links as it sees them for family @f: a dead link is not
 * usable, nor for IPv6 one whose provider takes only its prefix6; a
 * weight an event set holds in every policy that has the link.
 */
static void sim_policy_links(const struct sim *s, unsigned int p, enum fam f,
			     struct policy_link *pl)
{
	struct policy_link state[SLOTS_MAX];

	for (unsigned int i = 0; i < s->nlinks; i++) {
		bool up = s->alive[i] && (f == FAM_IPV4 ||
					  config_balances6(&s->cfg->links[i]));

		state[i] = (struct policy_link){ .up = up, .usable = up };
	}
	policy_links(s->cfg, p, state, pl);
	for (unsigned int i = 0; i < s->nlinks; i++)
		if (pl[i].weight && s->reweighted[i])
			pl[i].weight = s->weight[i];
}

/* Every policy's tables of both families, as the daemon rebalances them. */
static void rebalance_flowpin(struct sim *s)
{
	struct policy_link pl[SLOTS_MAX];
	enum policy_mode mode;

	for (unsigned int p = 0; p < s->cfg->npolicies; p++) {
		struct flowpin_policy *sp = &s->pol[p];

		for (enum fam f = 0; f < FAM_MAX; f++) {
			const struct bucket_table *t = &sp->buckets[f];

			sim_policy_links(s, p, f, pl);
			policy_balance(&sp->buckets[f], pl, s->nlinks, &mode);
			memset(sp->owns[f], 0, sizeof(sp->owns[f]));
			for (uint32_t b = 0; b < t->size; b++)
				if (t->owner[b] != BUCKET_NONE)
					sp->owns[f][t->owner[b]] = true;
		}
	}
}

int sim_init(struct sim *s, const struct config *c,
	     const struct sim_event *events, unsigned int nevents)
{
	int ret = 0;

	memset(s, 0, sizeof(*s));
	if (nevents > SIM_EVENTS_MAX)
		return -E2BIG;
	s->cfg = c;
	s->nlinks = c->nlinks;
	s->events = events;
	s->nevents = nevents;
	s->iif = c->nlan ? c->lan[0] : NULL;
	for (unsigned int i = 0; i < c->nlinks; i++) {
		s->alive[i] = true;
		s->weight[i] = c->links[i].weight;
		for (int p = 0; p < SIM_POLICIES; p++)
			s->expected[p][i] = s->weight[i];
		if (c->links[i].has_prefix6) {
			s->prefix6[i] = c->links[i].prefix6;
			s->has_prefix6 = true;
		}
	}
	multipath_bounds(s->weight, s->alive, s->nlinks, s->upper);
	s->pol = calloc(c->npolicies, sizeof(*s->pol));
	/* one more: calloc(0) may give NULL */
	s->rule_conns = calloc(c->nrules + 1, sizeof(*s->rule_conns));
	if (!s->pol || !s->rule_conns)
		ret = -ENOMEM;
	for (unsigned int p = 0; p < c->npolicies && !ret; p++) {
		s->failback_all |= c->policies[p].failback == FAILBACK_ALL;
		for (enum fam f = 0; f < FAM_MAX && !ret; f++)
			ret = bucket_table_init(&s->pol[p].buckets[f],
						c->buckets);
	}
	if (!ret)
		ret = simtable_init(&s->table);
	if (ret) {
		sim_free(s);
		return ret;
	}
	rebalance_flowpin(s);
	/* flowpin's shares aim at the links of each policy's lowest tier */
	for (unsigned int p = 0; p < c->npolicies; p++)
		for (enum fam f = 0; f < FAM_MAX; f++) {
			struct policy_link pl[SLOTS_MAX];

			sim_policy_links(s, p, f, pl);
			policy_weights(pl, s->nlinks, s->pol[p].expected[f]);
		}
	return 0;
}

void sim_free(struct sim *s)
{
	for (unsigned int p = 0; s->pol && p < s->cfg->npolicies; p++)
		for (enum fam f = 0; f < FAM_MAX; f++)
			bucket_table_free(&s->pol[p].buckets[f]);
	free(s->pol);
	s->pol = NULL;
	free(s->rule_conns);
	s->rule_conns = NULL;
	simtable_free(&s->table);
}

/* The kernel policies' nexthop for @c under the current bounds. */
static int kernel_link(const struct sim *s, const struct sim_conn *c, int p)
{
	enum hash_mode m = p == POL_KERNEL_L3 ? HASH_L3 : HASH_L4;
	struct flow_key k;

	sim_conn_key(c, &k);
	return multipath_select(s->upper, s->nlinks,
				flowhash(&k, m, KERNEL_STANDIN_SEED) >> 1);
}

/*
 * flowpin's pick for @c as for a new connection, as the kernel's chains
 * make it: the first matching rule's policy (main: no link), for IPv6
 * its source's prefix6, then that policy's bucket table of its family.
 * How, in s->pick.
 */
static int flowpin_link(struct sim *s, const struct sim_conn *c)
{
	struct sim_pick *pk = &s->pick;
	const struct bucket_table *t;
	struct flow_key k;
	enum fam f;
	uint32_t h;

	sim_conn_key(c, &k);
	f = k.family == AF_INET6 ? FAM_IPV6 : FAM_IPV4;
	*pk = (struct sim_pick){ .link = -1 };
	pk->policy = classify_policy(s->cfg, &k, s->iif, &pk->rule);
	if (pk->policy == RULE_POLICY_MAIN)
		return -1;
	if (f == FAM_IPV6 && s->has_prefix6) {
		pk->link = flowhash_source_prefix(&k, s->prefix6, s->nlinks);
		if (pk->link >= 0) {
			pk->by_prefix = true;
			return pk->link;
		}
	}
	t = &s->pol[pk->policy].buckets[f];
	/* ICMP's identifier is in the key, but no rule hashes it */
	h = flowhash(&k, s->cfg->policies[pk->policy].hash, s->cfg->seed);
	pk->link = t->owner[flowhash_bucket(h, t->size)];
	return pk->link;
}

/*
 * failback = all: whether @c's policy no longer uses @c's link @l (a
 * better tier is back: @l owns no bucket of its table), which then
 * deletes the connection, as the daemon does.
 */
static bool failed_back(const struct sim *s, const struct sim_conn *c,
			unsigned int l)
{
	struct flow_key k;
	int p;

	if (!s->failback_all)
		return false;
	sim_conn_key(c, &k);
	p = classify_policy(s->cfg, &k, s->iif, NULL);
	return p != RULE_POLICY_MAIN &&
	       s->cfg->policies[p].failback == FAILBACK_ALL &&
	       !s->pol[p].owns[k.family == AF_INET6 ? FAM_IPV6 : FAM_IPV4][l];
}

static void apply_event(struct sim *s, unsigned int e)
{
	const struct sim_event *ev = &s->events[e];
	struct sim_conn *c;

	switch (ev->kind) {
	case SIM_DOWN:
		s->alive[ev->link] = false;
		break;
	case SIM_UP:
		s->alive[ev->link] = true;
		break;
	case SIM_WEIGHT:
		s->weight[ev->link] = ev->weight;
		s->reweighted[ev->link] = true;
		break;
	}
	multipath_bounds(s->weight, s->alive, s->nlinks, s->upper);
	rebalance_flowpin(s);

	/*
	 * Who moves, at once: the kernel's policies to their new nexthop,
	 * flowpin's connections of a dead link (or of one their policy of
	 * failback = all no longer uses) to a new pick at their next
	 * packet (their conntrack entries are deleted now). An event moves a
	 * connection when it takes it off the link it was using: once, however
	 * many events follow while it is idle, and not when one puts it back.
	 */
	s->res[POL_ROUND_ROBIN].moved[e] = SIM_MOVED_NA;
	for (uint32_t i = 0; (c = simtable_at(&s->table, i));
	     i = (uint32_t)(c - s->table.conn) + 1) {
		uint8_t *fp = &c->assigned[POL_FLOWPIN - 1];

		for (int p = POL_KERNEL_L3; p <= POL_KERNEL_L4; p++) {
			uint8_t *a = &c->assigned[p - 1];
			int l = kernel_link(s, c, p);
			uint8_t now = l < 0 ? SIM_NO_LINK : (uint8_t)l;

			if (*a != SIM_NO_LINK && *a == c->link[p] && now != *a)
				s->res[p].moved[e]++;
			*a = now;
		}
		/* a prefix6's connections stay: they would be pinned again */
		if (*fp < SIM_REPICK && !c->by_prefix &&
		    (!s->alive[*fp] || failed_back(s, c, *fp))) {
			s->res[POL_FLOWPIN].moved[e]++;
			*fp = SIM_REPICK;
		}
	}
}

/* Smooth weighted round robin over the live links, per packet. */
static uint8_t round_robin(struct sim *s)
{
	int64_t total = 0;
	int best = -1;

	for (unsigned int i = 0; i < s->nlinks; i++) {
		if (!s->alive[i])
			continue;
		s->rr[i] += s->weight[i];
		total += s->weight[i];
		if (best < 0 || s->rr[i] > s->rr[best])
			best = (int)i;
	}
	if (best < 0)
		return SIM_NO_LINK;
	s->rr[best] -= total;
	return (uint8_t)best;
}

/* The link policy @p uses for this packet of @c. */
static uint8_t choose(struct sim *s, struct sim_conn *c, int p, bool reply)
{
	uint8_t *a = p == POL_ROUND_ROBIN ? NULL : &c->assigned[p - 1];
	int l;

	switch (p) {
	case POL_ROUND_ROBIN:
		/* replies come back the way the last packet left */
		return reply && c->link[p] != SIM_NO_LINK ? c->link[p] :
							    round_robin(s);
	case POL_KERNEL_L3:
	case POL_KERNEL_L4:
		if (*a == SIM_NO_LINK) { /* new: events keep it up to date */
			l = kernel_link(s, c, p);
			*a = l < 0 ? SIM_NO_LINK : (uint8_t)l;
		}
		return *a;
	default:
		/* pinned; a dead link's connections were deleted: a new pick */
		if (*a == SIM_NO_LINK || *a == SIM_REPICK) {
			l = flowpin_link(s, c);
			c->by_prefix = s->pick.by_prefix;
			*a = l < 0 ? SIM_NO_LINK : (uint8_t)l;
		}
		return *a;
	}
}

/* A new connection as flowpin pinned it (s->pick): per rule and policy. */
static void account(struct sim *s, const struct sim_conn *c)
{
	const struct sim_pick *pk = &s->pick;
	enum fam f = c->family == AF_INET6 ? FAM_IPV6 : FAM_IPV4;
	struct flowpin_policy *sp;

	if (pk->rule < 0)
		s->no_rule++;
	else
		s->rule_conns[pk->rule]++;
	if (pk->policy == RULE_POLICY_MAIN) {
		s->unpinned++;
		return;
	}
	sp = &s->pol[pk->policy];
	sp->conns[pk->link < 0 ? SLOTS_MAX : (unsigned int)pk->link]++;
	if (pk->by_prefix) {
		s->pinned6[pk->link]++;
		return;
	}
	s->hashed[f]++;
	sp->hashed[f]++;
}

static void replay(struct sim *s, const struct pkt *p)
{
	struct sim_conn *c;
	bool created, reply;

	if (!s->started) {
		s->started = true;
		s->first_us = p->ts_us;
	}
	s->last_us = p->ts_us;
	/* conntrack forgets idle connections before an event can move them */
	while (s->next_event < s->nevents &&
	       p->ts_us - s->first_us >= s->events[s->next_event].at_us) {
		simtable_expire(&s->table,
				s->first_us + s->events[s->next_event].at_us);
		apply_event(s, s->next_event++);
	}
	simtable_expire(&s->table, p->ts_us);

	s->packets++;
	s->bytes += p->len;
	/* an ICMP error about no connection we know: nobody to bill; nor
	 * for what conntrack does not track */
	c = simtable_get(&s->table, p, !p->related && !p->no_new, &created,
			 &reply);
	if (!c) {
		if (p->related)
			s->orphans++;
		else
			s->untracked++;
		return;
	}
	if (created)
		s->connections++;
	for (int pol = 0; pol < SIM_POLICIES; pol++) {
		struct sim_result *r = &s->res[pol];
		uint8_t l;
		unsigned int slot;

		/* an ICMP error goes where its connection goes */
		if (p->related)
			l = c->link[pol];
		else
			l = choose(s, c, pol, reply);
		slot = l == SIM_NO_LINK ? SLOTS_MAX : l;
		if (created)
			r->conns[slot]++;
		else if (l != c->link[pol] && c->link[pol] != SIM_NO_LINK &&
			 l != SIM_NO_LINK && !(c->broken & (1u << pol))) {
			c->broken |= (uint8_t)(1u << pol);
			r->broken++;
		}
		if (l != SIM_NO_LINK)
			c->link[pol] = l;
		r->bytes[slot] += p->len;
	}
	if (created)
		account(s, c);
	/* ICMP errors do not refresh a connection's timeout in conntrack */
	if (!p->related)
		simtable_touch(&s->table, c, p, reply);
}

/*
 * Packets wait SIM_AHEAD places before they are replayed: when one
 * arrives its index slot is fetched, halfway its connection entry, so the
 * two memory reads of each packet overlap with the work on the others.
 */
void sim_packet(struct sim *s, const struct pkt *p)
{
	struct pkt *q = &s->ahead[(s->ahead_head + s->ahead_n) % SIM_AHEAD];

	*q = *p;
	/* time never runs backwards here, though captures' stamps may */
	if (q->ts_us < s->clamp_us)
		q->ts_us = s->clamp_us;
	s->clamp_us = q->ts_us;
	simtable_prefetch_index(&s->table, q);
	if (s->ahead_n >= SIM_AHEAD / 2)
		simtable_prefetch_conn(
			&s->table,
			&s->ahead[(s->ahead_head + s->ahead_n - SIM_AHEAD / 2) %
				  SIM_AHEAD]);
	if (++s->ahead_n < SIM_AHEAD)
		return;
	replay(s, &s->ahead[s->ahead_head]);
	s->ahead_head = (s->ahead_head + 1) % SIM_AHEAD;
	s->ahead_n--;
}

void sim_flush(struct sim *s)
{
	while (s->ahead_n) {
		replay(s, &s->ahead[s->ahead_head]);
		s->ahead_head = (s->ahead_head + 1) % SIM_AHEAD;
		s->ahead_n--;
	}
}

/*
 * What flowpin's shares aim at, in points per link of @conns: each
 * policy's hashed connections of each family by its weights of that
 * family at the start, those pinned by prefix6 where they were pinned.
 * False when nothing aims anywhere.
 */
static bool flowpin_want(const struct sim *s, uint64_t conns, double *want)
{
	bool any = false;

	for (unsigned int p = 0; p < s->cfg->npolicies; p++) {
		const struct flowpin_policy *sp = &s->pol[p];
		uint64_t h[FAM_MAX] = { sp->hashed[FAM_IPV4],
					sp->hashed[FAM_IPV6] };

		/* the same weights: one share (and IPv4's arithmetic) */
		if (!memcmp(sp->expected[FAM_IPV6], sp->expected[FAM_IPV4],
			    sizeof(sp->expected[0]))) {
			h[FAM_IPV4] += h[FAM_IPV6];
			h[FAM_IPV6] = 0;
		}
		for (enum fam f = 0; f < FAM_MAX; f++) {
			double share = (double)h[f] / (double)conns;
			uint64_t weights = 0;

			for (unsigned int i = 0; i < s->nlinks; i++)
				weights += sp->expected[f][i];
			if (!weights || !h[f])
				continue;
			any = true;
			for (unsigned int i = 0; i < s->nlinks; i++)
				want[i] += 100.0 * sp->expected[f][i] /
					   (double)weights * share;
		}
	}
	for (unsigned int i = 0; i < s->nlinks; i++) {
		want[i] += 100.0 * (double)s->pinned6[i] / (double)conns;
		any |= s->pinned6[i] != 0;
	}
	return any;
}

double sim_balance_error(const struct sim *s, enum sim_policy pol)
{
	const struct sim_result *r = &s->res[pol];
	double want[SLOTS_MAX] = { 0 }, worst = 0;
	uint64_t conns = 0, weights = 0;

	for (unsigned int i = 0; i <= SLOTS_MAX; i++)
		conns += r->conns[i];
	if (!conns)
		return 0;
	if (pol == POL_FLOWPIN) {
		if (!flowpin_want(s, conns, want))
			return 0;
	} else {
		for (unsigned int i = 0; i < s->nlinks; i++)
			weights += s->expected[pol][i];
		if (!weights)
			return 0;
		for (unsigned int i = 0; i < s->nlinks; i++)
			want[i] = 100.0 * s->expected[pol][i] / (double)weights;
	}
	for (unsigned int i = 0; i < s->nlinks; i++) {
		double d = fabs(100.0 * (double)r->conns[i] / (double)conns -
				want[i]);

		if (d > worst)
			worst = d;
	}
	return worst;
}
