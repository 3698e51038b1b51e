/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the nftables benchmarks share: a timed transaction, a median. */
#ifndef FLOWPIN_BENCH_H
#define FLOWPIN_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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

#endif
