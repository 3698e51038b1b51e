/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An interface as observed: index, flags and IPv4 addresses. The kernel
 * adapter fills it; the core only reads it.
 */
#ifndef FLOWPIN_CORE_IFACE_H
#define FLOWPIN_CORE_IFACE_H

#include <netinet/in.h>
#include <stdbool.h>

#define IFACE_ADDR_MAX 8

struct iface_addr {
	struct in_addr local;
	struct in_addr peer; /* the other end of a point-to-point address */
	unsigned char plen;
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

/* The address on @ifc whose prefix holds @gw (or whose peer is @gw). */
const struct iface_addr *iface_addr_for(const struct iface *ifc,
					struct in_addr gw);

/* The network of an address: local with the host bits cleared. */
struct in_addr iface_prefix(const struct iface_addr *a);

#endif
