/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The flow hash exactly as the kernel computes it for flowpin's nftables
 * rule: nft_jhash over the register image of the hashed fields, scaled to
 * the bucket count with reciprocal_scale(). Both families, every mode,
 * checked against the live kernel (tests/system/test_hash_kernel.sh).
 */
#ifndef FLOWPIN_FLOWHASH_H
#define FLOWPIN_FLOWHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/inaddr.h"

enum hash_mode {
	HASH_L4, /* saddr, daddr, protocol, ports (where the protocol has ports)
		  */
	HASH_L3, /* saddr, daddr */
	HASH_SRC, /* saddr */
};

struct flow_key {
	int family; /* AF_INET or AF_INET6 */
	uint8_t proto; /* IPPROTO_* */
	uint8_t src[16], dst[16]; /* network byte order; IPv4 uses 4 bytes */
	uint16_t sport, dport; /* host byte order */
};

/* The largest register image a rule can hash (IPv6, l4). */
#define FLOWHASH_IMAGE_MAX 44

const char *hash_mode_name(enum hash_mode mode);
int hash_mode_parse(const char *s, enum hash_mode *mode);

/* True for the protocols whose ports nftables' "th" expression hashes. */
bool flowhash_proto_has_ports(uint8_t proto);

/* The kernel's jhash() (include/linux/jhash.h), native byte order. */
uint32_t kernel_jhash(const void *key, uint32_t length, uint32_t initval);

/* The kernel's reciprocal_scale(): maps a 32-bit value to [0, range). */
static inline uint32_t reciprocal_scale(uint32_t val, uint32_t range)
{
	return (uint32_t)(((uint64_t)val * range) >> 32);
}

/*
 * Lay out the hashed fields of @key the way nftables loads them into
 * registers: each field starts on a 4-byte boundary and is zero-padded.
 * Returns the image length in bytes.
 */
size_t flowhash_image(const struct flow_key *key, enum hash_mode mode,
		      uint8_t image[FLOWHASH_IMAGE_MAX]);

/* jhash of the register image: the value before scaling. */
uint32_t flowhash(const struct flow_key *key, enum hash_mode mode,
		  uint32_t seed);

/* The bucket the kernel looks up for @key in a table of @nbuckets. */
static inline uint32_t flowhash_bucket(uint32_t hash, uint32_t nbuckets)
{
	return reciprocal_scale(hash, nbuckets);
}

/*
 * The rule before the IPv6 hash ("ip6 saddr vmap @sources6"): the index
 * of the first of the @n IPv6 prefixes that holds @key's source, or -1
 * (IPv4 keys too). An entry of length 0 holds nothing: a link without
 * prefix6.
 */
int flowhash_source_prefix(const struct flow_key *key,
			   const struct inprefix *prefix, unsigned int n);

#endif
