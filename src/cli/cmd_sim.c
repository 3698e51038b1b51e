// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowpin sim: replay a capture through round robin, the kernel's
 * multipath (L3, L4) and flowpin (its rules and policies), and report what
 * each does to the connections, and for flowpin what each rule and policy
 * decided. flowpin sim --generate writes a synthetic capture.
 */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/classify.h"
#include "core/config.h"
#include "daemon/config_file.h"
#include "sim/decoder.h"
#include "sim/pcapgen.h"
#include "cli/print.h"
#include "sim/sim.h"
#include "sim/trace.h"

#define EVENTS_MAX 32

/* the events of the command line are the simulation's */
_Static_assert(EVENTS_MAX <= SIM_EVENTS_MAX, "sim takes every event");

/* sim's own options */
enum {
	OPT_EVENT = 256, /* no short forms: past every character */
	OPT_GENERATE,
	OPT_FLOWS,
	OPT_DURATION,
	OPT_SEED,
	OPT_LINKTYPE,
};

static const struct option sim_options[] = {
	{ "event", required_argument, NULL, OPT_EVENT },
	{ "generate", required_argument, NULL, OPT_GENERATE },
	{ "flows", required_argument, NULL, OPT_FLOWS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "linktype", required_argument, NULL, OPT_LINKTYPE },
	{ NULL, 0, NULL, 0 },
};

static struct {
	const char *events[EVENTS_MAX];
	unsigned int nevents;
	const char *generate, *linktype;
	uint32_t flows, seed;
	double duration;
} opts = {
	.flows = 20000,
	.duration = 60,
	.seed = 1,
};

static int sim_option(int val, const char *arg)
{
	uint32_t v;
	char *end;

	switch (val) {
	case OPT_EVENT:
		if (opts.nevents == EVENTS_MAX) {
			fprintf(stderr, "flowpin sim: more than %d --event\n",
				EVENTS_MAX);
			return 2;
		}
		opts.events[opts.nevents++] = arg;
		return 0;
	case OPT_GENERATE:
		opts.generate = arg;
		return 0;
	case OPT_LINKTYPE:
		opts.linktype = arg;
		return 0;
	case OPT_FLOWS:
	case OPT_SEED:
		if (parse_u32(arg, val == OPT_FLOWS ? 1 : 0,
			      val == OPT_FLOWS ? 100000000 : UINT32_MAX, &v)) {
			fprintf(stderr,
				"flowpin sim: --%s \"%s\" is not a number in range\n",
				val == OPT_FLOWS ? "flows" : "seed", arg);
			return 2;
		}
		*(val == OPT_FLOWS ? &opts.flows : &opts.seed) = v;
		return 0;
	case OPT_DURATION:
		opts.duration = strtod(arg, &end);
		if (end == arg || *end || !(opts.duration > 0) ||
		    opts.duration > 1e6) {
			fprintf(stderr,
				"flowpin sim: --duration \"%s\" is not seconds\n",
				arg);
			return 2;
		}
		return 0;
	}
	return 2;
}

static const char *const policy_what[SIM_POLICIES] = {
	[POL_ROUND_ROBIN] = "a next hop per packet, the seed's router",
	[POL_KERNEL_L3] = "kernel multipath, hash of addresses",
	[POL_KERNEL_L4] = "kernel multipath, hash of addresses and ports",
	[POL_FLOWPIN] = "pinned connections, bucket table",
};

static int generate(const struct global_options *g)
{
	struct pcapgen gen = {
		.path = opts.generate,
		.flows = opts.flows,
		.duration = opts.duration,
		.seed = opts.seed,
		.linktype = LT_ETHERNET,
	};
	uint64_t packets;
	char err[256];

	if (opts.linktype) {
		if (!strcmp(opts.linktype, "sll"))
			gen.linktype = LT_LINUX_SLL;
		else if (!strcmp(opts.linktype, "raw"))
			gen.linktype = LT_RAW;
		else if (strcmp(opts.linktype, "ethernet")) {
			fprintf(stderr,
				"flowpin sim: --linktype \"%s\" is not ethernet, sll or raw\n",
				opts.linktype);
			return 2;
		}
	}
	if (pcapgen_write(&gen, &packets, err, sizeof(err))) {
		fprintf(stderr, "flowpin sim: %s: %s\n", opts.generate, err);
		return 1;
	}
	print_begin(g->json, g->pretty);
	print_string(PRINT_ANY, "file", "%s:", opts.generate);
	print_u64(PRINT_ANY, "packets", " %" PRIu64 " packets", packets);
	print_u64(PRINT_ANY, "connections", ", %" PRIu64 " connections",
		  gen.flows);
	print_double(PRINT_ANY, "duration", " over %.1f s\n", gen.duration);
	return print_end() ? 1 : 0;
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

/* One configured policy: its new connections per link, its last resort's. */
static void print_flowpin_policy(const struct sim *s, unsigned int p)
{
	const struct policy_config *pc = &s->cfg->policies[p];
	const struct flowpin_policy *fp = &s->pol[p];
	uint64_t conns = 0;
	const char *sep = " on ";

	for (unsigned int i = 0; i <= SLOTS_MAX; i++)
		conns += fp->conns[i];
	print_open_object(NULL);
	print_string(PRINT_ANY, "name", "    policy %s", pc->name);
	print_string(PRINT_ANY, "hash", " (%s)", hash_mode_name(pc->hash));
	print_u64(PRINT_ANY, "connections", ": connections %" PRIu64, conns);
	print_double(PRINT_ANY, "connection_share", " (%.1f%%)",
		     pct(conns, s->connections));
	/* its links, and any other its sources' prefix6 pinned some to */
	print_open_array("links");
	for (unsigned int i = 0; i < s->nlinks; i++) {
		if (!pc->weight[i] && !fp->conns[i])
			continue;
		print_open_object(NULL);
		print_text("%s", sep);
		print_string(PRINT_ANY, "name", "%s", s->cfg->links[i].name);
		print_u64(PRINT_ANY, "connections", " %" PRIu64, fp->conns[i]);
		print_close_object();
		sep = ", ";
	}
	print_close_array();
	print_string(PRINT_ANY, "last_resort", "; last resort %s",
		     last_resort_name(pc->last_resort));
	print_u64(PRINT_ANY, "last_resort_connections", " %" PRIu64 "\n",
		  fp->conns[SLOTS_MAX]);
	print_close_object();
}

/*
 * What flowpin's rules made of the connections: how many each rule
 * decided, and where each policy put its own.
 */
static void print_flowpin(const struct sim *s)
{
	const struct config *c = s->cfg;

	print_open_object("flowpin");
	print_text("flowpin's rules:");
	print_open_array("rules");
	for (unsigned int r = 0; r < c->nrules; r++) {
		const struct rule_config *rc = &c->rules[r];

		print_open_object(NULL);
		print_string(PRINT_ANY, "name", " %s", rc->name);
		print_string(PRINT_JSON, "policy", "%s",
			     rc->policy == RULE_POLICY_MAIN ?
				     "main" :
				     c->policies[rc->policy].name);
		print_u64(PRINT_ANY, "connections", " %" PRIu64 ",",
			  s->rule_conns[r]);
		print_close_object();
	}
	print_close_array();
	print_u64(PRINT_ANY, "no_rule", " no rule %" PRIu64, s->no_rule);
	print_u64(PRINT_ANY, "main", "; policy main %" PRIu64 " (not pinned)\n",
		  s->unpinned);
	print_open_array("policies");
	for (unsigned int p = 0; p < c->npolicies; p++)
		print_flowpin_policy(s, p);
	print_close_array();
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
		     decoder_linktype_name(d->linktype));
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
	print_flowpin(s);
}

static int do_sim(const struct global_options *g, int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE], err[160];
	struct sim_event events[EVENTS_MAX];
	struct decoder *d = NULL;
	struct sim s;
	struct config c;
	uint64_t packets = 0;
	pcap_t *pc;
	int ret = 1, read;

	if (opts.generate) {
		if (argc) {
			fprintf(stderr,
				"flowpin sim --generate: unexpected argument \"%s\"\n",
				argv[0]);
			return 2;
		}
		return generate(g);
	}
	if (argc != 1) {
		command_usage(&cmd_sim, stderr);
		return 2;
	}
	if (config_load(&c, g->config, CONFIG_DIAG_FILE(stderr)))
		return 1;
	for (unsigned int e = 0; e < opts.nevents; e++) {
		if (sim_event_parse(opts.events[e], &c, &events[e], err,
				    sizeof(err))) {
			fprintf(stderr, "flowpin sim: --event %s\n", err);
			config_free(&c);
			return 2;
		}
		if (e && events[e].at_us < events[e - 1].at_us) {
			fprintf(stderr,
				"flowpin sim: --event %s comes before the event it follows\n",
				opts.events[e]);
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
	if (sim_init(&s, &c, events, opts.nevents)) {
		fprintf(stderr, "flowpin sim: out of memory\n");
		goto out;
	}
	read = trace_replay(pc, d, &s, &packets);
	/*
	 * A capture cut in its last record (tcpdump killed): what was read
	 * is reported, as tcpdump -r does, with a warning.
	 */
	if (read == -1 && packets &&
	    !strncmp(pcap_geterr(pc), "truncated dump file", 19)) {
		fprintf(stderr,
			"flowpin sim: %s: warning: %s: its last record is cut; reporting the %llu packets before it\n",
			argv[0], pcap_geterr(pc), (unsigned long long)packets);
		read = -2;
	}
	if (read == -1) {
		fprintf(stderr, "flowpin sim: %s: %s\n", argv[0],
			pcap_geterr(pc));
	} else {
		print_begin(g->json, g->pretty);
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

const struct command cmd_sim = {
	.name = "sim",
	.args = "TRACE.pcap [--event TIME:LINK:down|up|weight=N]...\n"
		"--generate OUT.pcap [--flows N] [--duration S] [--seed N] "
		"[--linktype TYPE]",
	.summary = "replay a capture through flowpin and the alternatives, "
		   "and compare",
	.options = sim_options,
	.options_help =
		"  --event TIME:LINK:down|up|weight=N\n"
		"                           at TIME seconds into the trace (repeatable)\n"
		"  --generate OUT.pcap      write a synthetic capture instead\n"
		"  --flows N                its connections (default 20000)\n"
		"  --duration S             its length in seconds (default 60)\n"
		"  --seed N                 its random seed (default 1)\n"
		"  --linktype ethernet|sll|raw\n"
		"                           its link type (default ethernet)\n",
	.option = sim_option,
	.run = do_sim,
};
