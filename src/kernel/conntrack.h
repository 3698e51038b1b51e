/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Conntrack through libnetfilter_conntrack: events of flowpin's marked
 * connections, dumps and deletions filtered by mark in the kernel.
 */
#ifndef FLOWPIN_CONNTRACK_H
#define FLOWPIN_CONNTRACK_H

#include <netinet/in.h>

#include "core/inaddr.h"
#include <stdbool.h>
#include <stdint.h>

struct nfct_handle;
struct nl;

/* A connection seen: its tuple digest, mark and address family. */
typedef void (*conntrack_cb)(void *data, bool gone, uint64_t key, uint32_t mark,
			     int af);

struct conntrack_events {
	struct nfct_handle *h;
	int fd;
	conntrack_cb cb;
	void *data;
};

/* Subscribe to new and destroyed connections whose mark & @mask != 0. */
int conntrack_events_open(struct conntrack_events *ev, uint32_t mask,
			  conntrack_cb cb, void *data);
void conntrack_events_close(struct conntrack_events *ev);
/* Handle queued events; -ENOBUFS when some were lost (resync). */
int conntrack_events_read(struct conntrack_events *ev);
/*
 * Leave or rejoin the group of destroyed connections: while no socket
 * listens, the kernel builds no event for the connections it deletes.
 */
int conntrack_events_destroy_group(struct conntrack_events *ev, bool member);
/* Throw queued events away (before a resync dump). */
void conntrack_events_discard(struct conntrack_events *ev);

/*
 * A ctnetlink message about a connection (event or dump): its identity, a
 * 64-bit digest of its original tuple and zone, its mark and its address
 * family (AF_INET, AF_INET6). 0 or -EINVAL.
 */
struct nlmsghdr;
int conntrack_parse(const struct nlmsghdr *nlh, uint64_t *key, uint32_t *mark,
		    int *af);

/* Every connection with (mark & mask) == value, to @cb. */
int conntrack_dump_mark(struct nl *nl, uint32_t value, uint32_t mask,
			conntrack_cb cb, void *data);

/*
 * Delete every connection of address family @af (AF_UNSPEC: both) with
 * (mark & mask) == value, in the kernel, through @nl (NETLINK_NETFILTER).
 */
int conntrack_delete_mark(struct nl *nl, int af, uint32_t value, uint32_t mask);

/*
 * Delete the connections of family @fam with (mark & mask) == value whose
 * reply tuple's destination is @old, or whose original one's is: those the
 * router translated to its address @old, its own from @old, and those that came
 * in to @old, none of which can work once the link's address changed.
 * Every other connection stays, of this link or another.
 * *@deleted: how many went (also on an error midway).
 */
int conntrack_delete_nat(struct nl *nl, enum fam fam, uint32_t value,
			 uint32_t mask, const union inaddr *old,
			 unsigned int *deleted);

/*
 * The connections with (mark & @mask) == @value take mark @to under
 * @mask, their other bits kept; how many in @moved. Collected by a dump
 * first, then updated one by one (the kernel updates an entry, found by
 * its tuple, on IPCTNL_MSG_CT_NEW without NLM_F_CREATE). 0 or -errno.
 */
int conntrack_remark(struct nl *nl, uint32_t value, uint32_t mask, uint32_t to,
		     unsigned int *moved);

#endif
