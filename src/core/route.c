// SPDX-License-Identifier: GPL-2.0-or-later
#include <stddef.h>

#include "core/route.h"

bool route_equal(const void *pa, const void *pb)
{
	const struct route *a = pa, *b = pb;
	enum fam f = a->fam;

	return a->fam == b->fam && a->table == b->table &&
	       inaddr_equal(f, &a->dst, &b->dst) && a->dst_len == b->dst_len &&
	       inaddr_equal(f, &a->gw, &b->gw) && a->oif == b->oif &&
	       inaddr_equal(f, &a->prefsrc, &b->prefsrc) &&
	       a->scope == b->scope && a->protocol == b->protocol &&
	       a->metric == b->metric && a->type == b->type &&
	       a->onlink == b->onlink;
}

bool route_same_key(const void *pa, const void *pb)
{
	const struct route *a = pa, *b = pb;

	return a->fam == b->fam && a->table == b->table &&
	       inaddr_equal(a->fam, &a->dst, &b->dst) &&
	       a->dst_len == b->dst_len && a->metric == b->metric;
}

const char *route_protocol_name(unsigned char protocol)
{
	/* /etc/iproute2/rt_protos, and what the kernel headers name */
	static const struct {
		unsigned char id;
		const char *name;
	} names[] = {
		{ 1, "redirect" },
		{ 2, "kernel" },
		{ 3, "boot" },
		{ 4, "static" },
		{ 8, "gated" },
		{ 9, "ra" },
		{ 10, "mrt" },
		{ 11, "zebra" },
		{ 12, "bird" },
		{ 15, "ntk" },
		{ 16, "dhcp" },
		{ 18, "keepalived" },
		{ 42, "babel" },
		{ 186, "bgp" },
		{ 187, "isis" },
		{ 188, "ospf" },
		{ 189, "rip" },
		{ 192, "eigrp" },
		{ RTPROT_FLOWPIN, "flowpin" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].id == protocol)
			return names[i].name;
	return NULL;
}
