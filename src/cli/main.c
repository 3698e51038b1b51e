// SPDX-License-Identifier: GPL-2.0-or-later
/* flowpin: per-flow multi-uplink routing on the kernel's own dataplane. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "lib/version.h"

#define OPTIONS_MAX 32

static size_t count_options(const struct option *o)
{
	size_t n = 0;

	while (o && o[n].name)
		n++;
	return n;
}

/* The option of @table that @text ("--name[=value]" or "-x") names. */
static const struct option *find_option(const struct option *table,
					const char *text)
{
	size_t len;

	if (!table)
		return NULL;
	if (text[0] == '-' && text[1] == '-') {
		text += 2;
		len = strcspn(text, "=");
		for (; table->name; table++)
			if (strlen(table->name) == len &&
			    !strncmp(table->name, text, len))
				return table;
	} else if (text[0] == '-' && text[1]) {
		for (; table->name; table++)
			if (table->val == text[1])
				return table;
	}
	return NULL;
}

/* The command other than @self whose own option @text is. */
static const struct command *option_owner(const struct command *self,
					  const char *text)
{
	for (size_t i = 0; commands[i]; i++)
		if (commands[i] != self &&
		    find_option(commands[i]->options, text))
			return commands[i];
	return NULL;
}

/*
 * getopt's '?' and ':', in words. @where is "flowpin" or "flowpin NAME";
 * @cmd is NULL before the command. A long option getopt stopped at is
 * argv[optind - 1] (optopt is its val, or 0 when unknown); a short one,
 * perhaps within a cluster, is only optopt.
 */
static int bad_option(const char *where, const struct command *cmd,
		      const struct option *table, int opt, char **argv)
{
	const char *text = argv[optind - 1];
	char shortopt[3] = { '-', (char)optopt, '\0' };
	const struct option *known = find_option(table, text);
	const struct command *owner;
	int len;

	if (optopt && !(text[0] == '-' && text[1] == '-' && known &&
			known->val == optopt)) {
		text = shortopt;
		known = find_option(table, text);
	}
	len = (int)strcspn(text, "="); /* the name, without "=value" */
	if (opt == ':')
		fprintf(stderr, "%s: option '%.*s' needs an argument\n", where,
			len, text);
	else if (known) /* "--json=1" */
		fprintf(stderr, "%s: option '%.*s' takes no argument\n", where,
			len, text);
	else if ((owner = option_owner(cmd, text)) && cmd)
		fprintf(stderr,
			"%s: '%.*s' is an option of flowpin %s, not of flowpin %s\n",
			where, len, text, owner->name, cmd->name);
	else if (owner)
		fprintf(stderr,
			"%s: '%.*s' is an option of flowpin %s: give it after the command\n",
			where, len, text, owner->name);
	else
		fprintf(stderr, "%s: unrecognized option '%s' (try %s -h)\n",
			where, text, where);
	return 2;
}

enum {
	NEXT_OPTION = -1, /* parsing goes on */
	NOT_GLOBAL = -2,
};

/*
 * A global option: NEXT_OPTION, NOT_GLOBAL, or the exit status. -h prints
 * @cmd's usage after a command, the general one before.
 */
static int global_option(struct global_options *g, const struct command *cmd,
			 int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		g->config = arg;
		g->config_given = true;
		return NEXT_OPTION;
	case 'j':
		g->json = true;
		return NEXT_OPTION;
	case 'p':
		g->json = g->pretty = true;
		return NEXT_OPTION;
	case 'V':
		printf("flowpin %s\n", FLOWPIN_VERSION);
		return 0;
	case 'h':
		if (cmd)
			command_usage(cmd, stdout);
		else
			flowpin_usage(stdout);
		return 0;
	}
	return NOT_GLOBAL;
}

/*
 * getopt's short option string for @table, after @prefix: its options
 * whose val is a letter or a digit.
 */
static void short_options(const struct option *table, const char *prefix,
			  char *s, size_t size)
{
	size_t n = strlen(prefix);

	memcpy(s, prefix, n);
	for (; table->name && n + 3 < size; table++) {
		if (table->val <= 0 || table->val > 127 || !isalnum(table->val))
			continue;
		s[n++] = (char)table->val;
		if (table->has_arg == required_argument)
			s[n++] = ':';
	}
	s[n] = '\0';
}

/* @cmd's options, its own and the global ones, then the command. */
static int run_command(struct global_options *g, const struct command *cmd,
		       int argc, char **argv)
{
	size_t nown = count_options(cmd->options), nglobal;
	struct option table[OPTIONS_MAX];
	char where[32], shorts[2 * OPTIONS_MAX + 3];
	int opt, ret;

	nglobal = count_options(global_longopts);
	if (nglobal + nown + 1 > OPTIONS_MAX) {
		fprintf(stderr, "flowpin %s: too many options\n", cmd->name);
		return 1;
	}
	memcpy(table, global_longopts, nglobal * sizeof(*table));
	if (nown)
		memcpy(table + nglobal, cmd->options, nown * sizeof(*table));
	table[nglobal + nown] = (struct option){ 0 };
	/* ':': a missing argument is ':', not '?' */
	short_options(table, ":", shorts, sizeof(shorts));
	snprintf(where, sizeof(where), "flowpin %s", cmd->name);

	/*
	 * argv[0] is the command. 0, not 1: glibc's getopt then starts afresh
	 * at argv[1], out of main()'s "+" mode, and permutes: options may
	 * follow the arguments.
	 */
	optind = 0;
	while ((opt = getopt_long(argc, argv, shorts, table, NULL)) != -1) {
		if (opt == '?' || opt == ':')
			return bad_option(where, cmd, table, opt, argv);
		ret = global_option(g, cmd, opt, optarg);
		if (ret == NOT_GLOBAL)
			ret = cmd->option(opt, optarg) ?: NEXT_OPTION;
		if (ret != NEXT_OPTION)
			return ret;
	}
	return cmd->run(g, argc - optind, argv + optind);
}

int main(int argc, char **argv)
{
	struct global_options g = { .config = DEFAULT_CONFIG };
	char shorts[2 * OPTIONS_MAX + 3];
	int opt, ret;

	opterr = 0; /* messages of our own, naming the command */
	/* '+': stop at the command, whose options follow it */
	short_options(global_longopts, "+:", shorts, sizeof(shorts));
	while ((opt = getopt_long(argc, argv, shorts, global_longopts, NULL)) !=
	       -1) {
		if (opt == '?' || opt == ':')
			return bad_option("flowpin", NULL, global_longopts, opt,
					  argv);
		ret = global_option(&g, NULL, opt, optarg);
		if (ret != NEXT_OPTION)
			return ret;
	}
	if (optind >= argc) {
		flowpin_usage(stderr);
		return 2;
	}
	for (size_t i = 0; commands[i]; i++)
		if (!strcmp(argv[optind], commands[i]->name))
			return run_command(&g, commands[i], argc - optind,
					   argv + optind);
	if (!strcmp(argv[optind], "help")) {
		for (size_t i = 0; optind + 1 < argc && commands[i]; i++)
			if (!strcmp(argv[optind + 1], commands[i]->name)) {
				command_usage(commands[i], stdout);
				return 0;
			}
		flowpin_usage(stdout);
		return 0;
	}
	fprintf(stderr, "flowpin: unknown command \"%s\" (try flowpin help)\n",
		argv[optind]);
	return 2;
}
