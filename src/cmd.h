/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flowpin's commands. Each returns the process exit status. */
#ifndef FLOWPIN_CMD_H
#define FLOWPIN_CMD_H

#include <stdbool.h>

#define DEFAULT_CONFIG "/etc/flowpin.conf"

struct options {
	const char *config;
	bool config_given;
	bool json, pretty;
};

int cmd_run(const struct options *o, int argc, char **argv);
int cmd_check(const struct options *o, int argc, char **argv);
int cmd_status(const struct options *o, int argc, char **argv);
int cmd_explain(const struct options *o, int argc, char **argv);

/* The control socket path: from the configuration when -c was given. */
int control_path(const struct options *o, char *path, size_t size);

#endif
