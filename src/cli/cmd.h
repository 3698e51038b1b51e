/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flowpin's commands. The global options come before the command or after
 * it; every other option belongs to one command, in that command's table,
 * and is parsed after its name (in the manner of xdp-tools).
 */
#ifndef FLOWPIN_CMD_H
#define FLOWPIN_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define DEFAULT_CONFIG "/etc/flowpin/flowpin.conf"

/* The options every command takes. */
struct global_options {
	const char *config;
	bool config_given;
	bool json, pretty;
};

struct command {
	const char *name;
	/* its arguments, one usage line each, as they follow the name */
	const char *args;
	const char *summary;
	/*
	 * Its own options (NULL: none), their help lines, and what takes one
	 * of them, @arg its argument: 0, or the exit status. A val that is a
	 * letter or a digit is also the short form.
	 */
	const struct option *options;
	const char *options_help;
	int (*option)(int val, const char *arg);
	/* the process exit status */
	int (*run)(const struct global_options *g, int argc, char **argv);
};

extern const struct command cmd_run, cmd_check, cmd_status, cmd_explain,
	cmd_sim, cmd_metrics;

/* Every command, NULL-terminated, and the options they all take. */
extern const struct command *const commands[];
extern const struct option global_longopts[];

/* flowpin's usage: the commands and the global options. */
void flowpin_usage(FILE *f);
/* @cmd's usage lines, its options and the global ones. */
void command_usage(const struct command *cmd, FILE *f);

/* The control socket path: from the configuration when -c was given. */
int control_path(const struct global_options *g, char *path, size_t size);
/*
 * Why the daemon on @path could not be asked (-errno @err), on stderr; for
 * a socket the user may not open, what gives access.
 */
void control_say(const char *path, int err);

#endif
