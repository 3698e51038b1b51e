/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A route in a numbered table, as flowpin wants it or found it. */
#ifndef FLOWPIN_CORE_ROUTE_H
#define FLOWPIN_CORE_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/inaddr.h"

/* The routing protocol number that marks flowpin's routes and rules. */
#define RTPROT_FLOWPIN 0xf1
/* What the kernel gives an IPv6 route that names no metric. */
#define ROUTE_METRIC6 1024

struct route {
	enum fam fam;
	uint32_t table;
	union inaddr dst;
	unsigned char dst_len;
	union inaddr gw; /* zero: on-link, no gateway */
	int oif; /* 0 for a route that is not unicast */
	union inaddr prefsrc; /* zero: none */
	unsigned char scope; /* RT_SCOPE_*; IPv6 routes have universe */
	unsigned char protocol; /* RTPROT_* */
	uint32_t metric; /* RTA_PRIORITY: IPv4 routes of flowpin have none */
	unsigned char type; /* RTN_*; 0: RTN_UNICAST */
	bool onlink; /* RTNH_F_ONLINK: the gateway is on the link, no prefix */
};

bool route_equal(const void *a, const void *b);
/*
 * Whether a replace of one puts the other away: the same family, table,
 * destination and metric (flowpin's routes have no TOS).
 */
bool route_same_key(const void *a, const void *b);

/* iproute2's name of a routing protocol ("boot", "dhcp"), or NULL. */
const char *route_protocol_name(unsigned char protocol);

#endif
