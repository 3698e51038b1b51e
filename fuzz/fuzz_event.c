// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowpin sim's --event TIME:LINK:down|up|weight=N on arbitrary text, one
 * event a line, against a fixed configuration. An accepted event names a
 * link of it, a time in range and a weight in 1..255; a refused one says
 * why. When every line is an event and they come in order (as cmd_sim.c
 * demands), they are replayed over connections of both families, some
 * pinned by prefix6, with packets around each event's time: every
 * policy's connections add up, and the counts it reports hold.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>

#include "core/config.h"
#include "fuzz/fuzz.h"
#include "sim/sim.h"

#define FLOWS 48

/* wan3 pins the IPv6 sources of its prefix6; lte is a backup. */
static const char conf_text[] =
	"[global]\nlan = lan0\nbuckets = 64\nlan6 = fd00:1::/64\n"
	"[link wan1]\ninterface = wan1\ngateway = 10.1.0.1\nweight = 2\n"
	"nat6 = masquerade\n"
	"[link wan2]\ninterface = wan2\ngateway = 10.2.0.1\n"
	"nat6 = 2001:db8:2::/64\n"
	"[link wan3]\ninterface = wan3\nprefix6 = 2001:db8:300::/56\n"
	"[link lte]\ninterface = wwan0\ntier = 2\nweight = 255\n";

static struct config cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (config_parse_string(&cfg, "fuzz.conf", conf_text,
				CONFIG_DIAG_FILE(stderr)))
		abort();
	return 0;
}

/* Connection @i's packet at @ts_us, from its initiator or its responder. */
static struct pkt packet(unsigned int i, uint64_t ts_us, bool reply)
{
	struct pkt p = { .ts_us = ts_us, .len = 100 };
	struct flow_key *k = &p.key;
	uint8_t *from = reply ? k->dst : k->src, *to = reply ? k->src : k->dst;

	k->proto = i % 3 == 0 ? IPPROTO_UDP : IPPROTO_TCP;
	k->sport = (uint16_t)(reply ? 443 : 40000 + i);
	k->dport = (uint16_t)(reply ? 40000 + i : 443);
	if (i % 2) {
		k->family = AF_INET6;
		/* from the ULA, or from wan3's prefix6 */
		inet_pton(AF_INET6,
			  i % 4 == 1 ? "fd00:1::10" : "2001:db8:300::10", from);
		from[15] = (uint8_t)i;
		inet_pton(AF_INET6, "2001:db8:ffff::7", to);
	} else {
		k->family = AF_INET;
		inet_pton(AF_INET, "192.168.1.10", from);
		from[3] = (uint8_t)i;
		inet_pton(AF_INET, "198.51.100.7", to);
	}
	if (k->proto == IPPROTO_TCP)
		p.tcp_flags = reply ? 0x12 : 0x02; /* SYN-ACK, SYN */
	return p;
}

/* Every connection, a packet each way, at @ts_us. */
static void round_of(struct sim *s, uint64_t ts_us)
{
	for (unsigned int i = 0; i < FLOWS; i++) {
		struct pkt p = packet(i, ts_us, false);

		sim_packet(s, &p);
		p = packet(i, ts_us + 1, true);
		sim_packet(s, &p);
	}
}

static void replay(const struct sim_event *ev, unsigned int n)
{
	struct sim s;
	const uint64_t t0 = 1700000000ULL * 1000000;

	FUZZ_CHECK(sim_init(&s, &cfg, ev, n) == 0, "sim_init");
	round_of(&s, t0);
	for (unsigned int e = 0; e < n; e++) {
		round_of(&s, t0 + ev[e].at_us);
		round_of(&s, t0 + ev[e].at_us + 1000);
	}
	sim_flush(&s);
	FUZZ_CHECK(s.next_event == n, "%u of %u events applied", s.next_event,
		   n);
	for (int pol = 0; pol < SIM_POLICIES; pol++) {
		const struct sim_result *r = &s.res[pol];
		uint64_t conns = 0;
		double err = sim_balance_error(&s, (enum sim_policy)pol);

		for (unsigned int i = 0; i <= SLOTS_MAX; i++) {
			conns += r->conns[i];
			FUZZ_CHECK(i < cfg.nlinks || i == SLOTS_MAX ||
					   !r->conns[i],
				   "policy %d: connections on slot %u", pol, i);
		}
		FUZZ_CHECK(conns == s.connections,
			   "policy %d: %llu connections of %llu", pol,
			   (unsigned long long)conns,
			   (unsigned long long)s.connections);
		FUZZ_CHECK(r->broken <= s.connections, "policy %d broken", pol);
		FUZZ_CHECK(isfinite(err) && err >= 0 && err <= 200,
			   "policy %d balance error %g", pol, err);
		for (unsigned int e = 0; e < n; e++)
			FUZZ_CHECK(pol == POL_ROUND_ROBIN ?
					   r->moved[e] == SIM_MOVED_NA :
					   r->moved[e] <= s.connections,
				   "policy %d moved %llu at event %u", pol,
				   (unsigned long long)r->moved[e], e);
	}
	sim_free(&s);
}

/* An accepted event says, in the whole of its text, what it was read as. */
static void check_text(const char *arg, const struct sim_event *e)
{
	const char *link = strchr(arg, ':'), *what;
	const char *name = cfg.links[e->link].name;
	char want[16];

	FUZZ_CHECK(link && (what = strchr(link + 1, ':')), "\"%s\"", arg);
	FUZZ_CHECK((size_t)(what - link - 1) == strlen(name) &&
			   !strncmp(link + 1, name, strlen(name)),
		   "\"%s\" read as link %s", arg, name);
	if (e->kind == SIM_WEIGHT) {
		uint32_t w;

		FUZZ_CHECK(!strncmp(what + 1, "weight=", 7) &&
				   parse_u32(what + 8, 1, 255, &w) == 0 &&
				   w == e->weight,
			   "\"%s\" read as weight=%u", arg, e->weight);
	} else {
		snprintf(want, sizeof(want), "%s",
			 e->kind == SIM_DOWN ? "down" : "up");
		FUZZ_CHECK(!strcmp(what + 1, want), "\"%s\" read as %s", arg,
			   want);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size), *line, *save = NULL;
	struct sim_event ev[SIM_EVENTS_MAX];
	unsigned int n = 0;
	bool all = true;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct sim_event e;
		char err[256];

		memset(&e, 0, sizeof(e));
		memset(err, 0x55, sizeof(err));
		if (sim_event_parse(line, &cfg, &e, err, sizeof(err))) {
			FUZZ_CHECK(memchr(err, '\0', sizeof(err)) && err[0],
				   "no message for \"%s\"", line);
			all = false;
			continue;
		}
		FUZZ_CHECK(e.link < cfg.nlinks, "\"%s\": link %u", line,
			   e.link);
		check_text(line, &e);
		FUZZ_CHECK(e.at_us <= 1000000000ULL * 1000000,
			   "\"%s\": at %llu", line,
			   (unsigned long long)e.at_us);
		FUZZ_CHECK(e.kind == SIM_DOWN || e.kind == SIM_UP ||
				   (e.kind == SIM_WEIGHT && e.weight >= 1 &&
				    e.weight <= 255),
			   "\"%s\": kind %d weight %u", line, e.kind, e.weight);
		/* the command line's rules: in order, at most SIM_EVENTS_MAX */
		if (n == SIM_EVENTS_MAX || (n && e.at_us < ev[n - 1].at_us))
			all = false;
		else
			ev[n++] = e;
	}
	if (all)
		replay(ev, n);
	free(text);
	return 0;
}
