// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "core/flowhash.h"

static const char *const mode_names[] = {
	[HASH_L4] = "l4",
	[HASH_L3] = "l3",
	[HASH_SRC] = "src",
};

const char *hash_mode_name(enum hash_mode mode)
{
	return mode_names[mode];
}

int hash_mode_parse(const char *s, enum hash_mode *mode)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]);
	     i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			*mode = (enum hash_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

bool flowhash_proto_has_ports(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		return true;
	default:
		return false;
	}
}

static inline uint32_t rol32(uint32_t word, unsigned int shift)
{
	return (word << shift) | (word >> ((-shift) & 31));
}

#define JHASH_INITVAL 0xdeadbeef

#define jhash_mix(a, b, c)         \
	{                          \
		a -= c;            \
		a ^= rol32(c, 4);  \
		c += b;            \
		b -= a;            \
		b ^= rol32(a, 6);  \
		a += c;            \
		c -= b;            \
		c ^= rol32(b, 8);  \
		b += a;            \
		a -= c;            \
		a ^= rol32(c, 16); \
		c += b;            \
		b -= a;            \
		b ^= rol32(a, 19); \
		a += c;            \
		c -= b;            \
		c ^= rol32(b, 4);  \
		b += a;            \
	}

#define jhash_final(a, b, c)       \
	{                          \
		c ^= b;            \
		c -= rol32(b, 14); \
		a ^= c;            \
		a -= rol32(c, 11); \
		b ^= a;            \
		b -= rol32(a, 25); \
		c ^= b;            \
		c -= rol32(b, 16); \
		a ^= c;            \
		a -= rol32(c, 4);  \
		b ^= a;            \
		b -= rol32(a, 14); \
		c ^= b;            \
		c -= rol32(b, 24); \
	}

static inline uint32_t load_cpu32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

uint32_t kernel_jhash(const void *key, uint32_t length, uint32_t initval)
{
	const uint8_t *k = key;
	uint32_t a, b, c;

	a = b = c = JHASH_INITVAL + length + initval;

	while (length > 12) {
		a += load_cpu32(k);
		b += load_cpu32(k + 4);
		c += load_cpu32(k + 8);
		jhash_mix(a, b, c);
		length -= 12;
		k += 12;
	}

	/* The tail is read byte by byte, least significant first. */
	switch (length) {
	case 12:
		c += (uint32_t)k[11] << 24;
		/* fallthrough */
	case 11:
		c += (uint32_t)k[10] << 16;
		/* fallthrough */
	case 10:
		c += (uint32_t)k[9] << 8;
		/* fallthrough */
	case 9:
		c += k[8];
		/* fallthrough */
	case 8:
		b += (uint32_t)k[7] << 24;
		/* fallthrough */
	case 7:
		b += (uint32_t)k[6] << 16;
		/* fallthrough */
	case 6:
		b += (uint32_t)k[5] << 8;
		/* fallthrough */
	case 5:
		b += k[4];
		/* fallthrough */
	case 4:
		a += (uint32_t)k[3] << 24;
		/* fallthrough */
	case 3:
		a += (uint32_t)k[2] << 16;
		/* fallthrough */
	case 2:
		a += (uint32_t)k[1] << 8;
		/* fallthrough */
	case 1:
		a += k[0];
		jhash_final(a, b, c);
		break;
	case 0:
		break;
	}
	return c;
}

size_t flowhash_image(const struct flow_key *key, enum hash_mode mode,
		      uint8_t image[FLOWHASH_IMAGE_MAX])
{
	size_t alen = key->family == AF_INET6 ? 16 : 4;
	size_t len = 0;

	memset(image, 0, FLOWHASH_IMAGE_MAX);
	memcpy(image, key->src, alen);
	len += alen;
	if (mode == HASH_SRC)
		return len;

	memcpy(image + len, key->dst, alen);
	len += alen;
	if (mode == HASH_L3)
		return len;

	/* meta l4proto: one byte in a zeroed 32-bit register */
	image[len] = key->proto;
	len += 4;
	if (!flowhash_proto_has_ports(key->proto))
		return len;

	/* th sport, th dport: two bytes in network order, zero-padded */
	image[len] = key->sport >> 8;
	image[len + 1] = key->sport & 0xff;
	len += 4;
	image[len] = key->dport >> 8;
	image[len + 1] = key->dport & 0xff;
	len += 4;
	return len;
}

uint32_t flowhash(const struct flow_key *key, enum hash_mode mode,
		  uint32_t seed)
{
	uint8_t image[FLOWHASH_IMAGE_MAX];
	size_t len = flowhash_image(key, mode, image);

	return kernel_jhash(image, (uint32_t)len, seed);
}

int flowhash_source_prefix(const struct flow_key *key,
			   const struct inprefix *prefix, unsigned int n)
{
	union inaddr src;

	if (key->family != AF_INET6)
		return -1;
	memcpy(src.b, key->src, sizeof(src.b));
	for (unsigned int i = 0; i < n; i++)
		if (prefix[i].len && inprefix_holds(FAM_IPV6, &prefix[i], &src))
			return (int)i;
	return -1;
}
