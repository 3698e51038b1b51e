// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/flowcount.h"

static void test_add_del(void **state)
{
	struct flowcount fc;

	(void)state;
	assert_int_equal(flowcount_init(&fc), 0);
	assert_int_equal(flowcount_add(&fc, 42, 1), 0);
	assert_int_equal(flowcount_add(&fc, 42, 1), 0); /* seen twice: once */
	assert_int_equal(flowcount_add(&fc, 42, 2), 0); /* stays put */
	assert_int_equal(flowcount_add(&fc, 0, 2), 0); /* digest 0 is stored as
							  1 */
	assert_int_equal(flowcount_get(&fc, 1), 1);
	assert_int_equal(flowcount_get(&fc, 2), 1);
	flowcount_del(&fc, 42);
	flowcount_del(&fc, 42); /* unknown: nothing happens */
	flowcount_del(&fc, 7);
	assert_int_equal(flowcount_get(&fc, 1), 0);
	assert_int_equal(flowcount_get(&fc, 2), 1);
	assert_int_equal(flowcount_add(&fc, 1, FLOWCOUNT_LINKS), -EINVAL);
	/* classes beyond a byte (link 200's IPv6: 401) are their own */
	assert_int_equal(flowcount_add(&fc, 99, 401), 0);
	assert_int_equal(flowcount_get(&fc, 401), 1);
	assert_int_equal(flowcount_get(&fc, 401 & 0xff), 0);
	flowcount_del(&fc, 99);
	assert_int_equal(flowcount_get(&fc, 401), 0);
	assert_int_equal(flowcount_get(&fc, 401 & 0xff), 0);
	assert_int_equal(flowcount_add(&fc, 98, 509), 0);
	flowcount_drop_link(&fc, 509);
	assert_int_equal(flowcount_get(&fc, 509), 0);
	assert_int_equal(flowcount_add(&fc, 98, 3), 0); /* gone from 509 */
	assert_int_equal(flowcount_get(&fc, 3), 1);
	flowcount_clear(&fc);
	assert_int_equal(flowcount_get(&fc, 2), 0);
	assert_int_equal(fc.used, 0);
	flowcount_free(&fc);
}

/*
 * Model key K (1 <= K < N) as a digest, in three classes that stress the
 * probe runs, the wrap-around at the end of the table and the backward
 * shift of a deletion:
 * - K a multiple of 256: the low 40 bits are zero, so after the Fibonacci
 *   multiply every such key's home is slot 0 (while the table has at most
 *   2^20 slots): one long run at the start, which the runs ending the table
 *   wrap into;
 * - other odd K: the low 24 bits are zero, homes are multiples of 16: long
 *   runs that interleave with the others';
 * - the rest: spread evenly.
 */
static uint64_t model_key(uint32_t k)
{
	if (k % 256 == 0)
		return (uint64_t)k << 40;
	return k & 1 ? (uint64_t)k << 24 : k;
}

/* the counters and the number of entries are those of the model */
static void assert_counts(const struct flowcount *fc, const uint64_t want[4])
{
	for (int l = 0; l < 4; l++)
		assert_int_equal(flowcount_get(fc, (unsigned int)l), want[l]);
	assert_int_equal(fc->used, want[0] + want[1] + want[2] + want[3]);
}

/*
 * Every key of the model is found where it should be: adding a known key
 * again, to another link, changes nothing; deleting an unknown one changes
 * nothing either. A key lost behind a hole would be added a second time.
 */
static void assert_findable(struct flowcount *fc, const uint8_t *model,
			    uint32_t n, const uint64_t want[4])
{
	for (uint32_t k = 1; k < n; k++) {
		if (model[k])
			assert_int_equal(flowcount_add(fc, model_key(k),
						       model[k] % 4),
					 0);
		else
			flowcount_del(fc, model_key(k));
		assert_int_equal(fc->used,
				 want[0] + want[1] + want[2] + want[3]);
	}
	assert_counts(fc, want);
}

/*
 * Against a plain model, through growth and many deletions: every step
 * adds (a new key, or a known one that must stay put) or deletes (a known
 * key, or an unknown one that must change nothing), and its result is
 * compared with the model's at once. Every 100000 steps every key is looked
 * up, then one link's connections are dropped.
 */
static void test_model(void **state)
{
	enum { N = 200000, STEPS = 1000000, EPOCH = 100000 };
	struct flowcount fc;
	uint8_t *model = calloc(N, 1); /* 0: absent, else link + 1 */
	uint64_t want[4] = { 0 };
	uint64_t adds = 0, readds = 0, dels = 0, misses = 0;

	(void)state;
	assert_non_null(model);
	assert_int_equal(flowcount_init(&fc), 0);
	srand(7);
	for (int step = 0; step < STEPS; step++) {
		uint32_t k = 1 + (uint32_t)rand() % (N - 1);
		uint64_t key = model_key(k);

		if (rand() % 3) {
			unsigned int link = (unsigned int)rand() % 4;

			assert_int_equal(flowcount_add(&fc, key, link), 0);
			if (!model[k]) {
				model[k] = (uint8_t)(link + 1);
				want[link]++;
				adds++;
			} else {
				readds++; /* stays on its first link */
			}
		} else {
			flowcount_del(&fc, key);
			if (model[k]) {
				want[model[k] - 1]--;
				model[k] = 0;
				dels++;
			} else {
				misses++;
			}
		}
		assert_counts(&fc, want);

		if (step % EPOCH == EPOCH - 1) {
			unsigned int drop = (unsigned int)(step / EPOCH) % 4;

			assert_findable(&fc, model, N, want);
			flowcount_drop_link(&fc, drop);
			for (uint32_t j = 1; j < N; j++)
				if (model[j] == drop + 1)
					model[j] = 0;
			want[drop] = 0;
			assert_counts(&fc, want);
			assert_findable(&fc, model, N, want);
		}
	}
	/* each kind of step happened often, and the table grew well past its
	   first size */
	assert_true(adds > STEPS / 10 && readds > STEPS / 10);
	assert_true(dels > STEPS / 10 && misses > STEPS / 20);
	assert_true(fc.cap >= 1u << 17);
	for (int l = 0; l < 4; l++)
		assert_int_equal(flowcount_get(&fc, (unsigned int)l), want[l]);
	/* every remaining key is still findable: deleting empties the set */
	for (uint32_t k = 0; k < N; k++)
		flowcount_del(&fc, model_key(k));
	for (int l = 0; l < 4; l++)
		assert_int_equal(flowcount_get(&fc, (unsigned int)l), 0);
	assert_int_equal(fc.used, 0);
	flowcount_free(&fc);
	free(model);
}

static void test_drop_link(void **state)
{
	struct flowcount fc;

	(void)state;
	assert_int_equal(flowcount_init(&fc), 0);
	for (uint64_t k = 1; k <= 30000; k++)
		assert_int_equal(flowcount_add(&fc, k * 7919, k % 3), 0);
	flowcount_drop_link(&fc, 1);
	assert_int_equal(flowcount_get(&fc, 1), 0);
	assert_int_equal(flowcount_get(&fc, 0), 10000);
	assert_int_equal(flowcount_get(&fc, 2), 10000);
	assert_int_equal(fc.used, 20000);
	/* the others are all still findable */
	for (uint64_t k = 1; k <= 30000; k++)
		flowcount_del(&fc, k * 7919);
	assert_int_equal(fc.used, 0);
	flowcount_free(&fc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_del),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_drop_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
