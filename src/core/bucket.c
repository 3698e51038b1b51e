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
 * as many links as the remainder needs. With @cur, a link's extra bucket
 * saves a move when it already holds more than the floor, so those come
 * first; then the largest remainder, so targets stay as close to the exact
 * share as they can.
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

/* The link missing the largest fraction of its target, or -1. */
static int neediest(const uint32_t *target, const uint32_t *cur, unsigned int n)
{
	uint64_t best_need = 0, best_target = 1;
	int best = -1;

	for (unsigned int i = 0; i < n; i++) {
		uint64_t need = target[i] - cur[i];

		if (need * best_target > best_need * target[i]) {
			best_need = need;
			best_target = target[i];
			best = (int)i;
		}
	}
	return best;
}

/*
 * The table these weights give from scratch: what each bucket returns to
 * when its link is back. malloc'd, or NULL.
 */
static int16_t *home_table(uint32_t size, const uint32_t *weight,
			   unsigned int n)
{
	uint32_t cur[n + 1], target[n + 1];
	int16_t *home = malloc(size * sizeof(*home));

	if (!home)
		return NULL;
	memset(cur, 0, sizeof(cur));
	targets(size, weight, n, cur, target);
	for (uint32_t b = 0; b < size; b++) {
		int best = neediest(target, cur, n);

		home[b] = (int16_t)best;
		cur[best]++;
	}
	return home;
}

uint32_t bucket_table_balance(struct bucket_table *t, const uint32_t *weight,
			      unsigned int nlinks)
{
	uint32_t cur[nlinks + 1], target[nlinks + 1], need[nlinks + 1];
	uint32_t zero[nlinks + 1];
	uint64_t total = 0;
	uint32_t moved = 0;
	int16_t *home;

	for (unsigned int i = 0; i < nlinks; i++) {
		cur[i] = zero[i] = 0;
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

	/*
	 * The counts of the table these weights give from scratch (an extra
	 * bucket of the remainder goes where it would there, even when
	 * another link holds it now), and that table: a link that comes back
	 * gets exactly the buckets it had before it went. Without memory for
	 * the table, the same counts and the lowest moves only.
	 */
	home = home_table(t->size, weight, nlinks);
	targets(t->size, weight, nlinks, home ? zero : cur, target);

	/*
	 * Links above target give up first the buckets of a link below its
	 * target in the home table, then their highest ones.
	 */
	for (unsigned int i = 0; i < nlinks; i++)
		need[i] = cur[i] < target[i] ? target[i] - cur[i] : 0;
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t b = t->size; b-- > 0;) {
			int o = t->owner[b], h = home ? home[b] : o;

			if (o == BUCKET_NONE || cur[o] <= target[o])
				continue;
			if (!pass && (h == o || !need[h]))
				continue;
			if (!pass)
				need[h]--;
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
		int best;

		if (t->owner[b] != BUCKET_NONE)
			continue;
		/* its home link first, while it needs buckets */
		if (home && cur[home[b]] < target[home[b]]) {
			t->owner[b] = home[b];
			cur[home[b]]++;
			continue;
		}
		best = neediest(target, cur, nlinks);
		t->owner[b] = (int16_t)best;
		cur[best]++;
	}
	free(home);
	return moved;
}
