/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rtnetlink monitor: notifications of links, IPv4 addresses, routes,
 * rules and neighbours, each parsed into one typed event.
 */
#ifndef FLOWPIN_KERNEL_RTMON_H
#define FLOWPIN_KERNEL_RTMON_H

#include <stdbool.h>
#include <stdint.h>

#include "core/controller.h"
#include "core/route.h"
#include "kernel/nl.h"

enum rtmon_kind {
	RTMON_OTHER, /* nothing flowpin follows */
	RTMON_LINK,
	RTMON_ADDR,
	RTMON_ROUTE,
	RTMON_RULE,
	RTMON_NEIGH,
};

struct rtmon_event {
	enum rtmon_kind kind;
	bool deleted; /* a DEL notification */
	uint32_t portid; /* of the socket whose request caused it; 0: kernel */
	uint32_t table; /* RTMON_ROUTE */
	unsigned char protocol; /* RTMON_ROUTE, RTMON_RULE */
	struct route route; /* RTMON_ROUTE */
	struct neigh neigh; /* RTMON_NEIGH */
};

/* A socket in the groups of everything above. */
int rtmon_open(struct nl *nl);

/* One notification; 0, or -EINVAL when it cannot be read (RTMON_OTHER). */
int rtmon_parse(const struct nlmsghdr *nlh, struct rtmon_event *ev);

#endif
