/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replay of a trace through four ways to use several uplinks:
 *
 *   round-robin  a next hop per packet, by weight (the seed's router)
 *   kernel-l3    the kernel's hash-threshold multipath, hashing addresses
 *   kernel-l4    the same, hashing addresses, protocol and ports
 *   flowpin      the configuration's rules pick each connection's
 *                policy (policy = main: not pinned); a link per
 *                connection from that policy's bucket table of its
 *                family, kept for the connection's life unless its link
 *                goes down (or, failback = all, its policy stops using
 *                it); an IPv6 source in a link's prefix6 is pinned to
 *                that link, whatever its state
 *
 * Per policy: connections and bytes per link, connections whose packets
 * used more than one link (broken, under NAT), connections each event
 * moves, and how far the shares are from the weights; for flowpin also
 * per rule and per configured policy. Pure: fed decoded packets in trace
 * order.
 */
#ifndef FLOWPIN_SIM_H
#define FLOWPIN_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bucket.h"
#include "core/config.h"
#include "sim/decoder.h"
#include "sim/simtable.h"

#define SIM_EVENTS_MAX 32
#define SIM_AHEAD 8 /* packets decoded ahead, their memory fetched early */
#define SIM_MOVED_NA UINT64_MAX /* per-packet policies move no connection */

enum sim_policy {
	POL_ROUND_ROBIN,
	POL_KERNEL_L3,
	POL_KERNEL_L4,
	POL_FLOWPIN,
};

extern const char *const sim_policy_names[SIM_POLICIES];

enum sim_event_kind {
	SIM_DOWN,
	SIM_UP,
	SIM_WEIGHT,
};

struct sim_event {
	uint64_t at_us; /* from the first packet of the trace */
	unsigned int link;
	enum sim_event_kind kind;
	uint32_t weight; /* the link's, in each policy that has it */
};

struct sim_result {
	uint64_t conns[SLOTS_MAX + 1]; /* per link; the last: no link */
	uint64_t bytes[SLOTS_MAX + 1];
	uint64_t broken;
	uint64_t moved[SIM_EVENTS_MAX];
};

/* One policy of the configuration, as flowpin replays it. */
struct flowpin_policy {
	struct bucket_table buckets[FAM_MAX];
	bool owns[FAM_MAX][SLOTS_MAX]; /* some bucket of its tables, per link */
	/* at the start: what the shares of its hashed connections aim at */
	uint32_t expected[FAM_MAX][SLOTS_MAX];
	uint64_t hashed[FAM_MAX]; /* its new connections hashed */
	/* its new connections per link, the last: no link (its last resort) */
	uint64_t conns[SLOTS_MAX + 1];
};

/* How flowpin pinned a new connection. */
struct sim_pick {
	int rule; /* -1: none matched */
	int policy; /* or RULE_POLICY_MAIN */
	int link; /* -1: none (policy = main, or its last resort) */
	bool by_prefix; /* its IPv6 source's prefix6 */
};

struct sim {
	const struct config *cfg; /* its policies and rules too */
	unsigned int nlinks;
	bool alive[SLOTS_MAX];
	uint32_t weight[SLOTS_MAX];
	bool reweighted[SLOTS_MAX]; /* by an event: in every policy */
	/* weights the shares aim at (flowpin's: per policy) */
	uint32_t expected[SIM_POLICIES][SLOTS_MAX];
	int32_t upper[SLOTS_MAX]; /* kernel multipath bounds */
	uint64_t clamp_us; /* the latest time seen: captures step back */
	int64_t rr[SLOTS_MAX]; /* smooth weighted round robin */
	/* flowpin: per policy of cfg, and the prefix6 of each link (length
	 * 0: none) */
	struct flowpin_policy *pol;
	struct inprefix prefix6[SLOTS_MAX];
	bool has_prefix6, failback_all;
	/* a capture names no interface: flows are from the first lan one */
	const char *iif;
	struct sim_pick pick; /* flowpin's latest */
	/* flowpin's new connections: hashed, per family; pinned by prefix6,
	 * per link; decided by each rule, by none, and left to the main
	 * table by policy = main */
	uint64_t hashed[FAM_MAX];
	uint64_t pinned6[SLOTS_MAX];
	uint64_t *rule_conns;
	uint64_t no_rule, unpinned;
	const struct sim_event *events;
	unsigned int nevents, next_event;
	struct simtable table;
	struct sim_result res[SIM_POLICIES];
	struct pkt ahead[SIM_AHEAD];
	unsigned int ahead_head, ahead_n;
	/* orphans: ICMP errors about no connection known; untracked: packets
	 * of no connection that start none (neighbour discovery, MLD) */
	uint64_t packets, bytes, connections, orphans, untracked;
	uint64_t first_us, last_us;
	bool started;
};

/* "TIME:LINK:down|up|weight=N", TIME in seconds from the trace's start. */
int sim_event_parse(const char *arg, const struct config *c,
		    struct sim_event *ev, char *err, size_t errlen);

int sim_init(struct sim *s, const struct config *c,
	     const struct sim_event *events, unsigned int nevents);
void sim_free(struct sim *s);
/* Feed the next packet of the trace; sim_flush() after the last one. */
void sim_packet(struct sim *s, const struct pkt *p);
void sim_flush(struct sim *s);

/* Largest distance, in points, of a link's share of connections from its
 * share of the weights (for flowpin, of each policy's weights of each
 * family by their share of the connections hashed; those pinned by
 * prefix6, where they were pinned). */
double sim_balance_error(const struct sim *s, enum sim_policy pol);

#endif
