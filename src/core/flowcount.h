/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Connections per link, kept exact from conntrack events: a set of the
 * connections flowpin has seen (by a 64-bit digest of their tuple) with
 * the link each is pinned to. A set rather than counters, so that a
 * connection seen both in a dump and in an event counts once.
 */
#ifndef FLOWPIN_FLOWCOUNT_H
#define FLOWPIN_FLOWCOUNT_H

/* Digest 0 is stored as 1: one more collision in 2^64. */

#include <stddef.h>
#include <stdint.h>

/* what is counted apart: a link and family each (2 * SLOTS_MAX) */
#define FLOWCOUNT_LINKS 512

struct flowcount {
	uint64_t *key; /* 0: empty slot */
	uint16_t *link;
	size_t cap, used;
	uint64_t count[FLOWCOUNT_LINKS];
};

int flowcount_init(struct flowcount *fc);
void flowcount_free(struct flowcount *fc);
void flowcount_clear(struct flowcount *fc);

/* Record connection @key on @link; a connection already known stays put. */
int flowcount_add(struct flowcount *fc, uint64_t key, unsigned int link);
/* Forget connection @key, if known. */
void flowcount_del(struct flowcount *fc, uint64_t key);
/* Forget every connection of @link. */
void flowcount_drop_link(struct flowcount *fc, unsigned int link);

static inline uint64_t flowcount_get(const struct flowcount *fc,
				     unsigned int link)
{
	return link < FLOWCOUNT_LINKS ? fc->count[link] : 0;
}

#endif
