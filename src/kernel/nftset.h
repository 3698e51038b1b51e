/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bucket map updates by nftables netlink messages of our own, in one
 * batch (one transaction): libnftables reads the whole table back before
 * every command (10 ms for a table with 10,000 rule prefixes), and a
 * failover only needs some elements of some maps replaced.
 */
#ifndef FLOWPIN_KERNEL_NFTSET_H
#define FLOWPIN_KERNEL_NFTSET_H

#include <stdint.h>

#include "core/ruleset.h"
#include "kernel/nl.h"

/* The changes of one bucket map: @n of them, their owners' chains. */
struct nftset_map {
	const char *name;
	unsigned int policy; /* whose pin chains the new elements go to */
	const struct ruleset_change *changes;
	uint32_t n;
};

/*
 * Apply @nmaps maps' changes to the table RULESET_FAMILY RULESET_TABLE
 * in one transaction through @nl (NETLINK_NETFILTER): all of them, or
 * none. 0, or -errno with the kernel's message in nl->errmsg.
 */
int nftset_apply(struct nl *nl, const struct ruleset *rs,
		 const struct nftset_map *maps, unsigned int nmaps);

#endif
