// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading flowpin's table back from nft's JSON: the recorded listing of a
 * table flowpin wrote (recorded.h), and JSON written here for the rest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/nftables.h"

#include "recorded.h"

/* record.c's configuration, which wrote the recorded table */
static const char conf[] =
	"[global]\nlan = lan0\nbuckets = 16\n"
	"[link wan1]\ninterface = wan1\ngateway = 192.0.2.1\nweight = 2\n"
	"[link wan2]\ninterface = wan2\ngateway = 198.51.100.1\n"
	"[link lte]\ninterface = wwan0\ntier = 2\n";

static int link_of(const struct table_state *st, const char *name)
{
	for (unsigned int i = 0; i < st->nlinks; i++)
		if (!strcmp(st->links[i].name, name))
			return (int)i;
	return -1;
}

/*
 * Links by name, from the counters and the "via_" and "pin_" chains
 * named in the maps; marks from "marks", bucket owners from "buckets"
 * (bucket 7 had none); the other maps say nothing new.
 */
static void test_recorded(void **state)
{
	/* the recorded buckets map, by link: wan1 0, wan2 1 */
	static const int16_t owner[16] = { 0, 1, 0, 0, 1, 0, 0, -1,
					   0, 0, 1, 0, 0, 1, 0, 0 };
	struct table_state st;
	int wan1, wan2, lte;

	(void)state;
	assert_int_equal(nftables_parse_state(rec_table_json, &st), 0);
	assert_true(st.present);
	assert_int_equal(st.nlinks, 3);
	wan1 = link_of(&st, "wan1");
	wan2 = link_of(&st, "wan2");
	lte = link_of(&st, "lte");
	assert_int_equal(wan1, 0);
	assert_int_equal(wan2, 1);
	assert_int_equal(lte, 2);

	assert_int_equal(st.links[wan1].mark, 0x100);
	assert_int_equal(st.links[wan2].mark, 0x200);
	assert_int_equal(st.links[lte].mark, 0x300);
	assert_int_equal(st.links[wan1].packets, 1234);
	assert_int_equal(st.links[wan1].bytes, 567890);
	assert_int_equal(st.links[wan2].packets, 42);
	assert_int_equal(st.links[wan2].bytes, 4200);
	assert_int_equal(st.links[lte].packets, 0);
	assert_int_equal(st.links[lte].bytes, 0);

	assert_int_equal(st.nowner[FAM_IPV4], 16);
	assert_int_equal(st.nowner[FAM_IPV6], 0); /* recorded before IPv6 */
	for (int b = 0; b < 16; b++)
		assert_int_equal(st.owner[FAM_IPV4][b], owner[b]);
	takeover_state_free(&st);
	assert_null(st.links);
	assert_null(st.owner[FAM_IPV4]);
	assert_null(st.owner[FAM_IPV6]);
}

/* A restart with the same configuration keeps every slot and bucket. */
static void test_recorded_takeover(void **state)
{
	struct table_state st;
	struct bucket_table t, t6;
	struct config c;
	unsigned int slots[16], ngone;
	struct takeover_gone gone[3];

	(void)state;
	assert_int_equal(config_parse_string(&c, "t.conf", conf, NULL), 0);
	assert_int_equal(nftables_parse_state(rec_table_json, &st), 0);
	assert_int_equal(bucket_table_init(&t, 16), 0);
	assert_int_equal(bucket_table_init(&t6, 16), 0);
	assert_int_equal(
		takeover_plan(&c, &st, slots,
			      (struct bucket_table *const *const[FAM_MAX]){
				      (struct bucket_table *const[]){ &t },
				      (struct bucket_table *const[]){ &t6 } },
			      gone, &ngone),
		0);
	/* a table of before IPv6: IPv6 starts afresh */
	assert_int_equal(bucket_count(&t6, BUCKET_NONE), 16);
	bucket_table_free(&t6);
	assert_int_equal(ngone, 0);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(config_slot_mark(&c, slots[i]),
				 0x100 * (i + 1));
	for (uint32_t b = 0; b < 16; b++)
		assert_int_equal(t.owner[b], st.owner[FAM_IPV4][b]);
	bucket_table_free(&t);
	takeover_state_free(&st);
	config_free(&c);
}

/*
 * Policies: a failback policy's marks ("via.P.L") and bucket maps
 * ("buckets.P", "buckets6.P", whose elements go to "pin.P.L" or, for a
 * link without a mark of the policy's, "pin_L"), and rules' counters.
 */
static void test_policies(void **state)
{
	static const char json[] =
		"{\"nftables\": [{\"table\": {\"family\": \"inet\", \"name\": \"flowpin\"}},"
		"{\"counter\": {\"name\": \"wan1\", \"packets\": 5, \"bytes\": 50}},"
		"{\"counter\": {\"name\": \"rule.voip\", \"packets\": 7, \"bytes\": 70}},"
		"{\"map\": {\"name\": \"marks\", \"elem\": ["
		"[256, {\"goto\": {\"target\": \"via_wan1\"}}],"
		"[512, {\"goto\": {\"target\": \"via_wan2\"}}],"
		"[768, {\"goto\": {\"target\": \"via.lte.wan2\"}}]]}},"
		"{\"map\": {\"name\": \"buckets.lte\", \"elem\": ["
		"[0, {\"goto\": {\"target\": \"pin.lte.wan2\"}}],"
		"[1, {\"goto\": {\"target\": \"pin_wan1\"}}]]}},"
		"{\"map\": {\"name\": \"buckets6.lte\", \"elem\": ["
		"[1, {\"goto\": {\"target\": \"pin.lte.wan2\"}}]]}},"
		"{\"map\": {\"name\": \"buckets.\", \"elem\": ["
		"[1, {\"goto\": {\"target\": \"pin.x.\"}}]]}}"
		"]}";
	struct table_state st;
	int wan1, wan2, pair;

	(void)state;
	assert_int_equal(nftables_parse_state(json, &st), 0);
	wan1 = takeover_find(&st, "wan1", "");
	wan2 = takeover_find(&st, "wan2", "");
	pair = takeover_find(&st, "wan2", "lte");
	assert_true(wan1 >= 0 && wan2 >= 0 && pair >= 0);
	assert_int_equal(st.nlinks, 3);
	assert_int_equal(st.links[wan1].packets, 5);
	assert_int_equal(st.links[pair].mark, 768);
	assert_int_equal(st.links[wan2].mark, 512);
	/* the malformed names are no policy's */
	assert_int_equal(st.npolicies, 1);
	assert_string_equal(st.policies[0].name, "lte");
	assert_int_equal(st.policies[0].nowner[FAM_IPV4], 2);
	/* a bucket's owner is the link's own entry, whichever pin */
	assert_int_equal(st.policies[0].owner[FAM_IPV4][0], wan2);
	assert_int_equal(st.policies[0].owner[FAM_IPV4][1], wan1);
	assert_int_equal(st.policies[0].nowner[FAM_IPV6], 2);
	assert_int_equal(st.policies[0].owner[FAM_IPV6][0], -1);
	assert_int_equal(st.nowner[FAM_IPV4], 0);
	assert_int_equal(st.nrules, 1);
	assert_string_equal(st.rules[0].name, "voip");
	assert_int_equal(st.rules[0].packets, 7);
	takeover_state_free(&st);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"{\"nftables\": [",
		"null",
		"[]",
		"{\"nft\": []}",
		"{\"nftables\": {}}",
		"{\"nftables\": 1}",
	};
	struct table_state st;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&st, 0xff, sizeof(st));
		assert_int_equal(nftables_parse_state(bad[i], &st), -EINVAL);
		assert_false(st.present);
		assert_null(st.links);
		assert_null(st.owner[FAM_IPV4]);
		assert_null(st.owner[FAM_IPV6]);
		assert_int_equal(st.nlinks, 0);
		assert_int_equal(st.nowner[FAM_IPV4], 0);
		assert_int_equal(st.nowner[FAM_IPV6], 0);
	}
	/* cut anywhere, the recorded table is no table */
	for (size_t n = 1; n < sizeof(rec_table_json) - 1; n += 97) {
		char *cut = strndup(rec_table_json, n);

		assert_non_null(cut);
		assert_int_equal(nftables_parse_state(cut, &st), -EINVAL);
		assert_null(st.links);
		free(cut);
	}
}

/* A table, but none of flowpin's objects in it: present, and empty. */
static void test_empty(void **state)
{
	struct table_state st;

	(void)state;
	assert_int_equal(nftables_parse_state("{\"nftables\": []}", &st), 0);
	assert_true(st.present);
	assert_int_equal(st.nlinks, 0);
	assert_int_equal(st.nowner[FAM_IPV4], 0);
	assert_int_equal(st.nowner[FAM_IPV6], 0);
	assert_int_equal(
		nftables_parse_state(
			"{\"nftables\": [{\"metainfo\": {}}, 7, "
			"{\"map\": {\"name\": \"buckets\"}}, "
			"{\"map\": {\"name\": \"marks\", \"elem\": []}}]}",
			&st),
		0);
	assert_true(st.present);
	assert_int_equal(st.nlinks, 0);
	takeover_state_free(&st);
}

/*
 * Keys out of range, verdicts not of flowpin's chains: ignored, and the
 * links they name are not made up from them.
 */
static void test_ignored(void **state)
{
	static const char json[] =
		"{\"nftables\": ["
		"{\"counter\": {\"name\": \"a\", \"packets\": 5, \"bytes\": 6}},"
		"{\"map\": {\"name\": \"marks\", \"elem\": ["
		"[-5, {\"goto\": {\"target\": \"via_x\"}}],"
		"[4294967296, {\"goto\": {\"target\": \"via_x\"}}],"
		"[256, {\"jump\": {\"target\": \"via_x\"}}],"
		"[512, {\"goto\": {\"target\": \"pin_x\"}}],"
		"[768, {\"goto\": {\"target\": \"via_a\"}}],"
		"[4294967295, {\"goto\": {\"target\": \"via_b\"}}]]}},"
		"{\"map\": {\"name\": \"buckets\", \"elem\": ["
		"[-1, {\"goto\": {\"target\": \"pin_y\"}}],"
		"[65536, {\"goto\": {\"target\": \"pin_y\"}}],"
		"[4294967296, {\"goto\": {\"target\": \"pin_y\"}}],"
		"[0, {\"goto\": {\"target\": \"via_y\"}}],"
		"[3, {\"goto\": {\"target\": \"pin_a\"}}],"
		"[1, {\"goto\": {\"target\": \"pin_b\"}}]]}},"
		"{\"map\": {\"name\": \"inbound\", \"elem\": ["
		"[\"wan1\", {\"goto\": {\"target\": \"pin_z\"}}]]}}]}";
	struct table_state st;
	int a, b;

	(void)state;
	assert_int_equal(nftables_parse_state(json, &st), 0);
	assert_int_equal(link_of(&st, "x"), -1);
	assert_int_equal(link_of(&st, "y"), -1);
	assert_int_equal(link_of(&st, "z"), -1);
	assert_int_equal(st.nlinks, 2);
	a = link_of(&st, "a");
	b = link_of(&st, "b");
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_int_equal(st.links[a].mark, 768);
	assert_int_equal(st.links[a].packets, 5);
	assert_int_equal(st.links[a].bytes, 6);
	assert_int_equal(st.links[b].mark, 4294967295u);
	assert_int_equal(st.nowner[FAM_IPV4], 4);
	assert_int_equal(st.owner[FAM_IPV4][0], -1);
	assert_int_equal(st.owner[FAM_IPV4][1], b);
	assert_int_equal(st.owner[FAM_IPV4][2], -1);
	assert_int_equal(st.owner[FAM_IPV4][3], a);
	takeover_state_free(&st);
}

/* A table owned by a live socket says so in its flags, string or array. */
static void test_owned(void **state)
{
	static const char *const owned[] = {
		"{\"nftables\": [{\"table\": {\"family\": \"inet\", "
		"\"name\": \"flowpin\", \"handle\": 1, \"flags\": \"owner\"}}]}",
		"{\"nftables\": [{\"table\": {\"family\": \"inet\", "
		"\"name\": \"flowpin\", \"handle\": 1, "
		"\"flags\": [\"owner\", \"persist\"]}}]}",
	};
	/* orphaned: persistent, its owner gone */
	static const char orphan[] =
		"{\"nftables\": [{\"table\": {\"family\": \"inet\", "
		"\"name\": \"flowpin\", \"handle\": 1, \"flags\": [\"persist\"]}}]}";
	struct table_state st;

	(void)state;
	for (unsigned int i = 0; i < 2; i++) {
		assert_int_equal(nftables_parse_state(owned[i], &st), 0);
		assert_true(st.present && st.owned);
		takeover_state_free(&st);
	}
	assert_int_equal(nftables_parse_state(orphan, &st), 0);
	assert_true(st.present);
	assert_false(st.owned);
	takeover_state_free(&st);
	assert_int_equal(nftables_parse_state(rec_table_json, &st), 0);
	assert_false(st.owned);
	takeover_state_free(&st);
}

/* IPv6's bucket map is read apart from IPv4's. */
static void test_buckets6(void **state)
{
	static const char json[] =
		"{\"nftables\": [{\"map\": {\"name\": \"buckets6\", \"elem\": ["
		"[2, {\"goto\": {\"target\": \"pin_b\"}}]]}}, "
		"{\"map\": {\"name\": \"buckets\", \"elem\": ["
		"[0, {\"goto\": {\"target\": \"pin_a\"}}]]}}]}";
	struct table_state st;
	int a, b;

	(void)state;
	assert_int_equal(nftables_parse_state(json, &st), 0);
	a = link_of(&st, "a");
	b = link_of(&st, "b");
	assert_int_equal(st.nowner[FAM_IPV4], 1);
	assert_int_equal(st.owner[FAM_IPV4][0], a);
	assert_int_equal(st.nowner[FAM_IPV6], 3);
	assert_int_equal(st.owner[FAM_IPV6][0], -1);
	assert_int_equal(st.owner[FAM_IPV6][2], b);
	takeover_state_free(&st);
}

/* The highest bucket a table may have. */
static void test_limits(void **state)
{
	static const char json[] =
		"{\"nftables\": [{\"map\": {\"name\": \"buckets\", \"elem\": ["
		"[65535, {\"goto\": {\"target\": \"pin_a\"}}]]}}]}";
	struct table_state st;

	(void)state;
	assert_int_equal(nftables_parse_state(json, &st), 0);
	assert_int_equal(st.nowner[FAM_IPV4], 65536);
	assert_int_equal(st.owner[FAM_IPV4][65535], 0);
	assert_int_equal(st.owner[FAM_IPV4][0], -1);
	takeover_state_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded),
		cmocka_unit_test(test_recorded_takeover),
		cmocka_unit_test(test_policies),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_ignored),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_buckets6),
		cmocka_unit_test(test_owned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
