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

/* A link as found in a loaded table. */
struct table_link {
	char name[LINK_NAME_MAX];
	uint32_t mark;
	uint64_t packets, bytes;
};

/* What a running (or killed) flowpin left in the kernel: the adapter reads
 * it back from the table, the takeover plans from it. */
struct table_state {
	bool present;
	bool owned; /* by a live netlink socket (NFT_TABLE_F_OWNER) */
	struct table_link *links;
	unsigned int nlinks;
	/* per family ("buckets", "buckets6"): bucket -> index in links, or -1
	 */
	int16_t *owner[FAM_MAX];
	uint32_t nowner[FAM_MAX];
};

void takeover_state_free(struct table_state *st);

/*
 * Choose the slot of every configured link: a link found in @st keeps its
 * slot, others take the lowest free one. Fill each family's @t with @st's
 * bucket owners of that family when it has the same size. Marks of links in @st
 * that the configuration no longer has go to @gone (up to st->nlinks of them).
 * Returns 0 or -ENOSPC when the mark mask has no room left.
 */
int takeover_plan(const struct config *c, const struct table_state *st,
		  unsigned int *slots, struct bucket_table *const t[FAM_MAX],
		  uint32_t *gone, unsigned int *ngone);

#endif
