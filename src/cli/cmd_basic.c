// SPDX-License-Identifier: GPL-2.0-or-later
/* flowpin run, flowpin check */
#include <errno.h>
#include <grp.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/print.h"
#include "core/config.h"
#include "daemon/config_file.h"
#include "daemon/daemon.h"
#include "daemon/preflight.h"
#include "kernel/nftables.h"
#include "kernel/sysctl.h"
#include "lib/array.h"

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

/* -j: the problems, kept until both arrays can be printed */
struct diag_list {
	struct diag_item {
		char *file, *msg;
		int line;
	} * items;
	unsigned int n, cap;
};

struct diag_json {
	struct diag_list errors, warnings;
};

static void diag_keep(struct diag_list *l, const char *file, int line,
		      const char *msg)
{
	struct diag_item it = { strdup(file), strdup(msg), line };

	if (!it.file || !it.msg ||
	    array_push(&l->items, &l->n, &l->cap, &it, sizeof(it))) {
		free(it.file);
		free(it.msg);
	}
}

static void diag_json_error(void *ctx, const char *file, int line,
			    const char *msg)
{
	diag_keep(&((struct diag_json *)ctx)->errors, file, line, msg);
}

static void diag_json_warning(void *ctx, const char *file, int line,
			      const char *msg)
{
	diag_keep(&((struct diag_json *)ctx)->warnings, file, line, msg);
}

static void diag_print_list(const char *key, struct diag_list *l)
{
	print_open_array(key);
	for (unsigned int i = 0; i < l->n; i++) {
		print_open_object(NULL);
		print_string(PRINT_JSON, "file", "%s", l->items[i].file);
		if (l->items[i].line > 0)
			print_u64(PRINT_JSON, "line", "%" PRIu64,
				  l->items[i].line);
		else
			print_null("line");
		print_string(PRINT_JSON, "message", "%s", l->items[i].msg);
		print_close_object();
		free(l->items[i].file);
		free(l->items[i].msg);
	}
	print_close_array();
	free(l->items);
}

/*
 * What run checks before it changes anything, against this system: the
 * same code, so that check and run agree on every error.
 */
static int check_system(const struct config *c, const struct config_diag *diag)
{
	/* per link, one per family */
	struct link_seen *seen = calloc(FAM_MAX * c->nlinks + 1, sizeof(*seen));
	struct nft_ctx *nft;
	struct nl nl;
	int ret = seen ? nl_open(&nl, NETLINK_ROUTE, 0) : -ENOMEM;

	if (ret) {
		config_diag_error(diag, c->path, 0, "netlink: %s",
				  strerror(-ret));
		free(seen);
		return ret;
	}
	ret = preflight_links(&nl, c, seen, diag);
	if (!ret)
		ret = preflight_control(c, diag);
	if (!ret)
		ret = preflight_tables(&nl, c, NULL, 0, diag);
	/* the kernel checks a dry run only for who may load it */
	if (!ret && sysctl_have_net_admin()) {
		nft = nftables_open();
		ret = nft ? preflight_table(nft, c, diag) : -ENOMEM;
		nftables_close(nft);
	}
	if (!ret) {
		preflight_sysctls(c, diag);
		preflight_hook(c, diag);
	}
	nl_close(&nl);
	free(seen);
	return ret;
}

static int do_check(const struct global_options *g, int argc, char **argv)
{
	struct diag_json collected = { 0 };
	const struct config_diag json_diag = { .report = diag_json_error,
					       .warn = diag_json_warning,
					       .ctx = &collected };
	const struct config_diag *diag = g->json ? &json_diag :
						   CONFIG_DIAG_FILE(stderr);
	struct config c;
	bool parsed;
	int ret;

	if (argc) {
		fprintf(stderr, "flowpin check: unexpected argument \"%s\"\n",
			argv[0]);
		return 2;
	}
	ret = config_load(&c, g->config, diag);
	parsed = !ret;
	if (parsed)
		ret = check_system(&c, diag);
	print_begin(g->json, g->pretty);
	print_string(PRINT_JSON, "file", "%s", g->config);
	diag_print_list("errors", &collected.errors);
	diag_print_list("warnings", &collected.warnings);
	print_bool("ok", !ret);
	if (!ret) {
		print_string(PRINT_TEXT, NULL, "%s: ok", g->config);
		print_u64(PRINT_ANY, "links", ", %" PRIu64 " link", c.nlinks);
		print_text("%s\n", c.nlinks == 1 ? "" : "s");
	}
	if (parsed)
		config_free(&c);
	if (print_end())
		return 1;
	return ret ? 1 : 0;
}

const struct command cmd_check = {
	.name = "check",
	.args = "",
	.summary =
		"validate the configuration file against this system, touching nothing",
	.run = do_check,
};

void control_say(const char *path, int err)
{
	struct group *gr;
	struct stat st;

	if (err != -EACCES || stat(path, &st)) {
		fprintf(stderr, "flowpin: no daemon on %s: %s\n", path,
			strerror(-err));
		return;
	}
	gr = (st.st_mode & 0060) ? getgrgid(st.st_gid) : NULL;
	if (gr)
		fprintf(stderr,
			"flowpin: %s is for root and group %s: join that group (usermod -aG %s USER, then log in again) or run as root\n",
			path, gr->gr_name, gr->gr_name);
	else
		fprintf(stderr,
			"flowpin: %s is root's: run as root, or let a group read status, explain and metrics with control_group = GROUP in [global] (flowpin.conf(5))\n",
			path);
}

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
