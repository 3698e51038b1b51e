// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowpin metrics: the daemon's metrics in the Prometheus text exposition
 * format, as its metrics endpoint serves them (for a node exporter's
 * textfile collector, or a look by hand).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "core/config.h"
#include "lib/control.h"
#include "lib/jsonget.h"

static int do_metrics(const struct global_options *g, int argc, char **argv)
{
	char path[CONTROL_PATH_MAX], *reply = NULL;
	const char *text, *err;
	json_object *o;
	int ret;

	if (argc) {
		fprintf(stderr, "flowpin metrics: unexpected argument \"%s\"\n",
			argv[0]);
		return 2;
	}
	/* refused rather than ignored: no command drops -j silently */
	if (g->json) {
		fprintf(stderr,
			"flowpin metrics: no JSON output: the metrics are Prometheus' text format (flowpin -j status has the same figures as JSON)\n");
		return 2;
	}
	if (control_path(g, path, sizeof(path)))
		return 1;
	ret = control_call(path, "{\"command\":\"metrics\"}", &reply);
	if (ret) {
		control_say(path, ret);
		return 1;
	}
	o = json_tokener_parse(reply);
	free(reply);
	if (!o) {
		fprintf(stderr, "flowpin: bad reply from the daemon\n");
		return 1;
	}
	err = json_str(o, "error");
	text = json_str(o, "metrics");
	if (err || !text) {
		fprintf(stderr, "flowpin: %s\n",
			err ? err : "bad reply from the daemon");
		json_object_put(o);
		return 1;
	}
	ret = fputs(text, stdout) == EOF || fflush(stdout) ? 1 : 0;
	json_object_put(o);
	return ret;
}

const struct command cmd_metrics = {
	.name = "metrics",
	.args = "",
	.summary = "the daemon's metrics, in the Prometheus text format",
	.run = do_metrics,
};
