/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flowpin's commands. Each returns the process exit status. */
#ifndef FLOWPIN_CMD_H
#define FLOWPIN_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEFAULT_CONFIG "/etc/flowpin.conf"

#define EVENTS_MAX 32

struct options {
	const char *config;
	bool config_given;
	bool json, pretty;
	/* flowpin sim */
	const char *events[EVENTS_MAX];
	unsigned int nevents;
	const char *generate, *linktype;
	uint32_t flows, seed;
	double duration;
};

int cmd_run(const struct options *o, int argc, char **argv);
int cmd_check(const struct options *o, int argc, char **argv);
int cmd_status(const struct options *o, int argc, char **argv);
int cmd_explain(const struct options *o, int argc, char **argv);
int cmd_sim(const struct options *o, int argc, char **argv);

/* The control socket path: from the configuration when -c was given. */
int control_path(const struct options *o, char *path, size_t size);

#endif
