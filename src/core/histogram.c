// SPDX-License-Identifier: GPL-2.0-or-later
#include <math.h>

#include "core/histogram.h"

void histogram_observe(struct histogram *h, const double *le, unsigned int n,
		       double v)
{
	unsigned int i = 0;

	if (isnan(v))
		return;
	if (n > HISTOGRAM_BOUNDS_MAX)
		n = HISTOGRAM_BOUNDS_MAX;
	while (i < n && v > le[i])
		i++;
	h->bucket[i]++;
	h->count++;
	h->sum += v;
}

uint64_t histogram_le(const struct histogram *h, unsigned int i)
{
	uint64_t n = 0;

	if (i > HISTOGRAM_BOUNDS_MAX)
		i = HISTOGRAM_BOUNDS_MAX;
	for (unsigned int k = 0; k <= i; k++)
		n += h->bucket[k];
	return n;
}
