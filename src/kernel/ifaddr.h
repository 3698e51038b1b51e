/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interfaces and their IPv4 addresses, read through rtnetlink. */
#ifndef FLOWPIN_KERNEL_IFADDR_H
#define FLOWPIN_KERNEL_IFADDR_H

#include "core/iface.h"
#include "kernel/nl.h"

/* Fill @ifc for interface @name: 0, -ENODEV when absent, or -errno. */
int ifaddr_get(struct nl *nl, const char *name, struct iface *ifc);

/* An RTM_NEWLINK message into @ifc's index and flags; 0 or -EINVAL. */
int ifaddr_parse_link(const struct nlmsghdr *nlh, struct iface *ifc);
/*
 * An RTM_NEWADDR message of @ifc's index appended to its addresses: 0,
 * -EINVAL (not an IPv4 address of it), -ENOSPC (IFACE_ADDR_MAX reached).
 */
int ifaddr_parse_addr(const struct nlmsghdr *nlh, struct iface *ifc);

#endif
