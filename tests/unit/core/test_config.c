// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/config.h"

static char errbuf[4096];

/* Parse @text; return the result and leave the messages in errbuf. */
static int parse(struct config *c, const char *text)
{
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");
	int ret;

	assert_non_null(err);
	ret = config_parse_string(c, "test.conf", text, CONFIG_DIAG_FILE(err));
	fclose(err);
	return ret;
}

#define GLOBAL "[global]\nlan = lan0\n"
#define LINK1 "[link wan1]\ninterface = wan1\ngateway = 10.1.0.1\n"

static void test_minimal_and_defaults(void **state)
{
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, GLOBAL LINK1), 0);
	assert_string_equal(errbuf, "");
	assert_int_equal(c.nlan, 1);
	assert_string_equal(c.lan[0], "lan0");
	assert_int_equal(c.hash, HASH_L4);
	assert_int_equal(c.seed, DEFAULT_SEED);
	assert_string_equal(c.control, DEFAULT_CONTROL);
	assert_int_equal(c.buckets, DEFAULT_BUCKETS);
	assert_int_equal(c.mark_mask, DEFAULT_MARK_MASK);
	assert_int_equal(c.nlinks, 1);
	assert_string_equal(c.links[0].name, "wan1");
	assert_string_equal(c.links[0].ifname, "wan1");
	assert_true(c.links[0].has_gateway[FAM_IPV4]);
	assert_int_equal(c.links[0].gateway[FAM_IPV4].v4.s_addr,
			 inet_addr("10.1.0.1"));
	assert_int_equal(c.links[0].weight, 1);
	assert_int_equal(c.links[0].tier, 1);
	assert_int_equal(c.links[0].probe, PROBE_ICMP);
	assert_int_equal(c.links[0].interval_ms, DEFAULT_INTERVAL_MS);
	assert_int_equal(c.links[0].timeout_ms, DEFAULT_TIMEOUT_MS);
	assert_int_equal(c.links[0].down, DEFAULT_DOWN);
	assert_int_equal(c.links[0].up, DEFAULT_UP);
	assert_int_equal(c.links[0].line, 3);
	config_free(&c);
}

static void test_full(void **state)
{
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, "; comment\n"
				   "# another\n"
				   "\xef\xbb\xbf"
				   "[global]\n"
				   "  lan = lan0  lan1\t; trailing comment\n"
				   "hash = src\n"
				   "seed = 0xdeadbeef\n"
				   "control = /tmp/fp.sock\n"
				   "buckets = 4096\n"
				   "mark_mask = 0x00ff0000\n"
				   "table = 5000\n"
				   "priority = 200\n"
				   "\n"
				   "[link wan1]\n"
				   "interface = wan1\n"
				   "gateway = 10.1.0.1\n"
				   "weight = 2\n"
				   "tier = 1\n"
				   "track = 192.0.2.1 198.51.100.7\n"
				   "probe = tcp:443\n"
				   "interval = 0.25s\n"
				   "timeout = 900ms\n"
				   "down = 4\n"
				   "up = 8 # inline comment\n"
				   "[ link ppp-backup ]\n"
				   "interface = ppp0\n"
				   "tier = 2\n"),
			 -EINVAL);
	/* the BOM is only allowed at the start: that line is an error */
	assert_non_null(strstr(errbuf, "test.conf:3: expected"));

	assert_int_equal(parse(&c, "\xef\xbb\xbf[global]\n"
				   "  lan = lan0  lan1\t; trailing comment\n"
				   "hash = src\n"
				   "seed = 0xdeadbeef\n"
				   "control = /tmp/fp.sock\n"
				   "buckets = 4096\n"
				   "mark_mask = 0x00ff0000\n"
				   "table = 5000\n"
				   "priority = 200\n"
				   "[link wan1]\n"
				   "interface = wan1\n"
				   "gateway = 10.1.0.1\n"
				   "weight = 2\n"
				   "track = 192.0.2.1 198.51.100.7\n"
				   "probe = tcp:443\n"
				   "interval = 0.25s\n"
				   "timeout = 900ms\n"
				   "down = 4\n"
				   "up = 8 # inline comment\n"
				   "[ link ppp-backup ]\n"
				   "interface = ppp0\n"
				   "tier = 2\n"),
			 0);
	assert_int_equal(c.nlan, 2);
	assert_string_equal(c.lan[1], "lan1");
	assert_int_equal(c.hash, HASH_SRC);
	assert_int_equal(c.seed, 0xdeadbeef);
	assert_string_equal(c.control, "/tmp/fp.sock");
	assert_int_equal(c.buckets, 4096);
	assert_int_equal(c.mark_mask, 0xff0000);
	assert_int_equal(config_slot_mark(&c, 3), 0x30000);
	assert_int_equal(config_slots(&c), 255);
	assert_int_equal(c.table, 5000);
	assert_int_equal(c.priority, 200);
	assert_int_equal(c.nlinks, 2);
	assert_int_equal(c.links[0].weight, 2);
	assert_int_equal(c.links[0].ntrack, 2);
	assert_int_equal(c.links[0].track[1].addr.v4.s_addr,
			 inet_addr("198.51.100.7"));
	assert_int_equal(c.links[0].probe, PROBE_TCP);
	assert_int_equal(c.links[0].probe_port, 443);
	assert_int_equal(c.links[0].interval_ms, 250);
	assert_int_equal(c.links[0].timeout_ms, 900);
	assert_int_equal(c.links[0].down, 4);
	assert_int_equal(c.links[0].up, 8);
	assert_string_equal(c.links[1].name, "ppp-backup");
	assert_false(c.links[1].has_gateway[FAM_IPV4]);
	assert_int_equal(c.links[1].tier, 2);
	assert_int_equal(config_find_link(&c, "ppp-backup"), 1);
	assert_int_equal(config_find_link(&c, "nope"), -1);
	config_free(&c);
}

/* Both families on a link: gateway6, mixed targets, nat, nat6, prefix6. */
static void test_dual_stack(void **state)
{
	static const char text[] =
		"[global]\nlan = lan0\nlan6 = fd00:1::/64\n"
		"[link a]\ninterface = eth1\ngateway6 = fe80::1\n"
		"track = 192.0.2.1 2001:db8:ffff::1\nnat = masquerade\n"
		"nat6 = 2001:db8:100::/64\n"
		"[link b]\ninterface = eth2\nnat6 = masquerade\n"
		"[link c]\ninterface = eth3\nprefix6 = 2001:db8:300::/56\n";
	char buf[INPREFIX_STRLEN];
	struct config c;

	(void)state;
	assert_int_equal(config_parse_string(&c, "t.conf", text, NULL), 0);
	assert_true(c.has_lan6);
	assert_string_equal(inprefix_str(FAM_IPV6, &c.lan6, buf),
			    "fd00:1::/64");
	assert_false(c.links[0].has_gateway[FAM_IPV4]);
	assert_true(c.links[0].has_gateway[FAM_IPV6]);
	assert_int_equal(config_ntrack(&c.links[0], FAM_IPV4), 1);
	assert_int_equal(config_ntrack(&c.links[0], FAM_IPV6), 1);
	assert_int_equal(c.links[0].track[1].fam, FAM_IPV6);
	assert_int_equal(c.links[0].nat[FAM_IPV4], NAT_MASQUERADE);
	assert_int_equal(c.links[0].nat[FAM_IPV6], NAT_PREFIX);
	assert_string_equal(inprefix_str(FAM_IPV6, &c.links[0].nat6_prefix,
					 buf),
			    "2001:db8:100::/64");
	assert_int_equal(c.links[1].nat[FAM_IPV4], NAT_NONE);
	assert_int_equal(c.links[1].nat[FAM_IPV6], NAT_MASQUERADE);
	assert_true(config_balances6(&c.links[0]));
	assert_true(config_balances6(&c.links[1]));
	/* no translation and a prefix of its own: its sources only */
	assert_false(config_balances6(&c.links[2]));
	assert_true(config_has_prefix6(&c));
	config_free(&c);
}

/* The service's keys: the group that may ask, the hook and its time. */
static void test_service_keys(void **state)
{
	struct config c;

	(void)state;
	assert_int_equal(config_parse_string(&c, "t.conf",
					     "[global]\nlan = lan0\n" LINK1,
					     NULL),
			 0);
	assert_string_equal(c.control_group, "");
	assert_string_equal(c.hook, "");
	assert_int_equal(c.hook_timeout_ms, DEFAULT_HOOK_TIMEOUT_MS);
	config_free(&c);
	assert_int_equal(
		config_parse_string(
			&c, "t.conf",
			"[global]\nlan = lan0\ncontrol_group = netdev\n"
			"hook = /etc/flowpin/hook\nhook_timeout = 2.5s\n" LINK1,
			NULL),
		0);
	assert_string_equal(c.control_group, "netdev");
	assert_string_equal(c.hook, "/etc/flowpin/hook");
	assert_int_equal(c.hook_timeout_ms, 2500);
	config_free(&c);
}

/* gateway = auto, and no gateway at all, learn it from a route. */
static void test_gateway_auto(void **state)
{
	static const char text[] =
		"[global]\nlan = lan0\n"
		"[link dhcp]\ninterface = eth1\ngateway = auto\n"
		"[link fixed]\ninterface = eth2\ngateway = 10.2.0.1\n"
		"[link dsl]\ninterface = ppp0\n";
	struct config c;

	(void)state;
	assert_int_equal(config_parse_string(&c, "t.conf", text, NULL), 0);
	assert_false(c.links[0].has_gateway[FAM_IPV4]);
	assert_true(c.links[1].has_gateway[FAM_IPV4]);
	assert_false(c.links[2].has_gateway[FAM_IPV4]);
	assert_true(c.own_table); /* by default */
	config_free(&c);
	assert_int_equal(
		config_parse_string(&c, "t.conf",
				    "[global]\nlan = lan0\nown_table = no\n"
				    "[link a]\ninterface = eth1\n",
				    NULL),
		0);
	assert_false(c.own_table);
	config_free(&c);
}

struct bad {
	const char *text;
	const char *message; /* expected on stderr, with its line */
};

/* One case per class of error; each must name the right line. */
static const struct bad bad_configs[] = {
	{ GLOBAL LINK1 "[wan2]\n", "test.conf:6: unknown section [wan2]" },
	{ GLOBAL LINK1 "[link]\n",
	  "test.conf:6: [link]: a link needs one name" },
	{ GLOBAL LINK1 "[link a b]\n",
	  "test.conf:6: [link a b]: a link needs" },
	{ GLOBAL LINK1 "[link 9x]\n", "test.conf:6: [link 9x]: a link needs" },
	{ GLOBAL LINK1 "[link wan1]\ninterface = x\n",
	  "test.conf:6: duplicate link \"wan1\" (first at line 3)" },
	{ GLOBAL GLOBAL LINK1,
	  "test.conf:3: duplicate section [global] (first at line 1)" },
	{ GLOBAL LINK1 "[link wan2\n",
	  "test.conf:6: section header without ']'" },
	{ GLOBAL "colour = blue\n" LINK1,
	  "test.conf:3: unknown key \"colour\" in [global]" },
	{ GLOBAL LINK1 "mtu = 1500\n",
	  "test.conf:6: unknown key \"mtu\" in [link]" },
	{ "lan = x\n" GLOBAL LINK1, "test.conf:1: \"lan\" outside a section" },
	{ GLOBAL LINK1 "this is not a pair\n",
	  "test.conf:6: expected \"key = value\"" },
	{ GLOBAL LINK1 "weight = 1\nweight = 2\n",
	  "test.conf:7: duplicate key \"weight\"" },
	{ GLOBAL LINK1 "weight =\n", "test.conf:6: weight: empty value" },
	{ GLOBAL LINK1 "weight = 0\n",
	  "test.conf:6: weight: \"0\" is not an integer in 1..255" },
	{ GLOBAL LINK1 "weight = 256\n",
	  "test.conf:6: weight: \"256\" is not an integer in 1..255" },
	{ GLOBAL LINK1 "weight = two\n",
	  "test.conf:6: weight: \"two\" is not an integer" },
	{ GLOBAL LINK1 "weight = -1\n",
	  "test.conf:6: weight: \"-1\" is not an integer" },
	{ GLOBAL LINK1 "weight = 1x\n",
	  "test.conf:6: weight: \"1x\" is not an integer" },
	{ GLOBAL LINK1 "tier = 0\n", "test.conf:6: tier: \"0\" is not" },
	{ GLOBAL LINK1 "down = 0\n", "test.conf:6: down: \"0\" is not" },
	{ GLOBAL LINK1 "up = 1001\n", "test.conf:6: up: \"1001\" is not" },
	{ "[global]\nlan = lan0\nseed = 0x100000000\n" LINK1,
	  "test.conf:3: seed: \"0x100000000\" is not an integer" },
	{ "[global]\nlan = lan0\nbuckets = 8\n" LINK1,
	  "test.conf:3: buckets: \"8\" is not an integer in 16..65536" },
	{ "[global]\nlan = lan0\nmark_mask = 0xf0f0\n" LINK1,
	  "test.conf:3: mark_mask: \"0xf0f0\" is not a contiguous" },
	{ "[global]\nlan = lan0\nmark_mask = 0x3\n" LINK1 "[link b]\n"
	  "interface = b\n[link c]\ninterface = c\n[link d]\ninterface = d\n",
	  "test.conf:1: mark_mask 0x3 holds 3 links, 4 are configured" },
	{ "[global]\nlan = lan0\ntable = 250\n" LINK1,
	  "test.conf:1: table: 250..505 must not reach the reserved" },
	{ "[global]\nlan = lan0\npriority = 32764\n" LINK1,
	  "test.conf:3: priority: \"32764\" is not an integer" },
	{ "[global]\nlan = lan0\nhash = l5\n" LINK1,
	  "test.conf:3: hash: \"l5\" is not one of l4, l3, src" },
	{ "[global]\nlan = lan0\ncontrol = run/x\n" LINK1,
	  "test.conf:3: control: \"run/x\" is not an absolute path" },
	{ "[global]\nlan = lan0 lan0\n" LINK1,
	  "test.conf:2: lan: \"lan0\" is listed twice" },
	{ "[global]\nlan = a/b\n" LINK1,
	  "test.conf:2: lan: \"a/b\" is not an interface name" },
	{ "[global]\nlan = averyveryverylongname\n" LINK1,
	  "test.conf:2: lan: \"averyveryverylongname\" is not an interface" },
	{ "[global]\nhash = l3\n" LINK1,
	  "test.conf:1: [global]: missing required key \"lan\"" },
	{ LINK1, "test.conf:1: missing section [global]" },
	{ GLOBAL, "test.conf:1: no [link NAME] section" },
	{ GLOBAL "[link wan1]\ngateway = 10.1.0.1\n",
	  "test.conf:3: [link wan1]: missing required key \"interface\"" },
	{ GLOBAL "[link wan1]\ninterface = lan0\n",
	  "test.conf:3: [link wan1]: interface lan0 is also a lan interface" },
	{ GLOBAL LINK1 "[link wan2]\ninterface = wan1\ngateway = 10.1.0.1\n",
	  "test.conf:6: [link wan2]: same interface and gateway as link wan1 (line 3)" },
	{ GLOBAL "[link wan1]\ninterface = wan1\ngateway = 10.1.0.256\n",
	  "test.conf:5: gateway: \"10.1.0.256\" is neither \"auto\" nor a unicast IPv4 address" },
	{ "[global]\nlan = lan0\nown_table = yes\n",
	  "test.conf:3: own_table: \"yes\" is neither \"auto\" nor \"no\"" },
	{ GLOBAL "[link wan1]\ninterface = wan1\ngateway = 224.0.0.1\n",
	  "test.conf:5: gateway: \"224.0.0.1\" is neither \"auto\" nor a unicast" },
	{ GLOBAL "[link wan1]\ninterface = wan1\ngateway = 2001:db8::1\n",
	  "test.conf:5: gateway: \"2001:db8::1\" is neither \"auto\" nor a unicast IPv4" },
	{ GLOBAL LINK1 "track = 192.0.2.1 192.0.2.1\n",
	  "test.conf:6: track: 192.0.2.1 is listed twice" },
	{ GLOBAL LINK1 "track = 192.0.2.1 example.com\n",
	  "test.conf:6: track: \"example.com\" is not a unicast IPv4" },
	{ "[global]\nlan = lan0\ncontrol_group = -x\n" LINK1,
	  "test.conf:3: control_group: \"-x\" is not a group name or number" },
	{ "[global]\nlan = lan0\ncontrol_group = a b\n" LINK1,
	  "test.conf:3: control_group: \"a b\" is not a group name" },
	{ "[global]\nlan = lan0\nhook = hook.sh\n" LINK1,
	  "test.conf:3: hook: \"hook.sh\" is not an absolute path" },
	{ "[global]\nlan = lan0\nhook_timeout = 10\n" LINK1,
	  "test.conf:3: hook_timeout: \"10\" is not a duration from 100ms to 600s" },
	{ "[global]\nlan = lan0\nhook_timeout = 11m\n" LINK1,
	  "test.conf:3: hook_timeout: \"11m\" is not a duration" },
	{ GLOBAL LINK1 "track = fe80::1\n",
	  "test.conf:6: track: \"fe80::1\" is not a unicast IPv4 or global IPv6 address" },
	{ GLOBAL LINK1 "track = 2001:db8::1 2001:db8:0::1\n",
	  "test.conf:6: track: 2001:db8:0::1 is listed twice" },
	{ GLOBAL LINK1 "gateway6 = 10.1.0.1\n",
	  "test.conf:6: gateway6: \"10.1.0.1\" is neither \"auto\" nor a unicast IPv6 address" },
	{ GLOBAL LINK1 "gateway6 = ff02::1\n",
	  "test.conf:6: gateway6: \"ff02::1\" is neither" },
	{ GLOBAL LINK1 "nat = yes\n",
	  "test.conf:6: nat: \"yes\" is neither \"none\" nor \"masquerade\"" },
	{ GLOBAL LINK1 "nat6 = npt\n",
	  "test.conf:6: nat6: \"npt\" is not \"none\", \"masquerade\" or an IPv6 prefix" },
	{ GLOBAL LINK1 "nat6 = 2001:db8::1/64\n",
	  "test.conf:6: nat6: \"2001:db8::1/64\" is not an IPv6 prefix ADDRESS/LEN with its host bits 0" },
	{ GLOBAL LINK1 "nat6 = 10.0.0.0/8\n",
	  "test.conf:6: nat6: \"10.0.0.0/8\" is not an IPv6 prefix" },
	{ GLOBAL LINK1 "nat6 = 2001:db8::/64\n",
	  "test.conf:3: [link wan1]: nat6 = 2001:db8::/64 maps the LAN's prefix: set lan6 = PREFIX/LEN in [global]" },
	{ "[global]\nlan = lan0\nlan6 = fd00::/48\n" LINK1
	  "nat6 = 2001:db8::/64\n",
	  "test.conf:4: [link wan1]: nat6 = 2001:db8::/64 is not as long as lan6 = fd00::/48" },
	{ "[global]\nlan = lan0\nlan6 = fd00::/129\n" LINK1,
	  "test.conf:3: lan6: \"fd00::/129\" is not an IPv6 prefix" },
	{ GLOBAL LINK1 "nat6 = masquerade\nprefix6 = 2001:db8::/56\n",
	  "test.conf:3: [link wan1]: prefix6 names the sources a link without translation carries: it needs nat6 = none" },
	{ GLOBAL LINK1
	  "prefix6 = 2001:db8::/48\n"
	  "[link wan2]\ninterface = wan2\nprefix6 = 2001:db8:0:100::/56\n",
	  "test.conf:7: [link wan2]: prefix6 2001:db8:0:100::/56 overlaps link wan1's 2001:db8::/48 (line 3)" },
	{ GLOBAL LINK1 "track = 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 "
		       "1.1.1.6 1.1.1.7 1.1.1.8 1.1.1.9\n",
	  "test.conf:6: track: more than 8 targets" },
	{ GLOBAL LINK1 "probe = udp:53\n",
	  "test.conf:6: probe: \"udp:53\" is not icmp or tcp:PORT" },
	{ GLOBAL LINK1 "probe = tcp:0\n",
	  "test.conf:6: probe: \"tcp:0\" is not icmp or tcp:PORT" },
	{ GLOBAL LINK1 "probe = tcp:443\n",
	  "test.conf:3: [link wan1]: probe = tcp:443 needs \"track\" targets" },
	{ GLOBAL LINK1 "interval = 100\n",
	  "test.conf:6: interval: \"100\" is not a duration" },
	{ GLOBAL LINK1 "interval = 5ms\n",
	  "test.conf:6: interval: \"5ms\" is not a duration from 10ms to 60000ms" },
	{ GLOBAL LINK1 "timeout = 1.0005s\n",
	  "test.conf:6: timeout: \"1.0005s\" is not a duration" },
	{ GLOBAL LINK1 "interval = 10ms\ntimeout = 2600ms\n",
	  "test.conf:3: [link wan1]: timeout is more than 250 intervals" },
	{ GLOBAL LINK1 "timeout = 2m\n",
	  "test.conf:6: timeout: \"2m\" is not a duration" },
	{ "[global]\nlan = lan0\nmetrics = 0\n" LINK1,
	  "test.conf:3: metrics: \"0\" is not PORT, IPV4:PORT or [IPV6]:PORT with a port in 1..65535" },
	{ "[global]\nlan = lan0\nmetrics = 127.0.0.1:65536\n" LINK1,
	  "test.conf:3: metrics: \"127.0.0.1:65536\" is not PORT" },
	{ "[global]\nlan = lan0\nmetrics = localhost:9100\n" LINK1,
	  "test.conf:3: metrics: \"localhost:9100\" is not PORT" },
	{ "[global]\nlan = lan0\nmetrics = ::1:9100\n" LINK1,
	  "test.conf:3: metrics: \"::1:9100\" is not PORT" },
	{ "[global]\nlan = lan0\nmetrics = [127.0.0.1]:9100\n" LINK1,
	  "test.conf:3: metrics: \"[127.0.0.1]:9100\" is not PORT" },
	{ "[global]\nlan = lan0\nmetrics = [::1]\n" LINK1,
	  "test.conf:3: metrics: \"[::1]\" is not PORT" },
	{ "[global]\nlan = lan0\nmetrics = 127.0.0.1:\n" LINK1,
	  "test.conf:3: metrics: \"127.0.0.1:\" is not PORT" },
	{ "[global]\nlan = lan0\nmetrics = :9100\n" LINK1,
	  "test.conf:3: metrics: \":9100\" is not PORT" },
	{ "[global]\nlan = lan0\nmetrics = 9100\nmetrics = 9101\n" LINK1,
	  "test.conf:4: duplicate key \"metrics\"" },
};

static void test_bad_configs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]);
	     i++) {
		struct config c;

		memset(errbuf, 0, sizeof(errbuf));
		if (parse(&c, bad_configs[i].text) != -EINVAL ||
		    !strstr(errbuf, bad_configs[i].message))
			fail_msg("case %zu: want \"%s\", got \"%s\"", i,
				 bad_configs[i].message, errbuf);
		assert_null(c.links);
	}
}

/* Every error is reported, not only the first. */
static void test_all_errors_reported(void **state)
{
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, "[global]\nlan = lan0\nhash = x\n"
				   "[link a]\ninterface = a\nweight = 0\n"
				   "bogus\ntier = x\n"),
			 -EINVAL);
	assert_non_null(strstr(errbuf, "test.conf:3: hash"));
	assert_non_null(strstr(errbuf, "test.conf:6: weight"));
	assert_non_null(strstr(errbuf, "test.conf:7: expected"));
	assert_non_null(strstr(errbuf, "test.conf:8: tier"));
}

/* What a sink receives: each problem apart, the message without its place. */
struct collected {
	int n, line[8];
	char file[8][32], msg[8][128];
};

static void collect(void *ctx, const char *file, int line, const char *msg)
{
	struct collected *col = ctx;

	assert_true(col->n < 8);
	snprintf(col->file[col->n], sizeof(col->file[0]), "%s", file);
	snprintf(col->msg[col->n], sizeof(col->msg[0]), "%s", msg);
	col->line[col->n++] = line;
}

static void test_diag_sink(void **state)
{
	struct collected col = { 0 };
	struct config_diag diag = { .report = collect, .ctx = &col };
	struct config c;

	(void)state;
	assert_int_equal(config_parse_string(&c, "x.conf",
					     GLOBAL "[link a]\ninterface = a\n"
						    "weight = 0\nbogus\n",
					     &diag),
			 -EINVAL);
	assert_int_equal(col.n, 2);
	assert_string_equal(col.file[0], "x.conf");
	assert_int_equal(col.line[0], 5);
	assert_string_equal(col.msg[0],
			    "weight: \"0\" is not an integer in 1..255");
	assert_string_equal(col.file[1], "x.conf");
	assert_int_equal(col.line[1], 6);
	assert_string_equal(col.msg[1], "expected \"key = value\"");
	assert_null(c.links);
	/* no sink: the errors still count */
	assert_int_equal(config_parse_string(&c, "x.conf", "bogus\n", NULL),
			 -EINVAL);
}

static void test_long_line(void **state)
{
	struct config c;
	char text[16384];

	(void)state;
	/* up to CONFIG_LINE_MAX: a line of 16 lan interfaces, padded */
	static const char rest[] = " lan1 lan2 lan3 lan4 lan5 lan6 lan7 "
				   "lan8 lan9 lan10 lan11 lan12 lan13 lan14 "
				   "lan15";

	snprintf(text, sizeof(text),
		 "[global]\nlan = %*s%s\n[link wan1]\ninterface = wan1\n",
		 (int)(CONFIG_LINE_MAX - strlen("lan = ") - strlen(rest)),
		 "lan0", rest);
	assert_int_equal(strchr(text + 9, '\n') - (text + 9), CONFIG_LINE_MAX);
	if (parse(&c, text))
		fail_msg("%s", errbuf);
	assert_int_equal(c.nlan, 16);
	config_free(&c);
	snprintf(text, sizeof(text), GLOBAL LINK1 "track = %05000d\n", 1);
	assert_int_equal(parse(&c, text), -EINVAL);
	assert_non_null(strstr(errbuf, "test.conf:6: line longer than 4096"));
}

/* metrics = PORT (loopback), IPV4:PORT, [IPV6]:PORT; none by default */
static void test_metrics(void **state)
{
	static const struct {
		const char *value;
		enum fam fam;
		const char *addr;
		uint16_t port;
	} ok[] = {
		{ "9100", FAM_IPV4, "127.0.0.1", 9100 },
		{ "127.0.0.1:9100", FAM_IPV4, "127.0.0.1", 9100 },
		{ "0.0.0.0:1", FAM_IPV4, "0.0.0.0", 1 },
		{ "192.0.2.1:65535", FAM_IPV4, "192.0.2.1", 65535 },
		{ "[::1]:9100", FAM_IPV6, "::1", 9100 },
		{ "[::]:9100", FAM_IPV6, "::", 9100 },
		{ "[2001:db8::1]:80", FAM_IPV6, "2001:db8::1", 80 },
	};
	char text[256], buf[INADDR_STRLEN];
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, GLOBAL LINK1), 0);
	assert_int_equal(c.metrics_port, 0);
	config_free(&c);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), GLOBAL "metrics = %s\n" LINK1,
			 ok[i].value);
		if (parse(&c, text))
			fail_msg("%s: %s", ok[i].value, errbuf);
		assert_int_equal(c.metrics_fam, ok[i].fam);
		assert_string_equal(inaddr_str(c.metrics_fam, &c.metrics_addr,
					       buf),
				    ok[i].addr);
		assert_int_equal(c.metrics_port, ok[i].port);
		config_free(&c);
	}
}

static void test_parsers(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(parse_duration_ms("1.5s", &v), 0);
	assert_int_equal(v, 1500);
	assert_int_equal(parse_duration_ms("0.05s", &v), 0);
	assert_int_equal(v, 50);
	assert_int_equal(parse_duration_ms("75ms", &v), 0);
	assert_int_equal(v, 75);
	assert_int_not_equal(parse_duration_ms("1.5ms", &v), 0);
	assert_int_not_equal(parse_duration_ms(".5s", &v), 0);
	assert_int_not_equal(parse_duration_ms("5", &v), 0);
	assert_int_not_equal(parse_duration_ms("99999999999s", &v), 0);
	assert_int_equal(parse_u32("0x10", 0, 100, &v), 0);
	assert_int_equal(v, 16);
	assert_int_not_equal(parse_u32("", 0, 100, &v), 0);
	assert_int_not_equal(parse_u32(" 1", 0, 100, &v), 0);
	assert_int_not_equal(parse_u32("+1", 0, 100, &v), 0);
	/* decimal unless 0x: a leading zero is not octal */
	assert_int_equal(parse_u32("0100", 0, 1000, &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(parse_u32("010", 0, 100, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(parse_u32("08", 0, 100, &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(parse_u32("0443", 0, 65535, &v), 0);
	assert_int_equal(v, 443);
	assert_int_equal(parse_u32("0XfF", 0, 1000, &v), 0);
	assert_int_equal(v, 255);
	assert_int_not_equal(parse_u32("0x", 0, 100, &v), 0);
	assert_int_not_equal(parse_u32("0x-1", 0, 100, &v), 0);
	/* below the millisecond: an error, not rounded away */
	assert_int_not_equal(parse_duration_ms("1.0000009s", &v), 0);
	assert_int_equal(parse_duration_ms("1.0000000s", &v), 0);
	assert_int_equal(v, 1000);
	assert_true(valid_ifname("eth0.100"));
	assert_false(valid_ifname("eth 0"));
	assert_false(valid_ifname(".."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gateway_auto),
		cmocka_unit_test(test_dual_stack),
		cmocka_unit_test(test_service_keys),
		cmocka_unit_test(test_minimal_and_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_diag_sink),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_metrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
