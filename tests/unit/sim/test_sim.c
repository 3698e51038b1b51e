// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "sim/sim.h"

static char errbuf[1024];

static void load(struct config *c, const char *text)
{
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");

	assert_int_equal(config_parse_string(c, "t.conf", text,
					     CONFIG_DIAG_FILE(err)),
			 0);
	fclose(err);
}

#define THREE                                           \
	"[global]\nlan = lan0\n"                        \
	"[link a]\ninterface = a\ngateway = 10.1.0.1\n" \
	"[link b]\ninterface = b\ngateway = 10.2.0.1\n" \
	"[link c]\ninterface = c\ngateway = 10.3.0.1\n"

/* A packet of connection @n (client port 20000 + n), each way. */
static struct pkt packet(unsigned int n, bool reply, uint64_t ts_us)
{
	struct pkt p = { .ts_us = ts_us, .len = 100 };

	p.key.family = AF_INET;
	p.key.proto = IPPROTO_UDP;
	inet_pton(AF_INET, reply ? "203.0.113.9" : "192.168.1.2", p.key.src);
	inet_pton(AF_INET, reply ? "192.168.1.2" : "203.0.113.9", p.key.dst);
	p.key.sport = reply ? 53 : (uint16_t)(20000 + n);
	p.key.dport = reply ? (uint16_t)(20000 + n) : 53;
	return p;
}

static uint64_t total(const uint64_t *v)
{
	uint64_t t = 0;

	for (unsigned int i = 0; i <= SLOTS_MAX; i++)
		t += v[i];
	return t;
}

/* No event: flowpin and the kernel keep every connection on one link;
 * per-packet round robin breaks every connection of more than a packet. */
static void test_steady(void **state)
{
	struct config c;
	struct sim s;

	(void)state;
	load(&c, THREE);
	assert_int_equal(sim_init(&s, &c, NULL, 0), 0);
	/* 3001: not a multiple of the round robin's cycle */
	for (unsigned int round = 0; round < 4; round++)
		for (unsigned int n = 0; n < 3001; n++) {
			struct pkt p = packet(n, round & 1,
					      1000000 + round * 10000 + n);

			sim_packet(&s, &p);
		}
	sim_flush(&s);
	assert_int_equal(s.connections, 3001);
	assert_int_equal(s.packets, 12004);
	for (int pol = 0; pol < SIM_POLICIES; pol++) {
		assert_int_equal(total(s.res[pol].conns), 3001);
		assert_int_equal(total(s.res[pol].bytes), 12004 * 100);
	}
	assert_int_equal(s.res[POL_ROUND_ROBIN].broken, 3001);
	assert_int_equal(s.res[POL_KERNEL_L3].broken, 0);
	assert_int_equal(s.res[POL_KERNEL_L4].broken, 0);
	assert_int_equal(s.res[POL_FLOWPIN].broken, 0);
	/* one client, one server: l3 puts everything on one link */
	assert_true(sim_balance_error(&s, POL_KERNEL_L3) > 60);
	assert_true(sim_balance_error(&s, POL_FLOWPIN) < 4);
	assert_true(sim_balance_error(&s, POL_ROUND_ROBIN) < 1);
	sim_free(&s);
	config_free(&c);
}

/*
 * The first link goes down and comes back. flowpin moves only its
 * connections, and none when it comes back; the kernel's hash-threshold
 * moves connections of healthy links both times.
 */
static void test_events(void **state)
{
	struct config c;
	struct sim s;
	struct sim_event ev[2];
	char err[128];
	uint64_t on_a = 0;

	(void)state;
	load(&c, THREE);
	assert_int_equal(sim_event_parse("1:a:down", &c, &ev[0], err,
					 sizeof(err)),
			 0);
	assert_int_equal(sim_event_parse("2.5:a:up", &c, &ev[1], err,
					 sizeof(err)),
			 0);
	assert_int_equal(ev[1].at_us, 2500000);
	assert_int_equal(sim_init(&s, &c, ev, 2), 0);
	for (unsigned int n = 0; n < 3000; n++) {
		struct pkt p = packet(n, false, n);

		sim_packet(&s, &p);
	}
	sim_flush(&s);
	on_a = s.res[POL_FLOWPIN].conns[0];
	for (uint64_t t = 1000000; t <= 3000000; t += 1000000)
		for (unsigned int n = 0; n < 3000; n++) {
			struct pkt p = packet(n, false, t + n);

			sim_packet(&s, &p);
		}
	sim_flush(&s);
	assert_int_equal(s.next_event, 2);
	/* flowpin: exactly a's connections move, and only then */
	assert_int_equal(s.res[POL_FLOWPIN].moved[0], on_a);
	assert_int_equal(s.res[POL_FLOWPIN].moved[1], 0);
	assert_int_equal(s.res[POL_FLOWPIN].broken, on_a);
	/* the kernel: more than a's, and again when a comes back */
	assert_true(s.res[POL_KERNEL_L4].moved[0] > on_a);
	assert_true(s.res[POL_KERNEL_L4].moved[1] > 900);
	assert_true(s.res[POL_KERNEL_L4].broken > on_a);
	assert_int_equal(s.res[POL_ROUND_ROBIN].moved[0], SIM_MOVED_NA);
	sim_free(&s);
	config_free(&c);
}

/* Connections leave the table after conntrack's timeouts of idleness. */
static void test_expiry(void **state)
{
	struct config c;
	struct sim s;

	(void)state;
	load(&c, THREE);
	assert_int_equal(sim_init(&s, &c, NULL, 0), 0);
	for (unsigned int n = 0; n < 100; n++) {
		struct pkt p = packet(n, false, n);

		sim_packet(&s, &p);
	}
	sim_flush(&s);
	assert_int_equal(s.table.live, 100);
	/* UDP without a reply: 30 s */
	struct pkt later = packet(5000, false, 31000000);

	sim_packet(&s, &later);
	sim_flush(&s);
	assert_int_equal(s.table.live, 1);
	assert_int_equal(s.table.max_live, 100);
	/* the same tuple later is a new connection */
	struct pkt again = packet(7, false, 32000000);

	sim_packet(&s, &again);
	sim_flush(&s);
	assert_int_equal(s.connections, 102);
	sim_free(&s);
	config_free(&c);
}

/*
 * Connections conntrack has forgotten move with no event; one idle
 * through two events is moved once.
 */
static void test_idle_connections(void **state)
{
	struct config c;
	struct sim s;
	struct sim_event ev[3];
	char err[128];

	(void)state;
	load(&c, THREE);
	/* UDP unreplied: forgotten after 30 s */
	assert_int_equal(sim_event_parse("50:a:down", &c, &ev[0], err,
					 sizeof(err)),
			 0);
	assert_int_equal(sim_event_parse("60:b:weight=5", &c, &ev[1], err,
					 sizeof(err)),
			 0);
	assert_int_equal(sim_event_parse("70:a:up", &c, &ev[2], err,
					 sizeof(err)),
			 0);
	assert_int_equal(sim_init(&s, &c, ev, 3), 0);
	for (unsigned int n = 0; n < 300; n++) {
		struct pkt p = packet(n, false, n);

		sim_packet(&s, &p);
	}
	struct pkt late = packet(9999, false, 100000000);

	sim_packet(&s, &late);
	sim_flush(&s);
	for (int pol = POL_KERNEL_L3; pol < SIM_POLICIES; pol++)
		for (int e = 0; e < 3; e++)
			assert_int_equal(s.res[pol].moved[e], 0);
	sim_free(&s);

	/* now a reply keeps them 120 s: a's move once, and only at 50 s */
	assert_int_equal(sim_init(&s, &c, ev, 3), 0);
	for (unsigned int n = 0; n < 300; n++) {
		struct pkt p = packet(n, false, n),
			   r = packet(n, true, 1000 + n);

		sim_packet(&s, &p);
		sim_packet(&s, &r);
	}
	sim_flush(&s);
	uint64_t on_a = s.res[POL_FLOWPIN].conns[0];

	sim_packet(&s, &late);
	sim_flush(&s);
	assert_int_equal(s.res[POL_FLOWPIN].moved[0], on_a);
	assert_int_equal(s.res[POL_FLOWPIN].moved[1], 0);
	assert_int_equal(s.res[POL_FLOWPIN].moved[2], 0);
	/* no packet after the moves: nothing broken */
	assert_int_equal(s.res[POL_FLOWPIN].broken, 0);
	assert_int_equal(s.res[POL_KERNEL_L4].broken, 0);
	sim_free(&s);
	config_free(&c);
}

static void test_event_errors(void **state)
{
	struct config c;
	struct sim_event ev;
	char err[128];

	(void)state;
	load(&c, THREE);
	assert_int_equal(sim_event_parse("5:d:down", &c, &ev, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "\"5:d:down\": no link \"d\" in t.conf");
	assert_int_equal(sim_event_parse("x:a:down", &c, &ev, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(sim_event_parse("-1:a:down", &c, &ev, err,
					 sizeof(err)),
			 -EINVAL);
	assert_int_equal(sim_event_parse("5:a:sideways", &c, &ev, err,
					 sizeof(err)),
			 -EINVAL);
	assert_int_equal(sim_event_parse("5:a:weight=0", &c, &ev, err,
					 sizeof(err)),
			 -EINVAL);
	assert_int_equal(sim_event_parse("5:a", &c, &ev, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(sim_event_parse("5:a:weight=7", &c, &ev, err,
					 sizeof(err)),
			 0);
	assert_int_equal(ev.kind, SIM_WEIGHT);
	assert_int_equal(ev.weight, 7);
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_idle_connections),
		cmocka_unit_test(test_event_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
