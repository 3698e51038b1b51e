// SPDX-License-Identifier: GPL-2.0-or-later
/* [policy NAME] and [rule NAME] of flowpin.conf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"

/* Every message, errors and warnings, one "FILE:LINE: ..." line each. */
static char errbuf[16384];
static unsigned int nerrors, nwarnings;

static void on_error(void *ctx, const char *file, int line, const char *msg)
{
	nerrors++;
	config_diag_print(ctx, file, line, msg);
}

static void on_warning(void *ctx, const char *file, int line, const char *msg)
{
	nwarnings++;
	config_diag_print_warning(ctx, file, line, msg);
}

/* Parse @text; return the result and leave the messages in errbuf. */
static int parse(struct config *c, const char *text)
{
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");
	int ret;

	assert_non_null(err);
	memset(errbuf, 0, sizeof(errbuf));
	nerrors = nwarnings = 0;
	ret = config_parse_string(c, "test.conf", text,
				  &(const struct config_diag){
					  .report = on_error,
					  .warn = on_warning,
					  .ctx = err,
				  });
	fclose(err);
	return ret;
}

/* Parse @text, which must be accepted without a message. */
static void parse_ok(struct config *c, const char *text)
{
	if (parse(c, text) || errbuf[0])
		fail_msg("want no message, got \"%s\"", errbuf);
}

#define GLOBAL "[global]\nlan = lan0 lan1\n"
/* lines 3-5 and 6-8 */
#define LINKS                                         \
	"[link wan1]\ninterface = wan1\nweight = 2\n" \
	"[link wan2]\ninterface = wan2\ntier = 2\n"
#define POLICY_P "[policy p]\nlinks = wan1\n" /* lines 9-10 */

static void test_default_implicit(void **state)
{
	struct config c;
	const struct policy_config *d;

	(void)state;
	parse_ok(&c, "[global]\nlan = lan0\nhash = src\n" LINKS);
	assert_int_equal(c.npolicies, 1);
	d = &c.policies[POLICY_DEFAULT];
	assert_string_equal(d->name, "default");
	assert_int_equal(d->line, 0);
	assert_int_equal(d->weight[0], 2);
	assert_int_equal(d->tier[0], 1);
	assert_int_equal(d->weight[1], 1);
	assert_int_equal(d->tier[1], 2);
	assert_int_equal(d->hash, HASH_SRC);
	assert_int_equal(d->last_resort, LAST_RESORT_MAIN);
	assert_int_equal(d->failback, FAILBACK_NEW);
	assert_int_equal(c.nrules, 0);
	assert_null(c.rules);
	assert_int_equal(config_pairs(&c), 0);
	assert_int_equal(config_find_policy(&c, "default"), POLICY_DEFAULT);
	assert_int_equal(config_find_policy(&c, "main"), -1);
	config_free(&c);
	assert_null(c.policies);
	assert_int_equal(c.npolicies, 0);
}

static void test_default_redefined(void **state)
{
	struct config c;
	const struct policy_config *d;

	(void)state;
	/* before [global] and the links it names: resolved at the end */
	parse_ok(&c, "[policy default]\nlinks = wan2:5@1\nhash = l3\n"
		     "last_resort = blackhole\nfailback = all\n" GLOBAL LINKS);
	assert_int_equal(c.npolicies, 1);
	d = &c.policies[POLICY_DEFAULT];
	assert_int_equal(d->line, 1);
	assert_int_equal(d->weight[0], 0);
	assert_int_equal(d->tier[0], 0);
	assert_int_equal(d->weight[1], 5);
	assert_int_equal(d->tier[1], 1);
	assert_int_equal(d->hash, HASH_L3);
	assert_int_equal(d->last_resort, LAST_RESORT_BLACKHOLE);
	assert_int_equal(d->failback, FAILBACK_ALL);
	/* failing back, its member (wan2) takes a slot of its own */
	assert_int_equal(config_pairs(&c), 1);
	config_free(&c);

	/* without links: every link as it is; the hash is still global's */
	parse_ok(&c, "[global]\nlan = lan0\nhash = src\n" LINKS
		     "[policy default]\nlast_resort = unreachable\n");
	d = &c.policies[POLICY_DEFAULT];
	assert_int_equal(d->line, 10);
	assert_int_equal(d->weight[0], 2);
	assert_int_equal(d->weight[1], 1);
	assert_int_equal(d->tier[1], 2);
	assert_int_equal(d->hash, HASH_SRC);
	assert_int_equal(d->last_resort, LAST_RESORT_UNREACHABLE);
	config_free(&c);
}

static void test_members(void **state)
{
	struct config c;
	const struct policy_config *v;

	(void)state;
	/* wan3 comes after the policy that names it */
	parse_ok(&c, GLOBAL LINKS
		 "[policy voip]\nlinks = wan1 wan2@2\twan3:4  \n"
		 "hash = src\n"
		 "[policy bank]\nlinks = wan2:3@1\n"
		 "[rule voip]\ndport = 5060\npolicy = voip\n"
		 "[rule bank]\ndst = 198.51.100.0/24\npolicy = bank\n"
		 "[link wan3]\ninterface = wan3\ntier = 3\n");
	assert_int_equal(c.nlinks, 3);
	assert_int_equal(c.npolicies, 3);
	assert_int_equal(config_find_policy(&c, "voip"), 1);
	assert_int_equal(config_find_policy(&c, "bank"), 2);
	v = &c.policies[1];
	assert_string_equal(v->name, "voip");
	assert_int_equal(v->line, 9);
	assert_int_equal(v->weight[0], 2); /* the link's own */
	assert_int_equal(v->tier[0], 1);
	assert_int_equal(v->weight[1], 1);
	assert_int_equal(v->tier[1], 2);
	assert_int_equal(v->weight[2], 4);
	assert_int_equal(v->tier[2], 3);
	assert_int_equal(v->hash, HASH_SRC);
	assert_int_equal(v->last_resort, LAST_RESORT_MAIN);
	assert_int_equal(v->failback, FAILBACK_NEW);
	v = &c.policies[2];
	assert_int_equal(v->weight[0], 0);
	assert_int_equal(v->weight[1], 3);
	assert_int_equal(v->tier[1], 1);
	assert_int_equal(v->weight[2], 0);
	assert_int_equal(v->hash, HASH_L4); /* the global default */
	/* the default policy still has every link */
	assert_int_equal(c.policies[0].weight[2], 1);
	assert_int_equal(c.policies[0].tier[2], 3);
	/* none fails back: no slots but the links' */
	assert_int_equal(config_pairs(&c), 0);
	assert_int_equal(c.rules[0].policy, 1);
	assert_int_equal(c.rules[1].policy, 2);
	config_free(&c);
}

static void test_rules(void **state)
{
	char buf[INPREFIX_STRLEN];
	const struct rule_config *r;
	struct config c;

	(void)state;
	parse_ok(&c, GLOBAL LINKS POLICY_P "[rule mixed]\n"
					   "src = 192.168.1.0/24 fd00:1::/64\n"
					   "lan = lan1\n"
					   "src = 192.168.2.7\n"
					   "dst = 2001:db8::1 2001:db8:1::/48\n"
					   "policy = p\n"
					   "dst = 2001:db8:2::/48\n"
					   "[rule vpn]\n"
					   "proto = udp\n"
					   "sport = 1194\n"
					   "proto = 6\n"
					   "lan = lan0 lan1\n"
					   "policy = main\n"
					   "[rule ipsec]\n"
					   "proto = esp 51\n"
					   "policy = main\n"
					   "[rule both]\n"
					   "dst = 10.0.0.0/8 2001:db8::/32\n"
					   "proto = icmp icmpv6 gre\n"
					   "policy = default\n");
	assert_int_equal(c.nrules, 4);

	r = &c.rules[0];
	assert_string_equal(r->name, "mixed");
	assert_int_equal(r->line, 11);
	assert_int_equal(r->nsrc, 3);
	assert_int_equal(r->src[0].fam, FAM_IPV4);
	assert_string_equal(inprefix_str(FAM_IPV4, &r->src[0].p, buf),
			    "192.168.1.0/24");
	assert_int_equal(r->src[1].fam, FAM_IPV6);
	assert_string_equal(inprefix_str(FAM_IPV6, &r->src[1].p, buf),
			    "fd00:1::/64");
	/* an address is a /32 */
	assert_string_equal(inprefix_str(FAM_IPV4, &r->src[2].p, buf),
			    "192.168.2.7/32");
	assert_int_equal(r->ndst, 3);
	assert_string_equal(inprefix_str(FAM_IPV6, &r->dst[0].p, buf),
			    "2001:db8::1/128");
	assert_string_equal(inprefix_str(FAM_IPV6, &r->dst[2].p, buf),
			    "2001:db8:2::/48");
	assert_int_equal(r->nlan, 1);
	assert_string_equal(r->lan[0], "lan1");
	assert_int_equal(r->nproto, 0);
	assert_int_equal(r->policy, 1);
	/* its destinations are IPv6 only */
	assert_false(config_rule_has_fam(r, FAM_IPV4));
	assert_true(config_rule_has_fam(r, FAM_IPV6));

	r = &c.rules[1];
	assert_int_equal(r->nproto, 2);
	assert_int_equal(r->proto[0], IPPROTO_UDP);
	assert_int_equal(r->proto[1], IPPROTO_TCP);
	assert_int_equal(r->nsport, 1);
	assert_int_equal(r->sport[0].lo, 1194);
	assert_int_equal(r->sport[0].hi, 1194);
	assert_int_equal(r->ndport, 0);
	assert_int_equal(r->nlan, 2);
	assert_int_equal(r->policy, RULE_POLICY_MAIN);
	assert_true(config_rule_has_fam(r, FAM_IPV4));
	assert_true(config_rule_has_fam(r, FAM_IPV6));

	r = &c.rules[2];
	assert_int_equal(r->nproto, 2);
	assert_int_equal(r->proto[0], IPPROTO_ESP);
	assert_int_equal(r->proto[1], IPPROTO_AH);
	assert_int_equal(r->nlan, 0);

	r = &c.rules[3];
	assert_int_equal(r->policy, POLICY_DEFAULT);
	assert_int_equal(r->nproto, 3);
	assert_int_equal(r->proto[0], IPPROTO_ICMP);
	assert_int_equal(r->proto[1], IPPROTO_ICMPV6);
	assert_int_equal(r->proto[2], IPPROTO_GRE);
	assert_true(config_rule_has_fam(r, FAM_IPV4));
	assert_true(config_rule_has_fam(r, FAM_IPV6));
	config_free(&c);
	assert_null(c.rules);
	assert_int_equal(c.nrules, 0);
}

/* Ports without proto: the protocols with ports. */
static void test_ports_imply_protos(void **state)
{
	static const uint8_t want[] = { IPPROTO_TCP, IPPROTO_UDP,
					IPPROTO_UDPLITE, IPPROTO_SCTP,
					IPPROTO_DCCP };
	const struct rule_config *r;
	struct config c;

	(void)state;
	parse_ok(&c, GLOBAL LINKS POLICY_P
		 "[rule voip]\ndport = 5060 10000-20000\n"
		 "sport = 0-1023\npolicy = p\n"
		 "[rule dns]\nproto = udp\ndport = 53\npolicy = main\n");
	r = &c.rules[0];
	assert_int_equal(r->nproto, 5);
	assert_memory_equal(r->proto, want, sizeof(want));
	assert_int_equal(r->ndport, 2);
	assert_int_equal(r->dport[0].lo, 5060);
	assert_int_equal(r->dport[0].hi, 5060);
	assert_int_equal(r->dport[1].lo, 10000);
	assert_int_equal(r->dport[1].hi, 20000);
	assert_int_equal(r->sport[0].lo, 0);
	assert_int_equal(r->sport[0].hi, 1023);
	r = &c.rules[1];
	assert_int_equal(r->nproto, 1);
	assert_int_equal(r->proto[0], IPPROTO_UDP);
	config_free(&c);
}

/* Lists repeated over lines hold more than a line can. */
static void test_long_lists(void **state)
{
	size_t size = 1 << 20, len = 0;
	char *text = malloc(size);
	struct config c;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text + len, size - len,
				GLOBAL LINKS POLICY_P "[rule many]\n");
	for (unsigned int i = 0; i < 40; i++) {
		len += (size_t)snprintf(text + len, size - len, "dst =");
		for (unsigned int j = 0; j < 250; j++)
			len += (size_t)snprintf(text + len, size - len,
						" 10.%u.%u.0/24", i, j);
		len += (size_t)snprintf(text + len, size - len, "\n");
	}
	snprintf(text + len, size - len, "policy = p\n");
	parse_ok(&c, text);
	assert_int_equal(c.rules[0].ndst, 10000);
	assert_int_equal(c.rules[0].dst[9999].p.addr.b[1], 39);
	assert_int_equal(c.rules[0].dst[9999].p.addr.b[2], 249);
	config_free(&c);
	free(text);
}

struct bad {
	const char *text;
	const char *message; /* the one message, exactly */
};

static const struct bad bad_configs[] = {
	/* sections */
	{ GLOBAL LINKS "[policy main]\nlinks = wan1\n",
	  "test.conf:9: [policy main]: \"main\" is not a policy name: a rule's policy = main leaves its connections to the main table" },
	{ GLOBAL LINKS "[policy 9x]\nlinks = wan1\n",
	  "test.conf:9: [policy 9x]: a policy needs one name of up to 15 letters, digits, '-' or '_', starting with a letter" },
	{ GLOBAL LINKS "[policy a b]\nlinks = wan1\n",
	  "test.conf:9: [policy a b]: a policy needs one name of up to 15 letters, digits, '-' or '_', starting with a letter" },
	{ GLOBAL LINKS "[rule]\npolicy = main\n",
	  "test.conf:9: [rule]: a rule needs one name of up to 15 letters, digits, '-' or '_', starting with a letter" },
	{ GLOBAL LINKS "[rule averyveryverylongname]\npolicy = main\n",
	  "test.conf:9: [rule averyveryverylongname]: a rule needs one name of up to 15 letters, digits, '-' or '_', starting with a letter" },
	{ GLOBAL LINKS POLICY_P "[rule a]\npolicy = p\n"
				"[policy p]\nlinks = wan2\n",
	  "test.conf:13: duplicate policy \"p\" (first at line 9)" },
	{ GLOBAL LINKS "[policy default]\nlinks = wan1\n"
		       "[policy default]\nlinks = wan2\n",
	  "test.conf:11: duplicate policy \"default\" (first at line 9)" },
	{ GLOBAL LINKS "[rule a]\npolicy = main\n[rule a]\npolicy = main\n",
	  "test.conf:11: duplicate rule \"a\" (first at line 9)" },
	/* [policy] keys */
	{ GLOBAL LINKS "[policy p]\nlinks = wan1 wan9\n[rule a]\npolicy = p\n",
	  "test.conf:10: [policy p]: links: unknown link \"wan9\"" },
	{ GLOBAL LINKS "[policy p]\nlinks = wan1 wan2@2 wan1:3\n"
		       "[rule a]\npolicy = p\n",
	  "test.conf:10: [policy p]: links: wan1 is listed twice" },
	{ GLOBAL LINKS "[policy p]\nlinks = wan1:0\n[rule a]\npolicy = p\n",
	  "test.conf:10: [policy p]: links: wan1: weight \"0\" is not an integer in 1..255" },
	{ GLOBAL LINKS "[policy p]\nlinks = wan1:\n[rule a]\npolicy = p\n",
	  "test.conf:10: [policy p]: links: wan1: weight \"\" is not an integer in 1..255" },
	{ GLOBAL LINKS "[policy p]\nlinks = wan1:2@256\n[rule a]\npolicy = p\n",
	  "test.conf:10: [policy p]: links: wan1: tier \"256\" is not an integer in 1..255" },
	{ GLOBAL LINKS "[policy p]\nlinks = wan1@2:3\n[rule a]\npolicy = p\n",
	  "test.conf:10: [policy p]: links: wan1: tier \"2:3\" is not an integer in 1..255" },
	{ GLOBAL LINKS "[policy p]\nlinks = :3\n[rule a]\npolicy = p\n",
	  "test.conf:10: [policy p]: links: \":3\" is not NAME[:WEIGHT][@TIER]" },
	{ GLOBAL LINKS "[policy p]\nlinks = wan/1\n[rule a]\npolicy = p\n",
	  "test.conf:10: [policy p]: links: \"wan/1\" is not NAME[:WEIGHT][@TIER]" },
	{ GLOBAL LINKS "[policy p]\nhash = src\n[rule a]\npolicy = p\n",
	  "test.conf:9: [policy p]: missing required key \"links\"" },
	{ GLOBAL LINKS POLICY_P "hash = l5\n[rule a]\npolicy = p\n",
	  "test.conf:11: [policy p]: hash: \"l5\" is not one of l4, l3, src" },
	{ GLOBAL LINKS POLICY_P "last_resort = drop\n[rule a]\npolicy = p\n",
	  "test.conf:11: [policy p]: last_resort: \"drop\" is not one of main, unreachable, blackhole" },
	{ GLOBAL LINKS POLICY_P "failback = some\n[rule a]\npolicy = p\n",
	  "test.conf:11: [policy p]: failback: \"some\" is neither \"new\" nor \"all\"" },
	{ GLOBAL LINKS POLICY_P "weight = 2\n[rule a]\npolicy = p\n",
	  "test.conf:11: unknown key \"weight\" in [policy]" },
	{ GLOBAL LINKS POLICY_P "hash = l3\nhash = l4\n[rule a]\npolicy = p\n",
	  "test.conf:12: duplicate key \"hash\"" },
	{ GLOBAL LINKS POLICY_P "links = wan2\n[rule a]\npolicy = p\n",
	  "test.conf:11: duplicate key \"links\"" },
	/* [rule] keys */
	{ GLOBAL LINKS "[rule a]\npolicy = main\npolicy = default\n",
	  "test.conf:11: duplicate key \"policy\"" },
	{ GLOBAL LINKS "[rule a]\nport = 80\npolicy = main\n",
	  "test.conf:10: unknown key \"port\" in [rule]" },
	{ GLOBAL LINKS "[rule a]\nsrc =\npolicy = main\n",
	  "test.conf:10: src: empty value" },
	{ GLOBAL LINKS "[rule a]\nsrc = 10.0.0.1/8\npolicy = main\n",
	  "test.conf:10: [rule a]: src: \"10.0.0.1/8\" is not an address or a prefix ADDRESS/LEN with its host bits 0" },
	{ GLOBAL LINKS
	  "[rule a]\ndst = 10.0.0.0/8 example.com\npolicy = main\n",
	  "test.conf:10: [rule a]: dst: \"example.com\" is not an address or a prefix ADDRESS/LEN with its host bits 0" },
	{ GLOBAL LINKS "[rule a]\ndst = 2001:db8::/129\npolicy = main\n",
	  "test.conf:10: [rule a]: dst: \"2001:db8::/129\" is not an address or a prefix ADDRESS/LEN with its host bits 0" },
	{ GLOBAL LINKS "[rule a]\nproto = tcp quic\npolicy = main\n",
	  "test.conf:10: [rule a]: proto: \"quic\" is not a protocol (tcp, udp, udplite, sctp, dccp, icmp, icmpv6, gre, esp, ah) or a number in 0..255" },
	{ GLOBAL LINKS "[rule a]\nproto = 256\npolicy = main\n",
	  "test.conf:10: [rule a]: proto: \"256\" is not a protocol (tcp, udp, udplite, sctp, dccp, icmp, icmpv6, gre, esp, ah) or a number in 0..255" },
	{ GLOBAL LINKS "[rule a]\nproto = udp\nproto = 17\npolicy = main\n",
	  "test.conf:11: [rule a]: proto: udp is listed twice" },
	{ GLOBAL LINKS "[rule voip]\ndport = 5060 20000-10000\npolicy = main\n",
	  "test.conf:10: [rule voip]: dport 20000-10000: range reversed" },
	{ GLOBAL LINKS "[rule a]\nsport = 65536\npolicy = main\n",
	  "test.conf:10: [rule a]: sport: \"65536\" is not a port or a range LO-HI of ports in 0..65535" },
	{ GLOBAL LINKS "[rule a]\nsport = 1-\npolicy = main\n",
	  "test.conf:10: [rule a]: sport: \"1-\" is not a port or a range LO-HI of ports in 0..65535" },
	{ GLOBAL LINKS "[rule a]\ndport = -5\npolicy = main\n",
	  "test.conf:10: [rule a]: dport: \"-5\" is not a port or a range LO-HI of ports in 0..65535" },
	{ GLOBAL LINKS "[rule a]\ndport = 1-2-3\npolicy = main\n",
	  "test.conf:10: [rule a]: dport: \"1-2-3\" is not a port or a range LO-HI of ports in 0..65535" },
	{ GLOBAL LINKS "[rule a]\nlan = lan0\nlan = eth7\npolicy = main\n",
	  "test.conf:11: [rule a]: lan: eth7 is not one of [global] lan: the rule could never match" },
	{ GLOBAL LINKS "[rule a]\nlan = lan0 lan0\npolicy = main\n",
	  "test.conf:10: [rule a]: lan: \"lan0\" is listed twice" },
	{ "[global]\nlan = l1 l2 l3 l4 l5 l6 l7 l8 l9 l10 l11 l12 l13 l14 l15 "
	  "l16\n" LINKS "[rule a]\nlan = l1 l2 l3 l4 l5 l6 l7 l8 l9\n"
	  "lan = l10 l11 l12 l13 l14 l15 l16 l17\npolicy = main\n",
	  "test.conf:11: [rule a]: lan: more than 16 interfaces" },
	{ GLOBAL LINKS "[rule a]\nlan = a/b\npolicy = main\n",
	  "test.conf:10: [rule a]: lan: \"a/b\" is not an interface name" },
	{ GLOBAL LINKS "[rule ping]\nproto = tcp\nproto = icmp\n"
		       "dport = 7\npolicy = main\n",
	  "test.conf:11: [rule ping]: proto icmp has no ports to match (sport and dport need tcp, udp, udplite, sctp or dccp)" },
	{ GLOBAL LINKS "[rule ping]\nproto = 99\nsport = 7\ndport = 7\n"
		       "policy = main\n",
	  "test.conf:10: [rule ping]: proto 99 has no ports to match (sport and dport need tcp, udp, udplite, sctp or dccp)" },
	{ GLOBAL LINKS "[rule a]\nsrc = 192.168.1.0/24\n"
		       "dst = 2001:db8::/32\npolicy = main\n",
	  "test.conf:9: [rule a]: src and dst share no address family: the rule can never match" },
	{ GLOBAL LINKS "[rule a]\npolicy = wan1\n",
	  "test.conf:10: [rule a]: policy: unknown policy \"wan1\"" },
	{ GLOBAL LINKS "[rule a]\npolicy = a b\n",
	  "test.conf:10: [rule a]: policy: \"a b\" is neither a policy name nor main" },
	{ GLOBAL LINKS "[rule a]\ndst = 10.0.0.0/8\n",
	  "test.conf:9: [rule a]: missing required key \"policy\"" },
	/* the marks: 3 slots, 2 links and 2 members of p, failing back */
	{ "[global]\nlan = lan0\nmark_mask = 0x3\n" LINKS
	  "[policy p]\nlinks = wan1 wan2\nfailback = all\n[rule a]\npolicy = p\n",
	  "test.conf:1: mark_mask 0x3 holds 3 slots, 4 are needed: one per link (2) and one per member link of a policy with failback = all (2)" },
};

static void test_bad_configs(void **state)
{
	char want[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]);
	     i++) {
		struct config c;

		memset(errbuf, 0, sizeof(errbuf));
		snprintf(want, sizeof(want), "%s\n", bad_configs[i].message);
		if (parse(&c, bad_configs[i].text) != -EINVAL ||
		    strcmp(errbuf, want))
			fail_msg("case %zu: want \"%s\", got \"%s\"", i,
				 bad_configs[i].message, errbuf);
		assert_null(c.links);
		assert_null(c.policies);
		assert_null(c.rules);
		assert_int_equal(nwarnings, 0);
	}
}

/* The marks: one slot per link, one per member of a failback policy. */
static void test_slots(void **state)
{
	struct config c;

	(void)state;
	/* 3 slots: 2 links and 1 member of p, failing back, exactly */
	parse_ok(&c, "[global]\nlan = lan0\nmark_mask = 0x3\n" LINKS
		     "[policy p]\nlinks = wan2\nfailback = all\n"
		     "[rule a]\npolicy = p\n");
	assert_int_equal(config_slots(&c), 3);
	assert_int_equal(config_pairs(&c), 1);
	config_free(&c);
	/* more links than slots: the links' own message, not twice */
	assert_int_equal(parse(&c,
			       "[global]\nlan = lan0\nmark_mask = 0x1\n" LINKS
			       "[policy p]\nlinks = wan2\n"
			       "[rule a]\npolicy = p\n"),
			 -EINVAL);
	assert_string_equal(errbuf, "test.conf:1: mark_mask 0x1 holds 1 links, "
				    "2 are configured\n");
}

static void test_too_many(void **state)
{
	size_t size = 1 << 20, len = 0;
	char *text = malloc(size);
	struct config c;

	(void)state;
	assert_non_null(text);
	/* POLICY_MAX - 1 of them besides default: the next is one too many */
	len += (size_t)snprintf(text + len, size - len,
				"[global]\nlan = lan0\nmark_mask = 0xffff00\n"
				"[link wan1]\ninterface = wan1\n");
	for (unsigned int i = 0; i < POLICY_MAX; i++)
		len += (size_t)snprintf(text + len, size - len,
					"[policy p%u]\nlinks = wan1\n"
					"[rule r%u]\npolicy = p%u\n",
					i, i, i);
	assert_int_equal(parse(&c, text), -EINVAL);
	/* 5 lines before, 4 for each of p0..p62 */
	snprintf(text, size,
		 "test.conf:%d: [policy p63]: more than 64 policies (default included)\n"
		 "test.conf:%d: [rule r63]: policy: unknown policy \"p63\"\n",
		 6 + 4 * 63, 6 + 4 * 63 + 3);
	assert_string_equal(errbuf, text);

	len = (size_t)snprintf(text, size, GLOBAL LINKS);
	for (unsigned int i = 0; i <= RULE_MAX; i++)
		len += (size_t)snprintf(text + len, size - len,
					"[rule r%u]\npolicy = main\n", i);
	assert_int_equal(parse(&c, text), -EINVAL);
	snprintf(text, size,
		 "test.conf:%d: [rule r1024]: more than 1024 rules\n",
		 9 + 2 * RULE_MAX);
	assert_string_equal(errbuf, text);
	free(text);
}

static void test_elements(void **state)
{
	size_t size = 1 << 16, len = 0;
	char *text = malloc(size);
	struct config c;

	(void)state;
	assert_non_null(text);
	/* IPv4 only: 5 protocols x 100 x 200 ports */
	len += (size_t)snprintf(text + len, size - len,
				GLOBAL LINKS "[rule big]\nsrc = 10.0.0.0/8\n"
					     "policy = main\ndport =");
	for (unsigned int i = 0; i < 100; i++)
		len += (size_t)snprintf(text + len, size - len, " %u", i);
	len += (size_t)snprintf(text + len, size - len, "\nsport =");
	for (unsigned int i = 0; i < 200; i++)
		len += (size_t)snprintf(text + len, size - len, " %u",
					1000 + i);
	snprintf(text + len, size - len, "\n");
	assert_int_equal(parse(&c, text), -EINVAL);
	assert_string_equal(
		errbuf,
		"test.conf:9: [rule big]: its IPv4 set would hold 100000 elements (lan x src x dst x proto x sport x dport), more than 65536\n");

	/* both families: the limit is per family; 65536 is within it */
	len = (size_t)snprintf(text, size,
			       GLOBAL LINKS "[rule big]\npolicy = main\n"
					    "proto = tcp udp\nlan = lan0 lan1\n"
					    "dport =");
	for (unsigned int i = 0; i < 128; i++)
		len += (size_t)snprintf(text + len, size - len, " %u", i);
	len += (size_t)snprintf(text + len, size - len, "\nsport =");
	for (unsigned int i = 0; i < 128; i++)
		len += (size_t)snprintf(text + len, size - len, " %u",
					1000 + i);
	snprintf(text + len, size - len, "\n");
	parse_ok(&c, text);
	config_free(&c);
	free(text);
}

struct shadow {
	const char *rules; /* rule a at line 11, then b */
	bool warned;
};

static const struct shadow shadows[] = {
	/* a prefix inside the earlier one's, a protocol among its */
	{ "[rule a]\ndst = 10.0.0.0/8 2001:db8::/32\npolicy = p\n"
	  "[rule b]\ndst = 10.1.0.0/16\nproto = tcp\npolicy = main\n",
	  true },
	{ "[rule a]\ndst = 10.0.0.0/8\npolicy = p\n"
	  "[rule b]\ndst = 10.1.0.0/16 11.0.0.0/8\npolicy = main\n",
	  false },
	/* b matches IPv6 too, a does not */
	{ "[rule a]\ndst = 10.0.0.0/8\npolicy = p\n"
	  "[rule b]\nproto = tcp\npolicy = main\n",
	  false },
	/* with a /0 of each family, a holds any address */
	{ "[rule a]\ndst = 0.0.0.0/0 ::/0\npolicy = p\n"
	  "[rule b]\nsrc = 192.168.1.7\nproto = tcp\npolicy = main\n",
	  true },
	/* ranges: the union of a's holds b's */
	{ "[rule a]\ndport = 1-100 101-200\npolicy = p\n"
	  "[rule b]\nproto = udp\ndport = 50-150 7\npolicy = main\n",
	  true },
	/* out of order, overlapping, adjacent: their union */
	{ "[rule a]\ndport = 150-200 1-100\ndport = 90-149 300\npolicy = p\n"
	  "[rule b]\nproto = udp\ndport = 95-180 7 300\npolicy = main\n",
	  true },
	{ "[rule a]\ndport = 150-200 1-100\ndport = 90-148 300\npolicy = p\n"
	  "[rule b]\nproto = udp\ndport = 95-180\npolicy = main\n",
	  false },
	{ "[rule a]\nsport = 0-1023 1024-65535\npolicy = p\n"
	  "[rule b]\nproto = tcp\npolicy = main\n",
	  true },
	{ "[rule a]\ndport = 1-100 102-200\npolicy = p\n"
	  "[rule b]\nproto = udp\ndport = 50-150\npolicy = main\n",
	  false },
	/* a's ports imply its protocols: b's icmp is not among them */
	{ "[rule a]\ndport = 0-65535\npolicy = p\n"
	  "[rule b]\nproto = icmp\npolicy = main\n",
	  false },
	{ "[rule a]\ndport = 0-65535\npolicy = p\n"
	  "[rule b]\nproto = sctp\npolicy = main\n",
	  true },
	/* b matches the router's own connections, a does not */
	{ "[rule a]\nlan = lan0 lan1\npolicy = p\n"
	  "[rule b]\nproto = tcp\npolicy = main\n",
	  false },
	{ "[rule a]\nlan = lan0 lan1\npolicy = p\n"
	  "[rule b]\nlan = lan1\nproto = tcp\npolicy = main\n",
	  true },
	/* an empty list matches anything: a rule of none, everything */
	{ "[rule a]\nsrc = 192.168.0.0/16 fd00::/8\npolicy = p\n"
	  "[rule b]\nsrc = 192.168.3.0/24\nsrc = fd00:1::/64\n"
	  "dst = 198.51.100.1\nsport = 1-2\nlan = lan0\npolicy = main\n",
	  true },
	{ "[rule a]\nsrc = 192.168.0.0/16\npolicy = p\n"
	  "[rule b]\nsrc = 192.168.3.0/24 fd00:1::/64\npolicy = main\n",
	  false },
};

static void test_shadow(void **state)
{
	char text[1024], want[256];
	struct config c;

	(void)state;
	for (size_t i = 0; i < sizeof(shadows) / sizeof(shadows[0]); i++) {
		int bline = 11;

		/* b's header: after a's lines */
		for (const char *s = shadows[i].rules;
		     strncmp(s, "[rule b]", 8); s++)
			bline += *s == '\n';
		snprintf(text, sizeof(text), GLOBAL LINKS POLICY_P "%s",
			 shadows[i].rules);
		snprintf(want, sizeof(want),
			 "test.conf:%d: warning: [rule b]: never matches: rule a (line 11) before it matches everything it would\n",
			 bline);
		/* a warning does not fail the parse */
		if (parse(&c, text))
			fail_msg("case %zu: %s", i, errbuf);
		if (strcmp(errbuf, shadows[i].warned ? want : ""))
			fail_msg("case %zu: want \"%s\", got \"%s\"", i,
				 shadows[i].warned ? want : "", errbuf);
		assert_int_equal(nerrors, 0);
		assert_int_equal(nwarnings, shadows[i].warned);
		assert_int_equal(c.nrules, 2);
		config_free(&c);
	}
}

static void test_unused_policy(void **state)
{
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, GLOBAL LINKS POLICY_P
			       "[policy q]\nlinks = wan2\n"
			       "[rule a]\npolicy = q\n"
			       "[policy default]\nlinks = wan1\n"),
			 0);
	assert_string_equal(
		errbuf, "test.conf:9: warning: [policy p]: no rule uses it\n");
	assert_int_equal(nerrors, 0);
	assert_int_equal(nwarnings, 1);
	assert_int_equal(c.npolicies, 3);
	config_free(&c);
	/* warnings wait for a file without errors */
	assert_int_equal(parse(&c, GLOBAL LINKS POLICY_P "[rule a]\n"),
			 -EINVAL);
	assert_string_equal(
		errbuf,
		"test.conf:11: [rule a]: missing required key \"policy\"\n");
	assert_int_equal(nwarnings, 0);
}

/* Every problem is reported, in sections of any order. */
static void test_all_errors_reported(void **state)
{
	struct config c;

	(void)state;
	assert_int_equal(
		parse(&c, "[rule r]\nsport = 99999\npolicy = nope\n"
			  "[policy p]\nlinks = wan7\nhash = x\n" GLOBAL LINKS),
		-EINVAL);
	assert_string_equal(
		errbuf,
		"test.conf:2: [rule r]: sport: \"99999\" is not a port or a range LO-HI of ports in 0..65535\n"
		"test.conf:6: [policy p]: hash: \"x\" is not one of l4, l3, src\n"
		"test.conf:5: [policy p]: links: unknown link \"wan7\"\n"
		"test.conf:3: [rule r]: policy: unknown policy \"nope\"\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_implicit),
		cmocka_unit_test(test_default_redefined),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_ports_imply_protos),
		cmocka_unit_test(test_long_lists),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_elements),
		cmocka_unit_test(test_shadow),
		cmocka_unit_test(test_unused_policy),
		cmocka_unit_test(test_all_errors_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
