/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An IPv4 route in a numbered table, as flowpin wants it or found it. */
#ifndef FLOWPIN_CORE_ROUTE_H
#define FLOWPIN_CORE_ROUTE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* The routing protocol number that marks flowpin's routes and rules. */
#define RTPROT_FLOWPIN 0xf1

struct route {
	uint32_t table;
	struct in_addr dst;
	unsigned char dst_len;
	struct in_addr gw; /* 0.0.0.0: on-link, no gateway */
	int oif;
	struct in_addr prefsrc; /* 0.0.0.0: none */
	unsigned char scope; /* RT_SCOPE_* */
	unsigned char protocol; /* RTPROT_* */
	uint32_t metric; /* RTA_PRIORITY: flowpin's routes have none */
	unsigned char type; /* RTN_*; 0: RTN_UNICAST */
	bool onlink; /* RTNH_F_ONLINK: the gateway is on the link, no prefix */
};

bool route_equal(const void *a, const void *b);
/*
 * Whether a replace of one puts the other away: the same table,
 * destination and metric (IPv4 routes of flowpin have no TOS).
 */
bool route_same_key(const void *a, const void *b);

/* iproute2's name of a routing protocol ("boot", "dhcp"), or NULL. */
const char *route_protocol_name(unsigned char protocol);

#endif
