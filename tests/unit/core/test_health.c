// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/health.h"

/* Feed @n outcomes, 50 ms apart from *now; return the state changes. */
static int feed(struct health *h, int n, bool answered, uint64_t *now)
{
	int changes = 0;

	for (int i = 0; i < n; i++) {
		*now += 50;
		changes += health_probe(h, answered, 12.5, *now);
	}
	return changes;
}

static void test_down_after_consecutive_losses(void **state)
{
	struct health h;
	uint64_t now = 1000000;

	(void)state;
	health_init(&h, 10, 20, true, now);
	assert_int_equal(feed(&h, 9, false, &now), 0);
	assert_true(h.is_up);
	/* an answer resets the run */
	assert_int_equal(feed(&h, 1, true, &now), 0);
	assert_int_equal(feed(&h, 9, false, &now), 0);
	assert_int_equal(feed(&h, 1, false, &now), 1);
	assert_false(h.is_up);
	assert_int_equal(h.since_ms, now);
}

static void test_up_after_consecutive_answers(void **state)
{
	struct health h;
	uint64_t now = 1000000;

	(void)state;
	health_init(&h, 10, 20, false, now);
	assert_int_equal(feed(&h, 19, true, &now), 0);
	assert_int_equal(feed(&h, 1, false, &now), 0); /* starts over */
	assert_int_equal(feed(&h, 19, true, &now), 0);
	assert_int_equal(feed(&h, 1, true, &now), 1);
	assert_true(h.is_up);
	assert_true(h.rtt_ms == 12.5);
}

/* A link that flaps must prove itself longer each time, then is forgiven. */
static void test_flap_penalty(void **state)
{
	struct health h;
	uint64_t now = 1000000;

	(void)state;
	health_init(&h, 10, 20, true, now);
	feed(&h, 10, false, &now); /* down soon after start: not a flap */
	assert_int_equal(health_needed(&h), 20);
	for (uint32_t want = 40; want <= 20 * PENALTY_MAX * 2; want *= 2) {
		assert_int_equal(feed(&h, (int)health_needed(&h), true, &now),
				 1);
		assert_int_equal(feed(&h, 10, false, &now), 1); /* flaps */
		assert_int_equal(health_needed(&h), want > 20 * PENALTY_MAX ?
							    20 * PENALTY_MAX :
							    want);
	}
	/* stays up for a whole window: forgiven at the next failure */
	feed(&h, (int)health_needed(&h), true, &now);
	now += FLAP_WINDOW_MS;
	feed(&h, 10, false, &now);
	assert_int_equal(health_needed(&h), 20);
}

/* 10% random loss never takes the defaults down: 10^-10 per probe. */
static void test_ten_percent_loss(void **state)
{
	struct health h;
	uint64_t now = 1000000;
	int changes = 0;

	(void)state;
	srand(1);
	health_init(&h, DEFAULT_DOWN, DEFAULT_UP, true, now);
	/* an hour of probes at the default interval */
	for (int i = 0; i < 3600 * 1000 / DEFAULT_INTERVAL_MS; i++) {
		now += DEFAULT_INTERVAL_MS;
		changes += health_probe(&h, rand() % 10 != 0, 20, now);
	}
	assert_int_equal(changes, 0);
	assert_true(health_loss(&h) < 25);
}

static void test_force_down(void **state)
{
	struct health h;
	uint64_t now = 1000000;

	(void)state;
	health_init(&h, 10, 20, true, now);
	now += FLAP_WINDOW_MS;
	assert_true(health_force_down(&h, now));
	assert_false(h.is_up);
	assert_false(health_force_down(&h, now)); /* already down */
	feed(&h, 10, true, &now);
	health_force_down(&h, now); /* carrier flaps again: start over */
	assert_int_equal(h.run, 0);
	assert_int_equal(feed(&h, 20, true, &now), 1);
}

static void test_loss_history(void **state)
{
	struct health h;
	uint64_t now = 0;

	(void)state;
	health_init(&h, 1000, 20, true, now);
	assert_true(health_loss(&h) == 0);
	feed(&h, 3, false, &now);
	feed(&h, 1, true, &now);
	assert_true(health_loss(&h) == 75);
	feed(&h, HEALTH_HISTORY, true, &now); /* old losses age out */
	assert_true(health_loss(&h) == 0);
	feed(&h, HEALTH_HISTORY / 2, false, &now);
	assert_true(health_loss(&h) == 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down_after_consecutive_losses),
		cmocka_unit_test(test_up_after_consecutive_answers),
		cmocka_unit_test(test_flap_penalty),
		cmocka_unit_test(test_ten_percent_loss),
		cmocka_unit_test(test_force_down),
		cmocka_unit_test(test_loss_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
