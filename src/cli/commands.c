// SPDX-License-Identifier: GPL-2.0-or-later
/* The commands, the global options, and the help made of them. */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"

const struct option global_longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char global_help[] =
	"  -c, --config FILE        configuration (default " DEFAULT_CONFIG
	")\n"
	"  -j, --json               JSON output\n"
	"  -p, --pretty             indented JSON output\n"
	"  -V, --version            print the version\n"
	"  -h, --help               this help\n";

const struct command *const commands[] = {
	&cmd_run,     &cmd_check, &cmd_status, &cmd_metrics,
	&cmd_explain, &cmd_sim,	  NULL,
};

void flowpin_usage(FILE *f)
{
	fprintf(f, "Usage: flowpin [OPTIONS] COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; commands[i]; i++)
		fprintf(f, "  %-9s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(f,
		"\nOptions, before or after the command:\n%s\n"
		"flowpin COMMAND -h: the command's arguments and options.\n"
		"See flowpin(8) and flowpin.conf(5).\n",
		global_help);
}

void command_usage(const struct command *cmd, FILE *f)
{
	const char *line = cmd->args, *end;

	/* one usage line per line of args */
	do {
		end = strchrnul(line, '\n');
		fprintf(f, "%s flowpin [OPTIONS] %s%s%.*s\n",
			line == cmd->args ? "Usage:" : "      ", cmd->name,
			end > line ? " " : "", (int)(end - line), line);
		line = end + 1;
	} while (*end);
	fprintf(f, "\n%s.\n", cmd->summary);
	if (cmd->options_help)
		fprintf(f, "\nOptions of %s:\n%s", cmd->name,
			cmd->options_help);
	fprintf(f, "\nOptions, before or after the command:\n%s", global_help);
}
