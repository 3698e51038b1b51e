/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the kernel shows of a link now: its interface, and for gateway =
 * auto the default route of each family its gateway is learned from.
 */
#ifndef FLOWPIN_DAEMON_SEEN_H
#define FLOWPIN_DAEMON_SEEN_H

#include "core/config.h"
#include "core/controller.h"
#include "kernel/nl.h"

/*
 * Fill @s, one per family, for link @l: 0 (a missing interface is index
 * 0, not an error),
 * or the netlink error.
 */
int seen_link(struct nl *nl, const struct link_config *l,
	      struct link_seen s[FAM_MAX]);

#endif
