/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The connections of a replayed trace, as conntrack keeps them: one entry
 * for both directions, the initiator first; gone after conntrack's default
 * timeouts of idleness, so that memory follows the live connections and
 * not the length of the trace.
 */
#ifndef FLOWPIN_SIMTABLE_H
#define FLOWPIN_SIMTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/decoder.h"

#define SIM_POLICIES 4
#define SIM_NO_LINK 0xff
#define SIM_REPICK 0xfe
#define SIM_NONE UINT32_MAX
#define SIM_EMPTY UINT64_MAX

enum ct_class {
	CLS_TCP, /* open */
	CLS_TCP_CLOSING, /* FIN or RST seen */
	CLS_UDP, /* unreplied */
	CLS_UDP_REPLIED,
	CLS_ICMP,
	CLS_OTHER,
	CLS_COUNT,
};

/* One cache line: everything else is derived from the key when needed. */
struct sim_conn {
	uint8_t src[16], dst[16]; /* as the initiator sent its first packet */
	uint16_t sport, dport;
	uint8_t family, proto;
	uint8_t cls;
	uint8_t broken; /* bit per policy: used more than one link */
	uint8_t link[SIM_POLICIES]; /* the link of each policy's last packet */
	/* the link each pinning policy gives it now (kernel-l3, kernel-l4,
	 * flowpin), set at once by events; SIM_REPICK: flowpin picks anew */
	uint8_t assigned[SIM_POLICIES - 1];
	bool by_prefix; /* flowpin: pinned by its IPv6 source's prefix6 */
	uint32_t last_ms; /* last packet, in wrapping milliseconds */
	uint32_t moved_ms; /* last move to the young end of its list */
	uint32_t prev, next; /* in the list of its class, by moved_ms */
};

_Static_assert(sizeof(struct sim_conn) == 64, "a connection in a cache line");

/* The connection's tuple, as its first packet had it. */
void sim_conn_key(const struct sim_conn *c, struct flow_key *k);

struct simtable {
	struct sim_conn *conn; /* slab; free entries chained through next */
	uint32_t nconn, conn_cap, free;
	/* open addressing: key hash << 32 | conn index; empty: SIM_EMPTY */
	uint64_t *index;
	uint32_t cap; /* of index, a power of two */
	uint32_t live, max_live;
	uint32_t head[CLS_COUNT], tail[CLS_COUNT];
	uint64_t expire_next_us; /* the next expiry pass */
};

int simtable_init(struct simtable *t);
void simtable_free(struct simtable *t);

/* Compute p->tag and prefetch the index slot it leads to. */
void simtable_prefetch_index(const struct simtable *t, struct pkt *p);
/* Prefetch the connection entry the (now cached) index slot names. */
void simtable_prefetch_conn(const struct simtable *t, const struct pkt *p);

/*
 * The connection of @p (p->tag computed): found, or created when @create (and
 * *created is set). *reply tells whether @p goes from the responder to the
 * initiator.
 */
struct sim_conn *simtable_get(struct simtable *t, const struct pkt *p,
			      bool create, bool *created, bool *reply);

/* Record activity of @c at @now_us, and what it says of its state. */
void simtable_touch(struct simtable *t, struct sim_conn *c, const struct pkt *p,
		    bool reply);

/* Forget connections idle past their timeout at @now_us. */
void simtable_expire(struct simtable *t, uint64_t now_us);

/* The live connections, for a scan: NULL past the end. */
struct sim_conn *simtable_at(struct simtable *t, uint32_t i);

#endif
