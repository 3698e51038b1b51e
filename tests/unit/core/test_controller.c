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
	struct link_seen seen[3];
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

static void rig_init_text(struct rig *r, const char *text)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(config_parse_string(&r->cfg, "t.conf", text, NULL), 0);
	assert_int_equal(controller_init(&r->c, &r->cfg, FAM_IPV4), 0);
	r->seen[0].ifc = running(2, "10.1.0.2");
	r->seen[1].ifc = running(3, "10.2.0.2");
	r->seen[2].ifc = running(4, "10.3.0.2");
	r->now = T0;
}

static void rig_init(struct rig *r)
{
	rig_init_text(r, conf_text);
}

static void rig_start(struct rig *r, bool takeover)
{
	controller_start(&r->c, r->seen, NULL, takeover, r->now);
	controller_applied(&r->c); /* the daemon loads the table */
}

/* Link @i's interface as now observed, nothing learned. */
static bool see(struct rig *r, unsigned int i, const struct iface *ifc)
{
	struct link_seen s = { .ifc = *ifc };

	return controller_iface(&r->c, i, &s, r->now);
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
	return bucket_count(&r->c.pol[0].buckets, i);
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
	assert_int_equal(r.c.links[0].changes, 1); /* the metrics' count */
	assert_int_equal(r.c.links[1].changes, 0);
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
	assert_int_equal(r.c.links[0].changes, 2);
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
	assert_true(see(&r, 2, &gone));
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

	/* wan1 loses its carrier meanwhile: no longer usable, its buckets
	 * go to wan2, the one usable link left, and its connections too */
	struct iface nocarrier = r.seen[0].ifc;

	nocarrier.flags &= ~IFF_RUNNING;
	assert_true(see(&r, 0, &nocarrier));
	assert_int_equal(settle(&r, &d, flush), 1);
	assert_true(flush[0]);
	assert_int_equal(d.nchanged, 0);
	assert_int_equal(owned(&r, 0), 0);
	assert_int_equal(owned(&r, 1), 16);
	/* and back: usable again, it shares again */
	assert_true(see(&r, 0, &r.seen[0].ifc));
	settle(&r, &d, flush);
	assert_int_equal(owned(&r, 0), 8);
	assert_int_equal(owned(&r, 1), 8);

	/* wan2 recovers: out of the fallback, and wan1's connections go */
	probes(&r, 1, 20, true);
	assert_int_equal(settle(&r, &d, flush), 1);
	assert_true(flush[0]);
	assert_int_equal(d.mode, POLICY_UP);
	assert_int_equal(d.was, POLICY_DEGRADED);
	assert_int_equal(owned(&r, 0), 0);
	assert_int_equal(owned(&r, 1), 16);

	/* nothing usable at all: the main table decides */
	assert_true(see(&r, 1, &gone));
	assert_true(see(&r, 0, &gone));
	settle(&r, &d, flush);
	assert_int_equal(d.mode, POLICY_NONE);
	assert_int_equal(bucket_count(&r.c.pol[0].buckets, BUCKET_NONE), 16);
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
	nocarrier = r.seen[0].ifc;
	nocarrier.flags = IFF_UP;
	assert_true(see(&r, 0, &nocarrier));
	nocarrier = r.seen[1].ifc;
	nocarrier.flags = IFF_UP;
	assert_true(see(&r, 1, &nocarrier));
	assert_int_equal(settle(&r, &d, flush), 2);
	assert_true(flush[0] && flush[1]);
	assert_int_equal(d.mode, POLICY_UP);
	assert_int_equal(owned(&r, 2), 16);
	/* one transaction, each link's own count (issue 14, defect 13) */
	assert_int_equal(d.moved[0], 8);
	assert_int_equal(d.moved[1], 8);
	assert_int_equal(d.moved[2], 16);
	assert_int_equal(controller_fallback(&r.c), 2);

	/* carrier back: wan1 proves itself first, then takes over */
	assert_true(see(&r, 0, &r.seen[0].ifc));
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
	ifc = r.seen[1].ifc;
	ifc.flags = IFF_UP;
	assert_true(see(&r, 1, &ifc));
	/* the same observation again changes nothing */
	assert_false(see(&r, 1, &ifc));
	settle(&r, &d, flush);
	assert_false(r.c.links[1].up);
	assert_string_equal(r.c.links[1].why, "interface eth2 has no carrier");
	assert_null(controller_source(&r.c, 1));

	assert_true(see(&r, 2, &gone));
	settle(&r, &d, flush);
	assert_string_equal(r.c.links[2].why, "interface wwan0 is missing");
	/* no probes: back as soon as it is usable again */
	assert_true(see(&r, 2, &r.seen[2].ifc));
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
		r.c.pol[0].buckets.owner[b] = 1;
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

	assert_int_equal(controller_init(&next, &r.cfg, FAM_IPV4), 0);
	memcpy(next.pol[0].buckets.owner, r.c.pol[0].buckets.owner,
	       16 * sizeof(*next.pol[0].buckets.owner));
	controller_start(&next, r.seen, &r.c, true, r.now);
	assert_true(next.links[0].up);
	assert_false(next.links[1].up);
	assert_true(next.links[1].flushed);
	assert_int_equal(bucket_count(&next.pol[0].buckets, 0), 16);
	controller_free(&next);
	rig_free(&r);
}

/* wan1 learns its gateway (DHCP), ppp0 needs none; no probes. */
static const char dynamic_text[] =
	"[global]\nlan = lan0\nbuckets = 16\n"
	"[link wan1]\ninterface = eth1\n"
	"[link dsl]\ninterface = ppp0\ngateway = auto\n";

static struct link_seen dhcp_seen(const char *local, const char *gw)
{
	struct link_seen s = { .ifc = running(2, local), .has_route = true };

	s.route.table = 254;
	s.route.protocol = 3; /* boot: what "ip route add" gives */
	s.route.oif = 2;
	assert_int_equal(inet_pton(AF_INET, gw, &s.route.gw), 1);
	return s;
}

/* The rig on dynamic_text, started from @seen, its table loaded. */
static void dynamic_start(struct rig *r, const struct link_seen *seen)
{
	assert_int_equal(config_parse_string(&r->cfg, "t.conf", dynamic_text,
					     NULL),
			 0);
	assert_int_equal(controller_init(&r->c, &r->cfg, FAM_IPV4), 0);
	controller_start(&r->c, seen, NULL, false, r->now);
	controller_applied(&r->c);
}

static struct link_seen ppp_seen(int index, const char *local)
{
	struct link_seen s = { .ifc = running(index, local) };

	s.ifc.flags |= IFF_POINTOPOINT;
	s.ifc.addr[0].plen = 32;
	return s;
}

/*
 * A DHCP client renumbers: the old address and gateway go before the new
 * ones come. Meanwhile the link takes no new connections but keeps its
 * own; back, it is up at once and reports the address it gave up, once.
 * Had nothing come back within the hold, its connections would have gone.
 */
static void test_renumber(void **state)
{
	struct link_seen seen[2] = { dhcp_seen("10.1.0.2", "10.1.0.1"),
				     ppp_seen(9, "100.64.0.2") };
	struct link_seen bare = { .ifc = running(2, "10.1.0.2") };
	struct ctl_decision d;
	union inaddr old, gw;
	struct rig r = { .now = T0 };
	bool flush[2];

	(void)state;
	dynamic_start(&r, seen);
	assert_true(r.c.links[0].up && r.c.links[1].up);
	assert_true(controller_gateway(&r.c, 0, &gw));
	assert_int_equal(gw.v4.s_addr, inet_addr("10.1.0.1"));
	assert_false(controller_gateway(&r.c, 1, &gw)); /* on-link */
	assert_false(controller_renumbered(&r.c, 0, &old));

	/* the old address and route go: no new connections, none deleted */
	bare.ifc.naddr = 0;
	assert_true(controller_iface(&r.c, 0, &bare, r.now));
	assert_int_equal(settle(&r, &d, flush), 0);
	assert_int_equal(d.nchanged, 1);
	assert_false(r.c.links[0].up);
	assert_int_equal(owned(&r, 0), 0);
	assert_null(controller_source(&r.c, 0));
	assert_int_equal(controller_fallback(&r.c), 1);
	assert_int_equal(controller_deadline(&r.c),
			 r.now + CONTROLLER_RENUMBER_HOLD_MS);

	/* the new ones come: up at once, the old address reported once */
	r.now += 20;
	seen[0] = dhcp_seen("10.7.0.2", "10.7.0.1");
	assert_true(controller_iface(&r.c, 0, &seen[0], r.now));
	assert_int_equal(settle(&r, &d, flush), 0);
	assert_int_equal(d.nchanged, 1);
	assert_true(r.c.links[0].up);
	assert_int_equal(owned(&r, 0), 8);
	assert_true(controller_renumbered(&r.c, 0, &old));
	assert_int_equal(old.v4.s_addr, inet_addr("10.1.0.2"));
	assert_false(controller_renumbered(&r.c, 0, &old));
	assert_true(controller_gateway(&r.c, 0, &gw));
	assert_int_equal(gw.v4.s_addr, inet_addr("10.7.0.1"));
	assert_int_equal(controller_deadline(&r.c), UINT64_MAX);

	/* a new gateway on the same address: routes follow, nothing else */
	seen[0] = dhcp_seen("10.7.0.2", "10.7.0.9");
	assert_true(controller_iface(&r.c, 0, &seen[0], r.now));
	assert_false(controller_renumbered(&r.c, 0, &old));

	/* gone for longer than the hold: its connections go then */
	assert_true(controller_iface(&r.c, 0, &bare, r.now));
	assert_int_equal(settle(&r, &d, flush), 0);
	assert_false(r.c.links[0].up);
	r.now += CONTROLLER_RENUMBER_HOLD_MS - 1;
	assert_int_equal(settle(&r, &d, flush), 0);
	r.now += 1;
	assert_int_equal(settle(&r, &d, flush), 1);
	assert_true(flush[0]);
	assert_true(d.expired[0]);
	assert_int_equal(controller_deadline(&r.c), UINT64_MAX);
	assert_string_equal(r.c.links[0].why,
			    "interface eth1 has no IPv4 address");
	assert_int_equal(owned(&r, 1), 16);
	/* back with yet another address: flushed already, nothing to report */
	seen[0] = dhcp_seen("10.8.0.2", "10.8.0.1");
	assert_true(controller_iface(&r.c, 0, &seen[0], r.now));
	settle(&r, &d, flush);
	assert_true(r.c.links[0].up);
	assert_false(controller_renumbered(&r.c, 0, &old));

	/* no default route to learn from: down, and held as well */
	seen[0].has_route = false;
	assert_true(controller_iface(&r.c, 0, &seen[0], r.now));
	assert_int_equal(settle(&r, &d, flush), 0);
	assert_false(r.c.links[0].up);
	r.now += CONTROLLER_RENUMBER_HOLD_MS;
	assert_int_equal(settle(&r, &d, flush), 1);
	assert_string_equal(
		r.c.links[0].why,
		"no default route through eth1 to learn the gateway from");
	rig_free(&r);
}

/*
 * While a link waits for its address: a reload keeps the wait and the
 * address it gave up; the interface vanishing ends the wait, and what it
 * kept goes at once.
 */
static void test_hold_reload(void **state)
{
	struct link_seen seen[2] = { dhcp_seen("10.1.0.2", "10.1.0.1"),
				     ppp_seen(9, "100.64.0.2") };
	struct link_seen bare = { .ifc = running(2, "10.1.0.2") };
	struct controller next;
	struct ctl_decision d;
	struct rig r = { .now = T0 };
	union inaddr old;
	bool flush[2];

	(void)state;
	dynamic_start(&r, seen);
	bare.ifc.naddr = 0;
	assert_true(controller_iface(&r.c, 0, &bare, r.now));
	settle(&r, &d, flush);
	assert_false(r.c.links[0].up);

	/* SIGHUP while it waits */
	r.now += 100;
	seen[0] = bare;
	assert_int_equal(controller_init(&next, &r.cfg, FAM_IPV4), 0);
	controller_start(&next, seen, &r.c, false, r.now);
	controller_applied(&next);
	assert_int_equal(controller_deadline(&next),
			 T0 + CONTROLLER_RENUMBER_HOLD_MS);
	controller_evaluate(&next, r.now, &d);
	assert_int_equal(controller_flushes(&next, flush), 0);
	seen[0] = dhcp_seen("10.7.0.2", "10.7.0.1");
	assert_true(controller_iface(&next, 0, &seen[0], r.now));
	controller_evaluate(&next, r.now, &d);
	assert_true(next.links[0].up);
	assert_true(controller_renumbered(&next, 0, &old));
	assert_int_equal(old.v4.s_addr, inet_addr("10.1.0.2"));

	/* waiting again, and the interface goes: its connections go now */
	assert_true(controller_iface(&next, 0, &bare, r.now));
	controller_evaluate(&next, r.now, &d);
	if (d.apply)
		controller_applied(&next);
	assert_int_equal(controller_flushes(&next, flush), 0);
	seen[0] = (struct link_seen){ .ifc = { 0 } };
	assert_true(controller_iface(&next, 0, &seen[0], r.now));
	controller_evaluate(&next, r.now, &d);
	assert_true(d.expired[0]);
	assert_int_equal(controller_flushes(&next, flush), 1);
	assert_true(flush[0]);
	/* back with another address: nothing to report, all went */
	seen[0] = dhcp_seen("10.8.0.2", "10.8.0.1");
	assert_true(controller_iface(&next, 0, &seen[0], r.now));
	controller_evaluate(&next, r.now, &d);
	assert_true(next.links[0].up);
	assert_false(controller_renumbered(&next, 0, &old));
	controller_free(&next);
	rig_free(&r);
}

/*
 * The address goes between the last look and a reload: the reload starts
 * the wait, and the next evaluation reports the link down, its
 * connections kept.
 */
static void test_reload_races_renumber(void **state)
{
	struct link_seen seen[2] = { dhcp_seen("10.1.0.2", "10.1.0.1"),
				     ppp_seen(9, "100.64.0.2") };
	struct controller next;
	struct ctl_decision d;
	struct rig r = { .now = T0 };
	union inaddr old;
	bool flush[2];

	(void)state;
	dynamic_start(&r, seen);

	seen[0] = (struct link_seen){ .ifc = running(2, "10.1.0.2") };
	seen[0].ifc.naddr = 0;
	assert_int_equal(controller_init(&next, &r.cfg, FAM_IPV4), 0);
	controller_start(&next, seen, &r.c, false, r.now);
	controller_applied(&next);
	assert_int_equal(controller_deadline(&next),
			 r.now + CONTROLLER_RENUMBER_HOLD_MS);
	controller_evaluate(&next, r.now, &d);
	assert_true(d.changed[0]);
	assert_false(next.links[0].up);
	if (d.apply)
		controller_applied(&next);
	assert_int_equal(controller_flushes(&next, flush), 0);

	seen[0] = dhcp_seen("10.7.0.2", "10.7.0.1");
	assert_true(controller_iface(&next, 0, &seen[0], r.now + 10));
	controller_evaluate(&next, r.now + 10, &d);
	assert_true(next.links[0].up);
	assert_true(controller_renumbered(&next, 0, &old));
	assert_int_equal(old.v4.s_addr, inet_addr("10.1.0.2"));
	controller_free(&next);
	rig_free(&r);
}

/*
 * A PPP session: the interface exists only while it is up, with another
 * index each time. Gone is down at once (no hold); back is up.
 */
static void test_session(void **state)
{
	struct link_seen seen[2] = { dhcp_seen("10.1.0.2", "10.1.0.1"),
				     { .ifc = { 0 } } };
	struct ctl_decision d;
	struct rig r = { .now = T0 };
	union inaddr old;
	bool flush[2];

	(void)state;
	dynamic_start(&r, seen);
	assert_false(r.c.links[1].up);
	assert_string_equal(r.c.links[1].why, "interface ppp0 is missing");
	assert_int_equal(owned(&r, 0), 16);

	seen[1] = ppp_seen(41, "100.64.0.2");
	assert_true(controller_iface(&r.c, 1, &seen[1], r.now));
	settle(&r, &d, flush);
	assert_true(r.c.links[1].up);
	assert_int_equal(owned(&r, 1), 8);

	/* the session drops: the interface is gone, down at once */
	seen[1] = (struct link_seen){ .ifc = { 0 } };
	assert_true(controller_iface(&r.c, 1, &seen[1], r.now));
	assert_int_equal(settle(&r, &d, flush), 1);
	assert_true(flush[1]);
	assert_false(r.c.links[1].up);

	/* back with another index and address */
	seen[1] = ppp_seen(57, "100.64.0.9");
	assert_true(controller_iface(&r.c, 1, &seen[1], r.now));
	settle(&r, &d, flush);
	assert_true(r.c.links[1].up);
	assert_int_equal(controller_source(&r.c, 1)->local.v4.s_addr,
			 inet_addr("100.64.0.9"));
	assert_false(controller_renumbered(&r.c, 1, &old));
	rig_free(&r);
}

/*
 * Two controllers, one per family, as the daemon has them: wan1's IPv6
 * path dies beyond its first hop while its IPv4 path answers. Only the
 * IPv6 controller moves buckets and names wan1's connections to delete;
 * pin6 (nat6 = none, prefix6) never owns an IPv6 bucket nor has its
 * connections deleted; a deprecated address gives nothing up, a removed
 * one does.
 */
static const char dual_text[] =
	"[global]\nlan = lan0\nbuckets = 16\n"
	"[link wan1]\ninterface = eth1\ngateway = 10.1.0.1\n"
	"gateway6 = fe80::1\ntrack = 198.51.100.1 2001:db8:ffff::1\n"
	"nat6 = masquerade\n"
	"[link wan2]\ninterface = eth2\ngateway = 10.2.0.1\n"
	"gateway6 = fe80::1\ntrack = 198.51.100.1 2001:db8:ffff::1\n"
	"nat6 = masquerade\n"
	"[link pin6]\ninterface = eth3\ngateway = 10.3.0.1\n"
	"gateway6 = fe80::1\nprefix6 = 2001:db8:300::/56\n";

static void add6(struct iface *ifc, const char *local, bool deprecated)
{
	struct iface_addr *a = &ifc->addr[ifc->naddr++];

	a->fam = FAM_IPV6;
	assert_int_equal(inet_pton(AF_INET6, local, &a->local.v6), 1);
	a->plen = 64;
	a->deprecated = deprecated;
}

static void test_families_apart(void **state)
{
	struct controller c[FAM_MAX];
	struct link_seen seen[3];
	struct ctl_decision d;
	struct config cfg;
	uint64_t now = T0;
	bool flush[3];
	union inaddr old;
	char text[INADDR_STRLEN];

	(void)state;
	assert_int_equal(config_parse_string(&cfg, "t.conf", dual_text, NULL),
			 0);
	memset(seen, 0, sizeof(seen));
	seen[0].ifc = running(2, "10.1.0.2");
	seen[1].ifc = running(3, "10.2.0.2");
	seen[2].ifc = running(4, "10.3.0.2");
	add6(&seen[0].ifc, "2001:db8:1::2", false);
	add6(&seen[1].ifc, "2001:db8:2::2", false);
	add6(&seen[2].ifc, "2001:db8:300::1", false);
	for (enum fam f = 0; f < FAM_MAX; f++) {
		assert_int_equal(controller_init(&c[f], &cfg, f), 0);
		controller_start(&c[f], seen, NULL, false, now);
		controller_applied(&c[f]);
	}
	assert_true(c[FAM_IPV6].links[2].up); /* up: its sources go to it */
	assert_int_equal(bucket_count(&c[FAM_IPV4].pol[0].buckets, 2), 5);
	assert_int_equal(bucket_count(&c[FAM_IPV6].pol[0].buckets, 0), 8);
	assert_int_equal(bucket_count(&c[FAM_IPV6].pol[0].buckets, 2), 0);
	assert_string_equal(
		inaddr_str(FAM_IPV6, &controller_source(&c[FAM_IPV6], 0)->local,
			   text),
		"2001:db8:1::2");

	/* IPv6 probes of wan1 lost, IPv4 answered */
	for (int k = 0; k < 10; k++) {
		now += 50;
		controller_probe(&c[FAM_IPV6], 0, false, 0, now);
		controller_probe(&c[FAM_IPV4], 0, true, 10.0, now);
	}
	controller_evaluate(&c[FAM_IPV4], now, &d);
	assert_int_equal(d.nchanged, 0);
	assert_false(d.apply);
	assert_int_equal(controller_flushes(&c[FAM_IPV4], flush), 0);
	controller_evaluate(&c[FAM_IPV6], now, &d);
	assert_int_equal(d.nchanged, 1);
	assert_true(d.apply);
	controller_applied(&c[FAM_IPV6]);
	assert_int_equal(controller_flushes(&c[FAM_IPV6], flush), 1);
	assert_true(flush[0] && !flush[1] && !flush[2]);
	assert_int_equal(bucket_count(&c[FAM_IPV6].pol[0].buckets, 1), 16);
	assert_true(c[FAM_IPV4].links[0].up);

	/* pin6's IPv6 path goes: nothing of it to delete, nothing moves */
	memset(&seen[2].ifc.addr[1], 0, sizeof(seen[2].ifc.addr[1]));
	seen[2].ifc.naddr = 1;
	assert_true(controller_iface(&c[FAM_IPV6], 2, &seen[2], now));
	controller_evaluate(&c[FAM_IPV6], now + CONTROLLER_RENUMBER_HOLD_MS,
			    &d);
	assert_false(c[FAM_IPV6].links[2].up);
	assert_int_equal(d.moved[2], 0);
	assert_int_equal(controller_flushes(&c[FAM_IPV6], flush), 0);

	/* wan2's prefix is being replaced: deprecated, nothing given up */
	seen[1].ifc.addr[1].deprecated = true;
	add6(&seen[1].ifc, "2001:db8:22::2", false);
	assert_true(controller_iface(&c[FAM_IPV6], 1, &seen[1], now));
	assert_string_equal(
		inaddr_str(FAM_IPV6, &controller_source(&c[FAM_IPV6], 1)->local,
			   text),
		"2001:db8:22::2");
	assert_false(controller_renumbered(&c[FAM_IPV6], 1, &old));
	/* a new prefix that replaces the old at once: the old is given up */
	seen[1].ifc.naddr = 1;
	add6(&seen[1].ifc, "2001:db8:23::2", false);
	assert_true(controller_iface(&c[FAM_IPV6], 1, &seen[1], now));
	assert_true(controller_renumbered(&c[FAM_IPV6], 1, &old));
	assert_string_equal(inaddr_str(FAM_IPV6, &old, text), "2001:db8:22::2");
	/* IPv4 saw none of it */
	assert_false(controller_renumbered(&c[FAM_IPV4], 1, &old));

	for (enum fam f = 0; f < FAM_MAX; f++)
		controller_free(&c[f]);
	config_free(&cfg);
}

/*
 * A link with IPv4 targets only: its IPv6 path has no probes of its own,
 * and what the IPv4 probes say stands for it (a dead provider is dead for
 * both families); without that, IPv6 would go on being balanced onto it.
 */
static void test_borrowed_verdict(void **state)
{
	static const char text[] =
		"[global]\nlan = lan0\nbuckets = 16\n"
		"[link wan1]\ninterface = eth1\ngateway = 10.1.0.1\n"
		"gateway6 = fe80::1\ntrack = 198.51.100.1\n"
		"[link wan2]\ninterface = eth2\ngateway = 10.2.0.1\n"
		"gateway6 = fe80::1\ntrack = 198.51.100.1\n";
	struct controller c6;
	struct link_seen seen[2];
	struct ctl_decision d;
	struct config cfg;
	char why[160];
	bool flush[2];

	(void)state;
	assert_int_equal(config_parse_string(&cfg, "t.conf", text, NULL), 0);
	memset(seen, 0, sizeof(seen));
	seen[0].ifc = running(2, "10.1.0.2");
	seen[1].ifc = running(3, "10.2.0.2");
	add6(&seen[0].ifc, "2001:db8:1::2", false);
	add6(&seen[1].ifc, "2001:db8:2::2", false);
	assert_int_equal(controller_init(&c6, &cfg, FAM_IPV6), 0);
	controller_start(&c6, seen, NULL, false, T0);
	controller_applied(&c6);
	assert_true(c6.links[0].up);
	/* the IPv4 probes say wan1 is up: nothing changes */
	assert_true(controller_borrow(&c6, 0, true));
	assert_false(controller_borrow(&c6, 0, true));
	controller_evaluate(&c6, T0, &d);
	assert_int_equal(d.nchanged, 0);
	/* they say it is down: its IPv6 path is down, its connections go */
	assert_true(controller_borrow(&c6, 0, false));
	controller_evaluate(&c6, T0, &d);
	assert_int_equal(d.nchanged, 1);
	assert_false(c6.links[0].up);
	assert_string_equal(
		c6.links[0].why,
		"no IPv6 probe target: its IPv4 probes say the path is down");
	controller_why(&c6, 0, why, sizeof(why));
	assert_string_equal(why, c6.links[0].why);
	controller_applied(&c6);
	assert_int_equal(controller_flushes(&c6, flush), 1);
	assert_true(flush[0]);
	assert_int_equal(bucket_count(&c6.pol[0].buckets, 1), 16);
	/* back */
	assert_true(controller_borrow(&c6, 0, true));
	controller_evaluate(&c6, T0, &d);
	assert_true(c6.links[0].up);
	controller_free(&c6);
	config_free(&cfg);
}

/* voip: wan1, then wan2; metered: wan1, then lte, failing back; fast:
 * wan1 alone, failing fast. */
static const char policy_text[] =
	"[global]\nlan = lan0\nbuckets = 16\n"
	"[link wan1]\ninterface = eth1\ngateway = 10.1.0.1\ntrack = 198.51.100.1\n"
	"[link wan2]\ninterface = eth2\ngateway = 10.2.0.1\ntrack = 198.51.100.1\n"
	"[link lte]\ninterface = wwan0\ngateway = 10.3.0.1\ntier = 2\n"
	"[policy voip]\nlinks = wan1 wan2@2\n"
	"[policy metered]\nlinks = wan1 lte@2\nfailback = all\n"
	"[policy fast]\nlinks = wan1\nlast_resort = unreachable\n"
	"[rule a]\ndport = 1\npolicy = voip\n"
	"[rule b]\ndport = 2\npolicy = metered\n"
	"[rule c]\ndport = 3\npolicy = fast\n";

static uint32_t owned_in(const struct rig *r, const char *policy, int i)
{
	int p = config_find_policy(&r->cfg, policy);

	assert_true(p >= 0);
	return bucket_count(controller_buckets(&r->c, (unsigned int)p), i);
}

static unsigned int failbacks(struct rig *r, const char *policy, bool *flush)
{
	int p = config_find_policy(&r->cfg, policy);

	assert_true(p >= 0);
	return controller_failbacks(&r->c, (unsigned int)p, flush);
}

/*
 * Every policy has its table from the same link states: a link's failure
 * moves each policy's buckets once; its connections are deleted once it
 * owns no bucket in any; a policy whose links are all down while others
 * are up is in its last resort; one failing back gives its connections on
 * the backup up when the better tier returns, another policy's stay.
 */
static void test_policies(void **state)
{
	struct iface gone = { 0 };
	struct ctl_decision d;
	bool flush[3];
	struct rig r;
	int fast;

	(void)state;
	rig_init_text(&r, policy_text);
	fast = config_find_policy(&r.cfg, "fast");
	rig_start(&r, false);
	assert_int_equal(owned_in(&r, "default", 0), 8);
	assert_int_equal(owned_in(&r, "voip", 0), 16);
	assert_int_equal(owned_in(&r, "metered", 0), 16);
	assert_int_equal(owned_in(&r, "fast", 0), 16);
	assert_int_equal(controller_owned(&r.c, 0), 56);

	/* wan1 fails: each policy to its next, fast to its last resort */
	probes(&r, 0, 10, false);
	assert_int_equal(settle(&r, &d, flush), 1);
	assert_true(flush[0]);
	assert_int_equal(d.moved[0], 56);
	assert_false(d.failback);
	assert_int_equal(owned_in(&r, "default", 1), 16);
	assert_int_equal(owned_in(&r, "voip", 1), 16);
	assert_int_equal(owned_in(&r, "metered", 2), 16);
	assert_int_equal(owned_in(&r, "fast", BUCKET_NONE), 16);
	assert_int_equal(r.c.pol[fast].mode, POLICY_NONE);
	assert_int_equal(failbacks(&r, "metered", flush), 0);

	/* wan1 back: metered's connections on lte go, voip's on wan2 stay */
	probes(&r, 0, 20, true);
	assert_int_equal(settle(&r, &d, flush), 0);
	assert_true(d.failback);
	assert_int_equal(owned_in(&r, "voip", 0), 16);
	assert_int_equal(owned_in(&r, "metered", 0), 16);
	assert_int_equal(r.c.pol[fast].mode, POLICY_UP);
	assert_int_equal(failbacks(&r, "voip", flush), 0);
	assert_int_equal(failbacks(&r, "metered", flush), 1);
	assert_true(flush[2] && !flush[0] && !flush[1]);
	assert_int_equal(failbacks(&r, "metered", flush), 0); /* once */

	/* every probed link down and lte gone: no link up anywhere, so
	 * fast degrades to its usable wan1 rather than failing */
	assert_true(see(&r, 2, &gone));
	probes(&r, 0, 10, false);
	probes(&r, 1, 10, false);
	settle(&r, &d, flush);
	assert_int_equal(r.c.pol[fast].mode, POLICY_DEGRADED);
	assert_int_equal(owned_in(&r, "fast", 0), 16);
	/* degraded to tier 1 then back up there: no failback */
	probes(&r, 0, 20, true);
	settle(&r, &d, flush);
	assert_false(d.failback);
	rig_free(&r);
}

/*
 * A failback that reverses before the kernel took it (the better tier
 * failed again at once) deletes nothing.
 */
static void test_failback_reversed(void **state)
{
	struct ctl_decision d;
	bool flush[3];
	struct rig r;

	(void)state;
	rig_init_text(&r, policy_text);
	rig_start(&r, false);
	probes(&r, 0, 10, false);
	settle(&r, &d, flush);
	probes(&r, 0, 20, true);
	controller_evaluate(&r.c, r.now, &d);
	assert_true(d.failback);
	probes(&r, 0, 10, false);
	controller_evaluate(&r.c, r.now, &d);
	controller_applied(&r.c);
	assert_int_equal(failbacks(&r, "metered", flush), 0);
	rig_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families_apart),
		cmocka_unit_test(test_borrowed_verdict),
		cmocka_unit_test(test_policies),
		cmocka_unit_test(test_failback_reversed),
		cmocka_unit_test(test_start_all_up),
		cmocka_unit_test(test_failure_and_recovery),
		cmocka_unit_test(test_flapping),
		cmocka_unit_test(test_all_down),
		cmocka_unit_test(test_tiers),
		cmocka_unit_test(test_carrier),
		cmocka_unit_test(test_neighbour),
		cmocka_unit_test(test_takeover),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_renumber),
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_hold_reload),
		cmocka_unit_test(test_reload_races_renumber),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
