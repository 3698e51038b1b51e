/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Captured frames into what connection tracking sees: one record per IP
 * packet, with the tuple of the connection it belongs to. Fragments are
 * held until their datagram is whole, as the kernel's defragmentation does
 * before conntrack; ICMP errors count for the connection they are about.
 */
#ifndef FLOWPIN_PACKET_H
#define FLOWPIN_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/flowhash.h"

/* Link types (pcap's LINKTYPE_ values that libpcap reports as DLT_). */
#define LT_ETHERNET 1
#define LT_RAW 12 /* DLT_RAW on Linux */
#define LT_RAW_101 101 /* LINKTYPE_RAW */
#define LT_LINUX_SLL 113
#define LT_IPV4 228
#define LT_IPV6 229
#define LT_LINUX_SLL2 276

struct pkt {
	uint64_t ts_us;
	uint32_t len; /* IP bytes of the (reassembled) datagram */
	struct flow_key key; /* for ICMP echo, sport = dport = identifier */
	uint8_t tcp_flags;
	bool related; /* an ICMP error: key is the connection it is about,
			 as seen from its original sender */
	/* starts no connection: conntrack tracks no ICMPv6 but echoes, node
	 * information queries and errors (neighbour discovery and MLD are
	 * untracked, and never cross the router) */
	bool no_new;
	uint32_t tag; /* its connection table hash, once computed */
};

enum decode_result {
	DECODE_PACKET, /* *p holds a packet */
	DECODE_HELD, /* a fragment, held until its datagram is whole */
	DECODE_SKIP, /* not IP, or too short to tell */
};

#define FRAG_SLOTS 1024 /* datagrams being reassembled at once */
#define FRAG_TIMEOUT_US 30000000 /* net.ipv4.ipfrag_time */
#define FRAG_PIECES 48 /* fragments of one datagram told apart */

struct frag {
	bool used, have_first, have_last;
	uint8_t family, proto;
	uint8_t src[16], dst[16];
	uint32_t id;
	uint32_t got, total; /* payload bytes received, and expected */
	uint32_t hdrlen; /* of the first fragment's IP header */
	uint16_t seen[FRAG_PIECES]; /* offsets received, against duplicates */
	uint32_t nseen;
	uint64_t first_us;
	struct pkt first; /* tuple from the first fragment */
};

struct decoder {
	int linktype;
	struct frag frags[FRAG_SLOTS];
	uint64_t skipped, fragments, reassembled, frag_dropped;
	uint64_t last_us;
};

/* 0, or -EPROTONOSUPPORT for a link type the decoder does not read. */
int decoder_init(struct decoder *d, int linktype);
const char *decoder_linktype_name(int linktype);

enum decode_result decoder_decode(struct decoder *d, uint64_t ts_us,
				  const uint8_t *data, uint32_t caplen,
				  struct pkt *p);

#endif
