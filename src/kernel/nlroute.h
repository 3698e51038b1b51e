/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPv4 routes in numbered tables, through rtnetlink. */
#ifndef FLOWPIN_KERNEL_NLROUTE_H
#define FLOWPIN_KERNEL_NLROUTE_H

#include "core/route.h"
#include "kernel/nl.h"

/* Add or replace the route to r->dst/dst_len in r->table. */
int nlroute_replace(struct nl *nl, const struct route *r);
int nlroute_delete(struct nl *nl, const struct route *r);

/* Pass every IPv4 unicast route of @table to @cb; a non-zero return ends. */
typedef int (*nlroute_cb)(const struct route *r, void *data);
int nlroute_list(struct nl *nl, enum fam fam, uint32_t table, nlroute_cb cb,
		 void *data);
/* Every IPv4 route through interface @oif, in every table. */
int nlroute_list_oif(struct nl *nl, enum fam fam, int oif, nlroute_cb cb,
		     void *data);

/*
 * An RTM_NEWROUTE or RTM_DELROUTE message (a dump's or a notification's):
 * 0, -EAFNOSUPPORT for another family, -EINVAL when it is not a route.
 */
int nlroute_parse(const struct nlmsghdr *nlh, struct route *r);

#endif
