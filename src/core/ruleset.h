/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flowpin's nftables table, as nft script text. Pure: the nftables adapter
 * loads what this writes, each script in one transaction.
 */
#ifndef FLOWPIN_RULESET_H
#define FLOWPIN_RULESET_H

#include <stdbool.h>
#include <stdint.h>

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

struct ruleset {
	const struct config *cfg;
	const struct ruleset_link *links; /* cfg->nlinks of them */
	/* per family: owners index cfg->links */
	const struct bucket_table *buckets[FAM_MAX];
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

/*
 * A script that brings family @fam's bucket map from the owners in
 * @before (the kernel's) to rs->buckets[fam], changing only the buckets that
 * differ; with
 * @before NULL, one that replaces the whole map. malloc'd, or NULL.
 */
char *ruleset_buckets(const struct ruleset *rs, enum fam fam,
		      const int16_t *before);

#endif
