// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/route.h"

bool route_equal(const void *pa, const void *pb)
{
	const struct route *a = pa, *b = pb;

	return a->table == b->table && a->dst.s_addr == b->dst.s_addr &&
	       a->dst_len == b->dst_len && a->gw.s_addr == b->gw.s_addr &&
	       a->oif == b->oif && a->prefsrc.s_addr == b->prefsrc.s_addr &&
	       a->scope == b->scope && a->protocol == b->protocol;
}
