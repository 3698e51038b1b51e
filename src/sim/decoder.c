// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "sim/decoder.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int decoder_init(struct decoder *d, int linktype)
{
	switch (linktype) {
	case LT_ETHERNET:
	case LT_RAW:
	case LT_RAW_101:
	case LT_LINUX_SLL:
	case LT_LINUX_SLL2:
	case LT_IPV4:
	case LT_IPV6:
		break;
	default:
		return -EPROTONOSUPPORT;
	}
	memset(d, 0, sizeof(*d));
	d->linktype = linktype;
	return 0;
}

const char *decoder_linktype_name(int linktype)
{
	switch (linktype) {
	case LT_ETHERNET:
		return "Ethernet";
	case LT_RAW:
	case LT_RAW_101:
		return "raw IP";
	case LT_LINUX_SLL:
		return "Linux cooked";
	case LT_LINUX_SLL2:
		return "Linux cooked v2";
	case LT_IPV4:
		return "raw IPv4";
	case LT_IPV6:
		return "raw IPv6";
	default:
		return "unknown";
	}
}

/* Where the IP header starts, and which IP it is; -1 when not IP. */
static int l3_offset(int lt, const uint8_t *b, uint32_t caplen, uint16_t *etype)
{
	uint32_t off;

	switch (lt) {
	case LT_ETHERNET:
		if (caplen < 14)
			return -1;
		*etype = be16(b + 12);
		off = 14;
		/* 802.1Q, 802.1ad and the old QinQ tag, stacked */
		while ((*etype == 0x8100 || *etype == 0x88a8 ||
			*etype == 0x9100) &&
		       caplen >= off + 4) {
			*etype = be16(b + off + 2);
			off += 4;
		}
		return (int)off;
	case LT_LINUX_SLL:
		if (caplen < 16)
			return -1;
		*etype = be16(b + 14);
		return 16;
	case LT_LINUX_SLL2:
		if (caplen < 20)
			return -1;
		*etype = be16(b);
		return 20;
	case LT_IPV4:
		*etype = ETH_IPV4;
		return 0;
	case LT_IPV6:
		*etype = ETH_IPV6;
		return 0;
	default: /* raw: the version nibble tells */
		if (caplen < 1)
			return -1;
		*etype = (b[0] >> 4) == 4 ? ETH_IPV4 :
			 (b[0] >> 4) == 6 ? ETH_IPV6 :
					    0;
		return 0;
	}
}

static bool is_icmp_error(uint8_t proto, uint8_t type)
{
	if (proto == IPPROTO_ICMP)
		return type == 3 || type == 4 || type == 5 || type == 11 ||
		       type == 12;
	return proto == IPPROTO_ICMPV6 && type >= 1 && type <= 4;
}

static bool is_icmp_echo(uint8_t proto, uint8_t type)
{
	if (proto == IPPROTO_ICMP)
		return type == 0 || type == 8 || type == 13 || type == 14;
	return proto == IPPROTO_ICMPV6 && (type == 128 || type == 129);
}

static int parse_ip(const uint8_t *b, uint32_t n, struct pkt *p, int depth);

/* Ports, flags or ICMP identity from the transport header at @b. */
static void parse_l4(const uint8_t *b, uint32_t n, struct pkt *p, int depth)
{
	struct flow_key *k = &p->key;

	if (flowhash_proto_has_ports(k->proto)) {
		if (n >= 4) {
			k->sport = be16(b);
			k->dport = be16(b + 2);
		}
		if (k->proto == IPPROTO_TCP && n >= 14)
			p->tcp_flags = b[13];
		return;
	}
	if (k->proto != IPPROTO_ICMP && k->proto != IPPROTO_ICMPV6)
		return;
	/* types 128 and 139 may start one (nf_conntrack_proto_icmpv6.c) */
	if (k->proto == IPPROTO_ICMPV6 && depth == 0 &&
	    (n < 1 ||
	     (b[0] != 128 && b[0] != 139 && !is_icmp_error(k->proto, b[0]))))
		p->no_new = true;
	if (n < 8)
		return;
	if (is_icmp_echo(k->proto, b[0])) {
		/* request and reply share the identifier: one connection */
		k->sport = k->dport = be16(b + 4);
	} else if (is_icmp_error(k->proto, b[0]) && depth == 0) {
		/* about the connection of the packet it quotes */
		struct pkt inner = { 0 };

		if (parse_ip(b + 8, n - 8, &inner, 1) == 0) {
			p->key = inner.key;
			p->related = true;
		}
	}
}

/* The IP header at @b (n bytes): fills p->key; fragments are told apart. */
struct ipinfo {
	uint32_t len; /* of this packet */
	uint32_t hdrlen; /* of the headers the reassembled datagram keeps */
	uint32_t data; /* where a fragment's data starts */
	uint32_t id, frag_off; /* fragment identity and offset (bytes) */
	bool frag, more;
	const uint8_t *l4;
	uint32_t l4len;
};

static int ip_header(const uint8_t *b, uint32_t n, struct pkt *p,
		     struct ipinfo *ip)
{
	struct flow_key *k = &p->key;

	memset(ip, 0, sizeof(*ip));
	if (n >= 20 && (b[0] >> 4) == 4) {
		uint32_t ihl = (uint32_t)(b[0] & 0xf) * 4;
		uint16_t fo = be16(b + 6);

		if (ihl < 20 || n < ihl)
			return -1;
		k->family = AF_INET;
		k->proto = b[9];
		memcpy(k->src, b + 12, 4);
		memcpy(k->dst, b + 16, 4);
		ip->len = be16(b + 2);
		ip->hdrlen = ip->data = ihl;
		ip->id = be16(b + 4);
		ip->frag_off = (uint32_t)(fo & 0x1fff) * 8;
		ip->more = fo & 0x2000;
		ip->frag = ip->more || ip->frag_off;
		ip->l4 = b + ihl;
		ip->l4len = n - ihl;
		return 0;
	}
	if (n >= 40 && (b[0] >> 4) == 6) {
		uint32_t off = 40;
		uint8_t nh = b[6];

		k->family = AF_INET6;
		memcpy(k->src, b + 8, 16);
		memcpy(k->dst, b + 24, 16);
		ip->len = 40 + (uint32_t)be16(b + 4);
		/* extension headers, up to the transport header */
		for (int hops = 0; hops < 8; hops++) {
			if (nh == 0 || nh == 43 || nh == 60) {
				if (n < off + 2)
					return -1;
				uint8_t next = b[off];

				off += ((uint32_t)b[off + 1] + 1) * 8;
				nh = next;
			} else if (nh == 51) {
				if (n < off + 2)
					return -1;
				uint8_t next = b[off];

				off += ((uint32_t)b[off + 1] + 2) * 4;
				nh = next;
			} else if (nh == 44) {
				if (n < off + 8)
					return -1;
				ip->frag_off = be16(b + off + 2) & 0xfff8;
				ip->more = b[off + 3] & 1;
				ip->id = be32(b + off + 4);
				ip->frag = true;
				ip->hdrlen = off; /* reassembled: without it */
				nh = b[off];
				off += 8;
				ip->data = off;
				/* what follows a later fragment's header is
				 * data */
				if (ip->frag_off)
					break;
			} else {
				break;
			}
		}
		if (n < off)
			return -1;
		k->proto = nh;
		if (!ip->frag)
			ip->hdrlen = ip->data = off;
		ip->l4 = b + off;
		ip->l4len = n - off;
		return 0;
	}
	return -1;
}

static int parse_ip(const uint8_t *b, uint32_t n, struct pkt *p, int depth)
{
	struct ipinfo ip;

	if (ip_header(b, n, p, &ip))
		return -1;
	p->len = ip.len;
	if (!ip.frag || ip.frag_off == 0)
		parse_l4(ip.l4, ip.l4len, p, depth);
	return 0;
}

static bool same_datagram(const struct frag *f, const struct pkt *p,
			  uint32_t id)
{
	size_t alen = p->key.family == AF_INET6 ? 16 : 4;

	/* IPv6 reassembles by addresses and identifier; IPv4 adds protocol
	 * (a later IPv6 fragment does not even tell the protocol) */
	return f->used && f->id == id && f->family == p->key.family &&
	       (f->family == AF_INET6 || f->proto == p->key.proto) &&
	       !memcmp(f->src, p->key.src, alen) &&
	       !memcmp(f->dst, p->key.dst, alen);
}

/* A fragment: held, or the datagram it completes. */
static enum decode_result fragment(struct decoder *d, struct pkt *p,
				   const struct ipinfo *ip)
{
	uint32_t h = (ip->id * 2654435761u ^ p->key.src[3] ^ p->key.dst[3]) %
		     FRAG_SLOTS;
	struct frag *f = NULL, *oldest = NULL;
	uint32_t payload = ip->len > ip->data ? ip->len - ip->data : 0;

	d->fragments++;
	for (uint32_t i = 0; i < 8; i++) {
		struct frag *c = &d->frags[(h + i) % FRAG_SLOTS];

		if (c->used && p->ts_us - c->first_us > FRAG_TIMEOUT_US) {
			c->used = false; /* timed out, as the kernel drops it */
			d->frag_dropped++;
		}
		if (same_datagram(c, p, ip->id)) {
			f = c;
			break;
		}
		if (!c->used && !oldest)
			oldest = c;
	}
	if (!f) {
		if (!oldest) { /* all taken: the oldest goes */
			oldest = &d->frags[h];
			for (uint32_t i = 1; i < 8; i++) {
				struct frag *c =
					&d->frags[(h + i) % FRAG_SLOTS];

				if (c->first_us < oldest->first_us)
					oldest = c;
			}
			d->frag_dropped++;
		}
		f = oldest;
		memset(f, 0, sizeof(*f));
		f->used = true;
		f->family = (uint8_t)p->key.family;
		f->proto = p->key.proto;
		memcpy(f->src, p->key.src, 16);
		memcpy(f->dst, p->key.dst, 16);
		f->id = ip->id;
		f->first_us = p->ts_us;
	}
	/* a fragment seen twice (a capture of both sides) counts once */
	for (uint32_t i = 0; i < f->nseen; i++)
		if (f->seen[i] == ip->frag_off)
			return DECODE_HELD;
	if (f->nseen < FRAG_PIECES)
		f->seen[f->nseen++] = ip->frag_off;
	if (ip->frag_off == 0) {
		f->have_first = true;
		f->first = *p;
		f->hdrlen = ip->hdrlen;
	}
	if (!ip->more) {
		f->have_last = true;
		f->total = ip->frag_off + payload;
	}
	f->got += payload;
	if (!f->have_first || !f->have_last || f->got < f->total)
		return DECODE_HELD;

	uint64_t now = p->ts_us;

	/* conntrack sees the datagram once it is whole: now */
	*p = f->first;
	p->ts_us = now;
	p->len = f->hdrlen + f->total;
	f->used = false;
	d->reassembled++;
	return DECODE_PACKET;
}

enum decode_result decoder_decode(struct decoder *d, uint64_t ts_us,
				  const uint8_t *data, uint32_t caplen,
				  struct pkt *p)
{
	struct ipinfo ip;
	uint16_t etype = 0;
	int off = l3_offset(d->linktype, data, caplen, &etype);

	memset(p, 0, sizeof(*p));
	/* captures of several interfaces step back in time now and then */
	if (ts_us < d->last_us)
		ts_us = d->last_us;
	d->last_us = ts_us;
	p->ts_us = ts_us;
	if (off < 0 || (etype != ETH_IPV4 && etype != ETH_IPV6) ||
	    ip_header(data + off, caplen - (uint32_t)off, p, &ip)) {
		d->skipped++;
		return DECODE_SKIP;
	}
	p->len = ip.len;
	if (!ip.frag || ip.frag_off == 0)
		parse_l4(ip.l4, ip.l4len, p, 0);
	if (ip.frag)
		return fragment(d, p, &ip);
	return DECODE_PACKET;
}
