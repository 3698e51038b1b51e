// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sim/decoder.h"
#include "sim/pcapgen.h"

#define LAN_HOSTS 60
#define SERVERS 200
#define MTU 1500

enum step { SYN, SYNACK, ACK, DATA, FIN, FINACK, LASTACK, DONE };

struct gflow {
	uint64_t next_us;
	uint8_t family, proto;
	uint8_t client[16], server[16];
	uint16_t cport, sport, ipid;
	uint32_t left; /* data packets still to go */
	uint32_t sent; /* data packets so far */
	uint8_t step;
	bool big, unreachable, reset;
};

struct gen {
	uint64_t rng;
	pcap_dumper_t *out;
	int linktype;
	uint64_t packets;
	int werr; /* the first write error's errno */
	struct gflow *heap; /* by next_us */
	uint32_t n, cap;
};

static uint64_t rnd(struct gen *g)
{
	/* xorshift64*: fast, and the same stream for the same seed */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545f4914f6cdd1dULL;
}

static uint32_t below(struct gen *g, uint32_t n)
{
	return (uint32_t)(rnd(g) % n);
}

static double uniform(struct gen *g)
{
	return (double)(rnd(g) >> 11) / 9007199254740992.0;
}

static void heap_swap(struct gen *g, uint32_t a, uint32_t b)
{
	struct gflow t = g->heap[a];

	g->heap[a] = g->heap[b];
	g->heap[b] = t;
}

static void heap_down(struct gen *g, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < g->n && g->heap[l].next_us < g->heap[m].next_us)
			m = l;
		if (r < g->n && g->heap[r].next_us < g->heap[m].next_us)
			m = r;
		if (m == i)
			return;
		heap_swap(g, i, m);
		i = m;
	}
}

static int heap_push(struct gen *g, const struct gflow *f)
{
	uint32_t i;

	if (g->n == g->cap) {
		uint32_t cap = g->cap ? 2 * g->cap : 1024;
		struct gflow *h = realloc(g->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		g->heap = h;
		g->cap = cap;
	}
	i = g->n++;
	g->heap[i] = *f;
	while (i && g->heap[(i - 1) / 2].next_us > g->heap[i].next_us) {
		heap_swap(g, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return 0;
}

/* The link-layer header for an IP packet of @family; its length. */
static uint32_t link_header(const struct gen *g, uint8_t *b, int family,
			    bool outgoing)
{
	uint16_t type = family == AF_INET6 ? 0x86dd : 0x0800;

	switch (g->linktype) {
	case LT_ETHERNET:
		memcpy(b, outgoing ? "\x02\0\0\0\0\x01" : "\x02\0\0\0\0\x02",
		       6);
		memcpy(b + 6,
		       outgoing ? "\x02\0\0\0\0\x02" : "\x02\0\0\0\0\x01", 6);
		b[12] = (uint8_t)(type >> 8);
		b[13] = (uint8_t)type;
		return 14;
	case LT_LINUX_SLL:
		memset(b, 0, 16);
		b[1] = outgoing ? 0 : 4; /* to us / sent by us */
		b[3] = 1; /* ARPHRD_ETHER */
		b[5] = 6;
		memcpy(b + 6, "\x02\0\0\0\0\x02", 6);
		b[14] = (uint8_t)(type >> 8);
		b[15] = (uint8_t)type;
		return 16;
	default:
		return 0;
	}
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * One IP packet of @f, from the client when @up: @paylen bytes after the
 * transport header; a datagram over the MTU leaves in fragments.
 */
static void emit(struct gen *g, struct gflow *f, bool up, uint32_t paylen,
		 uint8_t tcp_flags, uint8_t icmp_type)
{
	uint8_t l4[8 + 60], frame[160];
	uint32_t l4len = 0, total, done = 0, iphdr;
	const uint8_t *src = up ? f->client : f->server;
	const uint8_t *dst = up ? f->server : f->client;
	uint64_t ts = f->next_us;
	/* an error about a datagram travels as ICMP, whatever the flow's */
	bool error = icmp_type == 3 ||
		     (f->family == AF_INET6 && icmp_type == 1);
	uint8_t proto = !error		      ? f->proto :
			f->family == AF_INET6 ? IPPROTO_ICMPV6 :
						IPPROTO_ICMP;

	memset(l4, 0, sizeof(l4));
	switch (proto) {
	case IPPROTO_TCP:
		put16(l4, up ? f->cport : f->sport);
		put16(l4 + 2, up ? f->sport : f->cport);
		l4[12] = 0x50;
		l4[13] = tcp_flags;
		l4len = 20;
		break;
	case IPPROTO_UDP:
		put16(l4, up ? f->cport : f->sport);
		put16(l4 + 2, up ? f->sport : f->cport);
		put16(l4 + 4, 8 + paylen);
		l4len = 8;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		l4[0] = icmp_type;
		put16(l4 + 4, f->cport); /* identifier */
		l4len = 8;
		if (icmp_type == 3 || icmp_type == 1) {
			/* port unreachable: quote the client's datagram */
			uint8_t *q = l4 + 8;

			if (f->family == AF_INET) { /* the client's datagram */
				q[0] = 0x45;
				put16(q + 2, 28);
				q[8] = 64;
				q[9] = IPPROTO_UDP;
				memcpy(q + 12, f->client, 4);
				memcpy(q + 16, f->server, 4);
				put16(q + 20, f->cport);
				put16(q + 22, f->sport);
				l4len += 28;
			} else {
				q[0] = 0x60;
				put16(q + 4, 8);
				q[6] = IPPROTO_UDP;
				q[7] = 64;
				l4len += 48; /* addresses and ports below */
			}
		}
		break;
	default: /* GRE: a base header */
		put16(l4 + 2, 0x0800);
		l4len = 4;
		break;
	}
	total = l4len + paylen;
	iphdr = f->family == AF_INET6 ? 40 : 20;

	/* fragments carry up to the MTU, in multiples of 8 bytes */
	uint32_t per = (MTU - iphdr - (f->family == AF_INET6 ? 8 : 0)) & ~7u;
	bool fragment = total > per + (f->family == AF_INET6 ? 8 : 0);

	f->ipid++;
	do {
		uint32_t chunk =
			fragment ? (total - done > per ? per : total - done) :
				   total;
		bool more = fragment && done + chunk < total;
		uint32_t hl = link_header(g, frame, f->family, up), caplen;
		uint8_t *ip = frame + hl;
		uint32_t ext = f->family == AF_INET6 && fragment ? 8 : 0;
		struct pcap_pkthdr h;

		if (f->family == AF_INET) {
			memset(ip, 0, 20);
			ip[0] = 0x45;
			put16(ip + 2, 20 + chunk);
			put16(ip + 4, f->ipid);
			put16(ip + 6, (more ? 0x2000 : 0) | done / 8);
			ip[8] = 64;
			ip[9] = proto;
			memcpy(ip + 12, src, 4);
			memcpy(ip + 16, dst, 4);
		} else {
			memset(ip, 0, 48);
			ip[0] = 0x60;
			put16(ip + 4, ext + chunk);
			ip[6] = ext ? 44 : proto;
			ip[7] = 64;
			memcpy(ip + 8, src, 16);
			memcpy(ip + 24, dst, 16);
			if (ext) {
				ip[40] = proto;
				put16(ip + 42, done | (more ? 1 : 0));
				put16(ip + 46, f->ipid);
			}
		}
		caplen = hl + iphdr + ext;
		if (done == 0) { /* the transport header, in the first only */
			memcpy(frame + caplen, l4, l4len);
			if (f->family == AF_INET6 && l4len > 8 &&
			    (proto == IPPROTO_ICMPV6)) {
				memcpy(frame + caplen + 16, f->client, 16);
				memcpy(frame + caplen + 32, f->server, 16);
				put16(frame + caplen + 48, f->cport);
				put16(frame + caplen + 50, f->sport);
			}
			caplen += l4len;
		}
		h.ts.tv_sec = (time_t)(ts / 1000000);
		h.ts.tv_usec = (suseconds_t)(ts % 1000000);
		h.caplen = caplen;
		h.len = hl + iphdr + ext + chunk;
		errno = 0;
		pcap_dump((u_char *)g->out, &h, frame);
		/* buffered: the first failing write says why */
		if (!g->werr && ferror(pcap_dump_file(g->out)))
			g->werr = errno ? errno : EIO;
		g->packets++;
		done += chunk;
	} while (done < total);
}

/* A new connection's shape. */
static void start_flow(struct gen *g, struct gflow *f, uint64_t at_us)
{
	uint32_t kind = below(g, 100), host = below(g, LAN_HOSTS),
		 srv = below(g, SERVERS);
	double u = uniform(g);

	memset(f, 0, sizeof(*f));
	f->next_us = at_us;
	f->family = below(g, 10) == 0 ? AF_INET6 : AF_INET;
	if (f->family == AF_INET) {
		memcpy(f->client, (uint8_t[]){ 192, 168, 1, 0 }, 4);
		f->client[3] = (uint8_t)(10 + host);
		memcpy(f->server, (uint8_t[]){ 203, 0, 113, 0 }, 4);
		f->server[3] = (uint8_t)(1 + srv);
	} else {
		f->client[0] = 0xfd;
		f->client[15] = (uint8_t)(10 + host);
		memcpy(f->server, (uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8 }, 4);
		f->server[15] = (uint8_t)(1 + srv);
	}
	f->cport = (uint16_t)(32768 + below(g, 28000));
	/* most connections are short, a few carry most of the packets */
	f->left = u < 0.8  ? 2 + below(g, 9) :
		  u < 0.99 ? 10 + below(g, 91) :
			     100 + below(g, 1901);
	if (kind < 75) {
		f->proto = IPPROTO_TCP;
		f->sport = below(g, 2) ? 443 : 80;
		f->step = SYN;
		f->reset = below(g, 20) == 0;
	} else if (kind < 92) {
		f->proto = IPPROTO_UDP;
		f->sport = below(g, 2) ? 53 : 443;
		f->step = DATA;
		f->big = below(g, 30) == 0;
		f->unreachable = below(g, 50) == 0;
	} else if (kind < 97) {
		f->proto = f->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		f->step = DATA;
	} else {
		f->proto = 47; /* GRE */
		f->step = DATA;
	}
}

/* Send @f's next packet; false when the connection is over. */
static bool step_flow(struct gen *g, struct gflow *f)
{
	bool v6 = f->family == AF_INET6, up;

	switch (f->step) {
	case SYN:
		emit(g, f, true, 0, 0x02, 0);
		f->step = SYNACK;
		break;
	case SYNACK:
		emit(g, f, false, 0, 0x12, 0);
		f->step = ACK;
		break;
	case ACK:
		emit(g, f, true, 0, 0x10, 0);
		f->step = DATA;
		break;
	case DATA:
		up = (f->sent++ & 1) == 0; /* the client speaks first */
		if (f->proto == IPPROTO_TCP) {
			emit(g, f, up, up ? 40 + below(g, 560) : 1400, 0x18, 0);
		} else if (f->proto == IPPROTO_UDP) {
			if (f->unreachable && !up) {
				emit(g, f, false, 0, 0, v6 ? 1 : 3);
				return false; /* nobody listens */
			}
			emit(g, f, up,
			     f->big ? 3000 + below(g, 2000) :
				      60 + below(g, 1000),
			     0, 0);
		} else if (f->proto == IPPROTO_ICMP ||
			   f->proto == IPPROTO_ICMPV6) {
			emit(g, f, up, 56, 0,
			     up ? (v6 ? 128 : 8) : (v6 ? 129 : 0));
		} else {
			emit(g, f, up, 100 + below(g, 1300), 0, 0);
		}
		if (--f->left == 0) {
			if (f->proto != IPPROTO_TCP)
				return false;
			f->step = f->reset ? DONE : FIN;
			if (f->reset)
				emit(g, f, true, 0, 0x04, 0);
			if (f->reset)
				return false;
		}
		break;
	case FIN:
		emit(g, f, true, 0, 0x11, 0);
		f->step = FINACK;
		break;
	case FINACK:
		emit(g, f, false, 0, 0x11, 0);
		f->step = LASTACK;
		break;
	case LASTACK:
		emit(g, f, true, 0, 0x10, 0);
		return false;
	default:
		return false;
	}
	/* a round trip or a think time later */
	f->next_us += 500 + below(g, f->left > 100 ? 20000 : 60000);
	return true;
}

int pcapgen_write(const struct pcapgen *o, uint64_t *packets, char *err,
		  size_t errlen)
{
	struct gen g = { .rng = 0x9e3779b97f4a7c15ULL ^ o->seed };
	pcap_t *dead;
	uint64_t at = 1795600000ULL * 1000000; /* a fixed, plausible start */
	double mean = o->duration * 1e6 / (o->flows ? o->flows : 1);
	uint32_t started = 0;
	int ret = 0;

	g.linktype = o->linktype;
	dead = pcap_open_dead(o->linktype, 65535);
	if (!dead)
		return -ENOMEM;
	g.out = pcap_dump_open(dead, o->path);
	if (!g.out) {
		snprintf(err, errlen, "%s", pcap_geterr(dead));
		pcap_close(dead);
		return -EIO;
	}
	while (started < o->flows || g.n) {
		struct gflow f;

		/* start the connections due before the next packet */
		if (started < o->flows && (!g.n || at <= g.heap[0].next_us)) {
			start_flow(&g, &f, at);
			ret = heap_push(&g, &f);
			if (ret)
				break;
			started++;
			at += (uint64_t)(-log(1 - uniform(&g)) * mean) + 1;
			continue;
		}
		if (step_flow(&g, &g.heap[0])) {
			heap_down(&g, 0);
		} else {
			g.heap[0] = g.heap[--g.n];
			heap_down(&g, 0);
		}
	}
	if (ret) {
		snprintf(err, errlen, "out of memory");
	} else {
		/* what is left in the buffer fails, if anything, here */
		errno = 0;
		if (!g.werr && pcap_dump_flush(g.out))
			g.werr = errno ? errno : EIO;
		if (g.werr) {
			ret = -g.werr;
			snprintf(err, errlen, "%s", strerror(g.werr));
		}
	}
	pcap_dump_close(g.out);
	pcap_close(dead);
	free(g.heap);
	*packets = g.packets;
	return ret;
}
