/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Conntrack through libnetfilter_conntrack: events of flowpin's marked
 * connections, dumps and deletions filtered by mark in the kernel.
 */
#ifndef FLOWPIN_CONNTRACK_H
#define FLOWPIN_CONNTRACK_H

#include <stdbool.h>
#include <stdint.h>

struct nfct_handle;
struct nl;

/* A connection seen: its tuple digest and its mark. */
typedef void (*ct_cb)(void *data, bool gone, uint64_t key, uint32_t mark);

struct ct_events {
	struct nfct_handle *h;
	int fd;
	ct_cb cb;
	void *data;
};

/* Subscribe to new and destroyed connections whose mark & @mask != 0. */
int ct_events_open(struct ct_events *ev, uint32_t mask, ct_cb cb, void *data);
void ct_events_close(struct ct_events *ev);
/* Handle queued events; -ENOBUFS when some were lost (resync). */
int ct_events_read(struct ct_events *ev);
/*
 * Leave or rejoin the group of destroyed connections: while no socket
 * listens, the kernel builds no event for the connections it deletes.
 */
int ct_events_destroy_group(struct ct_events *ev, bool member);
/* Throw queued events away (before a resync dump). */
void ct_events_discard(struct ct_events *ev);

/* Every connection with (mark & mask) == value, to @cb. */
int ct_dump_mark(struct nl *nl, uint32_t value, uint32_t mask, ct_cb cb,
		 void *data);

/*
 * Delete every connection with (mark & mask) == value, in the kernel,
 * through @nl (NETLINK_NETFILTER).
 */
int ct_delete_mark(struct nl *nl, uint32_t value, uint32_t mask);

#endif
