// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading flowpin.conf from its file, for the daemon and the commands
 * alike: the core parses text, this is where the text comes from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config_file.h"

/* A problem of the file as a whole, or of @line */
static void load_error(const struct config_diag *diag, const char *path,
		       int line, const char *msg)
{
	if (diag && diag->report)
		diag->report(diag->ctx, path, line, msg);
}

/*
 * The whole of @path as text, at most CONFIG_FILE_MAX bytes: 0 with
 * *@text malloc'd, or -errno, reported to @diag.
 */
static int read_text(const char *path, char **text,
		     const struct config_diag *diag)
{
	char *buf = NULL;
	size_t len = 0;
	int ret = 0;
	FILE *f;

	*text = NULL;
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		load_error(diag, path, 0, strerror(-ret));
		return ret;
	}
	/* Configs are small: read all of it, then parse from memory. */
	for (size_t cap = 0;;) {
		if (len + 1 >= cap) {
			char *t = realloc(buf, cap = cap ? 2 * cap : 4096);

			if (!t) {
				ret = -ENOMEM;
				load_error(diag, path, 0, "out of memory");
				goto out;
			}
			buf = t;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);

		len += n;
		if (n == 0)
			break;
		if (len > CONFIG_FILE_MAX) {
			char msg[96];

			snprintf(msg, sizeof(msg),
				 "larger than %d bytes: not a flowpin.conf",
				 CONFIG_FILE_MAX);
			load_error(diag, path, 0, msg);
			ret = -EFBIG;
			goto out;
		}
	}
	if (ferror(f)) {
		ret = -EIO;
		load_error(diag, path, 0, "read error");
		goto out;
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		load_error(diag, path, 1, "not a text file (NUL byte)");
		ret = -EINVAL;
		goto out;
	}
	*text = buf;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return ret;
}

int config_load_text(struct config *c, const char *path,
		     const struct config_diag *diag, char **keep)
{
	char *text;
	int ret = read_text(path, &text, diag);

	if (!ret)
		ret = config_parse_string(c, path, text, diag);
	if (!ret && keep) {
		*keep = text;
		text = NULL;
	}
	free(text);
	return ret;
}

int config_load(struct config *c, const char *path,
		const struct config_diag *diag)
{
	return config_load_text(c, path, diag, NULL);
}

int config_control_path(const char *path, char *out, size_t size)
{
	struct config c;
	char *text;
	int ret;

	snprintf(out, size, "%s", DEFAULT_CONTROL);
	/* bounded as config_load() reads it: never a file without end */
	ret = read_text(path, &text, NULL);
	if (ret)
		return ret;
	/*
	 * The daemon's own parser, so that both read the same socket from
	 * the same text (comments, spacing, sections alike). A file with
	 * errors elsewhere (being edited while the daemon runs the previous
	 * one) still names its socket: the parser has read the key by then.
	 */
	config_parse_string(&c, path, text, NULL);
	snprintf(out, size, "%s", c.control);
	config_free(&c);
	free(text);
	return 0;
}
