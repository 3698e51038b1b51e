// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowpin explain's tuple on arbitrary text: "PROTO\nSRC\nDST" (split at
 * the first two newlines, the rest is DST). An accepted tuple is of one
 * family, with ports only where its protocol has them; its text fits any
 * buffer (cut short, it is a prefix of the whole) and reads back as the
 * same tuple; its flow hash is computable in every mode, and is the
 * kernel's jhash of its register image. A refused one says why.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "core/config.h"
#include "core/flowhash.h"
#include "core/tuple.h"
#include "fuzz/fuzz.h"

#define TEXT_MAX 160 /* udplite [v6]:65535 -> [v6]:65535, and more */

/* tuple_format into a heap buffer of exactly @size bytes. */
static char *format(const struct flow_key *k, size_t size)
{
	char *buf = malloc(size ? size : 1);

	FUZZ_CHECK(buf, "out of memory");
	tuple_format(k, buf, size);
	return buf;
}

/* "PROTO SRC -> DST", as tuple_format writes it, parsed back. */
static void check_round_trip(const struct flow_key *k, const char *text)
{
	char proto[32], src[80], dst[80], arrow[4], err[256];
	struct flow_key again;
	int n = sscanf(text, "%31s %79s %3s %79s", proto, src, arrow, dst);

	FUZZ_CHECK(n == 4 && !strcmp(arrow, "->"), "text \"%s\"", text);
	FUZZ_CHECK(tuple_parse(proto, src, dst, &again, err, sizeof(err)) == 0,
		   "\"%s\" does not read back: %s", text, err);
	FUZZ_CHECK(!memcmp(&again, k, sizeof(*k)),
		   "\"%s\" reads back otherwise", text);
}

static void check_hash(const struct flow_key *k)
{
	static const enum hash_mode modes[] = { HASH_L4, HASH_L3, HASH_SRC };
	size_t alen = k->family == AF_INET6 ? 16 : 4;
	struct inprefix any[2] = { { .len = 0 }, { .len = 1 } };

	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		uint8_t image[FLOWHASH_IMAGE_MAX];
		size_t len = flowhash_image(k, modes[m], image);
		uint32_t h = flowhash(k, modes[m], DEFAULT_SEED);
		size_t want = modes[m] == HASH_SRC ? alen :
			      modes[m] == HASH_L3  ? 2 * alen :
			      flowhash_proto_has_ports(k->proto) ?
						    2 * alen + 12 :
						    2 * alen + 4;

		FUZZ_CHECK(len == want && len <= FLOWHASH_IMAGE_MAX &&
				   len % 4 == 0,
			   "image of %zu bytes in mode %d", len, modes[m]);
		FUZZ_CHECK(h == kernel_jhash(image, (uint32_t)len,
					     DEFAULT_SEED),
			   "hash of the image");
		FUZZ_CHECK(flowhash_bucket(h, 65536) < 65536 &&
				   flowhash_bucket(h, 16) < 16,
			   "bucket of %u", h);
	}
	/* ::/1 and 8000::/1 hold every IPv6 source; /0 holds none */
	any[1].addr.b[0] = k->src[0] & 0x80;
	FUZZ_CHECK(flowhash_source_prefix(k, any, 2) ==
			   (k->family == AF_INET6 ? 1 : -1),
		   "source prefix");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *proto, *src, *dst, *nl;
	char err[256];
	struct flow_key k;
	int ret;

	FUZZ_CHECK(text, "out of memory");
	memcpy(text, data, size);
	text[size] = '\0';
	proto = text;
	nl = memchr(text, '\n', size);
	src = nl ? (*nl = '\0', nl + 1) : text + size;
	nl = nl ? memchr(src, '\n', size - (size_t)(src - text)) : NULL;
	dst = nl ? (*nl = '\0', nl + 1) : text + size;

	memset(err, 0x55, sizeof(err));
	ret = tuple_parse(proto, src, dst, &k, err, sizeof(err));
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL, "returned %d", ret);
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) && err[0],
			   "no message");
		/* a message cut short still ends */
		ret = tuple_parse(proto, src, dst, &k, err, 8);
		FUZZ_CHECK(ret == -EINVAL && strlen(err) < 8, "short message");
		free(text);
		return 0;
	}
	FUZZ_CHECK(k.family == AF_INET || k.family == AF_INET6, "family %d",
		   k.family);
	FUZZ_CHECK(flowhash_proto_has_ports(k.proto) || (!k.sport && !k.dport),
		   "ports for protocol %u", k.proto);
	FUZZ_CHECK(!(k.family == AF_INET && k.proto == IPPROTO_ICMPV6) &&
			   !(k.family == AF_INET6 && k.proto == IPPROTO_ICMP),
		   "ICMP of the other family");
	if (k.family == AF_INET)
		for (int i = 4; i < 16; i++)
			FUZZ_CHECK(!k.src[i] && !k.dst[i],
				   "IPv4 with 16 bytes");

	char *whole = format(&k, TEXT_MAX);
	size_t len = strlen(whole);

	FUZZ_CHECK(len + 1 < TEXT_MAX, "\"%s\" is %zu long", whole, len);
	for (size_t n = 0; n <= len + 1; n++) {
		char *cut = format(&k, n);

		if (n)
			FUZZ_CHECK(strlen(cut) == (n <= len ? n - 1 : len) &&
					   !strncmp(cut, whole, strlen(cut)),
				   "\"%s\" cut to %zu: \"%s\"", whole, n, cut);
		free(cut);
	}
	check_round_trip(&k, whole);
	check_hash(&k);
	free(whole);
	free(text);
	return 0;
}
