// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/policy.h"

#define N 4

/* weights { 2, 1, 5, 1 } in tiers { 1, 1, 2, 3 }, all up */
static void links4(struct policy_link *l)
{
	static const uint32_t w[N] = { 2, 1, 5, 1 }, tier[N] = { 1, 1, 2, 3 };

	for (int i = 0; i < N; i++)
		l[i] = (struct policy_link){ .weight = w[i],
					     .tier = tier[i],
					     .up = true,
					     .usable = true };
}

static void assert_eff(const uint32_t *eff, uint32_t a, uint32_t b, uint32_t c,
		       uint32_t d)
{
	assert_int_equal(eff[0], a);
	assert_int_equal(eff[1], b);
	assert_int_equal(eff[2], c);
	assert_int_equal(eff[3], d);
}

/*
 * The lowest tier with a link up takes everything, by weight; as links go
 * away one by one, the next tier takes over, then nothing is left.
 */
static void test_tiers(void **state)
{
	struct policy_link l[N];
	uint32_t eff[N];

	(void)state;
	links4(l);
	assert_int_equal(policy_weights(l, N, eff), POLICY_UP);
	assert_eff(eff, 2, 1, 0, 0);

	l[0].up = l[0].usable = false;
	assert_int_equal(policy_weights(l, N, eff), POLICY_UP);
	assert_eff(eff, 0, 1, 0, 0);

	l[1].up = l[1].usable = false;
	assert_int_equal(policy_weights(l, N, eff), POLICY_UP);
	assert_eff(eff, 0, 0, 5, 0);

	l[2].up = l[2].usable = false;
	assert_int_equal(policy_weights(l, N, eff), POLICY_UP);
	assert_eff(eff, 0, 0, 0, 1);

	l[3].up = l[3].usable = false;
	assert_int_equal(policy_weights(l, N, eff), POLICY_NONE);
	assert_eff(eff, 0, 0, 0, 0);

	/* and back: the best tier up wins again at once */
	l[1].up = l[1].usable = true;
	l[3].up = l[3].usable = true;
	assert_int_equal(policy_weights(l, N, eff), POLICY_UP);
	assert_eff(eff, 0, 1, 0, 0);
}

/* An up link of weight 0 takes nothing, and does not hold its tier. */
static void test_weight_zero(void **state)
{
	struct policy_link l[N];
	uint32_t eff[N];

	(void)state;
	links4(l);
	l[0].weight = l[1].weight = 0;
	assert_int_equal(policy_weights(l, N, eff), POLICY_UP);
	assert_eff(eff, 0, 0, 5, 0);

	/* in degraded mode likewise */
	for (int i = 0; i < N; i++)
		l[i].up = false;
	assert_int_equal(policy_weights(l, N, eff), POLICY_DEGRADED);
	assert_eff(eff, 0, 0, 5, 0);

	/* every weight 0: nothing to share, up or not */
	for (int i = 0; i < N; i++) {
		l[i].weight = 0;
		l[i].up = true;
	}
	assert_int_equal(policy_weights(l, N, eff), POLICY_NONE);
	assert_eff(eff, 0, 0, 0, 0);
}

/* A tier is the lowest with a link up, not the lowest with a link. */
static void test_up_beats_usable(void **state)
{
	struct policy_link l[N];
	uint32_t eff[N];

	(void)state;
	links4(l);
	l[0].up = l[1].up = false; /* probes fail, interfaces fine */
	assert_int_equal(policy_weights(l, N, eff), POLICY_UP);
	assert_eff(eff, 0, 0, 5, 0);
	/* a link of the tier chosen that is not up takes nothing */
	l[2].up = false;
	l[3].tier = 1;
	assert_int_equal(policy_weights(l, N, eff), POLICY_UP);
	assert_eff(eff, 0, 0, 0, 1);
}

/*
 * No link up: the usable links of the lowest tier that has one share
 * the buckets, so that targets that stop answering everywhere at once do
 * not take the router down.
 */
static void test_degraded(void **state)
{
	struct policy_link l[N];
	uint32_t eff[N];

	(void)state;
	links4(l);
	for (int i = 0; i < N; i++)
		l[i].up = false;
	assert_int_equal(policy_weights(l, N, eff), POLICY_DEGRADED);
	assert_eff(eff, 2, 1, 0, 0);

	l[0].usable = false; /* its interface went down */
	assert_int_equal(policy_weights(l, N, eff), POLICY_DEGRADED);
	assert_eff(eff, 0, 1, 0, 0);

	l[1].usable = false;
	assert_int_equal(policy_weights(l, N, eff), POLICY_DEGRADED);
	assert_eff(eff, 0, 0, 5, 0);

	l[2].usable = false;
	l[3].usable = false;
	assert_int_equal(policy_weights(l, N, eff), POLICY_NONE);
	assert_eff(eff, 0, 0, 0, 0);
}

static void test_no_links(void **state)
{
	uint32_t eff[1] = { 7 };

	(void)state;
	assert_int_equal(policy_weights(NULL, 0, eff), POLICY_NONE);
	assert_int_equal(eff[0], 7); /* nothing written */
}

/* The effective weights, applied to a bucket table; the mode said. */
static void test_balance(void **state)
{
	struct policy_link l[N];
	struct bucket_table t;
	enum policy_mode mode;
	uint32_t before;

	(void)state;
	links4(l);
	assert_int_equal(bucket_table_init(&t, 48), 0);

	/* a fresh table: nothing owned moves; 2:1 in tier 1 */
	assert_int_equal(policy_balance(&t, l, N, &mode), 0);
	assert_int_equal(mode, POLICY_UP);
	assert_int_equal(bucket_count(&t, 0), 32);
	assert_int_equal(bucket_count(&t, 1), 16);
	assert_int_equal(bucket_count(&t, 2), 0);

	/* link 0 goes down: its buckets move to link 1, and only those */
	l[0].up = false;
	assert_int_equal(policy_balance(&t, l, N, &mode), 32);
	assert_int_equal(mode, POLICY_UP);
	assert_int_equal(bucket_count(&t, 1), 48);

	/* tier 1 gone: tier 2 takes everything */
	l[1].up = false;
	l[0].usable = l[1].usable = false;
	assert_int_equal(policy_balance(&t, l, N, &mode), 48);
	assert_int_equal(mode, POLICY_UP);
	assert_int_equal(bucket_count(&t, 2), 48);

	/* the same again moves nothing */
	assert_int_equal(policy_balance(&t, l, N, &mode), 0);
	assert_int_equal(mode, POLICY_UP);

	/* no link up, 2 and 3 usable: tier 2 keeps its buckets */
	l[2].up = l[3].up = false;
	assert_int_equal(policy_balance(&t, l, N, &mode), 0);
	assert_int_equal(mode, POLICY_DEGRADED);
	assert_int_equal(bucket_count(&t, 2), 48);

	/* nothing usable: every bucket freed, the main table decides */
	l[2].usable = l[3].usable = false;
	before = bucket_count(&t, 2);
	assert_int_equal(policy_balance(&t, l, N, &mode), before);
	assert_int_equal(mode, POLICY_NONE);
	assert_int_equal(bucket_count(&t, BUCKET_NONE), 48);

	/* everything back: the table fills again, nothing owned moves */
	links4(l);
	assert_int_equal(policy_balance(&t, l, N, &mode), 0);
	assert_int_equal(mode, POLICY_UP);
	assert_int_equal(bucket_count(&t, 0), 32);
	assert_int_equal(bucket_count(&t, 1), 16);
	bucket_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tiers),
		cmocka_unit_test(test_weight_zero),
		cmocka_unit_test(test_up_beats_usable),
		cmocka_unit_test(test_degraded),
		cmocka_unit_test(test_no_links),
		cmocka_unit_test(test_balance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
