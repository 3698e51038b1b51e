// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "core/classify.h"

/* Policies 0 "default", 1 "voip", 2 "guests": only their indexes count. */
#define VOIP 1
#define GUESTS 2

static struct rule_prefix prefix(const char *s)
{
	struct rule_prefix p;

	assert_int_equal(inprefix_parse(s, &p.fam, &p.p), 0);
	return p;
}

/* "PROTO" number, addresses of either family, ports. */
static struct flow_key key(uint8_t proto, const char *src, uint16_t sport,
			   const char *dst, uint16_t dport)
{
	struct flow_key k = { .proto = proto, .sport = sport, .dport = dport };

	k.family = strchr(src, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(k.family, src, k.src), 1);
	assert_int_equal(inet_pton(k.family, dst, k.dst), 1);
	return k;
}

static struct config cfg(struct rule_config *rules, unsigned int n)
{
	return (struct config){ .rules = rules, .nrules = n, .npolicies = 3 };
}

/* No rule: everything is the default's. */
static void test_no_rules(void **state)
{
	struct config c = cfg(NULL, 0);
	struct flow_key k =
		key(IPPROTO_TCP, "192.168.1.2", 4000, "198.51.100.7", 443);
	int rule = 7;

	(void)state;
	assert_int_equal(classify_rule(&c, &k, "lan0"), -1);
	assert_int_equal(classify_policy(&c, &k, "lan0", &rule),
			 POLICY_DEFAULT);
	assert_int_equal(rule, -1);
	assert_int_equal(classify_policy(&c, &k, NULL, NULL), POLICY_DEFAULT);
}

/*
 * A rule of IPv4 prefixes matches no IPv6 connection and the other way
 * round; one that lists both families matches each by its own prefixes.
 */
static void test_families(void **state)
{
	struct rule_prefix v4[] = { prefix("192.168.1.0/24") },
			   v6[] = { prefix("fd00:1::/64") },
			   both[] = { prefix("10.0.0.0/8"),
				      prefix("2001:db8::/32") };
	struct rule_config r[] = {
		{ .src = v4, .nsrc = 1, .policy = VOIP },
		{ .src = v6, .nsrc = 1, .policy = GUESTS },
	};
	struct rule_config mixed[] = {
		{ .dst = both, .ndst = 2, .policy = RULE_POLICY_MAIN },
	};
	struct config c = cfg(r, 2), m = cfg(mixed, 1);
	struct flow_key k4 = key(IPPROTO_TCP, "192.168.1.2", 4000,
				 "198.51.100.7", 443),
			k4out = key(IPPROTO_TCP, "192.168.2.2", 4000,
				    "198.51.100.7", 443),
			k6 = key(IPPROTO_TCP, "fd00:1::2", 4000,
				 "2001:db8:ffff::7", 443),
			k6out = key(IPPROTO_TCP, "fd00:2::2", 4000,
				    "2001:db9::7", 443);
	int rule;

	(void)state;
	assert_int_equal(classify_policy(&c, &k4, "lan0", &rule), VOIP);
	assert_int_equal(rule, 0);
	assert_int_equal(classify_policy(&c, &k6, "lan0", &rule), GUESTS);
	assert_int_equal(rule, 1);
	assert_int_equal(classify_rule(&c, &k4out, "lan0"), -1);
	assert_int_equal(classify_rule(&c, &k6out, "lan0"), -1);

	/* 10/8 and 2001:db8::/32 as destinations: one rule, both families */
	assert_int_equal(classify_rule(&m, &k4, "lan0"), -1);
	assert_int_equal(classify_policy(&m, &k6, "lan0", &rule),
			 RULE_POLICY_MAIN);
	assert_int_equal(rule, 0);
	k4.dst[0] = 10;
	assert_int_equal(classify_rule(&m, &k4, "lan0"), 0);
	assert_int_equal(classify_rule(&m, &k6out, "lan0"), -1);

	/* an IPv4-mapped IPv6 address is IPv6: 10/8 does not hold it */
	k6 = key(IPPROTO_TCP, "fd00:1::2", 1, "::ffff:10.0.0.1", 443);
	assert_int_equal(classify_rule(&m, &k6, "lan0"), -1);
}

/* An IPv4 source list and an IPv6 destination list: no family has both. */
static void test_families_crossed(void **state)
{
	struct rule_prefix s4[] = { prefix("192.168.1.0/24") },
			   d6[] = { prefix("2001:db8::/32") };
	struct rule_config r[] = {
		{ .src = s4, .nsrc = 1, .dst = d6, .ndst = 1, .policy = VOIP },
	};
	struct config c = cfg(r, 1);
	struct flow_key k4 = key(IPPROTO_UDP, "192.168.1.2", 1, "192.0.2.1", 2),
			k6 = key(IPPROTO_UDP, "fd00::2", 1, "2001:db8::1", 2);

	(void)state;
	assert_int_equal(classify_rule(&c, &k4, "lan0"), -1);
	assert_int_equal(classify_rule(&c, &k6, "lan0"), -1);
}

/* Single ports and ranges, both of their ends; source and destination. */
static void test_ports(void **state)
{
	struct port_range dp[] = { { 53, 53 }, { 5060, 5080 } },
			  sp[] = { { 0, 1023 } }, top[] = { { 65535, 65535 } };
	uint8_t udp[] = { IPPROTO_UDP };
	struct rule_config r[] = {
		{ .dport = dp,
		  .ndport = 2,
		  .proto = udp,
		  .nproto = 1,
		  .policy = VOIP },
		{ .sport = sp, .nsport = 1, .policy = GUESTS },
		{ .dport = top, .ndport = 1, .policy = RULE_POLICY_MAIN },
	};
	struct config c = cfg(r, 3);
	static const struct {
		uint8_t proto;
		uint16_t sport, dport;
		int rule;
	} cases[] = {
		{ IPPROTO_UDP, 40000, 53, 0 },
		{ IPPROTO_UDP, 40000, 52, -1 },
		{ IPPROTO_UDP, 40000, 54, -1 },
		{ IPPROTO_UDP, 40000, 5059, -1 },
		{ IPPROTO_UDP, 40000, 5060, 0 },
		{ IPPROTO_UDP, 40000, 5070, 0 },
		{ IPPROTO_UDP, 40000, 5080, 0 },
		{ IPPROTO_UDP, 40000, 5081, -1 },
		/* udp only: tcp to 53 is not the first rule's */
		{ IPPROTO_TCP, 40000, 53, -1 },
		/* sources 0..1023, any protocol with ports */
		{ IPPROTO_TCP, 0, 80, 1 },
		{ IPPROTO_SCTP, 1023, 80, 1 },
		{ IPPROTO_TCP, 1024, 80, -1 },
		/* the first rule before the second: both match */
		{ IPPROTO_UDP, 100, 53, 0 },
		{ IPPROTO_DCCP, 40000, 65535, 2 },
		{ IPPROTO_UDPLITE, 40000, 65534, -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct flow_key k = key(cases[i].proto, "192.168.1.2",
					cases[i].sport, "192.0.2.1",
					cases[i].dport);

		assert_int_equal(classify_rule(&c, &k, "lan0"), cases[i].rule);
	}
}

/*
 * A protocol without ports never matches a rule with ports, whatever its
 * key holds there (ICMP echo: its identifier); it matches one without.
 */
static void test_proto_without_ports(void **state)
{
	struct port_range any[] = { { 0, 65535 } };
	uint8_t icmps[] = { IPPROTO_ICMP, IPPROTO_ICMPV6 }, gre[] = { 47 };
	struct rule_config r[] = {
		{ .dport = any, .ndport = 1, .policy = VOIP },
		{ .sport = any,
		  .nsport = 1,
		  .proto = icmps,
		  .nproto = 2,
		  .policy = VOIP },
		{ .proto = gre, .nproto = 1, .policy = GUESTS },
		{ .proto = icmps, .nproto = 2, .policy = RULE_POLICY_MAIN },
	};
	struct config c = cfg(r, 4);
	struct flow_key icmp = key(IPPROTO_ICMP, "192.168.1.2", 7, "192.0.2.1",
				   7),
			icmp6 = key(IPPROTO_ICMPV6, "fd00::2", 7, "2001:db8::1",
				    7),
			g = key(47, "192.168.1.2", 0, "192.0.2.1", 0),
			tcp = key(IPPROTO_TCP, "192.168.1.2", 1, "192.0.2.1",
				  2);
	int rule;

	(void)state;
	assert_int_equal(classify_policy(&c, &icmp, "lan0", &rule),
			 RULE_POLICY_MAIN);
	assert_int_equal(rule, 3);
	assert_int_equal(classify_rule(&c, &icmp6, "lan0"), 3);
	assert_int_equal(classify_policy(&c, &g, "lan0", &rule), GUESTS);
	assert_int_equal(rule, 2);
	assert_int_equal(classify_rule(&c, &tcp, "lan0"), 0);
}

/* lan: the input interface; the router's own connections have none. */
static void test_lan(void **state)
{
	char lans[][IF_NAMESIZE] = { "lan1", "wlan0" };
	struct rule_config r[] = {
		{ .lan = lans, .nlan = 2, .policy = GUESTS },
		{ .policy = VOIP }, /* everything else */
	};
	struct config c = cfg(r, 2);
	struct flow_key k = key(IPPROTO_TCP, "192.168.1.2", 1, "192.0.2.1", 2);
	int rule;

	(void)state;
	assert_int_equal(classify_policy(&c, &k, "lan1", &rule), GUESTS);
	assert_int_equal(rule, 0);
	assert_int_equal(classify_rule(&c, &k, "wlan0"), 0);
	assert_int_equal(classify_policy(&c, &k, "lan0", &rule), VOIP);
	assert_int_equal(rule, 1);
	/* a prefix of a name is another name */
	assert_int_equal(classify_rule(&c, &k, "lan"), 1);
	assert_int_equal(classify_rule(&c, &k, "lan10"), 1);
	assert_int_equal(classify_policy(&c, &k, NULL, &rule), VOIP);
	assert_int_equal(rule, 1);
	assert_int_equal(classify_rule(&c, &k, ""), 1);
}

/*
 * Every list must hold the connection's value: one that misses in any
 * list goes on to the next rule. The first that matches decides, even
 * for policy = main.
 */
static void test_first_match(void **state)
{
	struct rule_prefix lan[] = { prefix("192.168.1.0/24"),
				     prefix("fd00:1::/64") },
			   host[] = { prefix("192.168.1.9/32") },
			   dst[] = { prefix("198.51.100.0/24") };
	struct port_range https[] = { { 443, 443 } };
	uint8_t tcp[] = { IPPROTO_TCP };
	char lans[][IF_NAMESIZE] = { "lan0" };
	struct rule_config r[] = {
		{ .src = host, .nsrc = 1, .policy = RULE_POLICY_MAIN },
		{ .src = lan,
		  .nsrc = 2,
		  .dst = dst,
		  .ndst = 1,
		  .proto = tcp,
		  .nproto = 1,
		  .dport = https,
		  .ndport = 1,
		  .lan = lans,
		  .nlan = 1,
		  .policy = VOIP },
		{ .src = lan, .nsrc = 2, .policy = GUESTS },
	};
	struct config c = cfg(r, 3);
	struct flow_key k = key(IPPROTO_TCP, "192.168.1.2", 40000,
				"198.51.100.7", 443),
			miss;
	int rule;

	(void)state;
	assert_int_equal(classify_policy(&c, &k, "lan0", &rule), VOIP);
	assert_int_equal(rule, 1);
	/* each field in turn off the second rule's lists: the third's */
	miss = k;
	miss.dport = 80;
	assert_int_equal(classify_rule(&c, &miss, "lan0"), 2);
	miss = k;
	miss.proto = IPPROTO_UDP;
	assert_int_equal(classify_rule(&c, &miss, "lan0"), 2);
	miss = k;
	miss.dst[2] = 99;
	assert_int_equal(classify_rule(&c, &miss, "lan0"), 2);
	assert_int_equal(classify_rule(&c, &k, "lan1"), 2);
	assert_int_equal(classify_rule(&c, &k, NULL), 2);
	/* the host of the first rule: main, though the others match too */
	k.src[3] = 9;
	assert_int_equal(classify_policy(&c, &k, "lan0", &rule),
			 RULE_POLICY_MAIN);
	assert_int_equal(rule, 0);
	/* outside every source list: the default */
	k.src[2] = 2;
	assert_int_equal(classify_policy(&c, &k, "lan0", &rule),
			 POLICY_DEFAULT);
	assert_int_equal(rule, -1);
}

/* A key of no known family matches nothing, not even an empty rule. */
static void test_no_family(void **state)
{
	struct rule_config r[] = { { .policy = VOIP } };
	struct config c = cfg(r, 1);
	struct flow_key k = { .family = AF_UNIX };
	int rule;

	(void)state;
	assert_int_equal(classify_policy(&c, &k, "lan0", &rule),
			 POLICY_DEFAULT);
	assert_int_equal(rule, -1);
}

static void test_last_resort_names(void **state)
{
	enum last_resort r;

	(void)state;
	for (r = LAST_RESORT_MAIN; r <= LAST_RESORT_BLACKHOLE; r++) {
		enum last_resort back = LAST_RESORT_MAIN;

		assert_int_equal(last_resort_parse(last_resort_name(r), &back),
				 0);
		assert_int_equal(back, r);
	}
	assert_string_equal(last_resort_name(LAST_RESORT_UNREACHABLE),
			    "unreachable");
	assert_int_equal(last_resort_parse("drop", &r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_rules),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_families_crossed),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_proto_without_ports),
		cmocka_unit_test(test_lan),
		cmocka_unit_test(test_first_match),
		cmocka_unit_test(test_no_family),
		cmocka_unit_test(test_last_resort_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
