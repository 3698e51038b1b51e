/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "PROTO SRC[:PORT] DST[:PORT]" on the command line, into a flow key. */
#ifndef FLOWPIN_TUPLE_H
#define FLOWPIN_TUPLE_H

#include <stddef.h>

#include "core/flowhash.h"

/*
 * PROTO: tcp, udp, udplite, sctp, dccp, icmp, icmpv6 or a number 0..255;
 * ICMP of the addresses' family. Addresses: 192.0.2.1, 192.0.2.1:80,
 * 2001:db8::1, [2001:db8::1]:80, ::ffff:192.0.2.1 (IPv6).
 * Returns 0, or -EINVAL with a message in @err.
 */
int tuple_parse(const char *proto, const char *src, const char *dst,
		struct flow_key *key, char *err, size_t errlen);

/* "tcp 192.0.2.1:1234 -> 198.51.100.2:80", for messages. */
void tuple_format(const struct flow_key *key, char *buf, size_t size);

#endif
