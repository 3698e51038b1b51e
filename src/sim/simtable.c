// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "sim/simtable.h"

/* conntrack's defaults (net.netfilter.nf_conntrack_*_timeout*), in ms */
static const uint32_t timeout_ms[CLS_COUNT] = {
	[CLS_TCP] = 432000000, /* tcp_timeout_established */
	[CLS_TCP_CLOSING] = 120000, /* tcp_timeout_time_wait */
	[CLS_UDP] = 30000, /* udp_timeout */
	[CLS_UDP_REPLIED] = 120000, /* udp_timeout_stream */
	[CLS_ICMP] = 30000, /* icmp_timeout */
	[CLS_OTHER] = 600000, /* generic_timeout */
};

/* Milliseconds, wrapping every 49 days: differences stay right. */
static uint32_t ms_of(uint64_t us)
{
	return (uint32_t)(us / 1000);
}

void sim_conn_key(const struct sim_conn *c, struct flow_key *k)
{
	k->family = c->family;
	k->proto = c->proto;
	memcpy(k->src, c->src, 16);
	memcpy(k->dst, c->dst, 16);
	k->sport = c->sport;
	k->dport = c->dport;
}

#define TCP_FIN 0x01
#define TCP_RST 0x04

int simtable_init(struct simtable *t)
{
	memset(t, 0, sizeof(*t));
	t->cap = 1024;
	t->index = malloc(t->cap * sizeof(*t->index));
	if (!t->index)
		return -ENOMEM;
	memset(t->index, 0xff, t->cap * sizeof(*t->index)); /* SIM_EMPTY */
	t->free = SIM_NONE;
	for (int c = 0; c < CLS_COUNT; c++)
		t->head[c] = t->tail[c] = SIM_NONE;
	return 0;
}

void simtable_free(struct simtable *t)
{
	free(t->conn);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

static uint64_t mix(uint64_t x)
{
	/* the finalizer of MurmurHash3: every input bit moves every output bit
	 */
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* An address and port in 64 bits (IPv6 folded), before mixing. */
static uint64_t endpoint(const uint8_t *a, uint16_t port, int family)
{
	uint64_t v = 0, w = 0;

	if (family == AF_INET6) {
		memcpy(&v, a, 8);
		memcpy(&w, a + 8, 8);
		v ^= w * 0x9e3779b97f4a7c15ULL;
	} else {
		uint32_t x;

		memcpy(&x, a, 4);
		v = x;
	}
	return v ^ (uint64_t)port << 48;
}

/* One hash for both directions: the endpoints in a fixed order, one mix. */
static uint32_t key_hash(const struct flow_key *k)
{
	uint64_t a = endpoint(k->src, k->sport, k->family);
	uint64_t b = endpoint(k->dst, k->dport, k->family);

	if (a > b) {
		uint64_t t = a;

		a = b;
		b = t;
	}
	return (uint32_t)mix(a * 0x9e3779b97f4a7c15ULL + b + k->proto);
}

static bool same_addr(const uint8_t *a, const uint8_t *b, int family)
{
	uint32_t x, y;

	if (family == AF_INET6)
		return !memcmp(a, b, 16);
	memcpy(&x, a, 4);
	memcpy(&y, b, 4);
	return x == y;
}

/* Is @p of connection @c: 1 from the initiator, -1 back to it, 0 not. */
static int match(const struct sim_conn *c, const struct pkt *p)
{
	const struct flow_key *q = &p->key;

	if (c->family != q->family || c->proto != q->proto)
		return 0;
	if (c->sport == q->sport && c->dport == q->dport &&
	    same_addr(c->src, q->src, c->family) &&
	    same_addr(c->dst, q->dst, c->family))
		return 1;
	if (c->sport == q->dport && c->dport == q->sport &&
	    same_addr(c->src, q->dst, c->family) &&
	    same_addr(c->dst, q->src, c->family))
		return -1;
	return 0;
}

static void unlink_class(struct simtable *t, uint32_t i)
{
	struct sim_conn *c = &t->conn[i];

	if (c->prev != SIM_NONE)
		t->conn[c->prev].next = c->next;
	else
		t->head[c->cls] = c->next;
	if (c->next != SIM_NONE)
		t->conn[c->next].prev = c->prev;
	else
		t->tail[c->cls] = c->prev;
}

static void append_class(struct simtable *t, uint32_t i)
{
	struct sim_conn *c = &t->conn[i];

	c->next = SIM_NONE;
	c->prev = t->tail[c->cls];
	if (c->prev != SIM_NONE)
		t->conn[c->prev].next = i;
	else
		t->head[c->cls] = i;
	t->tail[c->cls] = i;
}

static uint32_t slot_conn(uint64_t e)
{
	return (uint32_t)e;
}

static uint32_t slot_hash(uint64_t e)
{
	return (uint32_t)(e >> 32);
}

static int grow_index(struct simtable *t)
{
	uint32_t cap = t->cap * 2;
	uint64_t *index = malloc(cap * sizeof(*index));

	if (!index)
		return -ENOMEM;
	memset(index, 0xff, cap * sizeof(*index));
	for (uint32_t j = 0; j < t->cap; j++) {
		uint32_t h;

		if (t->index[j] == SIM_EMPTY)
			continue;
		for (h = slot_hash(t->index[j]) & (cap - 1);
		     index[h] != SIM_EMPTY; h = (h + 1) & (cap - 1))
			;
		index[h] = t->index[j];
	}
	free(t->index);
	t->index = index;
	t->cap = cap;
	return 0;
}

static uint32_t alloc_conn(struct simtable *t)
{
	if (t->free != SIM_NONE) {
		uint32_t i = t->free;

		t->free = t->conn[i].next;
		return i;
	}
	if (t->nconn == t->conn_cap) {
		uint32_t cap = t->conn_cap ? 2 * t->conn_cap : 1024;
		struct sim_conn *c = realloc(t->conn, cap * sizeof(*c));

		if (!c)
			return SIM_NONE;
		t->conn = c;
		t->conn_cap = cap;
	}
	return t->nconn++;
}

static uint8_t first_class(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return CLS_TCP;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return CLS_UDP;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return CLS_ICMP;
	default:
		return CLS_OTHER;
	}
}

void simtable_prefetch_index(const struct simtable *t, struct pkt *p)
{
	p->tag = key_hash(&p->key);
	__builtin_prefetch(&t->index[p->tag & (t->cap - 1)]);
}

void simtable_prefetch_conn(const struct simtable *t, const struct pkt *p)
{
	uint64_t e = t->index[p->tag & (t->cap - 1)];

	if (e != SIM_EMPTY && slot_hash(e) == p->tag)
		__builtin_prefetch(&t->conn[slot_conn(e)]);
}

struct sim_conn *simtable_get(struct simtable *t, const struct pkt *p,
			      bool create, bool *created, bool *reply)
{
	uint32_t hash = p->tag, h = hash & (t->cap - 1), i;

	*created = false;
	for (; t->index[h] != SIM_EMPTY; h = (h + 1) & (t->cap - 1)) {
		uint64_t e = t->index[h];
		int m;

		/* the tag spares touching the entries of other connections */
		if (slot_hash(e) != hash)
			continue;
		m = match(&t->conn[slot_conn(e)], p);
		if (m) {
			*reply = m < 0;
			return &t->conn[slot_conn(e)];
		}
	}
	if (!create)
		return NULL;
	if ((t->live + 1) * 2 > t->cap) {
		if (grow_index(t))
			return NULL;
		return simtable_get(t, p, create, created, reply);
	}
	i = alloc_conn(t);
	if (i == SIM_NONE)
		return NULL;
	struct sim_conn *c = &t->conn[i];

	memset(c, 0, sizeof(*c));
	c->family = (uint8_t)p->key.family;
	c->proto = p->key.proto;
	memcpy(c->src, p->key.src, 16);
	memcpy(c->dst, p->key.dst, 16);
	c->sport = p->key.sport;
	c->dport = p->key.dport;
	c->cls = first_class(p->key.proto);
	c->last_ms = c->moved_ms = ms_of(p->ts_us);
	memset(c->link, SIM_NO_LINK, sizeof(c->link));
	memset(c->assigned, SIM_NO_LINK, sizeof(c->assigned));
	append_class(t, i);
	t->index[h] = (uint64_t)hash << 32 | i;
	if (++t->live > t->max_live)
		t->max_live = t->live;
	*created = true;
	*reply = false;
	return &t->conn[i];
}

/*
 * A connection moves to the young end of its list at most once a second:
 * timeouts are 30 s and more, and most packets then cost no relinking.
 * The list stays ordered by the time of that last move (moved_ms).
 */
#define RELINK_MS 1000

void simtable_touch(struct simtable *t, struct sim_conn *c, const struct pkt *p,
		    bool reply)
{
	uint32_t i = (uint32_t)(c - t->conn);
	uint8_t cls = c->cls;

	if (c->cls == CLS_TCP && (p->tcp_flags & (TCP_FIN | TCP_RST)))
		cls = CLS_TCP_CLOSING;
	else if (c->cls == CLS_UDP && reply)
		cls = CLS_UDP_REPLIED;
	c->last_ms = ms_of(p->ts_us);
	if (cls == c->cls && c->last_ms - c->moved_ms < RELINK_MS)
		return;
	unlink_class(t, i);
	c->cls = cls;
	c->moved_ms = c->last_ms;
	append_class(t, i);
}

/* Remove entry @i from the index (backward-shift deletion). */
static void drop(struct simtable *t, uint32_t i)
{
	uint32_t mask = t->cap - 1, h, j;
	struct flow_key k;

	sim_conn_key(&t->conn[i], &k);
	for (h = key_hash(&k) & mask; slot_conn(t->index[h]) != i;
	     h = (h + 1) & mask)
		;
	for (j = (h + 1) & mask; t->index[j] != SIM_EMPTY; j = (j + 1) & mask) {
		uint32_t home = slot_hash(t->index[j]) & mask;

		if (h <= j ? (h < home && home <= j) : (h < home || home <= j))
			continue;
		t->index[h] = t->index[j];
		h = j;
	}
	t->index[h] = SIM_EMPTY;
	unlink_class(t, i);
	t->conn[i].cls = CLS_COUNT; /* free */
	t->conn[i].next = t->free;
	t->free = i;
	t->live--;
}

/*
 * A connection's last packet is less than RELINK_MS after the time that
 * orders it in its list (simtable_touch), so scanning from the oldest
 * stops at the first one still alive: those behind it expire within a
 * second of it at the latest.
 */
void simtable_expire(struct simtable *t, uint64_t now_us)
{
	uint32_t now;

	/* ten times a second of trace time is close enough to conntrack */
	if (now_us < t->expire_next_us)
		return;
	t->expire_next_us = now_us + 100000;
	now = ms_of(now_us);
	for (int c = 0; c < CLS_COUNT; c++) {
		uint32_t i;

		while ((i = t->head[c]) != SIM_NONE &&
		       now - t->conn[i].last_ms > timeout_ms[c])
			drop(t, i);
	}
}

struct sim_conn *simtable_at(struct simtable *t, uint32_t i)
{
	for (; i < t->nconn; i++)
		if (t->conn[i].cls != CLS_COUNT)
			return &t->conn[i];
	return NULL;
}
