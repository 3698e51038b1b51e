// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/routing.h"
#include "daemon/seen.h"
#include "kernel/ifaddr.h"
#include "kernel/nlroute.h"
#include "lib/array.h"

struct routes {
	struct route *items;
	unsigned int n, cap;
};

static int keep_default(const struct route *r, void *data)
{
	struct routes *rs = data;

	if (r->dst_len)
		return 0;
	return array_push(&rs->items, &rs->n, &rs->cap, r, sizeof(*r));
}

int seen_link(struct nl *nl, const struct link_config *l, struct link_seen *s)
{
	struct routes rs = { 0 };
	const struct route *best;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = ifaddr_get(nl, l->ifname, &s->ifc);
	if (ret == -ENODEV) {
		memset(&s->ifc, 0, sizeof(s->ifc));
		return 0;
	}
	if (ret || l->has_gateway)
		return ret;
	ret = nlroute_list_oif(nl, s->ifc.index, keep_default, &rs);
	if (ret == -ENODEV) { /* gone since: missing, as if never seen */
		memset(s, 0, sizeof(*s));
		ret = 0;
	} else if (!ret) {
		best = routing_learn(rs.items, rs.n, s->ifc.index);
		if (best) {
			s->route = *best;
			s->has_route = true;
		}
	}
	free(rs.items);
	return ret;
}
