// SPDX-License-Identifier: GPL-2.0-or-later
/* flowpin: per-flow multi-uplink routing on the kernel's own dataplane. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"

#define VERSION "0.1"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: flowpin [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  run                      run the daemon in the foreground\n"
		"  check                    validate the configuration file\n"
		"  status                   links, their state and their connections\n"
		"  explain PROTO SRC[:PORT] DST[:PORT]\n"
		"                           the link, bucket and hash of a new connection\n"
		"  sim TRACE.pcap           replay a capture through flowpin and the\n"
		"                           alternatives, and compare\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE        configuration (default " DEFAULT_CONFIG
		")\n"
		"  -j, --json               JSON output\n"
		"  -p, --pretty             indented JSON output\n"
		"  -V, --version            print the version\n"
		"sim:\n"
		"  --event TIME:LINK:down|up|weight=N\n"
		"                           at TIME seconds into the trace (repeatable)\n"
		"  --generate OUT.pcap      write a synthetic capture instead\n"
		"  --flows N  --duration S  --seed N  --linktype ethernet|sll|raw\n"
		"  -h, --help               this help\n"
		"\n"
		"See flowpin(8) and flowpin.conf(5).\n");
}

static const struct {
	const char *name;
	int (*run)(const struct options *o, int argc, char **argv);
} commands[] = {
	{ "run", cmd_run },	  { "check", cmd_check },
	{ "status", cmd_status }, { "explain", cmd_explain },
	{ "sim", cmd_sim },
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "event", required_argument, NULL, 'E' },
		{ "generate", required_argument, NULL, 'G' },
		{ "flows", required_argument, NULL, 'F' },
		{ "duration", required_argument, NULL, 'D' },
		{ "seed", required_argument, NULL, 'S' },
		{ "linktype", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = {
		.config = DEFAULT_CONFIG,
		.flows = 20000,
		.duration = 60,
		.seed = 1,
	};
	uint32_t v;
	char *end;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:jpVh", longopts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'c':
			o.config = optarg;
			o.config_given = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'p':
			o.json = o.pretty = true;
			break;
		case 'V':
			printf("flowpin %s\n", VERSION);
			return 0;
		case 'E':
			if (o.nevents == EVENTS_MAX) {
				fprintf(stderr,
					"flowpin: more than %d --event\n",
					EVENTS_MAX);
				return 2;
			}
			o.events[o.nevents++] = optarg;
			break;
		case 'G':
			o.generate = optarg;
			break;
		case 'L':
			o.linktype = optarg;
			break;
		case 'F':
		case 'S':
			if (parse_u32(optarg, opt == 'F' ? 1 : 0,
				      opt == 'F' ? 100000000 : UINT32_MAX,
				      &v)) {
				fprintf(stderr,
					"flowpin: --%s \"%s\" is not a number in range\n",
					opt == 'F' ? "flows" : "seed", optarg);
				return 2;
			}
			*(opt == 'F' ? &o.flows : &o.seed) = v;
			break;
		case 'D':
			o.duration = strtod(optarg, &end);
			if (end == optarg || *end || !(o.duration > 0) ||
			    o.duration > 1e6) {
				fprintf(stderr,
					"flowpin: --duration \"%s\" is not seconds\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name))
			return commands[i].run(&o, argc - optind - 1,
					       argv + optind + 1);
	if (!strcmp(argv[optind], "help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "flowpin: unknown command \"%s\" (try flowpin help)\n",
		argv[optind]);
	return 2;
}
