// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "core/flowhash.h"

/*
 * Vectors read back from Linux 6.18: an nftables rule
 *   ct mark set jhash FIELDS mod MOD seed SEED
 * on locally sent traffic, the mark read with conntrack -L. FIELDS are the
 * ones flowpin's rule hashes for the mode (see flowhash_image()).
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
};

static struct flow_key key4(uint8_t proto, const char *src, uint16_t sport,
			    const char *dst, uint16_t dport)
{
	struct flow_key k = { .family = AF_INET, .proto = proto };

	assert_int_equal(inet_pton(AF_INET, src, k.src), 1);
	assert_int_equal(inet_pton(AF_INET, dst, k.dst), 1);
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
			key4(v->proto, v->src, v->sport, v->dst, v->dport);
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
	struct flow_key k = key4(6, "192.0.2.1", 0x1234, "198.51.100.2", 443);
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

	struct flow_key k6 = { .family = AF_INET6, .proto = 17 };

	assert_int_equal(flowhash_image(&k6, HASH_L4, img), 44);
	assert_int_equal(flowhash_image(&k6, HASH_L3, img), 32);
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
		cmocka_unit_test(test_ports_protocols),
		cmocka_unit_test(test_reciprocal_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
