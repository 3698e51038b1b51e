// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowpin sim: replay a capture through round robin, the kernel's
 * multipath (L3, L4) and flowpin, and report what each does to the
 * connections. flowpin sim --generate writes a synthetic capture.
 */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "packet.h"
#include "pcapgen.h"
#include "print.h"
#include "sim.h"
#include "trace.h"

/* the events of the command line are the simulation's */
_Static_assert(EVENTS_MAX <= SIM_EVENTS_MAX, "sim takes every event");

static const char *const policy_what[SIM_POLICIES] = {
	[POL_ROUND_ROBIN] = "a next hop per packet, the seed's router",
	[POL_KERNEL_L3] = "kernel multipath, hash of addresses",
	[POL_KERNEL_L4] = "kernel multipath, hash of addresses and ports",
	[POL_FLOWPIN] = "pinned connections, bucket table",
};

static int generate(const struct options *o)
{
	struct pcapgen g = {
		.path = o->generate,
		.flows = o->flows,
		.duration = o->duration,
		.seed = o->seed,
		.linktype = LT_ETHERNET,
	};
	uint64_t packets;
	char err[256];

	if (o->linktype) {
		if (!strcmp(o->linktype, "sll"))
			g.linktype = LT_LINUX_SLL;
		else if (!strcmp(o->linktype, "raw"))
			g.linktype = LT_RAW;
		else if (strcmp(o->linktype, "ethernet")) {
			fprintf(stderr,
				"flowpin sim: --linktype \"%s\" is not ethernet, sll or raw\n",
				o->linktype);
			return 2;
		}
	}
	if (pcapgen_write(&g, &packets, err, sizeof(err))) {
		fprintf(stderr, "flowpin sim: %s: %s\n", o->generate, err);
		return 1;
	}
	printf("%s: %" PRIu64 " packets, %u connections over %.1f s\n",
	       o->generate, packets, g.flows, g.duration);
	return 0;
}

static const char *event_name(enum sim_event_kind k)
{
	return k == SIM_DOWN ? "down" : k == SIM_UP ? "up" : "weight";
}

/* @part of @whole, in percent; 0 of nothing */
static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

static void print_policy(const struct sim *s, enum sim_policy pol)
{
	const struct sim_result *r = &s->res[pol];
	uint64_t conns = 0, bytes = 0;

	for (unsigned int i = 0; i <= SLOTS_MAX; i++) {
		conns += r->conns[i];
		bytes += r->bytes[i];
	}
	print_open_object(NULL);
	print_string(PRINT_ANY, "name", "policy %s", sim_policy_names[pol]);
	print_text(" (%s)\n", policy_what[pol]);
	print_open_array("links");
	for (unsigned int i = 0; i <= s->nlinks; i++) {
		unsigned int slot = i == s->nlinks ? SLOTS_MAX : i;

		if (i == s->nlinks && !r->conns[slot] && !r->bytes[slot])
			break;
		print_open_object(NULL);
		print_string(PRINT_ANY, "name", "    %-10s",
			     i == s->nlinks ? "none" : s->cfg->links[i].name);
		print_u64(PRINT_ANY, "connections", " connections %8" PRIu64,
			  r->conns[slot]);
		print_double(PRINT_ANY, "connection_share", " (%5.1f%%)",
			     pct(r->conns[slot], conns));
		print_u64(PRINT_ANY, "bytes", " bytes %12" PRIu64,
			  r->bytes[slot]);
		print_double(PRINT_ANY, "byte_share", " (%5.1f%%)\n",
			     pct(r->bytes[slot], bytes));
		print_close_object();
	}
	print_close_array();
	print_u64(PRINT_ANY, "broken", "    broken %" PRIu64, r->broken);
	print_text(" (%.1f%%)", pct(r->broken, conns));
	print_double(PRINT_ANY, "balance_error", "  balance error %.1f points",
		     sim_balance_error(s, pol));
	print_open_array("moved");
	for (unsigned int e = 0; e < s->next_event; e++) {
		if (r->moved[e] == SIM_MOVED_NA) {
			print_null(NULL);
			print_text(e ? ", -" : "\n    moved by events: -");
		} else {
			print_text(e ? ", " : "\n    moved by events: ");
			print_u64(PRINT_ANY, NULL, "%" PRIu64, r->moved[e]);
		}
	}
	print_close_array();
	print_text("\n");
	print_close_object();
}

static void print_report(const struct sim *s, const struct decoder *d,
			 const char *path)
{
	double secs = s->packets ? (double)(s->last_us - s->first_us) / 1e6 : 0;

	print_open_object("trace");
	print_string(PRINT_ANY, "file", "trace %s:", path);
	print_u64(PRINT_ANY, "packets", " %" PRIu64 " packets", s->packets);
	print_string(PRINT_ANY, "linktype", " (%s)",
		     linktype_name(d->linktype));
	print_u64(PRINT_ANY, "connections", ", %" PRIu64 " connections",
		  s->connections);
	print_double(PRINT_ANY, "duration", ", %.1f s\n", secs);
	print_u64(PRINT_ANY, "max_live", "    at most %" PRIu64 " live at once",
		  s->table.max_live);
	print_u64(PRINT_ANY, "reassembled",
		  "; %" PRIu64 " datagrams reassembled", d->reassembled);
	print_u64(PRINT_ANY, "fragments", " from %" PRIu64 " fragments",
		  d->fragments);
	print_u64(PRINT_ANY, "skipped", "; %" PRIu64 " frames not IP",
		  d->skipped);
	print_u64(PRINT_ANY, "orphans",
		  "; %" PRIu64 " ICMP errors about no known connection\n",
		  s->orphans);
	print_close_object();

	print_open_array("events");
	for (unsigned int e = 0; e < s->nevents; e++) {
		const struct sim_event *ev = &s->events[e];

		print_open_object(NULL);
		print_double(PRINT_ANY, "time", e ? ", %.1fs" : "events: %.1fs",
			     (double)ev->at_us / 1e6);
		print_string(PRINT_ANY, "link", " %s",
			     s->cfg->links[ev->link].name);
		print_string(PRINT_ANY, "event", " %s", event_name(ev->kind));
		if (ev->kind == SIM_WEIGHT)
			print_u64(PRINT_ANY, "weight", "=%" PRIu64, ev->weight);
		if (e >= s->next_event)
			print_text(" (after the trace)");
		print_close_object();
	}
	print_close_array();
	if (s->nevents)
		print_text("\n");
	print_open_array("policies");
	for (int p = 0; p < SIM_POLICIES; p++)
		print_policy(s, p);
	print_close_array();
}

int cmd_sim(const struct options *o, int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE], err[160];
	struct sim_event events[EVENTS_MAX];
	struct decoder *d = NULL;
	struct sim s;
	struct config c;
	pcap_t *pc;
	int ret = 1;

	if (o->generate) {
		if (argc) {
			fprintf(stderr,
				"flowpin sim --generate: unexpected argument \"%s\"\n",
				argv[0]);
			return 2;
		}
		return generate(o);
	}
	if (argc != 1) {
		fprintf(stderr,
			"usage: flowpin sim -c FILE TRACE.pcap [--event TIME:LINK:down|up|weight=N ...] [-j]\n"
			"       flowpin sim --generate OUT.pcap [--flows N] [--duration S] [--seed N]\n");
		return 2;
	}
	if (config_load(&c, o->config, stderr))
		return 1;
	for (unsigned int e = 0; e < o->nevents; e++) {
		if (sim_event_parse(o->events[e], &c, &events[e], err,
				    sizeof(err))) {
			fprintf(stderr, "flowpin sim: --event %s\n", err);
			config_free(&c);
			return 2;
		}
		if (e && events[e].at_us < events[e - 1].at_us) {
			fprintf(stderr,
				"flowpin sim: --event %s comes before the event it follows\n",
				o->events[e]);
			config_free(&c);
			return 2;
		}
	}
	pc = trace_open(argv[0], errbuf);
	if (!pc) {
		fprintf(stderr, "flowpin sim: %s\n", errbuf);
		config_free(&c);
		return 1;
	}
	d = malloc(sizeof(*d));
	if (!d) {
		fprintf(stderr, "flowpin sim: out of memory\n");
		goto out;
	}
	if (decoder_init(d, pcap_datalink(pc))) {
		fprintf(stderr,
			"flowpin sim: %s: link type %s is not Ethernet, Linux cooked or raw IP\n",
			argv[0],
			pcap_datalink_val_to_name(pcap_datalink(pc)) ?:
								       "unknown");
		goto out;
	}
	if (sim_init(&s, &c, events, o->nevents)) {
		fprintf(stderr, "flowpin sim: out of memory\n");
		goto out;
	}
	if (trace_replay(pc, d, &s, NULL) == -1) {
		fprintf(stderr, "flowpin sim: %s: %s\n", argv[0],
			pcap_geterr(pc));
	} else {
		print_begin(o->json, o->pretty);
		print_report(&s, d, argv[0]);
		ret = print_end() ? 1 : 0;
	}
	sim_free(&s);
out:
	free(d);
	pcap_close(pc);
	config_free(&c);
	return ret;
}
