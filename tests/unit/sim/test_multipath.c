// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sim/multipath.h"

static void test_bounds(void **state)
{
	uint32_t w[] = { 1, 1 };
	bool alive[] = { true, true, true };
	int32_t up[3];

	(void)state;
	multipath_bounds(w, alive, 2, up);
	assert_int_equal(up[0], (1 << 30) - 1);
	assert_int_equal(up[1], 0x7fffffff);

	uint32_t w3[] = { 2, 1, 1 };

	multipath_bounds(w3, alive, 3, up);
	assert_int_equal(up[0], (1 << 30) - 1);
	assert_int_equal(up[1], 0x5fffffff);
	assert_int_equal(up[2], 0x7fffffff);
	/* 1:1:1 does not divide: rounded to the closest, as the kernel does */
	uint32_t e[] = { 1, 1, 1 };

	multipath_bounds(e, alive, 3, up);
	assert_int_equal(up[0], 715827882);
	assert_int_equal(up[1], 1431655764);
	assert_int_equal(up[2], 0x7fffffff);
}

/* The middle nexthop dies: the others' regions move too. */
static void test_dead_nexthop(void **state)
{
	uint32_t w[] = { 1, 1, 1 };
	bool alive[] = { true, false, true };
	int32_t up[3];

	(void)state;
	multipath_bounds(w, alive, 3, up);
	assert_int_equal(up[0], (1 << 30) - 1);
	assert_int_equal(up[1], -1);
	assert_int_equal(up[2], 0x7fffffff);
	/* a flow of nexthop 0 at 0x30000000 now belongs to nexthop 2 */
	assert_int_equal(multipath_select(up, 3, 0x30000000), 0);
	assert_int_equal(multipath_select(up, 3, 0x50000000), 2);
	assert_int_equal(multipath_select(up, 3, 0x7fffffff), 2);

	alive[0] = alive[2] = false;
	multipath_bounds(w, alive, 3, up);
	assert_int_equal(multipath_select(up, 3, 5), -1);
}

static void test_select(void **state)
{
	uint32_t w[] = { 3, 1 };
	bool alive[] = { true, true };
	int32_t up[2];
	unsigned int n0 = 0;

	(void)state;
	multipath_bounds(w, alive, 2, up);
	for (uint32_t h = 0; h < 0x80000000u; h += 0x100000)
		n0 += multipath_select(up, 2, h) == 0;
	assert_int_equal(n0, 1536); /* 3/4 of 2048 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_dead_nexthop),
		cmocka_unit_test(test_select),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
