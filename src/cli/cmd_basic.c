// SPDX-License-Identifier: GPL-2.0-or-later
/* flowpin run, flowpin check */
#include <inttypes.h>
#include <stdio.h>

#include "cli/cmd.h"
#include "cli/print.h"
#include "core/config.h"
#include "daemon/config_file.h"
#include "daemon/daemon.h"

static int do_run(const struct global_options *g, int argc, char **argv)
{
	if (argc) {
		fprintf(stderr, "flowpin run: unexpected argument \"%s\"\n",
			argv[0]);
		return 2;
	}
	/* refused rather than ignored: no command drops -j silently */
	if (g->json) {
		fprintf(stderr,
			"flowpin run: no JSON output: the daemon writes a text log\n");
		return 2;
	}
	return daemon_main(g->config);
}

const struct command cmd_run = {
	.name = "run",
	.args = "",
	.summary = "run the daemon in the foreground",
	.run = do_run,
};

/* -j: each problem an object of the "errors" array */
static void diag_json(void *ctx, const char *file, int line, const char *msg)
{
	(void)ctx;
	print_open_object(NULL);
	print_string(PRINT_JSON, "file", "%s", file);
	if (line > 0)
		print_u64(PRINT_JSON, "line", "%" PRIu64, line);
	else
		print_null("line");
	print_string(PRINT_JSON, "message", "%s", msg);
	print_close_object();
}

static int do_check(const struct global_options *g, int argc, char **argv)
{
	static const struct config_diag json_diag = { .report = diag_json };
	struct config c;
	int ret;

	if (argc) {
		fprintf(stderr, "flowpin check: unexpected argument \"%s\"\n",
			argv[0]);
		return 2;
	}
	print_begin(g->json, g->pretty);
	print_string(PRINT_JSON, "file", "%s", g->config);
	print_open_array("errors");
	ret = config_load(&c, g->config,
			  g->json ? &json_diag : CONFIG_DIAG_FILE(stderr));
	print_close_array();
	print_bool("ok", !ret);
	if (!ret) {
		print_string(PRINT_TEXT, NULL, "%s: ok", g->config);
		print_u64(PRINT_ANY, "links", ", %" PRIu64 " link", c.nlinks);
		print_text("%s\n", c.nlinks == 1 ? "" : "s");
		config_free(&c);
	}
	if (print_end())
		return 1;
	return ret ? 1 : 0;
}

const struct command cmd_check = {
	.name = "check",
	.args = "",
	.summary = "validate the configuration file, touching nothing",
	.run = do_check,
};

int control_path(const struct global_options *g, char *path, size_t size)
{
	int ret;

	if (!g->config_given) {
		snprintf(path, size, "%s", DEFAULT_CONTROL);
		return 0;
	}
	ret = config_control_path(g->config, path, size);
	if (ret)
		fprintf(stderr, "flowpin: cannot read %s\n", g->config);
	return ret;
}
