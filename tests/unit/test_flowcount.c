// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "flowcount.h"

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
	flowcount_clear(&fc);
	assert_int_equal(flowcount_get(&fc, 2), 0);
	assert_int_equal(fc.used, 0);
	flowcount_free(&fc);
}

/* Against a plain model, through growth and many deletions. */
static void test_model(void **state)
{
	enum { N = 200000 };
	struct flowcount fc;
	uint8_t *model = calloc(N, 1); /* 0: absent, else link + 1 */
	uint64_t want[4] = { 0 };

	(void)state;
	assert_non_null(model);
	assert_int_equal(flowcount_init(&fc), 0);
	srand(7);
	for (int step = 0; step < 1000000; step++) {
		uint32_t k = 1 + (uint32_t)rand() % (N - 1);
		/* clustered keys stress the probe runs */
		uint64_t key = (uint64_t)k << (step & 1 ? 40 : 0);

		if (step & 1)
			continue;
		if (rand() % 3) {
			unsigned int link = (unsigned int)rand() % 4;

			assert_int_equal(flowcount_add(&fc, key, link), 0);
			if (!model[k]) {
				model[k] = (uint8_t)(link + 1);
				want[link]++;
			}
		} else {
			flowcount_del(&fc, key);
			if (model[k]) {
				want[model[k] - 1]--;
				model[k] = 0;
			}
		}
	}
	for (int l = 0; l < 4; l++)
		assert_int_equal(flowcount_get(&fc, (unsigned int)l), want[l]);
	/* every remaining key is still findable: deleting empties the set */
	for (uint32_t k = 0; k < N; k++)
		flowcount_del(&fc, k);
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
