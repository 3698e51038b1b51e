/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The link controller: what was observed in, decisions out. Pure; the
 * daemon feeds it the kernel's events and its probes' outcomes, and
 * carries its decisions out through the adapters.
 *
 * A link carries new connections while it is usable (interface present,
 * up, with carrier and an address that reaches its gateway), its gateway's
 * neighbour entry has not FAILED, and its probes (when it has targets) say
 * it is up. When that changes, the policy rebalances the bucket table; once
 * the kernel has the new table, the connections of links that went down,
 * and only those, are to be deleted so that they pick a live link at their
 * next packet.
 */
#ifndef FLOWPIN_CORE_CONTROLLER_H
#define FLOWPIN_CORE_CONTROLLER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bucket.h"
#include "core/config.h"
#include "core/health.h"
#include "core/iface.h"
#include "core/policy.h"
#include "core/route.h"

/* A FAILED gateway is asked to resolve again this often. */
#define CONTROLLER_NEIGH_RETRY_MS 1000
/*
 * A link that loses its address or learned gateway while its interface
 * stays up with carrier takes no new connections, but keeps the ones it
 * has this long, for them to come back: a DHCP client renumbering removes
 * the old before it adds the new (udhcpc, after a NAK, 3 s later).
 */
#define CONTROLLER_RENUMBER_HOLD_MS 5000

enum neigh_verdict {
	NEIGH_UNKNOWN, /* resolving, or nothing to say */
	NEIGH_FAILED, /* the kernel gave up resolving it */
	NEIGH_VALID, /* resolved, or being confirmed */
};

/* A neighbour entry as observed. */
struct neigh {
	enum fam fam;
	int ifindex;
	union inaddr addr;
	enum neigh_verdict verdict;
};

/*
 * What is observed of a link: its interface and, for gateway = auto, the
 * default route through it that its gateway is learned from.
 */
struct link_seen {
	struct iface ifc;
	struct route route;
	bool has_route;
};

/* The route a gateway is learned from, or NULL. */
static inline const struct route *link_seen_route(const struct link_seen *s)
{
	return s->has_route ? &s->route : NULL;
}

struct ctl_link {
	/* observed */
	struct link_seen seen;
	bool usable;
	uint64_t hold_ms; /* lost its address: connections kept until then */
	union inaddr src; /* the address it sent from when last usable */
	union inaddr renumbered; /* an address given up, not yet reported */
	bool neigh_failed; /* the gateway's neighbour entry is FAILED */
	/*
	 * No probe target of this family but some of the other: the other
	 * family's verdict stands for this path too (a dead provider is dead
	 * for both), once the daemon passed it on.
	 */
	bool borrows, borrowed_up;
	uint64_t neigh_retry_ms; /* when to ask for its resolution again */
	struct health health; /* from probes, when the link has targets */
	/* decided */
	bool up; /* carries new connections */
	bool flushed; /* its connections were deleted since it went down */
	bool pending; /* went down at a reload: to be reported */
	bool balanced_up, balanced_usable; /* as the tables were made */
	char why[128]; /* when not usable, or down: why */
	uint64_t since_ms; /* of the last change of up */
	uint64_t changes; /* of up, since the daemon started (metrics) */
};

/* One policy's bucket table of the family. */
struct ctl_policy {
	struct bucket_table buckets; /* the owners wanted */
	int16_t *applied; /* the owners the kernel has */
	enum policy_mode mode;
	uint32_t tier; /* of the links taking its new connections; 0: none */
	/* per link: failback = all, its connections of the policy to go */
	bool *failback;
};

struct controller {
	const struct config *cfg;
	enum fam fam; /* of everything it observes and decides */
	struct ctl_link *links; /* parallel to cfg->links */
	struct ctl_policy *pol; /* parallel to cfg->policies */
};

/* What one evaluation decided. */
struct ctl_decision {
	unsigned int nchanged; /* links whose state changed */
	bool changed[SLOTS_MAX]; /* up or down since the last evaluation */
	uint32_t moved[SLOTS_MAX]; /* buckets the change gave or took, in all
				      policies */
	bool expired[SLOTS_MAX]; /* held, and nothing came back in time */
	bool apply; /* the wanted table differs from the kernel's */
	/* the default policy's mode after and before */
	enum policy_mode mode, was;
	bool failback; /* some policy's connections go back to a better tier */
};

/*
 * An idle controller of family @fam for @cfg (which must outlive it):
 * every link down. A daemon has one per family: a link's IPv6 path is up
 * or down, probed and balanced apart from its IPv4 path.
 */
int controller_init(struct controller *c, const struct config *cfg,
		    enum fam fam);
void controller_free(struct controller *c);

/*
 * The first state of every link, before any event, with what is seen of
 * each in @seen. A link found in @prev (a reload: the controller of
 * the previous configuration) keeps what was learnt of it. Else, with
 * @takeover (a killed flowpin's table is in the kernel, and c->buckets
 * holds its owners), a link that owned no bucket although its tier
 * carried new connections was down there, and proves itself again; any
 * other link starts up as far as the system can tell, so that a dead path
 * is found by its probes within a second rather than every new connection
 * going to the main table meanwhile. Rebalances, and returns the buckets
 * moved.
 */
uint32_t controller_start(struct controller *c, const struct link_seen *seen,
			  const struct controller *prev, bool takeover,
			  uint64_t now_ms);

/*
 * Link @i as now observed (interface index 0: it does not exist). True
 * when whether it is usable, its source, its next hop or its wait for an
 * address changed: then its routes and prober follow. A link that becomes
 * usable again proves itself again before it is up, unless it was held
 * (CONTROLLER_RENUMBER_HOLD_MS): then it is up at once.
 */
bool controller_iface(struct controller *c, unsigned int i,
		      const struct link_seen *seen, uint64_t now_ms);

/* Link @i's next hop now: true with @gw, false when none (on-link). */
bool controller_gateway(const struct controller *c, unsigned int i,
			union inaddr *gw);

/*
 * Whether link @i gave up an address since the last call (a DHCP client
 * or a PPP session renumbered it while it stayed up), and which: the
 * connections translated to it are to go. Reports each once.
 */
bool controller_renumbered(struct controller *c, unsigned int i,
			   union inaddr *old);

/*
 * Link @i has no probe target of this family: @up is what the other
 * family's probes say of its path. True when that changed the verdict.
 */
bool controller_borrow(struct controller *c, unsigned int i, bool up);

/* A neighbour entry changed; true when a gateway's verdict changed. */
bool controller_neigh(struct controller *c, const struct neigh *nb,
		      uint64_t now_ms);

/* One probe outcome of link @i, in send order; true when it matters. */
bool controller_probe(struct controller *c, unsigned int i, bool answered,
		      double rtt_ms, uint64_t now_ms);

/*
 * Whether link @i's FAILED gateway is to be asked again now (nothing
 * else sends to it any more); schedules the next time when so.
 */
bool controller_neigh_due(struct controller *c, unsigned int i,
			  uint64_t now_ms);
/*
 * The earliest time controller_neigh_due may answer true, or a held link
 * must be evaluated again; UINT64_MAX when none.
 */
uint64_t controller_deadline(const struct controller *c);

/* Decide which links are up, and the bucket table that follows. */
void controller_evaluate(struct controller *c, uint64_t now_ms,
			 struct ctl_decision *d);

/* Policy @p's bucket table, the one wanted. */
static inline const struct bucket_table *
controller_buckets(const struct controller *c, unsigned int p)
{
	return &c->pol[p].buckets;
}

/* The buckets link @i owns in every policy's wanted table. */
uint32_t controller_owned(const struct controller *c, unsigned int i);

/* The kernel now has the wanted tables. */
void controller_applied(struct controller *c);

/*
 * The links whose connections are to be deleted now: down, owning no
 * bucket in any of the kernel's tables, not deleted yet since they went
 * down. Marks them so; returns how many, setting @flush[i].
 */
unsigned int controller_flushes(struct controller *c, bool *flush);

/*
 * Policy @p (failback = all) has a better tier back: the links whose
 * connections of that policy are to be deleted now, so that they come
 * back on it. Reports each once; returns how many, setting @flush[i].
 * Call once the kernel has the tables.
 */
unsigned int controller_failbacks(struct controller *c, unsigned int p,
				  bool *flush);

/* The link the router's own traffic falls back to: the first usable link
 * up of the lowest tier, or -1. */
int controller_fallback(const struct controller *c);

/* Why link @i does not carry new connections, for logs and status. */
void controller_why(const struct controller *c, unsigned int i, char *buf,
		    size_t size);

/* Whether link @i has an address to send from, and which. */
const struct iface_addr *controller_source(const struct controller *c,
					   unsigned int i);

#endif
