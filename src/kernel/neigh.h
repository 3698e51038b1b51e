/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Neighbour (ARP) entries from rtnetlink: is a gateway answering? */
#ifndef FLOWPIN_NEIGH_H
#define FLOWPIN_NEIGH_H

#include <libmnl/libmnl.h>
#include <netinet/in.h>
#include <stdbool.h>

#include "core/controller.h"
#include "kernel/nl.h"

/*
 * Parse an RTM_NEWNEIGH notification for an IPv4 neighbour: 0,
 * -EAFNOSUPPORT for another family, or -EINVAL.
 */
int neigh_parse(const struct nlmsghdr *nlh, struct neigh *n);

/*
 * Ask the kernel to resolve @addr on @ifindex now, as if a packet were
 * sent to it (NTF_USE): a FAILED gateway that nothing sends to any more
 * would otherwise never be tried again.
 */
int neigh_resolve(struct nl *nl, int ifindex, enum fam fam,
		  const union inaddr *addr);

#endif
