// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <cmocka.h>

#include "core/routing.h"

static union inaddr a4(const char *s)
{
	union inaddr a = { 0 };

	assert_int_equal(inet_pton(AF_INET, s, &a.v4), 1);
	return a;
}

static union inaddr a6(const char *s)
{
	union inaddr a = { 0 };

	assert_int_equal(inet_pton(AF_INET6, s, &a.v6), 1);
	return a;
}

#define assert_addr(f, a, text)                                       \
	do {                                                          \
		char buf_[INADDR_STRLEN];                             \
		assert_string_equal(inaddr_str(f, &(a), buf_), text); \
	} while (0)

static struct link_config eth_link(void)
{
	struct link_config l = { .name = "wan1",
				 .ifname = "eth1",
				 .has_gateway = { true },
				 .weight = 1,
				 .tier = 1 };

	l.gateway[FAM_IPV4] = a4("10.1.0.1");
	return l;
}

static struct iface eth_iface(void)
{
	struct iface ifc = { .index = 7, .flags = IFF_UP | IFF_RUNNING };

	ifc.addr[0] =
		(struct iface_addr){ .local = a4("10.1.0.2"), .plen = 30 };
	ifc.naddr = 1;
	return ifc;
}

static void test_usable(void **state)
{
	struct link_config l = eth_link();
	struct iface ifc = eth_iface();
	char why[96];

	(void)state;
	assert_true(routing_link_usable(&l, FAM_IPV4, &ifc, NULL, why,
					sizeof(why)));
	assert_string_equal(why, "");

	ifc.flags = IFF_UP; /* no carrier */
	assert_false(routing_link_usable(&l, FAM_IPV4, &ifc, NULL, why,
					 sizeof(why)));
	assert_string_equal(why, "interface eth1 has no carrier");

	ifc = eth_iface();
	ifc.naddr = 0;
	assert_false(routing_link_usable(&l, FAM_IPV4, &ifc, NULL, why,
					 sizeof(why)));
	assert_string_equal(why, "interface eth1 has no IPv4 address");

	ifc = eth_iface();
	l.gateway[FAM_IPV4] = a4("10.9.0.1");
	assert_false(routing_link_usable(&l, FAM_IPV4, &ifc, NULL, why,
					 sizeof(why)));
	assert_string_equal(why,
			    "gateway 10.9.0.1 is not on a network of eth1");

	l = eth_link();
	l.has_gateway[FAM_IPV4] = false;
	assert_false(routing_link_usable(&l, FAM_IPV4, &ifc, NULL, why,
					 sizeof(why)));
	assert_string_equal(
		why, "no default route through eth1 to learn the gateway from");
	ifc.flags |= IFF_POINTOPOINT;
	assert_true(routing_link_usable(&l, FAM_IPV4, &ifc, NULL, why,
					sizeof(why)));

	memset(&ifc, 0, sizeof(ifc));
	assert_false(routing_link_usable(&l, FAM_IPV4, &ifc, NULL, why,
					 sizeof(why)));
	assert_string_equal(why, "interface eth1 is missing");
}

static void test_link_routes(void **state)
{
	struct link_config l = eth_link();
	struct iface ifc = eth_iface();
	struct route r[LINK_ROUTES_MAX];

	(void)state;
	/* a second address in the same prefix adds no route; a /32 none */
	ifc.addr[1] =
		(struct iface_addr){ .local = a4("10.1.0.3"), .plen = 30 };
	ifc.addr[2] =
		(struct iface_addr){ .local = a4("192.0.2.9"), .plen = 32 };
	ifc.naddr = 3;
	assert_int_equal(routing_link_routes(&l, FAM_IPV4, &ifc, NULL, 1001, r),
			 2);

	assert_int_equal(r[0].table, 1001);
	assert_addr(FAM_IPV4, r[0].dst, "10.1.0.0");
	assert_int_equal(r[0].dst_len, 30);
	assert_int_equal(r[0].scope, RT_SCOPE_LINK);
	assert_int_equal(r[0].oif, 7);
	assert_addr(FAM_IPV4, r[0].prefsrc, "10.1.0.2");
	assert_int_equal(r[0].protocol, RTPROT_FLOWPIN);

	assert_int_equal(r[1].dst_len, 0);
	assert_addr(FAM_IPV4, r[1].gw, "10.1.0.1");
	assert_addr(FAM_IPV4, r[1].prefsrc, "10.1.0.2");
	assert_int_equal(r[1].scope, RT_SCOPE_UNIVERSE);
}

static void test_pointopoint_routes(void **state)
{
	struct link_config l = { .name = "lte", .ifname = "ppp0" };
	struct iface ifc = { .index = 9,
			     .flags = IFF_UP | IFF_RUNNING | IFF_POINTOPOINT };
	struct route r[LINK_ROUTES_MAX];

	(void)state;
	ifc.addr[0] = (struct iface_addr){ .local = a4("100.64.3.7"),
					   .peer = a4("100.64.0.1"),
					   .plen = 32 };
	ifc.naddr = 1;
	assert_int_equal(routing_link_routes(&l, FAM_IPV4, &ifc, NULL, 1002, r),
			 2);
	assert_addr(FAM_IPV4, r[0].dst, "100.64.0.1");
	assert_int_equal(r[0].dst_len, 32);
	assert_true(inaddr_is_zero(FAM_IPV4, &r[1].gw)); /* dev ppp0 */
	assert_int_equal(r[1].oif, 9);
	assert_addr(FAM_IPV4, r[1].prefsrc, "100.64.3.7");
}

static struct route default_via(const char *gw, int oif, uint32_t table,
				unsigned char protocol, uint32_t metric)
{
	struct route r = { .table = table,
			   .oif = oif,
			   .protocol = protocol,
			   .metric = metric };

	if (gw)
		r.gw = a4(gw);
	return r;
}

/* Which default route a gateway = auto link learns from. */
static void test_learn(void **state)
{
	struct route rs[6];
	const struct route *best;

	(void)state;
	rs[0] = default_via("10.9.0.1", 8, RT_TABLE_MAIN, RTPROT_BOOT, 0);
	rs[1] = default_via("10.1.0.9", 7, 100, RTPROT_DHCP, 0);
	rs[2] = default_via("10.1.0.1", 7, RT_TABLE_MAIN, RTPROT_BOOT, 200);
	rs[3] = default_via("10.1.0.5", 7, RT_TABLE_MAIN, RTPROT_DHCP, 100);
	rs[4] = default_via("10.1.0.7", 7, 1001, RTPROT_FLOWPIN, 0);
	rs[5] = default_via("10.1.0.8", 7, RT_TABLE_MAIN, RTPROT_BOOT, 0);
	rs[5].dst_len = 8; /* not a default route */
	best = routing_learn(rs, 6, FAM_IPV4, 7);
	/* the main table's, of the lowest metric; never flowpin's own */
	assert_non_null(best);
	assert_addr(FAM_IPV4, best->gw, "10.1.0.5");
	/* another table when the main table has none */
	best = routing_learn(rs + 1, 1, FAM_IPV4, 7);
	assert_non_null(best);
	assert_int_equal(best->table, 100);
	assert_null(routing_learn(rs + 4, 2, FAM_IPV4, 7));
	assert_null(routing_learn(rs, 1, FAM_IPV4, 7));
}

/* A learned gateway, and a learned on-link default (pppd's). */
static void test_learned_gateway(void **state)
{
	struct link_config l = eth_link();
	struct iface ifc = eth_iface();
	struct route learned =
		default_via("10.1.0.1", 7, RT_TABLE_MAIN, RTPROT_BOOT, 0);
	struct route r[LINK_ROUTES_MAX];
	union inaddr gw;
	char why[96];

	(void)state;
	l.has_gateway[FAM_IPV4] = false;
	assert_true(routing_gateway(&l, FAM_IPV4, &learned, &gw));
	assert_addr(FAM_IPV4, gw, "10.1.0.1");
	assert_true(routing_link_usable(&l, FAM_IPV4, &ifc, &learned, why,
					sizeof(why)));
	assert_int_equal(routing_link_routes(&l, FAM_IPV4, &ifc, &learned, 1001,
					     r),
			 2);
	assert_addr(FAM_IPV4, r[1].gw, "10.1.0.1");
	assert_addr(FAM_IPV4, r[1].prefsrc, "10.1.0.2");
	assert_int_equal(r[1].metric, 0); /* flowpin's own carry none */

	/* renumbered: the old gateway is off the new network */
	ifc.addr[0].local = a4("10.7.0.2");
	assert_false(routing_link_usable(&l, FAM_IPV4, &ifc, &learned, why,
					 sizeof(why)));
	assert_string_equal(why,
			    "gateway 10.1.0.1 is not on a network of eth1");

	/* a configured gateway wins over any route */
	l = eth_link();
	learned.gw = a4("10.7.0.1");
	assert_true(routing_gateway(&l, FAM_IPV4, &learned, &gw));
	assert_addr(FAM_IPV4, gw, "10.1.0.1");

	/* a /32 lease: "default via 10.9.9.1 dev eth1 onlink" */
	l.has_gateway[FAM_IPV4] = false;
	learned.gw = a4("10.9.9.1");
	learned.onlink = true;
	ifc.addr[0].plen = 32;
	assert_true(routing_link_usable(&l, FAM_IPV4, &ifc, &learned, why,
					sizeof(why)));
	assert_int_equal(routing_link_routes(&l, FAM_IPV4, &ifc, &learned, 1001,
					     r),
			 1);
	assert_addr(FAM_IPV4, r[0].gw, "10.9.9.1");
	assert_true(r[0].onlink);
	assert_addr(FAM_IPV4, r[0].prefsrc, "10.7.0.2");
	/* without the flag the kernel would not have it either */
	learned.onlink = false;
	assert_false(routing_link_usable(&l, FAM_IPV4, &ifc, &learned, why,
					 sizeof(why)));
	ifc.addr[0].plen = 30;

	/* "default dev ppp0": no next hop, on-link */
	l.has_gateway[FAM_IPV4] = false;
	learned.gw = (union inaddr){ 0 };
	assert_false(routing_gateway(&l, FAM_IPV4, &learned, &gw));
	assert_true(routing_link_usable(&l, FAM_IPV4, &ifc, &learned, why,
					sizeof(why)));
}

/* While a link waits for its address: a blackhole, nothing leaks. */
static void test_hold_route(void **state)
{
	struct route r = routing_hold_route(FAM_IPV4, 1001);

	(void)state;
	assert_int_equal(r.table, 1001);
	assert_int_equal(r.type, RTN_BLACKHOLE);
	assert_int_equal(r.dst_len, 0);
	assert_int_equal(r.oif, 0);
	assert_int_equal(r.protocol, RTPROT_FLOWPIN);
}

static void test_rules(void **state)
{
	struct link_config links[2];
	struct config c = { .nlinks = 2,
			    .links = links,
			    .mark_mask = 0xff00,
			    .table = 1000,
			    .priority = 500 };
	uint32_t marks[] = { 0x100, 0x300 }, tables[] = { 1001, 1003 };
	struct rule r[ROUTING_RULES_MAX];

	(void)state;
	/* the same four for each family */
	assert_int_equal(routing_rules(&c, marks, tables, r), 8);
	for (int i = 0; i < 4; i++) {
		struct rule six = r[i + 4];

		assert_int_equal(r[i].fam, FAM_IPV4);
		assert_int_equal(six.fam, FAM_IPV6);
		six.fam = FAM_IPV4;
		assert_true(rule_equal(&r[i], &six));
	}
	assert_int_equal(r[0].priority, 500);
	assert_int_equal(r[0].table, RT_TABLE_MAIN);
	assert_true(r[0].suppress_default);
	assert_int_equal(r[1].priority, 501);
	assert_int_equal(r[1].fwmark, 0x100);
	assert_int_equal(r[1].fwmask, 0xff00);
	assert_int_equal(r[1].table, 1001);
	assert_int_equal(r[2].fwmark, 0x300);
	assert_int_equal(r[2].table, 1003);
	assert_int_equal(r[3].priority, 502);
	assert_string_equal(r[3].iifname, "lo");
	assert_int_equal(r[3].table, 1000);
	for (int i = 0; i < 4; i++)
		assert_int_equal(r[i].protocol, RTPROT_FLOWPIN);
}

/* IPv6: a global address, a link-local next hop learned from an RA. */
static void test_ipv6(void **state)
{
	struct link_config l = eth_link();
	struct iface ifc = eth_iface();
	struct route learned = { .fam = FAM_IPV6,
				 .table = RT_TABLE_MAIN,
				 .oif = 7,
				 .protocol = RTPROT_RA,
				 .metric = 1024 };
	struct route r[LINK_ROUTES_MAX], rs[2];
	union inaddr gw;
	char why[96];

	(void)state;
	/* an IPv4-only interface: IPv6 is down, IPv4 is not */
	assert_false(routing_link_usable(&l, FAM_IPV6, &ifc, NULL, why,
					 sizeof(why)));
	assert_string_equal(why, "interface eth1 has no global IPv6 address");
	assert_true(routing_link_usable(&l, FAM_IPV4, &ifc, NULL, why,
					sizeof(why)));
	ifc.addr[1] = (struct iface_addr){ .fam = FAM_IPV6,
					   .local = a6("2001:db8:1::2"),
					   .plen = 64,
					   .deprecated = true };
	ifc.addr[2] = (struct iface_addr){ .fam = FAM_IPV6,
					   .local = a6("2001:db8:1::9"),
					   .plen = 64 };
	ifc.naddr = 3;
	assert_false(routing_link_usable(&l, FAM_IPV6, &ifc, NULL, why,
					 sizeof(why)));
	assert_string_equal(
		why,
		"no IPv6 default route through eth1 to learn the gateway from");

	/* of the RA's default route and another table's, the main table's */
	learned.gw = a6("fe80::1");
	rs[0] = learned;
	rs[0].table = 100;
	rs[1] = learned;
	assert_ptr_equal(routing_learn(rs, 2, FAM_IPV6, 7), &rs[1]);
	assert_null(routing_learn(rs, 2, FAM_IPV4, 7));
	assert_true(routing_gateway(&l, FAM_IPV6, &learned, &gw));
	assert_addr(FAM_IPV6, gw, "fe80::1");
	assert_true(routing_link_usable(&l, FAM_IPV6, &ifc, &learned, why,
					sizeof(why)));
	/* a link-local next hop: the source is the preferred address */
	assert_addr(FAM_IPV6,
		    routing_source(&l, FAM_IPV6, &ifc, &learned)->local,
		    "2001:db8:1::9");
	assert_int_equal(routing_link_routes(&l, FAM_IPV6, &ifc, &learned, 1001,
					     r),
			 2);
	assert_int_equal(r[0].fam, FAM_IPV6);
	assert_addr(FAM_IPV6, r[0].dst, "2001:db8:1::");
	assert_int_equal(r[0].dst_len, 64);
	assert_int_equal(r[0].scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(r[0].metric, ROUTE_METRIC6);
	assert_addr(FAM_IPV6, r[1].gw, "fe80::1");
	assert_int_equal(r[1].oif, 7);
	assert_int_equal(r[1].metric, ROUTE_METRIC6);
	assert_false(r[1].onlink);

	/* a configured global gateway must be on one of its prefixes */
	l.has_gateway[FAM_IPV6] = true;
	l.gateway[FAM_IPV6] = a6("2001:db8:9::1");
	assert_false(routing_link_usable(&l, FAM_IPV6, &ifc, NULL, why,
					 sizeof(why)));
	assert_string_equal(why,
			    "gateway 2001:db8:9::1 is not on a network of eth1");
	l.gateway[FAM_IPV6] = a6("2001:db8:1::1");
	assert_true(routing_link_usable(&l, FAM_IPV6, &ifc, NULL, why,
					sizeof(why)));

	r[0] = routing_hold_route(FAM_IPV6, 1001);
	assert_int_equal(r[0].fam, FAM_IPV6);
	assert_int_equal(r[0].type, RTN_BLACKHOLE);
	assert_int_equal(r[0].metric, ROUTE_METRIC6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usable),
		cmocka_unit_test(test_link_routes),
		cmocka_unit_test(test_pointopoint_routes),
		cmocka_unit_test(test_learn),
		cmocka_unit_test(test_learned_gateway),
		cmocka_unit_test(test_hold_route),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
