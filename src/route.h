/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPv4 routes in numbered tables, through rtnetlink. */
#ifndef FLOWPIN_ROUTE_H
#define FLOWPIN_ROUTE_H

#include <netinet/in.h>
#include <stdbool.h>

#include "nl.h"

struct route {
	uint32_t table;
	struct in_addr dst;
	unsigned char dst_len;
	struct in_addr gw; /* 0.0.0.0: on-link, no gateway */
	int oif;
	struct in_addr prefsrc; /* 0.0.0.0: none */
	unsigned char scope; /* RT_SCOPE_* */
	unsigned char protocol; /* RTPROT_* */
};

bool route_equal(const struct route *a, const struct route *b);

/* Add or replace the route to r->dst/dst_len in r->table. */
int route_replace(struct nl *nl, const struct route *r);
int route_delete(struct nl *nl, const struct route *r);

/* Pass every IPv4 unicast route of @table to @cb. */
typedef void (*route_cb)(const struct route *r, void *data);
int route_list(struct nl *nl, uint32_t table, route_cb cb, void *data);

/*
 * Make the @protocol routes of @table exactly @want (n of them); routes of
 * other protocols are left alone.
 */
int route_sync(struct nl *nl, uint32_t table, const struct route *want,
	       unsigned int n, unsigned char protocol);

#endif
