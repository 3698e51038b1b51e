/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An interface as observed: index, flags and addresses of both families.
 * The kernel adapter fills it; the core only reads it.
 */
#ifndef FLOWPIN_CORE_IFACE_H
#define FLOWPIN_CORE_IFACE_H

#include <stdbool.h>

#include "core/inaddr.h"

#define IFACE_ADDR_MAX 16

struct iface_addr {
	enum fam fam;
	union inaddr local;
	union inaddr peer; /* the other end of a point-to-point address */
	unsigned char plen;
	/*
	 * IPv6: deprecated (its preferred lifetime is over), still valid. The
	 * adapter leaves out link-local, tentative, failed and temporary
	 * addresses: none is a source for a provider.
	 */
	bool deprecated;
};

struct iface {
	int index; /* 0: the interface does not exist */
	unsigned int flags; /* IFF_* */
	struct iface_addr addr[IFACE_ADDR_MAX];
	unsigned int naddr;
};

/* Administratively up with carrier (IFF_UP and IFF_RUNNING). */
bool iface_running(const struct iface *ifc);
bool iface_pointopoint(const struct iface *ifc);

/* How many addresses of family @f the interface has. */
unsigned int iface_count(const struct iface *ifc, enum fam f);

/*
 * The address of family @f on @ifc whose prefix holds @gw (or whose peer
 * is @gw); for an IPv6 link-local @gw, which every address reaches, the
 * first address that is not deprecated, else the first.
 */
const struct iface_addr *iface_addr_for(const struct iface *ifc, enum fam f,
					const union inaddr *gw);

/* The network of an address: local with the host bits cleared. */
union inaddr iface_prefix(const struct iface_addr *a);

#endif
