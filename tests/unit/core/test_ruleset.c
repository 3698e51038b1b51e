// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/ruleset.h"
#include "core/takeover.h"

static char errbuf[1024];

static void load(struct config *c, const char *text)
{
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");

	assert_int_equal(config_parse_string(c, "t.conf", text,
					     CONFIG_DIAG_FILE(err)),
			 0);
	fclose(err);
}

static int count(const char *s, const char *what)
{
	int n = 0;

	for (; (s = strstr(s, what)); s++)
		n++;
	return n;
}

struct fixture {
	struct config c;
	struct bucket_table t, t6;
	struct ruleset_link rl[3];
	uint32_t marks[64];
	struct ruleset rs;
};

static void setup(struct fixture *f, const char *text)
{
	uint32_t w[3];

	load(&f->c, text);
	assert_int_equal(bucket_table_init(&f->t, f->c.buckets), 0);
	assert_int_equal(bucket_table_init(&f->t6, f->c.buckets), 0);
	assert_true(TAKEOVER_SLOTS(&f->c) <= 64);
	assert_int_equal(takeover_fresh_marks(&f->c, f->marks), 0);
	for (unsigned int i = 0; i < f->c.nlinks; i++) {
		f->rl[i] = (struct ruleset_link){
			.mark = f->marks[i],
			.packets = 10 * i,
			.bytes = 1000 * i,
		};
		w[i] = f->c.links[i].weight;
	}
	bucket_table_balance(&f->t, w, f->c.nlinks);
	bucket_table_balance(&f->t6, w, f->c.nlinks);
	f->rs = (struct ruleset){ .cfg = &f->c,
				  .links = f->rl,
				  .pair_marks = f->marks + f->c.nlinks };
	for (unsigned int p = 0; p < f->c.npolicies; p++) {
		f->rs.buckets[FAM_IPV4][p] = &f->t;
		f->rs.buckets[FAM_IPV6][p] = &f->t6;
	}
}

static void teardown(struct fixture *f)
{
	bucket_table_free(&f->t);
	bucket_table_free(&f->t6);
	config_free(&f->c);
}

#define CONF(extra)                                           \
	"[global]\nlan = lan0 lan1\nbuckets = 16\n" extra     \
	"[link wan1]\ninterface = eth1\ngateway = 10.1.0.1\n" \
	"[link wan2]\ninterface = eth2\ngateway = 10.2.0.1\nweight = 3\n"

static void test_table_l4(void **state)
{
	struct fixture f;
	char *s;

	(void)state;
	setup(&f, CONF("seed = 0x1234\n"));
	s = ruleset_table(&f.rs);
	assert_non_null(s);
	/* replaces any old table in the same transaction */
	assert_ptr_equal(strstr(s, "add table inet flowpin\n"
				   "delete table inet flowpin\n"
				   "table inet flowpin {\n"),
			 s);
	/* counters carried over */
	assert_non_null(
		strstr(s, "counter wan2 {\n\t\tpackets 10 bytes 1000\n"));
	assert_non_null(strstr(s, "elements = { \"lan0\", \"lan1\" }"));
	assert_non_null(strstr(s, "elements = { \"eth1\", \"eth2\" }"));
	assert_non_null(
		strstr(s,
		       "\"eth1\" : goto pin_wan1, \"eth2\" : goto pin_wan2"));
	/* marks written under the mask only */
	assert_non_null(
		strstr(s, "meta mark set meta mark & 0xffff00ff | 0x00000200"));
	assert_non_null(
		strstr(s, "ct mark set ct mark & 0xffff00ff | 0x00000100"));
	assert_non_null(
		strstr(s,
		       "oifname != \"eth2\" ct mark set ct mark & 0xffff00ff"));
	/* the l4 hash, with ports where the protocol has them */
	assert_non_null(strstr(
		s,
		"meta l4proto { tcp, udp, udplite, sctp, dccp } "
		"jhash ip saddr . ip daddr . meta l4proto . th sport . th dport "
		"mod 16 seed 0x1234 vmap @buckets"));
	assert_non_null(strstr(s,
			       "\t\tjhash ip saddr . ip daddr . meta l4proto "
			       "mod 16 seed 0x1234 vmap @buckets"));
	/* 3:1 over 16 buckets */
	assert_non_null(strstr(s, "typeof symhash mod 16 : verdict"));
	assert_non_null(strstr(s, "0 : goto pin_wan2"));
	assert_non_null(strstr(
		s,
		"oifname \"eth2\" ct mark & 0x0000ff00 == 0x00000200 "
		"fib saddr type local fib saddr . oif type != local masquerade"));
	/*
	 * Unpinning in the NAT chain (first packets only), by a jump so that
	 * the masquerade rules after it apply; no hook for every packet.
	 */
	assert_non_null(strstr(
		s,
		"type nat hook postrouting priority srcnat - 1; policy accept;\n"
		"\t\tiifname != @uplinks ct mark & 0x0000ff00 vmap @verify\n"));
	assert_non_null(strstr(s, "0x00000100 : jump check_wan1"));
	/* the router's own tunnel traffic carries the tunnel's device */
	assert_non_null(strstr(
		s,
		"\t\tiifname @uplinks fib saddr type local ct mark & 0x0000ff00 vmap @verify\n"
		"\t\toifname \"eth1\" ct mark"));
	/* pinned on the first packet only */
	assert_int_equal(count(s, "ct state != new return\n"
				  "\t\tct status confirmed return\n"),
			 2);
	assert_null(strstr(s, "hook forward"));
	assert_int_equal(count(s, "type filter hook"), 1);
	free(s);
	teardown(&f);
}

static void test_hash_modes(void **state)
{
	struct fixture f;
	char *s;

	(void)state;
	setup(&f, CONF("hash = l3\n"));
	s = ruleset_table(&f.rs);
	assert_null(strstr(s, "th sport"));
	assert_non_null(strstr(s, "\t\tjhash ip saddr . ip daddr mod 16 seed"));
	free(s);
	teardown(&f);

	setup(&f, CONF("hash = src\n"));
	s = ruleset_table(&f.rs);
	assert_null(strstr(s, "ip daddr mod"));
	assert_non_null(strstr(s, "\t\tjhash ip saddr mod 16 seed"));
	free(s);
	teardown(&f);
}

static void test_mask(void **state)
{
	struct fixture f;
	char *s;

	(void)state;
	setup(&f, CONF("mark_mask = 0x00f00000\n"));
	s = ruleset_table(&f.rs);
	assert_non_null(strstr(s, "ct mark & 0x00f00000 vmap @marks"));
	assert_non_null(
		strstr(s, "meta mark set meta mark & 0xff0fffff | 0x00200000"));
	free(s);
	teardown(&f);
}

/* Two links on one interface: inbound connections go to the first. */
static void test_shared_interface(void **state)
{
	struct fixture f;
	char *s;

	(void)state;
	setup(&f, "[global]\nlan = lan0\nbuckets = 16\n"
		  "[link a]\ninterface = eth1\ngateway = 10.1.0.1\n"
		  "[link b]\ninterface = eth1\ngateway = 10.1.0.2\n");
	s = ruleset_table(&f.rs);
	assert_non_null(strstr(s, "elements = { \"eth1\" }"));
	assert_non_null(strstr(s, "elements = { \"eth1\" : goto pin_a }"));
	free(s);
	teardown(&f);
}

/* The buckets that change, and what becomes of each. */
static void test_bucket_changes(void **state)
{
	struct fixture f;
	struct ruleset_change ch[16];
	uint32_t none[2] = { 0, 0 }, one[2] = { 1, 0 }, n;
	int16_t before[16];
	char name[RULESET_NAME_MAX];

	(void)state;
	setup(&f, CONF(""));
	/* no change: nothing to send */
	memcpy(before, f.t.owner, sizeof(before));
	assert_int_equal(ruleset_bucket_changes(&f.rs, POLICY_DEFAULT, FAM_IPV4,
						before, ch),
			 0);

	/* wan2 down: exactly its 12 buckets, each deleted and re-added */
	bucket_table_balance(&f.t, one, 2);
	n = ruleset_bucket_changes(&f.rs, POLICY_DEFAULT, FAM_IPV4, before, ch);
	assert_int_equal(n, 12);
	for (uint32_t k = 0; k < n; k++) {
		assert_int_equal(before[ch[k].bucket], 1);
		assert_true(ch[k].del);
		assert_int_equal(ch[k].owner, 0);
		assert_true(k == 0 || ch[k].bucket > ch[k - 1].bucket);
	}
	assert_string_equal(ruleset_pin_chain(&f.rs, POLICY_DEFAULT, 0, name),
			    "pin_wan1");

	/* no link up: only deletions, of every bucket */
	memcpy(before, f.t.owner, sizeof(before));
	bucket_table_balance(&f.t, none, 2);
	n = ruleset_bucket_changes(&f.rs, POLICY_DEFAULT, FAM_IPV4, before, ch);
	assert_int_equal(n, 16);
	for (uint32_t k = 0; k < n; k++)
		assert_true(ch[k].del && ch[k].owner == BUCKET_NONE);
	/* and back from nothing: only additions */
	memcpy(before, f.t.owner, sizeof(before));
	bucket_table_balance(&f.t, one, 2);
	n = ruleset_bucket_changes(&f.rs, POLICY_DEFAULT, FAM_IPV4, before, ch);
	assert_int_equal(n, 16);
	assert_false(ch[3].del);
	assert_int_equal(ch[3].owner, 0);
	teardown(&f);
}

/*
 * IPv6: its own pick chain and bucket map, sources pinned by prefix6,
 * and each link's source translation of both families.
 */
static void test_ipv6(void **state)
{
	struct fixture f;
	char *s;

	(void)state;
	setup(&f, "[global]\nlan = lan0\nbuckets = 16\nlan6 = fd00:1::/64\n"
		  "[link a]\ninterface = eth1\nnat = masquerade\n"
		  "nat6 = 2001:db8:100::/64\n"
		  "[link b]\ninterface = eth2\nnat6 = masquerade\n"
		  "[link c]\ninterface = eth3\nprefix6 = 2001:db8:300::/56\n");
	s = ruleset_table(&f.rs);
	assert_non_null(strstr(
		s,
		"meta nfproto vmap { ipv4 : goto pick, ipv6 : goto pick6 }"));
	assert_int_equal(count(s, "goto pick6"), 2); /* prerouting, output */
	assert_non_null(strstr(
		s,
		"\tchain pick6 {\n"
		"\t\tip6 saddr vmap @sources6\n"
		"\t\tmeta l4proto { tcp, udp, udplite, sctp, dccp } "
		"jhash ip6 saddr . ip6 daddr . meta l4proto . th sport . th dport "
		"mod 16 seed 0x666c6f77 vmap @buckets6\n"
		"\t\tjhash ip6 saddr . ip6 daddr . meta l4proto mod 16 seed "
		"0x666c6f77 vmap @buckets6\n"));
	assert_null(strstr(s, "ip saddr vmap @sources6"));
	assert_non_null(
		strstr(s, "\tmap sources6 {\n"
			  "\t\ttype ipv6_addr : verdict\n"
			  "\t\tflags interval\n"
			  "\t\telements = { 2001:db8:300::/56 : goto pin_c }"));
	assert_non_null(
		strstr(s, "oifname \"eth1\" meta nfproto ipv4 masquerade\n"));
	assert_null(strstr(s, "oifname \"eth2\" meta nfproto ipv4"));
	assert_non_null(
		strstr(s, "oifname \"eth2\" meta nfproto ipv6 masquerade\n"));
	assert_non_null(strstr(s, "oifname \"eth1\" ip6 saddr fd00:1::/64 "
				  "snat ip6 prefix to 2001:db8:100::/64\n"));
	assert_non_null(strstr(
		s,
		"type nat hook prerouting priority dstnat - 1; policy accept;\n"
		"\t\tiifname \"eth1\" ip6 daddr 2001:db8:100::/64 dnat ip6 "
		"prefix to fd00:1::/64\n\t}\n"));
	/* sources outside lan6 on the prefix link: its address */
	assert_non_null(
		strstr(s,
		       "snat ip6 prefix to 2001:db8:100::/64\n"
		       "\t\toifname \"eth1\" meta nfproto ipv6 masquerade\n"));
	assert_int_equal(count(s, "masquerade\n"), 3 + 3);
	free(s);
	teardown(&f);

	/* nothing of it where nothing asks for it */
	setup(&f, CONF(""));
	s = ruleset_table(&f.rs);
	assert_null(strstr(s, "sources6"));
	assert_null(strstr(s, "prerouting_nat"));
	assert_null(strstr(s, "nfproto ipv6 masquerade"));
	free(s);
	teardown(&f);
}

/* How the table replaces the one there: its flags, and whether "add". */
static void test_replace(void **state)
{
	static const char head[] = "add table inet flowpin\n"
				   "delete table inet flowpin\n"
				   "table inet flowpin {\n\tcounter";
	static const char owned[] =
		"add table inet flowpin { flags owner; flags persist; }\n"
		"delete table inet flowpin\n"
		"table inet flowpin {\n\tflags owner; flags persist;\n";
	static const char present[] = "delete table inet flowpin\n"
				      "table inet flowpin {\n\tflags owner";
	struct fixture f;
	char *s;

	(void)state;
	setup(&f, CONF(""));
	s = ruleset_table(&f.rs);
	assert_memory_equal(s, head, strlen(head));
	free(s);
	s = ruleset_marks_only(&f.rs);
	assert_memory_equal(s, head, strlen(head));
	assert_non_null(strstr(s, "ct mark & 0x0000ff00 vmap @marks"));
	assert_null(strstr(s, "@buckets"));
	free(s);

	f.rs.owner = true;
	s = ruleset_table(&f.rs);
	assert_memory_equal(s, owned, strlen(owned));
	free(s);
	/* there: deleted without "add", whose flags would have to match */
	f.rs.present = true;
	s = ruleset_table(&f.rs);
	assert_memory_equal(s, present, strlen(present));
	free(s);
	teardown(&f);
}

#define POLICIES                                                           \
	"[policy voip]\nlinks = wan1 wan2@2\n"                             \
	"[policy lte]\nlinks = wan1 wan2@2\nfailback = all\n"              \
	"last_resort = unreachable\n"                                      \
	"[policy bank]\nlinks = wan1 wan2\nhash = src\n"                   \
	"last_resort = blackhole\n"                                        \
	"[rule voip]\nproto = udp\ndport = 10000-20000 5060 12000-21000\n" \
	"policy = voip\n"                                                  \
	"[rule office]\n"                                                  \
	"dst = 198.51.100.0/24 2001:db8::/32 198.51.100.128/25\n"          \
	"policy = lte\n"                                                   \
	"[rule bank]\nlan = lan1\nsrc = 192.168.1.0/24 192.168.2.0/24\n"   \
	"dst = 203.0.113.0/24\nproto = tcp\ndport = 443\npolicy = bank\n"  \
	"[rule vpn]\nproto = udp\nsport = 1194\npolicy = main\n"

/*
 * Rules: one lookup each, of the concatenation of their lists (made
 * disjoint), per family they can match; their counters; every policy's
 * pick chain and map, with its hash and last resort; a failback
 * policy's own marks.
 */
static void test_rules(void **state)
{
	struct fixture f;
	char *s;

	(void)state;
	setup(&f, CONF(POLICIES));
	s = ruleset_table(&f.rs);
	assert_non_null(s);
	assert_non_null(
		strstr(s, "\tchain rules {\n"
			  "\t\tmeta l4proto . th dport { 17 . 5060, "
			  "17 . 10000-21000 } counter name rule.voip "
			  "goto pick.voip\n"
			  "\t\tip daddr { 198.51.100.0/24 } counter name "
			  "rule.office goto pick.lte\n"
			  "\t\tiifname . ip saddr . ip daddr . meta l4proto "
			  ". th dport { \"lan1\" . 192.168.1.0/24 . "
			  "203.0.113.0/24 . 6 . 443, \"lan1\" . "
			  "192.168.2.0/24 . 203.0.113.0/24 . 6 . 443 } "
			  "counter name rule.bank goto pick.bank\n"
			  "\t\tmeta l4proto . th sport { 17 . 1194 } counter "
			  "name rule.vpn return\n"
			  "\t\tgoto pick\n\t}\n"));
	/* the bank's rule holds no IPv6 prefix: not in rules6 */
	assert_non_null(
		strstr(s, "\tchain rules6 {\n"
			  "\t\tmeta l4proto . th dport { 17 . 5060, "
			  "17 . 10000-21000 } counter name rule.voip "
			  "goto pick6.voip\n"
			  "\t\tip6 daddr { 2001:db8::/32 } counter name "
			  "rule.office goto pick6.lte\n"
			  "\t\tmeta l4proto . th sport { 17 . 1194 } counter "
			  "name rule.vpn return\n"
			  "\t\tgoto pick6\n\t}\n"));
	assert_int_equal(count(s, "meta nfproto vmap { ipv4 : goto rules, "
				  "ipv6 : goto rules6 }"),
			 2);
	assert_non_null(
		strstr(s, "counter rule.bank {\n\t\tpackets 0 bytes 0"));
	/* each policy's hash, into its own map, then its last resort */
	assert_non_null(strstr(s, "\tchain pick.bank {\n"
				  "\t\tjhash ip saddr mod 16 seed 0x666c6f77 "
				  "vmap @buckets.bank\n\t\tdrop\n\t}\n"));
	assert_non_null(
		strstr(s, "vmap @buckets6.lte\n"
			  "\t\tmeta l4proto tcp reject with tcp reset\n"
			  "\t\treject with icmpx host-unreachable\n\t}\n"));
	assert_non_null(strstr(s, "vmap @buckets.voip\n\t}\n"));
	assert_non_null(strstr(s, "map buckets6.voip {\n"));
	/* lte fails back: marks of its own, 0x300 and 0x400 */
	assert_non_null(strstr(s, "0x00000300 : goto via.lte.wan1, "
				  "0x00000400 : goto via.lte.wan2 }"));
	assert_non_null(
		strstr(s, "\tchain pin.lte.wan2 {\n"
			  "\t\tct mark set ct mark & 0xffff00ff | 0x00000400\n"
			  "\t\tgoto via.lte.wan2\n"));
	assert_non_null(
		strstr(s,
		       "\tchain via.lte.wan2 {\n"
		       "\t\tmeta mark set meta mark & 0xffff00ff | 0x00000200\n"
		       "\t\tcounter name \"wan2\"\n"));
	assert_non_null(strstr(s, "0x00000400 : jump check_wan2 }"));
	assert_non_null(strstr(s, " 1 : goto pin.lte.wan2"));
	assert_null(strstr(s, "pin.voip"));
	assert_non_null(
		strstr(s, "oifname \"eth2\" ct mark & 0x0000ff00 "
			  "{ 0x00000200, 0x00000400 } fib saddr type local"));
	free(s);

	/* a failback policy's buckets pin with its own chains */
	{
		int lte = config_find_policy(&f.c, "lte");
		char name[RULESET_NAME_MAX];

		assert_string_equal(ruleset_pin_chain(&f.rs, (unsigned int)lte,
						      1, name),
				    "pin.lte.wan2");
		assert_string_equal(
			ruleset_pin_chain(&f.rs,
					  (unsigned int)
						  config_find_policy(&f.c,
								     "voip"),
					  1, name),
			"pin_wan2");
	}
	s = ruleset_marks_only(&f.rs);
	assert_non_null(strstr(s, "0x00000400 : goto via.lte.wan2 }"));
	assert_non_null(strstr(s, "\tchain via.lte.wan2 {\n"));
	free(s);
	teardown(&f);
}

/*
 * A run of rules with the same fields whose values do not overlap is one
 * lookup, a map to the rules' chains; an overlap (a prefix inside an
 * earlier rule's), other fields, or the other family start a new one.
 */
static void test_rule_runs(void **state)
{
	struct fixture f;
	char *s;

	(void)state;
	setup(&f,
	      CONF("[policy p1]\nlinks = wan1\n[policy p2]\nlinks = wan2\n"
		   "[rule a]\ndst = 10.1.0.0/16\npolicy = p1\n"
		   "[rule b]\ndst = 10.2.0.0/16 2001:db8::/32\npolicy = p2\n"
		   "[rule c]\ndst = 10.1.5.0/24\npolicy = p1\n"
		   "[rule d]\ndst = 10.3.0.0/16\npolicy = main\n"
		   "[rule e]\nproto = tcp\npolicy = p2\n"));
	s = ruleset_table(&f.rs);
	assert_non_null(s);
	assert_non_null(
		strstr(s, "\tchain rules {\n"
			  "\t\tip daddr vmap { 10.1.0.0/16 : goto rule.a, "
			  "10.2.0.0/16 : goto rule.b }\n"
			  "\t\tip daddr vmap { 10.1.5.0/24 : goto rule.c, "
			  "10.3.0.0/16 : goto rule.d }\n"
			  "\t\tmeta l4proto { 6 } counter name rule.e goto "
			  "pick.p2\n"
			  "\t\tgoto pick\n\t}\n"));
	assert_non_null(
		strstr(s, "\tchain rules6 {\n"
			  "\t\tip6 daddr { 2001:db8::/32 } counter name "
			  "rule.b goto pick6.p2\n"
			  "\t\tmeta l4proto { 6 } counter name rule.e goto "
			  "pick6.p2\n"
			  "\t\tgoto pick6\n\t}\n"));
	assert_non_null(strstr(s, "\tchain rule.a {\n\t\tcounter name rule.a "
				  "goto pick.p1\n\t}\n"));
	assert_non_null(strstr(s, "\tchain rule.b {\n\t\tcounter name rule.b "
				  "goto pick.p2\n\t}\n"));
	assert_non_null(strstr(s, "\tchain rule.d {\n\t\tcounter name rule.d "
				  "return\n\t}\n"));
	assert_null(strstr(s, "chain rule.e"));
	free(s);
	teardown(&f);
}

/* No rule: the hooks go to the default policy's pick chains directly. */
static void test_no_rules(void **state)
{
	struct fixture f;
	char *s;

	(void)state;
	setup(&f, CONF(""));
	s = ruleset_table(&f.rs);
	assert_non_null(s);
	assert_null(strstr(s, "chain rules"));
	assert_int_equal(count(s, "meta nfproto vmap { ipv4 : goto pick, "
				  "ipv6 : goto pick6 }"),
			 2);
	assert_null(strstr(s, "reject"));
	free(s);
	teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_l4),
		cmocka_unit_test(test_hash_modes),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_shared_interface),
		cmocka_unit_test(test_bucket_changes),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_no_rules),
		cmocka_unit_test(test_rule_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
