/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A histogram of observations, as Prometheus has them: a count per bucket
 * of upper bounds (a value equal to a bound is in that bound's bucket),
 * the number of observations and their sum. Pure. The bounds are the
 * caller's, the same at every call for one histogram, so that a histogram
 * all zero (calloc'd) is an empty one, with nothing to set up.
 */
#ifndef FLOWPIN_CORE_HISTOGRAM_H
#define FLOWPIN_CORE_HISTOGRAM_H

#include <stdint.h>

#define HISTOGRAM_BOUNDS_MAX 16

struct histogram {
	/* by bound; [n]: above every one of the n bounds */
	uint64_t bucket[HISTOGRAM_BOUNDS_MAX + 1];
	uint64_t count;
	double sum;
};

/*
 * One value, into the first bucket whose bound it does not exceed, of
 * the @n (at most HISTOGRAM_BOUNDS_MAX) ascending bounds @le. A NaN is
 * not counted.
 */
void histogram_observe(struct histogram *h, const double *le, unsigned int n,
		       double v);

/*
 * The observations of at most the bound @i, cumulative as the exposition
 * format has them (i = n: every one, h->count).
 */
uint64_t histogram_le(const struct histogram *h, unsigned int i);

#endif
