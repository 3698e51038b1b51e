/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The weighted bucket table: M buckets, each owned by one link or by none.
 * A new connection whose flow hash falls in bucket b is pinned to the owner
 * of b. Rebalancing brings every link within one bucket of its exact share
 * and moves only buckets of links above their count, the fewest but for
 * at most one per link (the remainder's extra buckets go where a table
 * made from scratch has them). Freed buckets go to their owner in that
 * table first: a link that goes down and comes back (a flap, a
 * renumbering) gets back exactly the buckets it had, as long as the table
 * was the one from scratch (no weight change since).
 */
#ifndef FLOWPIN_BUCKET_H
#define FLOWPIN_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

#define BUCKET_NONE (-1)
#define BUCKETS_MIN 16
#define BUCKETS_MAX 65536

struct bucket_table {
	uint32_t size;
	int16_t *owner; /* link index, or BUCKET_NONE */
};

int bucket_table_init(struct bucket_table *t, uint32_t size);
void bucket_table_free(struct bucket_table *t);

/* Buckets owned by @link. */
uint32_t bucket_count(const struct bucket_table *t, int link);

/*
 * Give every link i a share of the buckets proportional to weight[i]
 * (0: the link takes no new connections). Buckets owned by links at or
 * beyond @nlinks are treated as free. Returns the number of buckets whose
 * owner changed.
 */
uint32_t bucket_table_balance(struct bucket_table *t, const uint32_t *weight,
			      unsigned int nlinks);

#endif
