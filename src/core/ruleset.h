/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flowpin's nftables table, as nft script text. Pure: the nftables adapter
 * loads what this writes, each script in one transaction.
 */
#ifndef FLOWPIN_RULESET_H
#define FLOWPIN_RULESET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/bucket.h"
#include "core/config.h"

#define RULESET_FAMILY "inet"
#define RULESET_TABLE "flowpin"
/* one statement per flag: what nft has parsed since it knew "owner" */
#define RULESET_OWNER_FLAGS "flags owner; flags persist;"

/* A link as the ruleset sees it, in configuration order. */
struct ruleset_link {
	uint32_t mark; /* within cfg->mark_mask */
	uint64_t packets, bytes; /* where its counter starts */
};

/* Where a rule's counter starts. */
struct ruleset_count {
	uint64_t packets, bytes;
};

struct ruleset {
	const struct config *cfg;
	const struct ruleset_link *links; /* cfg->nlinks of them */
	/*
	 * The mark of policy p's connections on link i, at p * nlinks + i
	 * (0: not a member): a policy's connections are told apart in
	 * conntrack, for failback; the packets carry the link's own mark.
	 */
	const uint32_t *pair_marks;
	const struct ruleset_count *rules; /* cfg->nrules; NULL: from 0 */
	/* per family and policy: owners index cfg->links */
	const struct bucket_table *buckets[FAM_MAX][POLICY_MAX];
	bool shape; /* leave out counter values and bucket elements */
	/*
	 * Owned by the loading socket and persistent (NFT_TABLE_F_OWNER and
	 * _PERSIST, Linux 6.9): other processes cannot delete it, their
	 * "flush ruleset" skips it, and it outlives a killed flowpin.
	 */
	bool owner;
	/*
	 * The table is in the kernel now: replaced by deleting it first.
	 * Else "add" first makes the delete safe, and would fail on a table
	 * whose flags differ (a persistent table's cannot change).
	 */
	bool present;
};

#define RULESET_NAME_MAX 64

/* "pick", "pick6", "pick.NAME", "pick6.NAME": policy @p's chain. */
const char *ruleset_pick_chain(const struct config *c, unsigned int p,
			       enum fam fam, char *buf);
/* "buckets", "buckets6", "buckets.NAME", "buckets6.NAME": its map. */
const char *ruleset_buckets_map(const struct config *c, unsigned int p,
				enum fam fam, char *buf);

/* Policy @p's connections on link @i: their mark, 0 when not a member. */
static inline uint32_t ruleset_pair_mark(const struct ruleset *rs,
					 unsigned int p, unsigned int i)
{
	return rs->pair_marks[p * rs->cfg->nlinks + i];
}

/* Whether some rule applies to family @fam. */
bool ruleset_has_rules(const struct config *c, enum fam fam);
/*
 * ruleset_rules.c: chains "rules" and "rules6" (each when some rule
 * applies to its family), and the chains of rules that share a lookup.
 */
int ruleset_put_rules(FILE *f, const struct ruleset *rs);

/* The whole table, replacing any table of that name. malloc'd, or NULL. */
char *ruleset_table(const struct ruleset *rs);

/*
 * The least of the table that keeps pinned connections on their links
 * (replacing any table of that name):
 * their marks restored, nothing else. Loaded first when the table is
 * restored after someone deleted it, it is small enough to load in a
 * fraction of the whole table's time; the whole table follows. malloc'd,
 * or NULL.
 */
char *ruleset_marks_only(const struct ruleset *rs);

/* The chain that pins policy @p's connections to link @i, into @buf. */
const char *ruleset_pin_chain(const struct ruleset *rs, unsigned int p,
			      unsigned int i, char *buf);

/* A bucket whose owner changes: its element goes, or comes, or both. */
struct ruleset_change {
	uint32_t bucket;
	bool del; /* it had an element: deleted first */
	int16_t owner; /* the link its new element pins to; BUCKET_NONE: none */
};

/*
 * What brings policy @p's bucket map of family @fam from the owners in
 * @before (the kernel's) to rs->buckets[fam][p]: the buckets that differ,
 * in order, into @out (room for the table's size). Returns how many.
 */
uint32_t ruleset_bucket_changes(const struct ruleset *rs, unsigned int p,
				enum fam fam, const int16_t *before,
				struct ruleset_change *out);

#endif
