/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FLOWPIN_LIB_MONOTONIC_H
#define FLOWPIN_LIB_MONOTONIC_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in microseconds: every deadline and duration. */
static inline uint64_t monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

#endif
