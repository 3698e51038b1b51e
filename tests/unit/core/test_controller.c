// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The link controller, driven through scripted event sequences: what the
 * daemon would observe goes in, and each decision is checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/controller.h"

#define T0 1000000 /* ms: the controller's clock at start */

/* wan1 and wan2 probe (tier 1); lte does not (tier 2). */
static const char conf_text[] =
	"[global]\nlan = lan0\nbuckets = 16\n"
	"[link wan1]\ninterface = eth1\ngateway = 10.1.0.1\ntrack = 198.51.100.1\n"
	"[link wan2]\ninterface = eth2\ngateway = 10.2.0.1\ntrack = 198.51.100.1\n"
	"[link lte]\ninterface = wwan0\ngateway = 10.3.0.1\ntier = 2\n";

struct rig {
	struct config cfg;
	struct controller c;
	struct iface ifc[3];
	uint64_t now;
};

static struct iface running(int index, const char *local)
{
	struct iface ifc = { .index = index, .flags = IFF_UP | IFF_RUNNING };

	assert_int_equal(inet_pton(AF_INET, local, &ifc.addr[0].local), 1);
	ifc.addr[0].plen = 30;
	ifc.naddr = 1;
	return ifc;
}

static void rig_init(struct rig *r)
{
	assert_int_equal(config_parse_string(&r->cfg, "t.conf", conf_text,
					     NULL),
			 0);
	assert_int_equal(controller_init(&r->c, &r->cfg), 0);
	r->ifc[0] = running(2, "10.1.0.2");
	r->ifc[1] = running(3, "10.2.0.2");
	r->ifc[2] = running(4, "10.3.0.2");
	r->now = T0;
}

static void rig_start(struct rig *r, bool takeover)
{
	controller_start(&r->c, r->ifc, NULL, takeover, r->now);
	controller_applied(&r->c); /* the daemon loads the table */
}

static void rig_free(struct rig *r)
{
	controller_free(&r->c);
	config_free(&r->cfg);
}

/* @n probe outcomes on link @i, 50 ms apart; true when one mattered. */
static bool probes(struct rig *r, unsigned int i, unsigned int n, bool answered)
{
	bool changed = false;

	for (unsigned int k = 0; k < n; k++) {
		r->now += 50;
		changed |= controller_probe(&r->c, i, answered, 10.0, r->now);
	}
	return changed;
}

static uint32_t owned(const struct rig *r, int i)
{
	return bucket_count(&r->c.buckets, i);
}

/* Evaluate, let the kernel take the table, and return the links to flush. */
static unsigned int settle(struct rig *r, struct ctl_decision *d, bool *flush)
{
	controller_evaluate(&r->c, r->now, d);
	if (d->apply)
		controller_applied(&r->c);
	return controller_flushes(&r->c, flush);
}

static void test_start_all_up(void **state)
{
	struct ctl_decision d;
	bool flush[3];
	struct rig r;

	(void)state;
	rig_init(&r);
	rig_start(&r, false);
	assert_true(r.c.links[0].up && r.c.links[1].up && r.c.links[2].up);
	assert_int_equal(owned(&r, 0), 8);
	assert_int_equal(owned(&r, 1), 8);
	assert_int_equal(owned(&r, 2), 0); /* tier 2: a backup */
	assert_int_equal(settle(&r, &d, flush), 0);
	assert_int_equal(d.nchanged, 0);
	assert_false(d.apply);
	assert_int_equal(controller_fallback(&r.c), 0);
	rig_free(&r);
}

static void test_failure_and_recovery(void **state)
{
	struct ctl_decision d;
	bool flush[3];
	struct rig r;
	char why[160];

	(void)state;
	rig_init(&r);
	rig_start(&r, false);

	/* nine lost probes: still up */
	assert_false(probes(&r, 0, 9, false));
	controller_evaluate(&r.c, r.now, &d);
	assert_int_equal(d.nchanged, 0);
	/* the tenth takes it down: its buckets go to wan2 */
	assert_true(probes(&r, 0, 1, false));
	controller_evaluate(&r.c, r.now, &d);
	assert_int_equal(d.nchanged, 1);
	assert_true(d.changed[0]);
	assert_false(r.c.links[0].up);
	assert_int_equal(d.moved[0], 8);
	assert_true(d.apply);
	assert_int_equal(owned(&r, 0), 0);
	assert_int_equal(owned(&r, 1), 16);
	assert_non_null(strstr(r.c.links[0].why, "10 probes lost in a row"));
	/* its connections go only once the kernel has the new table */
	assert_int_equal(controller_flushes(&r.c, flush), 0);
	controller_applied(&r.c);
	assert_int_equal(controller_flushes(&r.c, flush), 1);
	assert_true(flush[0]);
	assert_false(flush[1] || flush[2]);
	/* and only once */
	assert_int_equal(controller_flushes(&r.c, flush), 0);
	assert_int_equal(controller_fallback(&r.c), 1);

	/* nineteen answers: still down, and status says how far it got */
	assert_false(probes(&r, 0, 19, true));
	controller_why(&r.c, 0, why, sizeof(why));
	assert_non_null(
		strstr(why, "up after 20 answered in a row, 19 so far"));
	/* the twentieth: up, and it takes its share back */
	assert_true(probes(&r, 0, 1, true));
	assert_int_equal(settle(&r, &d, flush), 0);
	assert_true(d.changed[0]);
	assert_true(r.c.links[0].up);
	assert_int_equal(d.moved[0], 8);
	assert_int_equal(owned(&r, 0), 8);
	assert_false(r.c.links[0].flushed);
	rig_free(&r);
}

/* Down again within the flap window: twice the answers to come back. */
static void test_flapping(void **state)
{
	struct ctl_decision d;
	bool flush[3];
	struct rig r;

	(void)state;
	rig_init(&r);
	rig_start(&r, false);
	probes(&r, 0, 10, false);
	settle(&r, &d, flush);
	probes(&r, 0, 20, true);
	settle(&r, &d, flush);
	assert_true(r.c.links[0].up);

	probes(&r, 0, 10, false); /* a second after it came back */
	settle(&r, &d, flush);
	assert_false(r.c.links[0].up);
	assert_int_equal(health_needed(&r.c.links[0].health), 40);
	assert_false(probes(&r, 0, 39, true));
	settle(&r, &d, flush);
	assert_false(r.c.links[0].up);
	assert_true(probes(&r, 0, 1, true));
	settle(&r, &d, flush);
	assert_true(r.c.links[0].up);
	rig_free(&r);
}

/*
 * Every probed link fails at once while lte is down too: the targets more
 * likely failed than every path, so the usable links keep carrying, and
 * none of their connections is deleted.
 */
static void test_all_down(void **state)
{
	struct iface gone = { 0 };
	struct ctl_decision d;
	bool flush[3];
	struct rig r;

	(void)state;
	rig_init(&r);
	rig_start(&r, false);
	assert_true(controller_iface(&r.c, 2, &gone, r.now));
	settle(&r, &d, flush);
	assert_false(r.c.links[2].up);

	probes(&r, 0, 10, false);
	probes(&r, 1, 10, false);
	assert_int_equal(settle(&r, &d, flush), 0);
	assert_int_equal(d.nchanged, 2);
	assert_int_equal(d.mode, POLICY_DEGRADED);
	assert_int_equal(d.was, POLICY_UP);
	assert_int_equal(owned(&r, 0), 8);
	assert_int_equal(owned(&r, 1), 8);
	assert_false(r.c.links[0].up || r.c.links[1].up);
	assert_int_equal(controller_fallback(&r.c), -1);

	/* wan2 recovers: out of the fallback, and wan1's connections go */
	probes(&r, 1, 20, true);
	assert_int_equal(settle(&r, &d, flush), 1);
	assert_true(flush[0]);
	assert_int_equal(d.mode, POLICY_UP);
	assert_int_equal(d.was, POLICY_DEGRADED);
	assert_int_equal(owned(&r, 0), 0);
	assert_int_equal(owned(&r, 1), 16);

	/* nothing usable at all: the main table decides */
	assert_true(controller_iface(&r.c, 1, &gone, r.now));
	assert_true(controller_iface(&r.c, 0, &gone, r.now));
	settle(&r, &d, flush);
	assert_int_equal(d.mode, POLICY_NONE);
	assert_int_equal(bucket_count(&r.c.buckets, BUCKET_NONE), 16);
	rig_free(&r);
}

/* The backup tier takes over when tier 1 is gone, and gives back. */
static void test_tiers(void **state)
{
	struct iface nocarrier;
	struct ctl_decision d;
	bool flush[3];
	struct rig r;

	(void)state;
	rig_init(&r);
	rig_start(&r, false);
	nocarrier = r.ifc[0];
	nocarrier.flags = IFF_UP;
	assert_true(controller_iface(&r.c, 0, &nocarrier, r.now));
	nocarrier = r.ifc[1];
	nocarrier.flags = IFF_UP;
	assert_true(controller_iface(&r.c, 1, &nocarrier, r.now));
	assert_int_equal(settle(&r, &d, flush), 2);
	assert_true(flush[0] && flush[1]);
	assert_int_equal(d.mode, POLICY_UP);
	assert_int_equal(owned(&r, 2), 16);
	assert_int_equal(d.moved[2], 16);
	assert_int_equal(controller_fallback(&r.c), 2);

	/* carrier back: wan1 proves itself first, then takes over */
	assert_true(controller_iface(&r.c, 0, &r.ifc[0], r.now));
	settle(&r, &d, flush);
	assert_false(r.c.links[0].up);
	assert_int_equal(owned(&r, 2), 16);
	probes(&r, 0, 20, true);
	assert_int_equal(settle(&r, &d, flush), 0); /* lte is up: kept */
	assert_int_equal(owned(&r, 0), 16);
	assert_int_equal(owned(&r, 2), 0);
	assert_true(r.c.links[2].up);
	assert_int_equal(controller_fallback(&r.c), 0);
	rig_free(&r);
}

/* Carrier and interface presence take a link down at once. */
static void test_carrier(void **state)
{
	struct iface ifc, gone = { 0 };
	struct ctl_decision d;
	bool flush[3];
	struct rig r;

	(void)state;
	rig_init(&r);
	rig_start(&r, false);
	ifc = r.ifc[1];
	ifc.flags = IFF_UP;
	assert_true(controller_iface(&r.c, 1, &ifc, r.now));
	/* the same observation again changes nothing */
	assert_false(controller_iface(&r.c, 1, &ifc, r.now));
	settle(&r, &d, flush);
	assert_false(r.c.links[1].up);
	assert_string_equal(r.c.links[1].why, "interface eth2 has no carrier");
	assert_null(controller_source(&r.c, 1));

	assert_true(controller_iface(&r.c, 2, &gone, r.now));
	settle(&r, &d, flush);
	assert_string_equal(r.c.links[2].why, "interface wwan0 is missing");
	/* no probes: back as soon as it is usable again */
	assert_true(controller_iface(&r.c, 2, &r.ifc[2], r.now));
	settle(&r, &d, flush);
	assert_true(r.c.links[2].up);
	assert_non_null(controller_source(&r.c, 2));
	rig_free(&r);
}

static void test_neighbour(void **state)
{
	struct neigh nb = { .ifindex = 2, .verdict = NEIGH_FAILED };
	struct ctl_decision d;
	bool flush[3];
	struct rig r;
	char why[160];

	(void)state;
	rig_init(&r);
	rig_start(&r, false);
	inet_pton(AF_INET, "10.1.0.1", &nb.addr);
	/* another interface's neighbour of that address: not wan1's */
	nb.ifindex = 9;
	assert_false(controller_neigh(&r.c, &nb, r.now));
	nb.ifindex = 2;
	assert_true(controller_neigh(&r.c, &nb, r.now));
	assert_false(controller_neigh(&r.c, &nb, r.now)); /* known already */
	settle(&r, &d, flush);
	assert_false(r.c.links[0].up);
	assert_non_null(
		strstr(r.c.links[0].why, "gateway 10.1.0.1 does not answer"));
	controller_why(&r.c, 0, why, sizeof(why));
	assert_non_null(strstr(why, "neighbour FAILED"));

	/* asked again every second, not sooner */
	assert_int_equal(controller_deadline(&r.c),
			 r.now + CONTROLLER_NEIGH_RETRY_MS);
	assert_false(controller_neigh_due(&r.c, 0, r.now + 999));
	assert_true(controller_neigh_due(&r.c, 0, r.now + 1000));
	assert_false(controller_neigh_due(&r.c, 0, r.now + 1001));

	/* an answered probe proves the gateway; the link still proves itself */
	assert_true(probes(&r, 0, 1, true));
	assert_false(r.c.links[0].neigh_failed);
	assert_int_equal(controller_deadline(&r.c), UINT64_MAX);
	probes(&r, 0, 19, true);
	settle(&r, &d, flush);
	assert_true(r.c.links[0].up);

	/* an unknown verdict (resolving) says nothing */
	nb.verdict = NEIGH_UNKNOWN;
	assert_false(controller_neigh(&r.c, &nb, r.now));
	rig_free(&r);
}

/*
 * A killed daemon's table: wan1 owned no bucket while wan2, of its tier,
 * did: wan1 was down there. It starts down, its connections were deleted
 * then; lte owns none because it is a backup, and is not down.
 */
static void test_takeover(void **state)
{
	struct ctl_decision d;
	bool flush[3];
	struct rig r;

	(void)state;
	rig_init(&r);
	for (uint32_t b = 0; b < 16; b++)
		r.c.buckets.owner[b] = 1;
	rig_start(&r, true);
	assert_false(r.c.links[0].up);
	assert_true(r.c.links[0].flushed);
	assert_true(r.c.links[1].up);
	assert_true(r.c.links[2].up);
	assert_int_equal(owned(&r, 1), 16);
	/* nothing moves, and nothing is deleted again */
	assert_int_equal(settle(&r, &d, flush), 0);
	assert_false(d.apply);
	/* it comes back through its probes */
	probes(&r, 0, 20, true);
	settle(&r, &d, flush);
	assert_true(r.c.links[0].up);
	assert_int_equal(owned(&r, 0), 8);
	rig_free(&r);
}

/* A reload keeps what was learnt of every link that stays. */
static void test_reload(void **state)
{
	struct controller next;
	struct ctl_decision d;
	bool flush[3];
	struct rig r;

	(void)state;
	rig_init(&r);
	rig_start(&r, false);
	probes(&r, 1, 10, false);
	settle(&r, &d, flush);
	assert_false(r.c.links[1].up);

	assert_int_equal(controller_init(&next, &r.cfg), 0);
	memcpy(next.buckets.owner, r.c.buckets.owner,
	       16 * sizeof(*next.buckets.owner));
	controller_start(&next, r.ifc, &r.c, true, r.now);
	assert_true(next.links[0].up);
	assert_false(next.links[1].up);
	assert_true(next.links[1].flushed);
	assert_int_equal(bucket_count(&next.buckets, 0), 16);
	controller_free(&next);
	rig_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_all_up),
		cmocka_unit_test(test_failure_and_recovery),
		cmocka_unit_test(test_flapping),
		cmocka_unit_test(test_all_down),
		cmocka_unit_test(test_tiers),
		cmocka_unit_test(test_carrier),
		cmocka_unit_test(test_neighbour),
		cmocka_unit_test(test_takeover),
		cmocka_unit_test(test_reload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
