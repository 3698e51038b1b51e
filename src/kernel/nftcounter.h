/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The named counters of flowpin's nftables table, read by one netlink
 * dump of the table's counter objects: what status needs, at a cost that
 * does not grow with the bucket maps (libnftables lists a counter only
 * after fetching the whole table, maps and all).
 */
#ifndef FLOWPIN_KERNEL_NFTCOUNTER_H
#define FLOWPIN_KERNEL_NFTCOUNTER_H

#include <stdint.h>

#include "core/config.h"
#include "kernel/nl.h"

/*
 * Link i's counter into packets[i] and bytes[i], rule r's ("rule.NAME")
 * into packets[nlinks + r] and bytes[nlinks + r] (0 for one without a
 * counter), through @nl (NETLINK_NETFILTER). 0, or -errno (-ENOENT: no
 * table).
 */
int nftcounter_read(struct nl *nl, const struct config *c, uint64_t *packets,
		    uint64_t *bytes);

#endif
