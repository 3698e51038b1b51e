// SPDX-License-Identifier: GPL-2.0-or-later
#include <net/if.h>
#include <stddef.h>

#include "core/iface.h"

bool iface_running(const struct iface *ifc)
{
	return (ifc->flags & IFF_UP) && (ifc->flags & IFF_RUNNING);
}

bool iface_pointopoint(const struct iface *ifc)
{
	return ifc->flags & IFF_POINTOPOINT;
}

unsigned int iface_count(const struct iface *ifc, enum fam f)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < ifc->naddr; i++)
		n += ifc->addr[i].fam == f;
	return n;
}

union inaddr iface_prefix(const struct iface_addr *a)
{
	return inaddr_masked(a->fam, &a->local, a->plen);
}

static bool reaches(const struct iface_addr *a, const union inaddr *gw)
{
	struct inprefix p = { .addr = a->local, .len = a->plen };

	if (!inaddr_is_zero(a->fam, &a->peer)) {
		struct inprefix q = { .addr = a->peer, .len = a->plen };

		return inaddr_equal(a->fam, &a->peer, gw) ||
		       inprefix_holds(a->fam, &q, gw);
	}
	return inprefix_holds(a->fam, &p, gw);
}

const struct iface_addr *iface_addr_for(const struct iface *ifc, enum fam f,
					const union inaddr *gw)
{
	const struct iface_addr *any = NULL, *found = NULL;
	bool linklocal = f == FAM_IPV6 && inaddr_is_linklocal6(gw);

	for (unsigned int i = 0; i < ifc->naddr; i++) {
		const struct iface_addr *a = &ifc->addr[i];

		if (a->fam != f || !(linklocal || reaches(a, gw)))
			continue;
		if (!a->deprecated)
			return a;
		if (!found)
			found = a;
		any = a;
	}
	return found ? found : any;
}
