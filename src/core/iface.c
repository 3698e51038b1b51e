// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
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

static uint32_t mask_of(unsigned char plen)
{
	return plen ? htonl(~0u << (32 - plen)) : 0;
}

struct in_addr iface_prefix(const struct iface_addr *a)
{
	struct in_addr p = { a->local.s_addr & mask_of(a->plen) };

	return p;
}

const struct iface_addr *iface_addr_for(const struct iface *ifc,
					struct in_addr gw)
{
	for (unsigned int i = 0; i < ifc->naddr; i++) {
		const struct iface_addr *a = &ifc->addr[i];
		uint32_t m = mask_of(a->plen);

		if (a->peer.s_addr) {
			if (a->peer.s_addr == gw.s_addr ||
			    ((a->peer.s_addr ^ gw.s_addr) & m) == 0)
				return a;
		} else if (((a->local.s_addr ^ gw.s_addr) & m) == 0) {
			return a;
		}
	}
	return NULL;
}
