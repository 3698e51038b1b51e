// SPDX-License-Identifier: GPL-2.0-or-later
#include "sim/multipath.h"

void multipath_bounds(const uint32_t *weight, const bool *alive, unsigned int n,
		      int32_t *upper)
{
	uint64_t total = 0, w = 0;

	for (unsigned int i = 0; i < n; i++)
		if (alive[i])
			total += weight[i];
	for (unsigned int i = 0; i < n; i++) {
		if (!alive[i] || !total) {
			upper[i] = -1;
			continue;
		}
		w += weight[i];
		/* DIV_ROUND_CLOSEST_ULL((u64)w << 31, total) - 1 */
		upper[i] = (int32_t)(((w << 31) + total / 2) / total - 1);
	}
}

int multipath_select(const int32_t *upper, unsigned int n, uint32_t hash)
{
	int first = -1;

	for (unsigned int i = 0; i < n; i++) {
		if (upper[i] < 0)
			continue;
		if (first < 0)
			first = (int)i;
		if (hash > (uint32_t)upper[i])
			continue;
		return (int)i;
	}
	return first;
}
