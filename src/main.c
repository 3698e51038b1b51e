// SPDX-License-Identifier: GPL-2.0-or-later
/* flowpin: per-flow multi-uplink routing on the kernel's own dataplane. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

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
		"\n"
		"Options:\n"
		"  -c, --config FILE        configuration (default " DEFAULT_CONFIG
		")\n"
		"  -j, --json               JSON output\n"
		"  -p, --pretty             indented JSON output\n"
		"  -V, --version            print the version\n"
		"  -h, --help               this help\n"
		"\n"
		"See flowpin(8) and flowpin.conf(5).\n");
}

static const struct {
	const char *name;
	int (*run)(const struct options *o, int argc, char **argv);
} commands[] = {
	{ "run", cmd_run },
	{ "check", cmd_check },
	{ "status", cmd_status },
	{ "explain", cmd_explain },
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct options o = { .config = DEFAULT_CONFIG };
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
