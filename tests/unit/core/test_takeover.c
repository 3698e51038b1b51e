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
		unsigned int *slots, struct bucket_table *t, uint32_t *gone,
		unsigned int *ngone)
{
	struct bucket_table t6;
	int ret;

	assert_int_equal(bucket_table_init(&t6, t->size), 0);
	ret = takeover_plan(c, st, slots,
			    (struct bucket_table *const[FAM_MAX]){ t, &t6 },
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
	unsigned int slots[2], ngone;
	uint32_t gone[1];

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
	unsigned int slots[3], ngone;
	uint32_t gone[3];

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
	assert_int_equal(gone[0], 0x200);
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
	unsigned int slots[1], ngone;
	uint32_t gone[1];

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
	unsigned int slots[3], ngone;
	uint32_t gone[3];

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
	unsigned int slots[1], ngone;
	uint32_t gone[1];

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
	unsigned int slots[1], ngone;
	uint32_t gone[1];

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh),
		cmocka_unit_test(test_takeover),
		cmocka_unit_test(test_bucket_count_changed),
		cmocka_unit_test(test_foreign_marks),
		cmocka_unit_test(test_no_room),
		cmocka_unit_test(test_mark_beyond_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
