// SPDX-License-Identifier: GPL-2.0-or-later
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/histogram.h"

static const double le[] = { 0.001, 0.01, 0.1, 1 };
#define N 4

static void test_empty(void **state)
{
	struct histogram h = { 0 };

	(void)state;
	for (unsigned int i = 0; i <= N; i++)
		assert_int_equal(histogram_le(&h, i), 0);
	assert_int_equal(h.count, 0);
	assert_true(h.sum == 0);
}

/* A value equal to a bound is in that bound's bucket ("le"). */
static void test_bounds_inclusive(void **state)
{
	struct histogram h = { 0 };

	(void)state;
	histogram_observe(&h, le, N, 0.01);
	assert_int_equal(histogram_le(&h, 0), 0);
	assert_int_equal(histogram_le(&h, 1), 1);
	assert_int_equal(histogram_le(&h, 3), 1);
	histogram_observe(&h, le, N, 0.0100001);
	assert_int_equal(histogram_le(&h, 1), 1);
	assert_int_equal(histogram_le(&h, 2), 2);
}

/* Cumulative, the last bucket (+Inf) holding every observation. */
static void test_cumulative(void **state)
{
	static const double v[] = { 0.0005, 0.002, 0.05, 0.05, 0.5, 3, -1 };
	struct histogram h = { 0 };
	double sum = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		histogram_observe(&h, le, N, v[i]);
		sum += v[i];
	}
	assert_int_equal(histogram_le(&h, 0), 2); /* -1 and 0.0005 */
	assert_int_equal(histogram_le(&h, 1), 3);
	assert_int_equal(histogram_le(&h, 2), 5);
	assert_int_equal(histogram_le(&h, 3), 6);
	assert_int_equal(histogram_le(&h, N), 7); /* 3 is above every bound */
	assert_int_equal(h.count, 7);
	assert_true(fabs(h.sum - sum) < 1e-12);
	for (unsigned int i = 1; i <= N; i++)
		assert_true(histogram_le(&h, i) >= histogram_le(&h, i - 1));
}

/* A NaN is not counted; an infinity is, above every bound. */
static void test_nan_and_infinity(void **state)
{
	struct histogram h = { 0 };

	(void)state;
	histogram_observe(&h, le, N, NAN);
	assert_int_equal(h.count, 0);
	assert_true(h.sum == 0);
	histogram_observe(&h, le, N, INFINITY);
	assert_int_equal(h.count, 1);
	assert_int_equal(histogram_le(&h, N - 1), 0);
	assert_int_equal(histogram_le(&h, N), 1);
}

/* No bounds: one bucket, +Inf; too many: the first HISTOGRAM_BOUNDS_MAX. */
static void test_bound_count(void **state)
{
	double many[HISTOGRAM_BOUNDS_MAX + 4];
	struct histogram h = { 0 };

	(void)state;
	histogram_observe(&h, NULL, 0, 5);
	assert_int_equal(histogram_le(&h, 0), 1);
	for (unsigned int i = 0; i < HISTOGRAM_BOUNDS_MAX + 4; i++)
		many[i] = i;
	h = (struct histogram){ 0 };
	histogram_observe(&h, many, HISTOGRAM_BOUNDS_MAX + 4, 1000);
	assert_int_equal(h.bucket[HISTOGRAM_BOUNDS_MAX], 1);
	assert_int_equal(histogram_le(&h, HISTOGRAM_BOUNDS_MAX + 3), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bounds_inclusive),
		cmocka_unit_test(test_cumulative),
		cmocka_unit_test(test_nan_and_infinity),
		cmocka_unit_test(test_bound_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
