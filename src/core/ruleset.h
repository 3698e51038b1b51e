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

/* A link as the ruleset sees it, in configuration order. */
struct ruleset_link {
	uint32_t mark; /* within cfg->mark_mask */
	uint64_t packets, bytes; /* where its counter starts */
};

struct ruleset {
	const struct config *cfg;
	const struct ruleset_link *links; /* cfg->nlinks of them */
	const struct bucket_table *buckets; /* owners index cfg->links */
	bool shape; /* leave out counter values and bucket elements */
};

/* The whole table, replacing any table of that name. malloc'd, or NULL. */
char *ruleset_table(const struct ruleset *rs);

/*
 * A script that brings the bucket map from the owners in @before (the
 * kernel's) to rs->buckets, changing only the buckets that differ; with
 * @before NULL, one that replaces the whole map. malloc'd, or NULL.
 */
char *ruleset_buckets(const struct ruleset *rs, const int16_t *before);

#endif
