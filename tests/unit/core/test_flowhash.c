// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "core/flowhash.h"
#include "core/inaddr.h"

/*
 * Vectors read back from Linux 6.18: an nftables rule
 *   ct mark set jhash FIELDS mod MOD seed SEED
 * on locally sent traffic, the mark read with conntrack -L. FIELDS are the
 * ones flowpin's rule hashes for the mode and family (see
 * flowhash_image()): "ip saddr . ip daddr ..." in an ip table, "ip6 saddr
 * . ip6 daddr ..." in an inet table for IPv6 (its sources chosen by the
 * destination's prefix, from several on the interface).
 * tests/system/test_hash_kernel.sh repeats this live on every run.
 */
struct vector {
	const char *mode;
	uint8_t proto;
	const char *src;
	uint16_t sport;
	const char *dst;
	uint16_t dport;
	uint32_t seed, mod, value;
};

static const struct vector kernel_vectors[] = {
	{ "l4", 17, "10.0.0.1", 51000, "10.0.0.110", 4242, 0x12345678,
	  4294967295, 3616165430 },
	{ "l4", 17, "10.0.0.1", 51001, "10.0.0.110", 4242, 0x12345678,
	  4294967295, 1387053027 },
	{ "l4", 17, "10.0.0.1", 51002, "10.0.0.110", 4242, 0x12345678,
	  4294967295, 1915791164 },
	{ "l4", 6, "10.0.0.1", 33001, "10.0.0.77", 443, 0, 1024, 360 },
	{ "l4", 6, "10.0.0.1", 33002, "10.0.0.77", 443, 0, 1024, 651 },
	{ "l4", 6, "10.0.0.1", 33000, "10.0.0.77", 443, 0, 1024, 246 },
	{ "l4", 17, "10.0.0.1", 51001, "10.0.0.72", 4242, 0x666c6f77, 1024,
	  284 },
	{ "l4", 17, "10.0.0.1", 51002, "10.0.0.72", 4242, 0x666c6f77, 1024,
	  331 },
	{ "l4", 17, "10.0.0.1", 51000, "10.0.0.72", 4242, 0x666c6f77, 1024,
	  553 },
	{ "l4", 6, "10.0.0.1", 33001, "10.0.0.77", 443, 0xdeadbeef, 4294967295,
	  1544637044 },
	{ "l4", 6, "10.0.0.1", 33002, "10.0.0.77", 443, 0xdeadbeef, 4294967295,
	  1509518834 },
	{ "l4", 6, "10.0.0.1", 33000, "10.0.0.77", 443, 0xdeadbeef, 4294967295,
	  3668709226 },
	{ "l3", 17, "10.0.0.1", 51001, "10.0.0.178", 4242, 0x666c6f77,
	  4294967295, 2955578801 },
	{ "l3", 17, "10.0.0.1", 51000, "10.0.0.178", 4242, 0x666c6f77,
	  4294967295, 2955578801 },
	{ "l3", 17, "10.0.0.1", 51002, "10.0.0.178", 4242, 0x666c6f77,
	  4294967295, 2955578801 },
	{ "l3", 6, "10.0.0.1", 33001, "10.0.0.77", 443, 7, 1000, 677 },
	{ "l3", 6, "10.0.0.1", 33002, "10.0.0.77", 443, 7, 1000, 677 },
	{ "l3", 6, "10.0.0.1", 33000, "10.0.0.77", 443, 7, 1000, 677 },
	{ "src", 17, "10.0.0.1", 51002, "10.0.0.102", 4242, 0x666c6f77,
	  4294967295, 1184393758 },
	{ "src", 17, "10.0.0.1", 51000, "10.0.0.102", 4242, 0x666c6f77,
	  4294967295, 1184393758 },
	{ "src", 17, "10.0.0.1", 51001, "10.0.0.102", 4242, 0x666c6f77,
	  4294967295, 1184393758 },
	{ "src", 6, "10.0.0.1", 33001, "10.0.0.77", 443, 99, 64, 13 },
	{ "src", 6, "10.0.0.1", 33002, "10.0.0.77", 443, 99, 64, 13 },
	{ "src", 6, "10.0.0.1", 33000, "10.0.0.77", 443, 99, 64, 13 },
	{ "l4", 1, "10.0.0.1", 0, "10.0.0.9", 0, 0x666c6f77, 4294967295,
	  195929848 },
	{ "l4", 1, "10.0.0.1", 0, "10.0.0.200", 0, 5, 1024, 683 },
	/* IPv6: images of 16 (src), 32 (l3), 36 (l4, a last block of 12
	 * bytes) and 44 bytes */
	{ "l4", 6, "2001:db8:1::1", 35194, "2001:db8:1::1753:76ac", 443,
	  0x12345678, 4294967295, 122810097 },
	{ "l4", 6, "2001:db8:1::1", 54608, "2001:db8:1::27b5:5ad3", 443,
	  0x12345678, 4294967295, 3764345912 },
	{ "l4", 6, "2001:db8:ffff:ab00::42", 53138,
	  "2001:db8:ffff:ab00::7ddc:3ea0", 443, 0x12345678, 4294967295,
	  2728026343 },
	{ "l4", 17, "2001:db8:1::1", 57448, "2001:db8:1::20ef:3bca", 4242,
	  0x666c7777, 4294967295, 2574447628 },
	{ "l4", 17, "2001:db8:3::1", 47474, "2001:db8:3::2373:1502", 4242,
	  0x666c7777, 4294967295, 1311804777 },
	{ "l4", 17, "2001:db8:ffff:ab00::42", 44376,
	  "2001:db8:ffff:ab00::61d5:e8d", 4242, 0x666c7777, 4294967295,
	  1325338766 },
	{ "l4", 58, "2001:db8:1::1", 0, "2001:db8:1::3b14:56d3", 0, 0x666c7777,
	  4294967295, 265686127 },
	{ "l4", 58, "2001:db8:1::1", 0, "2001:db8:1::2d17:b8e", 0, 0x666c7777,
	  4294967295, 1511963305 },
	{ "l4", 6, "2001:db8:4::1", 40752, "2001:db8:4::2488:6402", 443,
	  0xdeadbeef, 1024, 693 },
	{ "l4", 6, "2001:db8:4::1", 32916, "2001:db8:4::78ae:392b", 443,
	  0xdeadbeef, 1024, 276 },
	{ "l4", 6, "2001:db8:2::1", 59448, "2001:db8:2::1aa9:282a", 443,
	  0xdeadbeef, 1024, 975 },
	{ "l4", 17, "2001:db8:2::1", 45329, "2001:db8:2::5712:6062", 4242, 0,
	  1024, 629 },
	{ "l4", 17, "2001:db8:1::1", 41730, "2001:db8:1::78b1:eeb", 4242, 0,
	  1024, 642 },
	{ "l4", 17, "2001:db8:ffff:ab00::42", 45210,
	  "2001:db8:ffff:ab00::5e2f:63b5", 4242, 0, 1024, 423 },
	{ "l4", 58, "2001:db8:4::1", 0, "2001:db8:4::7de5:7d92", 0, 5, 1024,
	  60 },
	{ "l4", 58, "2001:db8:ffff:ab00::42", 0,
	  "2001:db8:ffff:ab00::1c7c:35c8", 0, 5, 1024, 13 },
	{ "l3", 6, "2001:db8:4::1", 48282, "2001:db8:4::1fd0:3228", 443,
	  0x666c7777, 4294967295, 1422778893 },
	{ "l3", 6, "2001:db8:2::1", 49140, "2001:db8:2::b76:3093", 443,
	  0x666c7777, 4294967295, 4022511990 },
	{ "l3", 6, "2001:db8:ffff:ab00::42", 43690,
	  "2001:db8:ffff:ab00::3370:6e25", 443, 0x666c7777, 4294967295,
	  3879464388 },
	{ "l3", 17, "2001:db8:2::1", 37340, "2001:db8:2::46f4:5088", 4242, 7,
	  1000, 84 },
	{ "l3", 17, "2001:db8:4::1", 53725, "2001:db8:4::18cf:2af4", 4242, 7,
	  1000, 592 },
	{ "l3", 17, "2001:db8:ffff:ab00::42", 51498,
	  "2001:db8:ffff:ab00::65fd:74ab", 4242, 7, 1000, 306 },
	{ "l3", 58, "2001:db8:3::1", 0, "2001:db8:3::30f4:4e1f", 0, 7, 1000,
	  293 },
	{ "l3", 58, "2001:db8:2::1", 0, "2001:db8:2::f1e:2dca", 0, 7, 1000,
	  104 },
	{ "src", 6, "2001:db8:4::1", 40760, "2001:db8:4::3b0b:484e", 443,
	  0x666c7777, 4294967295, 2091337728 },
	{ "src", 6, "2001:db8:4::1", 35558, "2001:db8:4::6fec:3dda", 443,
	  0x666c7777, 4294967295, 2091337728 },
	{ "src", 6, "2001:db8:ffff:ab00::42", 54246,
	  "2001:db8:ffff:ab00::354:2139", 443, 0x666c7777, 4294967295,
	  1737284540 },
	{ "src", 17, "2001:db8:ffff:ab00::42", 50628,
	  "2001:db8:ffff:ab00::eb6:53b6", 4242, 99, 64, 36 },
	{ "src", 17, "2001:db8:1::1", 46008, "2001:db8:1::4776:6544", 4242, 99,
	  64, 62 },
	{ "src", 17, "2001:db8:3::1", 38202, "2001:db8:3::5311:7dce", 4242, 99,
	  64, 18 },
	{ "src", 58, "2001:db8:4::1", 0, "2001:db8:4::67e5:213", 0, 99, 64,
	  49 },
	{ "src", 58, "2001:db8:ffff:ab00::42", 0,
	  "2001:db8:ffff:ab00::5005:614e", 0, 99, 64, 36 },
};

/* A key of the family of its addresses. */
static struct flow_key key(uint8_t proto, const char *src, uint16_t sport,
			   const char *dst, uint16_t dport)
{
	struct flow_key k = { .family = strchr(src, ':') ? AF_INET6 : AF_INET,
			      .proto = proto };

	assert_int_equal(inet_pton(k.family, src, k.src), 1);
	assert_int_equal(inet_pton(k.family, dst, k.dst), 1);
	k.sport = sport;
	k.dport = dport;
	return k;
}

static void test_kernel_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kernel_vectors) / sizeof(*kernel_vectors);
	     i++) {
		const struct vector *v = &kernel_vectors[i];
		struct flow_key k =
			key(v->proto, v->src, v->sport, v->dst, v->dport);
		enum hash_mode mode;

		assert_int_equal(hash_mode_parse(v->mode, &mode), 0);
		if (reciprocal_scale(flowhash(&k, mode, v->seed), v->mod) !=
		    v->value)
			fail_msg("vector %zu does not match the kernel", i);
	}
}

/* Bob Jenkins' lookup3 self-test values: the kernel's jhash is hashlittle. */
static void test_lookup3(void **state)
{
	const char *s = "Four score and seven years ago";

	(void)state;
	assert_int_equal(kernel_jhash("", 0, 0), 0xdeadbeef);
	assert_int_equal(kernel_jhash(s, 30, 0), 0x17770551);
	assert_int_equal(kernel_jhash(s, 30, 1), 0xcd628161);
}

/* The register image: 4-byte aligned fields, zero padding. */
static void test_image_layout(void **state)
{
	struct flow_key k = key(6, "192.0.2.1", 0x1234, "198.51.100.2", 443);
	uint8_t img[FLOWHASH_IMAGE_MAX];
	const uint8_t l4[] = { 192, 0, 2,    1,	   198, 51, 100,  2,	6, 0,
			       0,   0, 0x12, 0x34, 0,	0,  0x01, 0xbb, 0, 0 };

	(void)state;
	assert_int_equal(flowhash_image(&k, HASH_L4, img), 20);
	assert_memory_equal(img, l4, 20);
	assert_int_equal(flowhash_image(&k, HASH_L3, img), 8);
	assert_int_equal(flowhash_image(&k, HASH_SRC, img), 4);

	k.proto = 1; /* no ports: the l4 image stops after the protocol */
	assert_int_equal(flowhash_image(&k, HASH_L4, img), 12);

	/* IPv6: two 16-byte addresses, then the same 4-byte registers */
	struct flow_key k6 =
		key(17, "2001:db8::1", 0x1234, "2001:db8:ffff::7", 53);
	uint8_t l4v6[44] = { 0 };

	memcpy(l4v6, k6.src, 16);
	memcpy(l4v6 + 16, k6.dst, 16);
	l4v6[32] = 17;
	l4v6[36] = 0x12;
	l4v6[37] = 0x34;
	l4v6[41] = 53;
	assert_int_equal(flowhash_image(&k6, HASH_L4, img), 44);
	assert_memory_equal(img, l4v6, 44);
	assert_int_equal(flowhash_image(&k6, HASH_L3, img), 32);
	assert_memory_equal(img, l4v6, 32);
	assert_int_equal(flowhash_image(&k6, HASH_SRC, img), 16);
	k6.proto = 58; /* icmpv6: no ports */
	assert_int_equal(flowhash_image(&k6, HASH_L4, img), 36);
	assert_int_equal(img[32], 58);
}

/* pick6's first rule: the source's prefix, before any hash. */
static void test_source_prefix(void **state)
{
	struct inprefix p[3] = { 0 };
	enum fam f;
	struct flow_key k;

	(void)state;
	/* p[0]: a link without prefix6 (length 0) holds nothing */
	assert_int_equal(inprefix_parse("2001:db8:1::/48", &f, &p[1]), 0);
	assert_int_equal(inprefix_parse("2001:db8:2:8000::/49", &f, &p[2]), 0);
	k = key(6, "2001:db8:1:ffff::2", 40000, "2001:db8:ffff::7", 443);
	assert_int_equal(flowhash_source_prefix(&k, p, 3), 1);
	k = key(6, "2001:db8:2:8000::2", 40000, "2001:db8:ffff::7", 443);
	assert_int_equal(flowhash_source_prefix(&k, p, 3), 2);
	k = key(6, "2001:db8:2:7fff::2", 40000, "2001:db8:ffff::7", 443);
	assert_int_equal(flowhash_source_prefix(&k, p, 3), -1);
	/* the destination does not count */
	k = key(6, "2001:db8:9::2", 40000, "2001:db8:1::7", 443);
	assert_int_equal(flowhash_source_prefix(&k, p, 3), -1);
	assert_int_equal(flowhash_source_prefix(&k, p, 0), -1);
	/* IPv4 has no such rule, whatever its bytes */
	k = key(6, "32.1.13.184", 40000, "10.0.0.1", 443);
	assert_int_equal(flowhash_source_prefix(&k, p, 3), -1);
}

static void test_ports_protocols(void **state)
{
	(void)state;
	assert_true(flowhash_proto_has_ports(6));
	assert_true(flowhash_proto_has_ports(17));
	assert_true(flowhash_proto_has_ports(132));
	assert_true(flowhash_proto_has_ports(33));
	assert_true(flowhash_proto_has_ports(136));
	assert_false(flowhash_proto_has_ports(1));
	assert_false(flowhash_proto_has_ports(47));
}

static void test_reciprocal_scale(void **state)
{
	(void)state;
	assert_int_equal(reciprocal_scale(0, 1024), 0);
	assert_int_equal(reciprocal_scale(0xffffffff, 1024), 1023);
	assert_int_equal(reciprocal_scale(0x80000000, 3), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_vectors),
		cmocka_unit_test(test_lookup3),
		cmocka_unit_test(test_image_layout),
		cmocka_unit_test(test_source_prefix),
		cmocka_unit_test(test_ports_protocols),
		cmocka_unit_test(test_reciprocal_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
