// SPDX-License-Identifier: GPL-2.0-or-later
/* flowpin run, flowpin check */
#include <stdio.h>

#include "cmd.h"
#include "config.h"
#include "daemon.h"

int cmd_run(const struct options *o, int argc, char **argv)
{
	(void)argv;
	if (argc) {
		fprintf(stderr, "flowpin run: unexpected argument \"%s\"\n",
			argv[0]);
		return 2;
	}
	return daemon_main(o->config);
}

int cmd_check(const struct options *o, int argc, char **argv)
{
	struct config c;

	if (argc) {
		fprintf(stderr, "flowpin check: unexpected argument \"%s\"\n",
			argv[0]);
		return 2;
	}
	if (config_load(&c, o->config, stderr))
		return 1;
	printf("%s: ok, %u link%s\n", o->config, c.nlinks,
	       c.nlinks == 1 ? "" : "s");
	config_free(&c);
	return 0;
}

int control_path(const struct options *o, char *path, size_t size)
{
	if (!o->config_given) {
		snprintf(path, size, "%s", DEFAULT_CONTROL);
		return 0;
	}
	if (config_control_path(o->config, path, size)) {
		fprintf(stderr, "flowpin: cannot read %s\n", o->config);
		return -1;
	}
	return 0;
}
