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

int seen_link(struct nl *nl, const struct link_config *l,
	      struct link_seen s[FAM_MAX])
{
	struct iface ifc;
	int ret;

	memset(s, 0, FAM_MAX * sizeof(*s));
	ret = ifaddr_get(nl, l->ifname, &ifc);
	if (ret == -ENODEV)
		return 0;
	if (ret)
		return ret;
	for (enum fam f = 0; f < FAM_MAX && !ret; f++) {
		struct routes rs = { 0 };
		const struct route *best;

		s[f].ifc = ifc;
		if (l->has_gateway[f])
			continue;
		ret = nlroute_list_oif(nl, f, ifc.index, keep_default, &rs);
		if (ret == -ENODEV) { /* gone since: missing, as if never seen
				       */
			memset(s, 0, FAM_MAX * sizeof(*s));
			free(rs.items);
			return 0;
		}
		best = ret ? NULL : routing_learn(rs.items, rs.n, f, ifc.index);
		if (best) {
			s[f].route = *best;
			s[f].has_route = true;
		}
		free(rs.items);
	}
	return ret;
}
