/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Taking over from a flowpin that was killed: the kernel still holds its
 * table, and every pinned connection carries a mark. Keep each link's mark
 * (its slot) and the bucket table, so that no connection moves.
 */
#ifndef FLOWPIN_TAKEOVER_H
#define FLOWPIN_TAKEOVER_H

#include "core/bucket.h"
#include "core/config.h"

/*
 * A link as found in a loaded table, or (policy set) the mark of a
 * policy's connections on it.
 */
struct table_link {
	char name[LINK_NAME_MAX];
	char policy[LINK_NAME_MAX]; /* "": the link's own mark */
	uint32_t mark;
	uint64_t packets, bytes; /* its counter (the link's own entry) */
};

/* The bucket maps of a policy other than the default ("buckets.NAME"). */
struct table_policy {
	char name[LINK_NAME_MAX];
	int16_t *owner[FAM_MAX]; /* bucket -> index in links, or -1 */
	uint32_t nowner[FAM_MAX];
};

/* A rule's counter ("rule.NAME"). */
struct table_counter {
	char name[LINK_NAME_MAX];
	uint64_t packets, bytes;
};

/* What a running (or killed) flowpin left in the kernel: the adapter reads
 * it back from the table, the takeover plans from it. */
struct table_state {
	bool present;
	bool owned; /* by a live netlink socket (NFT_TABLE_F_OWNER) */
	struct table_link *links;
	unsigned int nlinks;
	/*
	 * The default policy's, per family ("buckets", "buckets6"): bucket
	 * -> index in links (a link's own entry), or -1
	 */
	int16_t *owner[FAM_MAX];
	uint32_t nowner[FAM_MAX];
	struct table_policy *policies; /* the other policies' */
	unsigned int npolicies;
	struct table_counter *rules;
	unsigned int nrules;
};

void takeover_state_free(struct table_state *st);

/* How many entries takeover_plan's @slots has: TAKEOVER_SLOTS(c). */
#define TAKEOVER_SLOTS(c) (((c)->npolicies + 1) * (c)->nlinks)
/* Where the slot of policy @p's connections on link @i is in @slots. */
static inline unsigned int takeover_pair(const struct config *c, unsigned int p,
					 unsigned int i)
{
	return (p + 1) * c->nlinks + i;
}

/* A mark of @st the configuration no longer has. */
struct takeover_gone {
	uint32_t mark;
	/*
	 * A policy's mark on a link still configured: that link's index,
	 * its connections to take the link's own mark; -1: they go.
	 */
	int link;
};

/*
 * Choose the slot of every configured link (slots[i]) and of every
 * policy's member link that has one (slots[takeover_pair(c, p, i)]; 0
 * where none: config_has_pair): one found in @st keeps its slot, others take
 * the lowest free one. Fill policy p's table of family f, t[f][p], with @st's
 * bucket owners of that policy and family when it has the same size
 * (@t NULL: no tables to fill).
 * Marks in @st that the configuration no longer has (a link, or a policy's
 * on a link) go to @gone (up to st->nlinks of them). Returns 0 or -ENOSPC
 * when the mark mask has no room left.
 */
int takeover_plan(const struct config *c, const struct table_state *st,
		  unsigned int *slots,
		  struct bucket_table *const *const t[FAM_MAX],
		  struct takeover_gone *gone, unsigned int *ngone);

/*
 * The marks a run without a predecessor gives (TAKEOVER_SLOTS entries,
 * as takeover_plan's slots): 0 or -ENOSPC.
 */
int takeover_fresh_marks(const struct config *c, uint32_t *marks);

/* The entry of link @name (policy "": its own) in @st, or -1. */
int takeover_find(const struct table_state *st, const char *name,
		  const char *policy);

#endif
