// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowpin explain: the link the kernel picks for a new connection, its
 * hash and its bucket, computed as the kernel computes them. From the
 * running daemon's table (failed links excluded), or, with no daemon, from
 * the configuration with every link up.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/bucket.h"
#include "core/policy.h"
#include "cli/cmd.h"
#include "core/config.h"
#include "daemon/config_file.h"
#include "lib/jsonget.h"
#include "lib/control.h"
#include "cli/print.h"
#include "core/tuple.h"

struct table {
	enum hash_mode hash;
	uint32_t seed;
	struct bucket_table buckets;
	char (*names)[LINK_NAME_MAX];
	unsigned int nlinks;
	bool live; /* the daemon's */
};

static void table_free(struct table *t)
{
	bucket_table_free(&t->buckets);
	free(t->names);
}

/* The running daemon's table; -errno when there is none to ask. */
static int table_from_daemon(const char *path, struct table *t)
{
	json_object *o = NULL, *v, *links, *owners;
	char *reply = NULL;
	int ret;

	ret = control_call(path, "{\"command\":\"table\"}", &reply);
	if (ret)
		return ret;
	o = json_tokener_parse(reply);
	free(reply);
	ret = -EPROTO;
	if (!o || !json_object_object_get_ex(o, "links", &links) ||
	    !json_object_object_get_ex(o, "owners", &owners) ||
	    !json_object_object_get_ex(o, "hash", &v) ||
	    hash_mode_parse(json_object_get_string(v), &t->hash) ||
	    !json_object_object_get_ex(o, "seed", &v))
		goto out;
	t->seed = (uint32_t)json_object_get_int64(v);
	t->nlinks = (unsigned int)json_object_array_length(links);
	t->names = calloc(t->nlinks + 1, sizeof(*t->names));
	if (!t->names ||
	    bucket_table_init(&t->buckets,
			      (uint32_t)json_object_array_length(owners)))
		goto out;
	for (unsigned int i = 0; i < t->nlinks; i++) {
		const char *n =
			json_str(json_object_array_get_idx(links, i), "name");

		snprintf(t->names[i], LINK_NAME_MAX, "%s", n ?: "");
	}
	for (uint32_t b = 0; b < t->buckets.size; b++) {
		int k = json_object_get_int(
			json_object_array_get_idx(owners, b));

		t->buckets.owner[b] =
			k >= 0 && k < (int)t->nlinks ? (int16_t)k : BUCKET_NONE;
	}
	t->live = true;
	ret = 0;
out:
	json_object_put(o);
	return ret;
}

/* The table a fresh daemon would start with: every link up. */
static int table_from_config(const char *path, struct table *t)
{
	struct policy_link pl[SLOTS_MAX];
	enum policy_mode mode;
	struct config c;
	int ret;

	ret = config_load(&c, path, CONFIG_DIAG_FILE(stderr));
	if (ret)
		return ret;
	t->hash = c.hash;
	t->seed = c.seed;
	t->nlinks = c.nlinks;
	t->names = calloc(c.nlinks, sizeof(*t->names));
	ret = t->names ? bucket_table_init(&t->buckets, c.buckets) : -ENOMEM;
	for (unsigned int i = 0; i < c.nlinks && !ret; i++) {
		memcpy(t->names[i], c.links[i].name, LINK_NAME_MAX);
		pl[i] = (struct policy_link){ .weight = c.links[i].weight,
					      .tier = c.links[i].tier,
					      .up = true,
					      .usable = true };
	}
	if (!ret)
		policy_balance(&t->buckets, pl, c.nlinks, &mode);
	config_free(&c);
	return ret;
}

/* One tuple: its link, bucket and hash, as one text block or JSON object. */
static int explain_one(const struct table *t, const struct flow_key *key,
		       bool json, bool pretty)
{
	uint32_t hash = 0, bucket = 0;
	int owner = BUCKET_NONE;
	char what[160];

	/* The table pins IPv4 connections; IPv6 follows the main table. */
	if (key->family == AF_INET) {
		hash = flowhash(key, t->hash, t->seed);
		bucket = flowhash_bucket(hash, t->buckets.size);
		owner = t->buckets.owner[bucket];
	}
	tuple_format(key, what, sizeof(what));

	print_begin(json, pretty);
	print_string(PRINT_ANY, "tuple", "%s\n", what);
	if (owner != BUCKET_NONE)
		print_string(PRINT_ANY, "link", "    link %s", t->names[owner]);
	else
		print_null("link");
	if (key->family == AF_INET) {
		if (owner == BUCKET_NONE)
			print_text("    no link: the main routing table");
		print_u64(PRINT_ANY, "bucket", " bucket %" PRIu64, bucket);
		print_u64(PRINT_ANY, "buckets", "/%" PRIu64, t->buckets.size);
		print_u64(PRINT_ANY, "hash", " hash 0x%08" PRIx64, hash);
	} else {
		print_text(
			"    not pinned: IPv6 follows the main routing table");
	}
	print_string(PRINT_ANY, "mode", "\n    hash %s",
		     hash_mode_name(t->hash));
	print_u64(PRINT_ANY, "seed", " seed 0x%" PRIx64, t->seed);
	print_string(PRINT_ANY, "table", " %s table\n",
		     t->live ? "live" : "configured");
	return print_end();
}

/*
 * "-": one "PROTO SRC DST" per line of standard input, one answer each.
 * With -j every answer is one line of JSON, -p or not: programs read it
 * line by line. A bad line is reported on stderr and the batch goes on.
 */
static int explain_batch(const struct global_options *g, const struct table *t)
{
	char line[512], p[32], s[128], d[128], err[128];
	struct flow_key key;
	int lineno = 0, ret = 0;

	while (fgets(line, sizeof(line), stdin)) {
		lineno++;
		if (sscanf(line, "%31s %127s %127s", p, s, d) != 3) {
			if (sscanf(line, "%31s", p) == 1 && p[0] != '#') {
				fprintf(stderr,
					"flowpin explain: stdin:%d: want PROTO SRC[:PORT] DST[:PORT]\n",
					lineno);
				ret = 2;
			}
			continue;
		}
		if (tuple_parse(p, s, d, &key, err, sizeof(err))) {
			fprintf(stderr, "flowpin explain: stdin:%d: %s\n",
				lineno, err);
			ret = 2;
			continue;
		}
		if (explain_one(t, &key, g->json, false))
			return 1;
	}
	return ret;
}

static int do_explain(const struct global_options *g, int argc, char **argv)
{
	char path[CONTROL_PATH_MAX], err[128];
	bool batch = argc == 1 && !strcmp(argv[0], "-");
	struct table t = { 0 };
	struct flow_key key;
	int ret;

	if (argc != 3 && !batch) {
		command_usage(&cmd_explain, stderr);
		return 2;
	}
	if (!batch &&
	    tuple_parse(argv[0], argv[1], argv[2], &key, err, sizeof(err))) {
		fprintf(stderr, "flowpin explain: %s\n", err);
		return 2;
	}
	if (control_path(g, path, sizeof(path)))
		return 1;
	ret = table_from_daemon(path, &t);
	if (ret) {
		table_free(&t);
		memset(&t, 0, sizeof(t));
		ret = table_from_config(g->config, &t);
		if (ret) {
			table_free(&t);
			return 1;
		}
	}
	if (batch)
		ret = explain_batch(g, &t);
	else
		ret = explain_one(&t, &key, g->json, g->pretty) ? 1 : 0;
	table_free(&t);
	return ret;
}

const struct command cmd_explain = {
	.name = "explain",
	.args = "PROTO SRC[:PORT] DST[:PORT]\n"
		"-    (one PROTO SRC DST per line of stdin)",
	.summary = "the link, bucket and hash of a new connection",
	.run = do_explain,
};
