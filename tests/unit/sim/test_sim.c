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

#include "core/policy.h"
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

/* An IPv6 packet of connection @n from @client (port 20000 + n). */
static struct pkt packet6(const char *client, unsigned int n, bool reply,
			  uint64_t ts_us)
{
	struct pkt p = { .ts_us = ts_us, .len = 100 };

	p.key.family = AF_INET6;
	p.key.proto = IPPROTO_TCP;
	inet_pton(AF_INET6, reply ? "2001:db8:ffff::7" : client, p.key.src);
	inet_pton(AF_INET6, reply ? client : "2001:db8:ffff::7", p.key.dst);
	p.key.sport = reply ? 443 : (uint16_t)(20000 + n);
	p.key.dport = reply ? (uint16_t)(20000 + n) : 443;
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
	/* too long to read whole: refused, not read cut short (fuzzed) */
	{
		char longer[128];

		snprintf(longer, sizeof(longer), "%085d:a:downhill", 1);
		assert_int_equal(sim_event_parse(longer, &c, &ev[0], err,
						 sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "is longer than 95 characters"));
	}
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

/* d's provider routes only its prefix6: IPv6 is balanced over a, b, c */
#define FOUR6                                                             \
	THREE "[link d]\ninterface = d\ngateway = 10.4.0.1\nweight = 3\n" \
	      "prefix6 = 2001:db8:d::/48\nnat6 = none\n"

/*
 * The table a fresh daemon starts with for @f, computed apart from the
 * simulation (as explain does): the link a new connection of @k gets.
 */
static int fresh_pick(const struct config *c, const struct flow_key *k)
{
	struct policy_link pl[SLOTS_MAX];
	struct bucket_table t;
	enum policy_mode mode;
	int owner;

	for (unsigned int i = 0; i < c->nlinks; i++) {
		union inaddr a;

		memcpy(a.b, k->src, 16);
		if (k->family == AF_INET6 && c->links[i].has_prefix6 &&
		    inprefix_holds(FAM_IPV6, &c->links[i].prefix6, &a))
			return (int)i;
		pl[i] = (struct policy_link){
			.weight = c->links[i].weight,
			.tier = c->links[i].tier,
			.up = k->family == AF_INET ||
			      config_balances6(&c->links[i]),
		};
		pl[i].usable = pl[i].up;
	}
	assert_int_equal(bucket_table_init(&t, c->buckets), 0);
	policy_balance(&t, pl, c->nlinks, &mode);
	owner = t.owner[flowhash_bucket(flowhash(k, c->hash, c->seed), t.size)];
	bucket_table_free(&t);
	return owner;
}

/*
 * IPv6 with its own table: its hashed connections never on d, which
 * balances no IPv6; d's prefix6 pinned to d, IPv4 over all four. Every
 * connection where a fresh daemon's tables put it, and they add up.
 */
static void test_ipv6(void **state)
{
	uint64_t want[SLOTS_MAX + 1] = { 0 };
	struct config c;
	struct sim s;

	(void)state;
	load(&c, FOUR6);
	assert_true(config_balances6(&c.links[0]));
	assert_false(config_balances6(&c.links[3]));
	assert_int_equal(sim_init(&s, &c, NULL, 0), 0);
	/* per n: IPv4, IPv6 hashed, and for a quarter of them, d's prefix */
	for (unsigned int n = 0; n < 2000; n++) {
		struct pkt p[] = {
			packet(n, false, 3 * n),
			packet6("2001:db8:1::2", n, false, 3 * n + 1),
			packet6("2001:db8:d:1::9", n, false, 3 * n + 2),
		};

		for (unsigned int i = 0; i < (n < 500 ? 3u : 2u); i++) {
			int l = fresh_pick(&c, &p[i].key);

			want[l < 0 ? SLOTS_MAX : (unsigned int)l]++;
			sim_packet(&s, &p[i]);
		}
	}
	for (unsigned int n = 0; n < 2000; n++) {
		struct pkt r = packet6("2001:db8:1::2", n, true, 10000 + n);

		sim_packet(&s, &r);
	}
	sim_flush(&s);
	assert_int_equal(s.connections, 4500);
	for (int pol = 0; pol < SIM_POLICIES; pol++)
		assert_int_equal(total(s.res[pol].conns), 4500);
	assert_memory_equal(s.res[POL_FLOWPIN].conns, want, sizeof(want));
	assert_int_equal(s.res[POL_FLOWPIN].broken, 0);
	/* d: its share of IPv4 (3 of 6), none of IPv6, all of its prefix */
	assert_int_equal(s.pinned6[3], 500);
	assert_int_equal(s.hashed[FAM_IPV4], 2000);
	assert_int_equal(s.hashed[FAM_IPV6], 2000);
	assert_true(s.res[POL_FLOWPIN].conns[3] > 1400);
	assert_true(s.res[POL_FLOWPIN].conns[3] < 1600);
	/*
	 * d carries a third of the connections, not the half of its
	 * weight: the shares aim at each family's weights and the prefix's
	 * connections, and the error is small
	 */
	assert_true(sim_balance_error(&s, POL_FLOWPIN) < 3);
	sim_free(&s);
	config_free(&c);
}

/*
 * d goes down: its IPv4 connections move, its prefix's stay pinned to it
 * and are not counted as moved; a's going down moves its IPv6 ones.
 */
static void test_ipv6_events(void **state)
{
	struct config c;
	struct sim s;
	struct sim_event ev[2];
	char err[128];
	uint64_t v4_on_d = 0, v6_on_a = 0, v4_on_a = 0;

	(void)state;
	load(&c, FOUR6);
	assert_int_equal(sim_event_parse("1:d:down", &c, &ev[0], err,
					 sizeof(err)),
			 0);
	assert_int_equal(sim_event_parse("2:a:down", &c, &ev[1], err,
					 sizeof(err)),
			 0);
	assert_int_equal(sim_init(&s, &c, ev, 2), 0);
	for (uint64_t t = 0; t <= 2000000; t += 1000000) {
		for (unsigned int n = 0; n < 1000; n++) {
			struct pkt p[] = {
				packet(n, false, t + 3 * n),
				packet6("2001:db8:1::2", n, false,
					t + 3 * n + 1),
				packet6("2001:db8:d::9", n, false,
					t + 3 * n + 2),
			};

			for (unsigned int i = 0; i < 3; i++) {
				if (!t) {
					int l = fresh_pick(&c, &p[i].key);

					v4_on_d += i == 0 && l == 3;
					v4_on_a += i == 0 && l == 0;
					v6_on_a += i == 1 && l == 0;
				}
				sim_packet(&s, &p[i]);
			}
		}
		sim_flush(&s);
		if (!t) /* nothing on d but its own: d takes no IPv6 */
			assert_int_equal(s.res[POL_FLOWPIN].conns[3],
					 v4_on_d + 1000);
	}
	assert_int_equal(s.next_event, 2);
	assert_int_equal(s.res[POL_FLOWPIN].moved[0], v4_on_d);
	/* a's own of both families, and d's IPv4 ones that went to a */
	assert_true(s.res[POL_FLOWPIN].moved[1] > v4_on_a + v6_on_a);
	assert_true(v6_on_a > 200);
	/* d's prefix stays on d, down or not: never broken; the others
	 * break once, however often they moved */
	assert_int_equal(s.pinned6[3], 1000);
	assert_int_equal(s.res[POL_FLOWPIN].broken,
			 v4_on_d + v4_on_a + v6_on_a);
	sim_free(&s);
	config_free(&c);
}

/* No link balances IPv6: its hashed connections take the main table. */
static void test_ipv6_no_link(void **state)
{
	struct config c;
	struct sim s;

	(void)state;
	load(&c, "[global]\nlan = lan0\n"
		 "[link a]\ninterface = a\ngateway = 10.1.0.1\n"
		 "prefix6 = 2001:db8:a::/48\nnat6 = none\n");
	assert_int_equal(sim_init(&s, &c, NULL, 0), 0);
	for (unsigned int n = 0; n < 100; n++) {
		struct pkt p = packet6("2001:db8:1::2", n, false, 2 * n),
			   q = packet6("2001:db8:a::2", n, false, 2 * n + 1);

		sim_packet(&s, &p);
		sim_packet(&s, &q);
	}
	sim_flush(&s);
	assert_int_equal(s.res[POL_FLOWPIN].conns[SLOTS_MAX], 100);
	assert_int_equal(s.res[POL_FLOWPIN].conns[0], 100);
	assert_int_equal(total(s.res[POL_FLOWPIN].conns), s.connections);
	/* a's share: its own prefix, all of it */
	assert_true(sim_balance_error(&s, POL_FLOWPIN) < 0.001);
	sim_free(&s);
	config_free(&c);
}

/*
 * What conntrack does not track starts no connection: neighbour
 * discovery beside an IPv6 ping; the ping's reply is its connection's.
 */
static void test_untracked(void **state)
{
	struct config c;
	struct sim s;
	struct pkt echo = packet6("2001:db8:1::2", 0, false, 1), reply, ns;

	(void)state;
	load(&c, THREE);
	assert_int_equal(sim_init(&s, &c, NULL, 0), 0);
	echo.key.proto = IPPROTO_ICMPV6;
	echo.key.sport = echo.key.dport = 7; /* the echo identifier */
	reply = echo;
	reply.ts_us = 2;
	memcpy(reply.key.src, echo.key.dst, 16);
	memcpy(reply.key.dst, echo.key.src, 16);
	reply.no_new = true; /* type 129 */
	ns = echo;
	ns.key.sport = ns.key.dport = 0;
	inet_pton(AF_INET6, "ff02::1:ff00:1", ns.key.dst);
	ns.no_new = true; /* type 135 */
	sim_packet(&s, &ns);
	sim_packet(&s, &echo);
	sim_packet(&s, &reply);
	sim_packet(&s, &ns);
	sim_flush(&s);
	assert_int_equal(s.packets, 4);
	assert_int_equal(s.connections, 1);
	assert_int_equal(s.untracked, 2);
	assert_int_equal(s.orphans, 0);
	for (int pol = 0; pol < SIM_POLICIES; pol++) {
		assert_int_equal(total(s.res[pol].conns), 1);
		assert_int_equal(total(s.res[pol].bytes), 200);
	}
	sim_free(&s);
	config_free(&c);
}

/*
 * Policies and rules by hand (the parsed file has the implicit default
 * only): "voip" is link a alone, unreachable when a is down; "tiered"
 * is a, then b. What @c had is kept in @saved, for config_free.
 */
static uint32_t all_w[] = { 1, 1, 1 }, all_t[] = { 1, 1, 1 },
		voip_w[] = { 1, 0, 0 }, voip_t[] = { 1, 0, 0 },
		tiered_w[] = { 1, 1, 0 }, tiered_t[] = { 1, 2, 0 };
static struct policy_config pols[] = {
	{ .name = "default", .weight = all_w, .tier = all_t },
	{ .name = "voip",
	  .weight = voip_w,
	  .tier = voip_t,
	  .last_resort = LAST_RESORT_UNREACHABLE },
	{ .name = "tiered", .weight = tiered_w, .tier = tiered_t },
};
static struct rule_prefix lan4[] = {
	{ .fam = FAM_IPV4, .p = { .addr.b = { 192, 168, 1, 0 }, .len = 24 } }
};
static struct port_range dns[] = { { 53, 53 } },
			 first100[] = { { 20000, 20099 } };
static uint8_t udp[] = { IPPROTO_UDP };

static void with_rules(struct config *c, struct config *saved,
		       struct rule_config *rules, unsigned int nrules)
{
	*saved = *c;
	c->policies = pols;
	c->npolicies = 3;
	c->rules = rules;
	c->nrules = nrules;
}

static void without_rules(struct config *c, const struct config *saved)
{
	c->policies = saved->policies;
	c->npolicies = saved->npolicies;
	c->rules = saved->rules;
	c->nrules = saved->nrules;
	config_free(c);
}

/*
 * The rules decide each connection's policy, first match first: a
 * hundred to the main table, the rest of the DNS to voip, on a alone;
 * IPv6 matches no rule: the default's, over all three. When a goes
 * down, voip's connections move and its new ones meet its last resort.
 */
static void test_rules(void **state)
{
	struct rule_config rules[] = {
		{ .name = "first",
		  .src = lan4,
		  .nsrc = 1,
		  .sport = first100,
		  .nsport = 1,
		  .policy = RULE_POLICY_MAIN },
		{ .name = "dns",
		  .src = lan4,
		  .nsrc = 1,
		  .proto = udp,
		  .nproto = 1,
		  .dport = dns,
		  .ndport = 1,
		  .policy = 1 },
	};
	const struct flowpin_policy *voip;
	struct config c, saved;
	struct sim s;
	struct sim_event ev[1];
	char err[128];

	(void)state;
	load(&c, THREE);
	with_rules(&c, &saved, rules, 2);
	assert_int_equal(sim_event_parse("1:a:down", &c, &ev[0], err,
					 sizeof(err)),
			 0);
	assert_int_equal(sim_init(&s, &c, ev, 1), 0);
	voip = &s.pol[1];
	for (unsigned int n = 0; n < 1000; n++) {
		struct pkt p = packet(n, false, 2 * n),
			   q = packet6("fd00:1::2", n, false, 2 * n + 1);

		sim_packet(&s, &p);
		sim_packet(&s, &q);
	}
	sim_flush(&s);
	assert_int_equal(s.connections, 2000);
	assert_int_equal(s.rule_conns[0], 100);
	assert_int_equal(s.rule_conns[1], 900);
	assert_int_equal(s.no_rule, 1000);
	assert_int_equal(s.unpinned, 100);
	/* voip: all on a; the default: IPv6, on every link */
	assert_int_equal(voip->conns[0], 900);
	assert_int_equal(total(voip->conns), 900);
	assert_int_equal(voip->hashed[FAM_IPV4], 900);
	assert_int_equal(total(s.pol[POLICY_DEFAULT].conns), 1000);
	for (unsigned int i = 0; i < 3; i++)
		assert_true(s.pol[POLICY_DEFAULT].conns[i] > 250);
	/* flowpin's links count every policy's, the main table's as none */
	assert_int_equal(s.res[POL_FLOWPIN].conns[0],
			 900 + s.pol[POLICY_DEFAULT].conns[0]);
	assert_int_equal(s.res[POL_FLOWPIN].conns[SLOTS_MAX], 100);
	assert_int_equal(total(s.res[POL_FLOWPIN].conns), 2000);
	/* the shares aim at each policy's links: a takes voip's */
	assert_true(sim_balance_error(&s, POL_FLOWPIN) < 3);
	/* the alternatives know no rules */
	assert_int_equal(s.res[POL_KERNEL_L4].conns[SLOTS_MAX], 0);

	/* a down: voip's connections and the default's on a move */
	for (unsigned int n = 1000; n < 1100; n++) {
		struct pkt p = packet(n, false, 1000000 + n);

		sim_packet(&s, &p);
	}
	sim_flush(&s);
	assert_int_equal(s.next_event, 1);
	assert_int_equal(s.res[POL_FLOWPIN].moved[0],
			 900 + s.pol[POLICY_DEFAULT].conns[0]);
	/* voip's new ones: no link, its last resort */
	assert_int_equal(voip->conns[SLOTS_MAX], 100);
	assert_int_equal(s.res[POL_FLOWPIN].conns[SLOTS_MAX], 200);
	sim_free(&s);
	without_rules(&c, &saved);
}

/*
 * A policy of tiers: a's connections go to b while a is down; when a
 * comes back they stay on b (failback = new) or are deleted to go back
 * to a (failback = all).
 */
static void test_failback(void **state)
{
	struct rule_config rules[] = { { .name = "all", .policy = 2 } };
	struct config c, saved;
	struct sim s;
	struct sim_event ev[2];
	char err[128];

	(void)state;
	load(&c, THREE);
	with_rules(&c, &saved, rules, 1);
	assert_int_equal(sim_event_parse("1:a:down", &c, &ev[0], err,
					 sizeof(err)),
			 0);
	assert_int_equal(sim_event_parse("2:a:up", &c, &ev[1], err,
					 sizeof(err)),
			 0);
	for (int all = 0; all < 2; all++) {
		pols[2].failback = all ? FAILBACK_ALL : FAILBACK_NEW;
		assert_int_equal(sim_init(&s, &c, ev, 2), 0);
		for (uint64_t t = 0; t <= 2000000; t += 1000000)
			for (unsigned int n = 0; n < 500; n++) {
				struct pkt p = packet(n, false, t + n),
					   r = packet(n, true, t + n + 1000);

				sim_packet(&s, &p);
				sim_packet(&s, &r);
			}
		sim_flush(&s);
		assert_int_equal(s.next_event, 2);
		/* on a, then all on b, then (all) back on a */
		assert_int_equal(s.pol[2].conns[0], 500);
		assert_int_equal(s.res[POL_FLOWPIN].moved[0], 500);
		assert_int_equal(s.res[POL_FLOWPIN].moved[1], all ? 500 : 0);
		assert_int_equal(s.res[POL_FLOWPIN].broken, 500);
		sim_free(&s);
	}
	pols[2].failback = FAILBACK_NEW;
	without_rules(&c, &saved);
}

/* The same from the file: [policy] and [rule] as the parser reads them. */
static void test_rules_parsed(void **state)
{
	struct config c;
	struct sim s;

	(void)state;
	load(&c, "[global]\nlan = lan0 lan1\n"
		 "[link a]\ninterface = a\ngateway = 10.1.0.1\n"
		 "[link b]\ninterface = b\ngateway = 10.2.0.1\n"
		 "[link c]\ninterface = c\ngateway = 10.3.0.1\n"
		 "[policy dns]\nlinks = b\nlast_resort = blackhole\n"
		 "[rule dns]\nproto = udp\ndport = 53\npolicy = dns\n"
		 "[rule other]\nlan = lan1\npolicy = main\n");
	assert_int_equal(c.npolicies, 2);
	assert_int_equal(c.nrules, 2);
	assert_int_equal(sim_init(&s, &c, NULL, 0), 0);
	for (unsigned int n = 0; n < 300; n++) {
		struct pkt p = packet(n, false, 2 * n),
			   q = packet6("fd00:1::2", n, false, 2 * n + 1);

		sim_packet(&s, &p);
		sim_packet(&s, &q);
	}
	sim_flush(&s);
	/* the capture's flows come from lan0: never the rule of lan1 */
	assert_int_equal(s.rule_conns[0], 300);
	assert_int_equal(s.rule_conns[1], 0);
	assert_int_equal(s.no_rule, 300);
	assert_int_equal(s.pol[1].conns[1], 300);
	assert_int_equal(total(s.pol[1].conns), 300);
	assert_int_equal(total(s.pol[POLICY_DEFAULT].conns), 300);
	assert_int_equal(s.res[POL_FLOWPIN].conns[1],
			 300 + s.pol[POLICY_DEFAULT].conns[1]);
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
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ipv6_events),
		cmocka_unit_test(test_ipv6_no_link),
		cmocka_unit_test(test_untracked),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_failback),
		cmocka_unit_test(test_rules_parsed),
		cmocka_unit_test(test_event_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
