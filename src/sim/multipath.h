/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's IPv4 multipath, hash-threshold (RFC 2992), as
 * fib_rebalance() and fib_select_multipath() compute it: each live nexthop
 * owns the 31-bit hash values up to its upper bound, bounds proportional to
 * the cumulated weights of the live nexthops. A nexthop that dies or comes
 * back moves the bounds of all the others.
 */
#ifndef FLOWPIN_MULTIPATH_H
#define FLOWPIN_MULTIPATH_H

#include <stdbool.h>
#include <stdint.h>

/* Upper bounds of @n nexthops; -1 for dead ones. */
void multipath_bounds(const uint32_t *weight, const bool *alive, unsigned int n,
		      int32_t *upper);

/* The nexthop for a 31-bit @hash, or -1 when none is alive. */
int multipath_select(const int32_t *upper, unsigned int n, uint32_t hash);

#endif
