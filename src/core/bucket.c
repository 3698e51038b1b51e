// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bucket.h"

int bucket_table_init(struct bucket_table *t, uint32_t size)
{
	if (size < BUCKETS_MIN || size > BUCKETS_MAX)
		return -EINVAL;
	t->owner = malloc(size * sizeof(*t->owner));
	if (!t->owner)
		return -ENOMEM;
	t->size = size;
	for (uint32_t b = 0; b < size; b++)
		t->owner[b] = BUCKET_NONE;
	return 0;
}

void bucket_table_free(struct bucket_table *t)
{
	free(t->owner);
	t->owner = NULL;
	t->size = 0;
}

uint32_t bucket_count(const struct bucket_table *t, int link)
{
	uint32_t n = 0;

	for (uint32_t b = 0; b < t->size; b++)
		n += t->owner[b] == link;
	return n;
}

/*
 * Target bucket counts: floor(M * w / W) for every link, and one more for
 * as many links as the remainder needs. A link's extra bucket saves a move
 * when it already holds more than the floor, so those come first; then the
 * largest remainder, so targets stay as close to the exact share as they can.
 */
static void targets(uint32_t size, const uint32_t *weight, unsigned int n,
		    const uint32_t *cur, uint32_t *target)
{
	uint64_t total = 0, rem[n];
	uint32_t left = size;

	for (unsigned int i = 0; i < n; i++)
		total += weight[i];
	for (unsigned int i = 0; i < n; i++) {
		target[i] = (uint32_t)((uint64_t)size * weight[i] / total);
		rem[i] = (uint64_t)size * weight[i] % total;
		left -= target[i];
	}
	while (left > 0) {
		int best = -1;

		for (unsigned int i = 0; i < n; i++) {
			if (rem[i] == 0)
				continue;
			if (best < 0)
				best = (int)i;
			else if ((cur[i] > target[i]) !=
				 (cur[best] > target[best]))
				best = cur[i] > target[i] ? (int)i : best;
			else if (rem[i] > rem[best])
				best = (int)i;
		}
		target[best]++;
		rem[best] = 0;
		left--;
	}
}

uint32_t bucket_table_balance(struct bucket_table *t, const uint32_t *weight,
			      unsigned int nlinks)
{
	uint32_t cur[nlinks + 1], target[nlinks + 1], moved = 0;
	uint64_t total = 0;

	for (unsigned int i = 0; i < nlinks; i++) {
		cur[i] = 0;
		total += weight[i];
	}

	/* Free every bucket whose owner no longer takes connections. */
	for (uint32_t b = 0; b < t->size; b++) {
		int o = t->owner[b];

		if (o == BUCKET_NONE)
			continue;
		if (o >= (int)nlinks || weight[o] == 0 || total == 0) {
			t->owner[b] = BUCKET_NONE;
			moved++;
			continue;
		}
		cur[o]++;
	}
	if (total == 0)
		return moved;

	targets(t->size, weight, nlinks, cur, target);

	/* Links above target give up their highest buckets. */
	for (uint32_t b = t->size; b-- > 0;) {
		int o = t->owner[b];

		if (o != BUCKET_NONE && cur[o] > target[o]) {
			cur[o]--;
			t->owner[b] = BUCKET_NONE;
			moved++;
		}
	}

	/*
	 * Hand free buckets, lowest first, to the link missing the largest
	 * fraction of its target: links below target fill up in step, so a
	 * new table is interleaved rather than cut in blocks.
	 */
	for (uint32_t b = 0; b < t->size; b++) {
		uint64_t best_need = 0, best_target = 1;
		int best = -1;

		if (t->owner[b] != BUCKET_NONE)
			continue;
		for (unsigned int i = 0; i < nlinks; i++) {
			uint64_t need = target[i] - cur[i];

			if (need * best_target > best_need * target[i]) {
				best_need = need;
				best_target = target[i];
				best = (int)i;
			}
		}
		t->owner[b] = (int16_t)best;
		cur[best]++;
	}
	return moved;
}
