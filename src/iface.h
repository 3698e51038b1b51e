/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interfaces and their IPv4 addresses, read through rtnetlink. */
#ifndef FLOWPIN_IFACE_H
#define FLOWPIN_IFACE_H

#include <netinet/in.h>
#include <stdbool.h>

#include "nl.h"

#define IFACE_ADDR_MAX 8

struct iface_addr {
	struct in_addr local;
	struct in_addr peer; /* the other end of a point-to-point address */
	unsigned char plen;
};

struct iface {
	int index;
	unsigned int flags; /* IFF_* */
	struct iface_addr addr[IFACE_ADDR_MAX];
	unsigned int naddr;
};

/* Fill @ifc for interface @name: 0, -ENODEV when absent, or -errno. */
int iface_get(struct nl *nl, const char *name, struct iface *ifc);

/* Administratively up with carrier (IFF_UP and IFF_RUNNING). */
bool iface_running(const struct iface *ifc);
bool iface_pointopoint(const struct iface *ifc);

/* The address on @ifc whose prefix holds @gw (or whose peer is @gw). */
const struct iface_addr *iface_addr_for(const struct iface *ifc,
					struct in_addr gw);

/* The network of an address: local with the host bits cleared. */
struct in_addr iface_prefix(const struct iface_addr *a);

#endif
