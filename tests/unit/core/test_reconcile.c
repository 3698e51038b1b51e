// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/reconcile.h"
#include "core/route.h"

/* Objects with a part that counts and one that does not. */
struct obj {
	int id;
	int noise;
};

static bool obj_equal(const void *pa, const void *pb)
{
	const struct obj *a = pa, *b = pb;

	return a->id == b->id;
}

#define MAX 8

/* reconcile() over @have and @want, with every flag set beforehand. */
static unsigned int run(const struct obj *have, unsigned int nhave,
			const struct obj *want, unsigned int nwant, bool *del,
			bool *add)
{
	assert_true(nhave <= MAX && nwant <= MAX);
	memset(del, 0x5a, MAX);
	memset(add, 0x5a, MAX);
	return reconcile(have, nhave, want, nwant, sizeof(struct obj),
			 obj_equal, del, add);
}

/* Every flag is true or false, and none beyond @n is written. */
static void assert_flags(const bool *f, unsigned int n)
{
	const unsigned char *p = (const unsigned char *)f;

	for (unsigned int i = 0; i < n; i++)
		assert_true(p[i] == 0 || p[i] == 1);
	for (unsigned int i = n; i < MAX; i++)
		assert_int_equal(p[i], 0x5a);
}

static void test_empty(void **state)
{
	const struct obj some[] = { { 1, 0 }, { 2, 0 } };
	bool del[MAX], add[MAX];

	(void)state;
	assert_int_equal(run(NULL, 0, NULL, 0, del, add), 0);
	assert_flags(del, 0);
	assert_flags(add, 0);

	/* nothing there: add all */
	assert_int_equal(run(NULL, 0, some, 2, del, add), 2);
	assert_flags(add, 2);
	assert_true(add[0] && add[1]);

	/* nothing wanted: delete all */
	assert_int_equal(run(some, 2, NULL, 0, del, add), 2);
	assert_flags(del, 2);
	assert_true(del[0] && del[1]);
}

/* The same objects, in another order and with other noise: no change. */
static void test_identical(void **state)
{
	const struct obj have[] = { { 1, 0 }, { 2, 0 }, { 3, 0 } };
	const struct obj want[] = { { 3, 7 }, { 1, 8 }, { 2, 9 } };
	bool del[MAX], add[MAX];

	(void)state;
	assert_int_equal(run(have, 3, want, 3, del, add), 0);
	assert_flags(del, 3);
	assert_flags(add, 3);
	for (int i = 0; i < 3; i++) {
		assert_false(del[i]);
		assert_false(add[i]);
	}
}

static void test_disjoint(void **state)
{
	const struct obj have[] = { { 1, 0 }, { 2, 0 } };
	const struct obj want[] = { { 3, 0 }, { 4, 0 }, { 5, 0 } };
	bool del[MAX], add[MAX];

	(void)state;
	assert_int_equal(run(have, 2, want, 3, del, add), 5);
	assert_flags(del, 2);
	assert_flags(add, 3);
	assert_true(del[0] && del[1]);
	assert_true(add[0] && add[1] && add[2]);
}

static void test_overlap(void **state)
{
	const struct obj have[] = { { 1, 0 }, { 2, 0 }, { 3, 0 }, { 4, 0 } };
	const struct obj want[] = { { 5, 0 }, { 4, 0 }, { 2, 0 } };
	bool del[MAX], add[MAX];

	(void)state;
	/* 1 and 3 go, 5 comes, 2 and 4 stay */
	assert_int_equal(run(have, 4, want, 3, del, add), 3);
	assert_flags(del, 4);
	assert_flags(add, 3);
	assert_true(del[0]);
	assert_false(del[1]);
	assert_true(del[2]);
	assert_false(del[3]);
	assert_true(add[0]);
	assert_false(add[1]);
	assert_false(add[2]);
}

/*
 * Duplicates in have (a rule added twice, by hand): every copy equal to a
 * wanted object stays, as the header says (del[i] only for an object
 * nothing wanted equals); every copy of an unwanted one goes.
 */
static void test_duplicates(void **state)
{
	const struct obj have[] = {
		{ 1, 0 }, { 2, 0 }, { 1, 1 }, { 2, 1 }, { 3, 0 }
	};
	const struct obj want[] = { { 1, 0 }, { 4, 0 } };
	bool del[MAX], add[MAX];

	(void)state;
	assert_int_equal(run(have, 5, want, 2, del, add), 4);
	assert_flags(del, 5);
	assert_flags(add, 2);
	assert_false(del[0]);
	assert_true(del[1]);
	assert_false(del[2]);
	assert_true(del[3]);
	assert_true(del[4]);
	assert_false(add[0]);
	assert_true(add[1]);

	/* duplicates wanted: each copy is to be added when none is there
	 * (the kernel refuses the second: a want should hold none), none
	 * when one is there */
	assert_int_equal(run(NULL, 0, &have[0], 3, del, add), 3);
	assert_true(add[0] && add[1] && add[2]);
	assert_int_equal(run(&have[2], 1, &have[0], 3, del, add), 1);
	assert_false(del[0]);
	assert_false(add[0]);
	assert_true(add[1]);
	assert_false(add[2]);
}

/* With the routes' own equality: a route differing in one field is new. */
static void test_routes(void **state)
{
	struct route have[2] = { 0 }, want[2];
	bool del[2], add[2];

	(void)state;
	have[0] = (struct route){ .table = 1000, .oif = 2, .protocol = 0xf1 };
	have[0].gw.v4.s_addr = 0x010200c0; /* 192.0.2.1 */
	have[1] = have[0];
	have[1].table = 1001;
	want[0] = have[1];
	want[1] = have[0];
	want[1].gw.v4.s_addr = 0x020200c0;
	assert_int_equal(reconcile(have, 2, want, 2, sizeof(struct route),
				   route_equal, del, add),
			 2);
	assert_true(del[0]);
	assert_false(del[1]);
	assert_false(add[0]);
	assert_true(add[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_identical),
		cmocka_unit_test(test_disjoint),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_routes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
