// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/bucket.h"

/* Every live link is within one bucket of its exact share. */
static void assert_shares(const struct bucket_table *t, const uint32_t *w,
			  unsigned int n)
{
	uint64_t total = 0;
	uint32_t owned = 0;

	for (unsigned int i = 0; i < n; i++)
		total += w[i];
	for (unsigned int i = 0; i < n; i++) {
		uint32_t c = bucket_count(t, (int)i);
		double exact = (double)t->size * w[i] / (double)total;

		assert_true(c + 1 > exact && c < exact + 1);
		owned += c;
	}
	assert_int_equal(owned, total ? t->size : 0);
}

static void test_initial_fill(void **state)
{
	struct bucket_table t;
	uint32_t w[] = { 2, 1, 1 };

	(void)state;
	assert_int_equal(bucket_table_init(&t, 1024), 0);
	/* filling an empty table moves nothing that was owned */
	assert_int_equal(bucket_table_balance(&t, w, 3), 0);
	assert_int_equal(bucket_count(&t, 0), 512);
	assert_int_equal(bucket_count(&t, 1), 256);
	assert_int_equal(bucket_count(&t, 2), 256);
	/* interleaved, not in blocks: no long run of one owner */
	for (uint32_t b = 0; b + 4 < t.size; b++)
		assert_false(t.owner[b] == t.owner[b + 1] &&
			     t.owner[b] == t.owner[b + 2] &&
			     t.owner[b] == t.owner[b + 3] &&
			     t.owner[b] == t.owner[b + 4]);
	bucket_table_free(&t);
}

static void test_uneven_shares(void **state)
{
	struct bucket_table t;
	uint32_t w[] = { 255, 1, 7, 3, 100 };

	(void)state;
	assert_int_equal(bucket_table_init(&t, 1000), 0);
	bucket_table_balance(&t, w, 5);
	assert_shares(&t, w, 5);
	/* balancing a balanced table moves nothing */
	assert_int_equal(bucket_table_balance(&t, w, 5), 0);
	bucket_table_free(&t);
}

/* A link going away hands over only its own buckets. */
static void test_link_down_moves_only_its_buckets(void **state)
{
	struct bucket_table t;
	uint32_t w[] = { 1, 1, 1, 1 };
	int16_t before[1024];

	(void)state;
	assert_int_equal(bucket_table_init(&t, 1024), 0);
	bucket_table_balance(&t, w, 4);
	memcpy(before, t.owner, sizeof(before));

	w[2] = 0;
	assert_int_equal(bucket_table_balance(&t, w, 4), 256);
	assert_shares(&t, w, 4);
	for (uint32_t b = 0; b < t.size; b++) {
		if (before[b] != 2)
			assert_int_equal(t.owner[b], before[b]);
		else
			assert_int_not_equal(t.owner[b], 2);
	}
	bucket_table_free(&t);
}

/* A link coming back takes buckets evenly from the others, and only those. */
static void test_link_up_takes_evenly(void **state)
{
	struct bucket_table t;
	uint32_t w[] = { 1, 1, 1, 0 };
	uint32_t taken[3] = { 0 };
	int16_t before[999];

	(void)state;
	assert_int_equal(bucket_table_init(&t, 999), 0);
	bucket_table_balance(&t, w, 4);
	memcpy(before, t.owner, sizeof(before));

	w[3] = 1;
	uint32_t moved = bucket_table_balance(&t, w, 4);

	assert_shares(&t, w, 4);
	assert_int_equal(moved, bucket_count(&t, 3));
	for (uint32_t b = 0; b < t.size; b++) {
		if (t.owner[b] != before[b]) {
			assert_int_equal(t.owner[b], 3);
			taken[before[b]]++;
		}
	}
	for (int i = 0; i < 3; i++)
		assert_true(taken[i] >= 83 && taken[i] <= 84);
	bucket_table_free(&t);
}

/* Weight changes move exactly the excess of the links that shrink. */
static void test_weight_change_minimal(void **state)
{
	struct bucket_table t;
	uint32_t w[] = { 1, 1 };

	(void)state;
	assert_int_equal(bucket_table_init(&t, 1024), 0);
	bucket_table_balance(&t, w, 2);
	w[0] = 3;
	assert_int_equal(bucket_table_balance(&t, w, 2), 256);
	assert_int_equal(bucket_count(&t, 0), 768);
	bucket_table_free(&t);
}

static void test_all_down_and_removed_links(void **state)
{
	struct bucket_table t;
	uint32_t w[] = { 1, 1, 1 };

	(void)state;
	assert_int_equal(bucket_table_init(&t, 64), 0);
	bucket_table_balance(&t, w, 3);
	/* link 2 removed from the configuration: its buckets are free */
	assert_int_equal(bucket_table_balance(&t, w, 2), 21);
	assert_shares(&t, w, 2);
	w[0] = w[1] = 0;
	assert_int_equal(bucket_table_balance(&t, w, 2), 64);
	assert_int_equal(bucket_count(&t, BUCKET_NONE), 64);
	bucket_table_free(&t);
}

/* Random event sequences: invariants and the minimal move count hold. */
static void test_random_events(void **state)
{
	struct bucket_table t;
	uint32_t w[8];

	(void)state;
	srand(42);
	assert_int_equal(bucket_table_init(&t, 4096), 0);
	for (int i = 0; i < 8; i++)
		w[i] = 1 + (uint32_t)(rand() % 255);
	bucket_table_balance(&t, w, 8);
	for (int step = 0; step < 2000; step++) {
		int16_t before[4096];
		uint32_t prev[8], excess = 0;

		memcpy(before, t.owner, sizeof(before));
		for (int i = 0; i < 8; i++)
			prev[i] = bucket_count(&t, i);
		int l = rand() % 8;
		w[l] = rand() % 3 == 0 ? 0 : 1 + (uint32_t)(rand() % 255);
		uint32_t moved = bucket_table_balance(&t, w, 8);
		uint64_t total = 0;

		for (int i = 0; i < 8; i++)
			total += w[i];
		if (total == 0) {
			assert_int_equal(bucket_count(&t, BUCKET_NONE), 4096);
			continue;
		}
		assert_shares(&t, w, 8);
		/* lower bound: every link must shed at least its excess over
		 * ceil */
		for (int i = 0; i < 8; i++) {
			uint32_t now = bucket_count(&t, i);

			if (prev[i] > now)
				excess += prev[i] - now;
		}
		assert_int_equal(moved, excess);
		/* no bucket changes hands between two links that both keep
		 * or gain buckets */
		for (uint32_t b = 0; b < t.size; b++)
			if (before[b] != t.owner[b] && before[b] >= 0)
				assert_true(bucket_count(&t, before[b]) <
						    prev[before[b]] ||
					    w[before[b]] == 0);
	}
	bucket_table_free(&t);
}

/*
 * One link at a time going down and coming back (a renumbering, a flap):
 * once it is back, every link has exactly the buckets it had at first, so
 * a new connection's link depends on its hash, not on the history. (With
 * several down at once, the links back first may keep some of another's:
 * moving them too would move more than the fewest buckets.)
 */
static void test_back_home(void **state)
{
	uint32_t w0[] = { 2, 1, 1, 3 }, w[4];
	struct bucket_table t, fresh;

	(void)state;
	srand(7);
	assert_int_equal(bucket_table_init(&t, 1024), 0);
	assert_int_equal(bucket_table_init(&fresh, 1024), 0);
	bucket_table_balance(&fresh, w0, 4);
	memcpy(w, w0, sizeof(w));
	bucket_table_balance(&t, w, 4);
	for (int step = 0; step < 200; step++) {
		int l = rand() % 4;

		w[l] = 0;
		bucket_table_balance(&t, w, 4);
		w[l] = w0[l];
		bucket_table_balance(&t, w, 4);
		assert_memory_equal(t.owner, fresh.owner,
				    1024 * sizeof(*t.owner));
	}
	bucket_table_free(&fresh);
	bucket_table_free(&t);
}

static void test_init_bounds(void **state)
{
	struct bucket_table t;

	(void)state;
	assert_int_equal(bucket_table_init(&t, BUCKETS_MIN - 1), -EINVAL);
	assert_int_equal(bucket_table_init(&t, BUCKETS_MAX + 1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_fill),
		cmocka_unit_test(test_uneven_shares),
		cmocka_unit_test(test_link_down_moves_only_its_buckets),
		cmocka_unit_test(test_link_up_takes_evenly),
		cmocka_unit_test(test_weight_change_minimal),
		cmocka_unit_test(test_all_down_and_removed_links),
		cmocka_unit_test(test_random_events),
		cmocka_unit_test(test_back_home),
		cmocka_unit_test(test_init_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
