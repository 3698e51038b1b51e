// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "core/tuple.h"

static void test_parse(void **state)
{
	struct flow_key k;
	char err[128], buf[160];

	(void)state;
	assert_int_equal(tuple_parse("tcp", "192.0.2.1:1234", "198.51.100.2:80",
				     &k, err, sizeof(err)),
			 0);
	assert_int_equal(k.family, AF_INET);
	assert_int_equal(k.proto, 6);
	assert_int_equal(k.sport, 1234);
	assert_int_equal(k.dport, 80);
	tuple_format(&k, buf, sizeof(buf));
	assert_string_equal(buf, "tcp 192.0.2.1:1234 -> 198.51.100.2:80");

	assert_int_equal(tuple_parse("17", "[2001:db8::1]:53", "2001:db8::2",
				     &k, err, sizeof(err)),
			 0);
	assert_int_equal(k.family, AF_INET6);
	assert_int_equal(k.proto, 17);
	assert_int_equal(k.sport, 53);
	assert_int_equal(k.dport, 0);
	tuple_format(&k, buf, sizeof(buf));
	assert_string_equal(buf, "udp [2001:db8::1]:53 -> [2001:db8::2]:0");

	assert_int_equal(tuple_parse("icmp", "10.0.0.1", "10.0.0.2", &k, err,
				     sizeof(err)),
			 0);
	tuple_format(&k, buf, sizeof(buf));
	assert_string_equal(buf, "icmp 10.0.0.1 -> 10.0.0.2");
	assert_int_equal(tuple_parse("47", "10.0.0.1", "10.0.0.2", &k, err,
				     sizeof(err)),
			 0);
	tuple_format(&k, buf, sizeof(buf));
	assert_string_equal(buf, "47 10.0.0.1 -> 10.0.0.2");
}

static void test_parse6(void **state)
{
	const uint8_t mapped[16] = { [10] = 0xff, 0xff, 192, 0, 2, 1 };
	struct flow_key k;
	char err[128], buf[160];

	(void)state;
	assert_int_equal(tuple_parse("tcp", "[2001:db8::2]:40000",
				     "[2001:db8:ffff::7]:443", &k, err,
				     sizeof(err)),
			 0);
	assert_int_equal(k.family, AF_INET6);
	assert_int_equal(k.sport, 40000);
	assert_int_equal(k.dport, 443);
	assert_int_equal(k.src[15], 2);
	assert_int_equal(k.dst[5], 0xff);
	tuple_format(&k, buf, sizeof(buf));
	assert_string_equal(buf,
			    "tcp [2001:db8::2]:40000 -> [2001:db8:ffff::7]:443");

	/* what conntrack -L prints: compressed, no brackets without ports */
	assert_int_equal(tuple_parse("icmpv6", "2001:db8::1", "fe80::1", &k,
				     err, sizeof(err)),
			 0);
	assert_int_equal(k.proto, 58);
	tuple_format(&k, buf, sizeof(buf));
	assert_string_equal(buf, "icmpv6 2001:db8::1 -> fe80::1");
	assert_int_equal(tuple_parse("58", "[::1]", "[::2]", &k, err,
				     sizeof(err)),
			 0);

	/* a dotted quad in IPv6 is an address, not ADDRESS:PORT */
	assert_int_equal(tuple_parse("udp", "::ffff:192.0.2.1",
				     "[::ffff:198.51.100.2]:53", &k, err,
				     sizeof(err)),
			 0);
	assert_int_equal(k.family, AF_INET6);
	assert_memory_equal(k.src, mapped, 16);
	assert_int_equal(k.sport, 0);
	assert_int_equal(k.dport, 53);
}

static void test_errors(void **state)
{
	struct flow_key k;
	char err[128];

	(void)state;
	assert_int_equal(tuple_parse("tcpp", "1.2.3.4", "5.6.7.8", &k, err,
				     sizeof(err)),
			 -EINVAL);
	assert_string_equal(
		err,
		"\"tcpp\" is not a protocol (tcp, udp, icmp, ... or a number)");
	assert_int_equal(tuple_parse("256", "1.2.3.4", "5.6.7.8", &k, err,
				     sizeof(err)),
			 -EINVAL);
	assert_int_equal(tuple_parse("tcp", "1.2.3.4:65536", "5.6.7.8", &k, err,
				     sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "\"1.2.3.4:65536\" is not ADDRESS[:PORT]");
	assert_int_equal(tuple_parse("tcp", "1.2.3", "5.6.7.8", &k, err,
				     sizeof(err)),
			 -EINVAL);
	assert_int_equal(tuple_parse("tcp", "[::1", "5.6.7.8", &k, err,
				     sizeof(err)),
			 -EINVAL);
	assert_int_equal(tuple_parse("udp", "1.2.3.4", "::1", &k, err,
				     sizeof(err)),
			 -EINVAL);
	assert_string_equal(err,
			    "1.2.3.4 and ::1 are not of one address family");
	assert_int_equal(tuple_parse("icmp", "1.2.3.4:5", "5.6.7.8", &k, err,
				     sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "icmp has no ports");

	/* IPv6 */
	assert_int_equal(tuple_parse("tcp", "2001:db8::1:80", "[::1]:1", &k,
				     err, sizeof(err)),
			 0); /* no brackets: all of it is the address */
	assert_int_equal(k.sport, 0);
	assert_int_equal(tuple_parse("tcp", "[2001:db8::1]80", "::1", &k, err,
				     sizeof(err)),
			 -EINVAL);
	assert_int_equal(tuple_parse("tcp", "[2001:db8::1]:", "::1", &k, err,
				     sizeof(err)),
			 -EINVAL);
	assert_int_equal(tuple_parse("tcp", "[2001:db8::1]:65536", "::1", &k,
				     err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err,
			    "\"[2001:db8::1]:65536\" is not ADDRESS[:PORT]");
	assert_int_equal(tuple_parse("tcp", "[2001:db8::g]:1", "::1", &k, err,
				     sizeof(err)),
			 -EINVAL);
	assert_int_equal(tuple_parse("tcp", "::ffff:1.2.3.4:80", "::1", &k, err,
				     sizeof(err)),
			 -EINVAL);
	assert_int_equal(tuple_parse("tcp", "[fe80::1%eth0]:1", "::1", &k, err,
				     sizeof(err)),
			 -EINVAL);
	assert_int_equal(tuple_parse("icmpv6", "[::1]:1", "::2", &k, err,
				     sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "icmpv6 has no ports");
	/* each family's own ICMP */
	assert_int_equal(tuple_parse("icmp", "2001:db8::1", "2001:db8::2", &k,
				     err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "icmp is IPv4's ICMP: IPv6 has icmpv6");
	assert_int_equal(tuple_parse("58", "10.0.0.1", "10.0.0.2", &k, err,
				     sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "58 is IPv6's ICMP: IPv4 has icmp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse6),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
