/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FLOWPIN_DAEMON_CONFIG_FILE_H
#define FLOWPIN_DAEMON_CONFIG_FILE_H

#include "core/config.h"

/* A configuration file is at most this long (it is read whole). */
#define CONFIG_FILE_MAX (1024 * 1024)

/*
 * Read and parse @path. Every problem goes to @diag (CONFIG_DIAG_FILE(stderr)
 * prints "NAME:LINE: message"), with line 0 when the file cannot be read;
 * returns 0, -EINVAL when the file has errors, or another -errno when it
 * cannot be read.
 */
int config_load(struct config *c, const char *path,
		const struct config_diag *diag);
/* The same, keeping the text in *@keep (malloc'd) when it parsed. */
int config_load_text(struct config *c, const char *path,
		     const struct config_diag *diag, char **keep);

/*
 * The control socket a configuration names, errors elsewhere in the file
 * notwithstanding (the CLI must reach a daemon whose file was broken since).
 */
int config_control_path(const char *path, char *out, size_t size);

#endif
