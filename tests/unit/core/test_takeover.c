// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

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

#define HEAD "[global]\nlan = lan0\nbuckets = 16\n"

/*
 * takeover_plan with @t for IPv4; the IPv6 table it fills is checked to
 * hold what @st has of IPv6 (as the IPv4 one, mapped the same way), or
 * nothing when @st has no IPv6 buckets.
 */
static int plan(const struct config *c, const struct table_state *st,
		unsigned int *slots, struct bucket_table *t,
		struct takeover_gone *gone, unsigned int *ngone)
{
	struct bucket_table t6;
	int ret;

	assert_int_equal(bucket_table_init(&t6, t->size), 0);
	ret = takeover_plan(c, st, slots,
			    (struct bucket_table *const *const[FAM_MAX]){
				    (struct bucket_table *const[]){ t },
				    (struct bucket_table *const[]){ &t6 } },
			    gone, ngone);
	if (st->nowner[FAM_IPV6])
		assert_memory_equal(t6.owner, t->owner,
				    t->size * sizeof(*t->owner));
	else
		assert_int_equal(bucket_count(&t6, BUCKET_NONE), t6.size);
	bucket_table_free(&t6);
	return ret;
}

/* Nothing in the kernel: slots in configuration order, no owners. */
static void test_fresh(void **state)
{
	struct table_state st = { 0 };
	struct bucket_table t;
	struct config c;
	unsigned int slots[16], ngone;
	struct takeover_gone gone[1];

	(void)state;
	load(&c, HEAD "[link a]\ninterface = a\n[link b]\ninterface = b\n");
	assert_int_equal(bucket_table_init(&t, 16), 0);
	assert_int_equal(plan(&c, &st, slots, &t, gone, &ngone), 0);
	assert_int_equal(slots[0], 1);
	assert_int_equal(slots[1], 2);
	assert_int_equal(ngone, 0);
	assert_int_equal(bucket_count(&t, BUCKET_NONE), 16);
	bucket_table_free(&t);
	config_free(&c);
}

/*
 * The killed run had links x (mark 0x200), a (0x300), b (0x100). The new
 * configuration keeps a and b, drops x, adds n: a and b keep their slots
 * and buckets, n takes the lowest free slot, x's mark is reported gone.
 */
static void test_takeover(void **state)
{
	struct table_link tl[] = {
		{ .name = "x", .mark = 0x200 },
		{ .name = "a", .mark = 0x300 },
		{ .name = "b", .mark = 0x100 },
	};
	int16_t owner[16];
	struct table_state st = { .present = true,
				  .links = tl,
				  .nlinks = 3,
				  .owner = { owner, owner },
				  .nowner = { 16, 16 } };
	struct bucket_table t;
	struct config c;
	unsigned int slots[16], ngone;
	struct takeover_gone gone[3];

	(void)state;
	for (int b = 0; b < 16; b++)
		owner[b] = (int16_t)(b % 3);
	owner[15] = -1;
	load(&c, HEAD "[link n]\ninterface = n\n[link a]\ninterface = a\n"
		      "[link b]\ninterface = b\n");
	assert_int_equal(bucket_table_init(&t, 16), 0);
	assert_int_equal(plan(&c, &st, slots, &t, gone, &ngone), 0);
	assert_int_equal(slots[1], 3); /* a */
	assert_int_equal(slots[2], 1); /* b */
	assert_int_equal(slots[0], 2); /* n: x's old slot is free again */
	assert_int_equal(ngone, 1);
	assert_int_equal(gone[0].mark, 0x200);
	assert_int_equal(gone[0].link, -1);
	for (int b = 0; b < 15; b++) {
		int want = b % 3 == 0 ? BUCKET_NONE : b % 3 == 1 ? 1 : 2;

		assert_int_equal(t.owner[b], want);
	}
	assert_int_equal(t.owner[15], BUCKET_NONE);
	bucket_table_free(&t);
	config_free(&c);
}

/* A different bucket count starts a fresh table; slots are still kept. */
static void test_bucket_count_changed(void **state)
{
	struct table_link tl[] = { { .name = "a", .mark = 0x500 } };
	int16_t owner[8] = { 0 };
	struct table_state st = { .present = true,
				  .links = tl,
				  .nlinks = 1,
				  .owner = { owner },
				  .nowner = { 8 } };
	struct bucket_table t;
	struct config c;
	unsigned int slots[16], ngone;
	struct takeover_gone gone[1];

	(void)state;
	load(&c, HEAD "[link a]\ninterface = a\n");
	assert_int_equal(bucket_table_init(&t, 16), 0);
	assert_int_equal(plan(&c, &st, slots, &t, gone, &ngone), 0);
	assert_int_equal(slots[0], 5);
	assert_int_equal(bucket_count(&t, BUCKET_NONE), 16);
	bucket_table_free(&t);
	config_free(&c);
}

/* Marks outside the mask, or clashing, are not trusted. */
static void test_foreign_marks(void **state)
{
	struct table_link tl[] = {
		{ .name = "a", .mark = 0x10001 },
		{ .name = "b", .mark = 0x100 },
		{ .name = "c", .mark = 0x100 },
	};
	struct table_state st = { .present = true, .links = tl, .nlinks = 3 };
	struct bucket_table t;
	struct config c;
	unsigned int slots[16], ngone;
	struct takeover_gone gone[3];

	(void)state;
	load(&c, HEAD "[link a]\ninterface = a\n[link b]\ninterface = b\n"
		      "[link c]\ninterface = c\n");
	assert_int_equal(bucket_table_init(&t, 16), 0);
	assert_int_equal(plan(&c, &st, slots, &t, gone, &ngone), 0);
	assert_int_equal(slots[1], 1);
	assert_int_not_equal(slots[0], 1);
	assert_int_not_equal(slots[2], 1);
	assert_int_not_equal(slots[0], slots[2]);
	bucket_table_free(&t);
	config_free(&c);
}

static void test_no_room(void **state)
{
	struct table_link tl[] = { { .name = "x", .mark = 0x1 } };
	struct table_state st = { .present = true, .links = tl, .nlinks = 1 };
	struct bucket_table t;
	struct config c;
	unsigned int slots[16], ngone;
	struct takeover_gone gone[1];

	(void)state;
	/* mask 0x1 holds one link; a fresh config with one link fits ... */
	load(&c, "[global]\nlan = lan0\nbuckets = 16\nmark_mask = 0x1\n"
		 "[link a]\ninterface = a\n");
	assert_int_equal(bucket_table_init(&t, 16), 0);
	st.nlinks = 0;
	assert_int_equal(plan(&c, &st, slots, &t, gone, &ngone), 0);
	assert_int_equal(slots[0], 1);
	/* ... and a renamed link takes the slot its old name left */
	st.nlinks = 1;
	assert_int_equal(plan(&c, &st, slots, &t, gone, &ngone), 0);
	assert_int_equal(slots[0], 1);
	assert_int_equal(ngone, 1);
	bucket_table_free(&t);
	config_free(&c);
}

/* A mark the old, wider mask allowed but the new slots do not reach. */
static void test_mark_beyond_slots(void **state)
{
	struct table_link tl[] = { { .name = "a", .mark = 0x10000 } };
	struct table_state st = { .present = true, .links = tl, .nlinks = 1 };
	struct bucket_table t;
	struct config c;
	unsigned int slots[16], ngone;
	struct takeover_gone gone[1];

	(void)state;
	load(&c, "[global]\nlan = lan0\nbuckets = 16\nmark_mask = 0xffff00\n"
		 "table = 5000\n[link a]\ninterface = a\n");
	assert_int_equal(config_slots(&c), 255);
	assert_int_equal(bucket_table_init(&t, 16), 0);
	assert_int_equal(plan(&c, &st, slots, &t, gone, &ngone), 0);
	assert_int_equal(slots[0], 1); /* not slot 256 */
	bucket_table_free(&t);
	config_free(&c);
}

/*
 * A policy with failback = all has marks of its own on its links, kept
 * across a takeover with its bucket table; the mark of a policy that no
 * longer fails back stays with its link (its connections take the
 * link's own), one whose link is gone goes.
 */
static void test_policy_marks(void **state)
{
	struct table_link tl[] = {
		{ .name = "a", .mark = 0x100 },
		{ .name = "b", .mark = 0x200 },
		{ .name = "a", .policy = "p", .mark = 0x300 },
		{ .name = "a", .policy = "q", .mark = 0x500 },
		{ .name = "x", .policy = "p", .mark = 0x600 },
	};
	int16_t owner[16];
	struct table_policy tp[] = {
		{ .name = "p", .owner = { owner }, .nowner = { 16 } },
	};
	struct table_state st = { .present = true,
				  .links = tl,
				  .nlinks = 5,
				  .policies = tp,
				  .npolicies = 1 };
	struct bucket_table t[3], t6[3];
	struct takeover_gone gone[5];
	unsigned int slots[16], ngone;
	struct config c;
	int p;

	(void)state;
	for (int b = 0; b < 16; b++)
		owner[b] = 0; /* a */
	load(&c, HEAD "[link a]\ninterface = a\n[link b]\ninterface = b\n"
		      "[policy p]\nlinks = a b@2\nfailback = all\n"
		      "[policy q]\nlinks = a\n"
		      "[rule r1]\ndport = 1\npolicy = p\n"
		      "[rule r2]\ndport = 2\npolicy = q\n");
	p = config_find_policy(&c, "p");
	assert_true(p > 0);
	assert_int_equal(c.npolicies, 3);
	assert_true(TAKEOVER_SLOTS(&c) <= 16);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(bucket_table_init(&t[k], 16), 0);
		assert_int_equal(bucket_table_init(&t6[k], 16), 0);
	}
	assert_int_equal(
		takeover_plan(&c, &st, slots,
			      (struct bucket_table *const *const[FAM_MAX]){
				      (struct bucket_table *const[]){
					      &t[0], &t[1], &t[2] },
				      (struct bucket_table *const[]){
					      &t6[0], &t6[1], &t6[2] } },
			      gone, &ngone),
		0);
	assert_int_equal(slots[0], 1);
	assert_int_equal(slots[1], 2);
	assert_int_equal(slots[takeover_pair(&c, (unsigned int)p, 0)], 3);
	/* b is p's too: the lowest free slot (4; 5 and 6 were the gone's) */
	assert_int_equal(slots[takeover_pair(&c, (unsigned int)p, 1)], 4);
	/* neither the default policy nor q fails back: no marks of theirs */
	for (unsigned int i = 0; i < 2; i++) {
		assert_int_equal(slots[takeover_pair(&c, POLICY_DEFAULT, i)],
				 0);
		assert_int_equal(slots[takeover_pair(&c, 3 - (unsigned)p, i)],
				 0);
	}
	assert_int_equal(ngone, 2);
	assert_int_equal(gone[0].mark, 0x500);
	assert_int_equal(gone[0].link, 0);
	assert_int_equal(gone[1].mark, 0x600);
	assert_int_equal(gone[1].link, -1);
	assert_int_equal(bucket_count(&t[p], 0), 16);
	assert_int_equal(bucket_count(&t[0], BUCKET_NONE), 16);
	for (int k = 0; k < 3; k++) {
		bucket_table_free(&t[k]);
		bucket_table_free(&t6[k]);
	}
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh),
		cmocka_unit_test(test_takeover),
		cmocka_unit_test(test_bucket_count_changed),
		cmocka_unit_test(test_foreign_marks),
		cmocka_unit_test(test_no_room),
		cmocka_unit_test(test_mark_beyond_slots),
		cmocka_unit_test(test_policy_marks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
