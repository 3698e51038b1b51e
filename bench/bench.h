/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the nftables benchmarks share: a timed transaction, a median. */
#ifndef FLOWPIN_BENCH_H
#define FLOWPIN_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/ruleset.h"
#include "core/takeover.h"
#include "kernel/nftables.h"

static inline int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of @n values (sorted in place). */
static inline double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp);
	return v[n / 2];
}

/* Run @script in one transaction: its time in ms; exits on a failure. */
static inline double bench_nft_ms(struct nft_ctx *ctx, const char *script,
				  const char *who)
{
	struct timespec a, b;
	char *err = NULL;

	clock_gettime(CLOCK_MONOTONIC, &a);
	if (nftables_run(ctx, script, false, &err)) {
		fprintf(stderr, "%s: %s\n", who, err ? err : "nftables failed");
		exit(1);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a.tv_sec) * 1e3 +
	       (double)(b.tv_nsec - a.tv_nsec) / 1e6;
}

/*
 * The table of @c as a fresh daemon would load it, every link up with
 * its weight, every policy sharing one bucket table @t: @rl (nlinks) and
 * @marks (TAKEOVER_SLOTS) are filled; exits on a failure.
 */
static inline void bench_ruleset(const struct config *c, struct bucket_table *t,
				 struct ruleset_link *rl, uint32_t *marks,
				 struct ruleset *rs)
{
	uint32_t w[c->nlinks + 1];

	if (bucket_table_init(t, c->buckets) ||
	    takeover_fresh_marks(c, marks)) {
		fprintf(stderr, "bench: no room for the table\n");
		exit(1);
	}
	for (unsigned int i = 0; i < c->nlinks; i++) {
		rl[i] = (struct ruleset_link){ .mark = marks[i] };
		w[i] = c->links[i].weight;
	}
	bucket_table_balance(t, w, c->nlinks);
	*rs = (struct ruleset){ .cfg = c,
				.links = rl,
				.pair_marks = marks + c->nlinks };
	for (enum fam f = 0; f < FAM_MAX; f++)
		for (unsigned int p = 0; p < c->npolicies; p++)
			rs->buckets[f][p] = t;
}

#endif
