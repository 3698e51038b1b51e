// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowpin explain: the link the kernel picks for a new connection, its
 * hash and its bucket, computed as the kernel computes them. From the
 * running daemon's table (failed links excluded), or, with no daemon, from
 * the configuration with every link up. IPv6 has its own table, and a
 * source in a link's prefix6 is pinned to that link before any hash.
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
	/* size 0: a daemon that does not balance IPv6 */
	struct bucket_table buckets6;
	struct inprefix *prefix6; /* per link; length 0: none */
	char (*names)[LINK_NAME_MAX];
	unsigned int nlinks;
	bool live; /* the daemon's */
};

static void table_free(struct table *t)
{
	bucket_table_free(&t->buckets);
	bucket_table_free(&t->buckets6);
	free(t->prefix6);
	free(t->names);
}

/* A daemon's "owners" array into @b, of its length. */
static int owners_parse(json_object *owners, unsigned int nlinks,
			struct bucket_table *b)
{
	if (!json_object_is_type(owners, json_type_array) ||
	    bucket_table_init(b, (uint32_t)json_object_array_length(owners)))
		return -EPROTO;
	for (uint32_t i = 0; i < b->size; i++) {
		int k = json_object_get_int(
			json_object_array_get_idx(owners, i));

		b->owner[i] = k >= 0 && k < (int)nlinks ? (int16_t)k :
							  BUCKET_NONE;
	}
	return 0;
}

/* The running daemon's table; -errno when there is none to ask. */
static int table_from_daemon(const char *path, struct table *t)
{
	json_object *o = NULL, *v, *links, *owners, *owners6 = NULL;
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
	t->prefix6 = calloc(t->nlinks + 1, sizeof(*t->prefix6));
	if (!t->names || !t->prefix6 ||
	    owners_parse(owners, t->nlinks, &t->buckets))
		goto out;
	/* a daemon of before IPv6 sends none: IPv6 is not pinned */
	if (json_object_object_get_ex(o, "owners6", &owners6) &&
	    owners_parse(owners6, t->nlinks, &t->buckets6))
		goto out;
	for (unsigned int i = 0; i < t->nlinks; i++) {
		json_object *l = json_object_array_get_idx(links, i);
		const char *n = json_str(l, "name"),
			   *p6 = json_str(l, "prefix6");
		enum fam f;

		snprintf(t->names[i], LINK_NAME_MAX, "%s", n ?: "");
		if (p6 && (inprefix_parse(p6, &f, &t->prefix6[i]) ||
			   f != FAM_IPV6 || !t->prefix6[i].len))
			goto out;
	}
	t->live = true;
	ret = 0;
out:
	json_object_put(o);
	return ret;
}

/*
 * The tables a fresh daemon would start with: every link up, for IPv6
 * those that may balance it.
 */
static int table_from_config(const char *path, struct table *t)
{
	struct policy_link pl[SLOTS_MAX], pl6[SLOTS_MAX];
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
	t->prefix6 = calloc(c.nlinks, sizeof(*t->prefix6));
	ret = t->names && t->prefix6 ?
		      bucket_table_init(&t->buckets, c.buckets) :
		      -ENOMEM;
	if (!ret)
		ret = bucket_table_init(&t->buckets6, c.buckets);
	for (unsigned int i = 0; i < c.nlinks && !ret; i++) {
		bool up6 = config_balances6(&c.links[i]);

		memcpy(t->names[i], c.links[i].name, LINK_NAME_MAX);
		if (c.links[i].has_prefix6)
			t->prefix6[i] = c.links[i].prefix6;
		pl[i] = (struct policy_link){ .weight = c.links[i].weight,
					      .tier = c.links[i].tier,
					      .up = true,
					      .usable = true };
		pl6[i] = pl[i];
		pl6[i].up = pl6[i].usable = up6;
	}
	if (!ret) {
		policy_balance(&t->buckets, pl, c.nlinks, &mode);
		policy_balance(&t->buckets6, pl6, c.nlinks, &mode);
	}
	config_free(&c);
	return ret;
}

/* IPv6 from a daemon that sends no IPv6 owners: the main routing table. */
static void explain_unpinned6(void)
{
	print_null("link");
	print_null("by");
	print_null("prefix6");
	print_null("bucket");
	print_null("buckets");
	print_null("hash");
	print_text("    not pinned: IPv6 follows the main routing table");
}

/*
 * An IPv6 tuple, as pick6 decides: its source's prefix6, else the IPv6
 * bucket table. The same keys either way: what was not looked at, null.
 */
static void explain_one6(const struct table *t, const struct flow_key *key)
{
	int pin = flowhash_source_prefix(key, t->prefix6, t->nlinks);
	char p[INPREFIX_STRLEN];
	uint32_t hash, bucket;
	int owner;

	if (pin >= 0) {
		print_string(PRINT_ANY, "link", "    link %s", t->names[pin]);
		print_string(PRINT_JSON, "by", "%s", "prefix6");
		print_string(PRINT_ANY, "prefix6",
			     ", pinned by its source prefix %s (not hashed)",
			     inprefix_str(FAM_IPV6, &t->prefix6[pin], p));
		print_null("bucket");
		print_u64(PRINT_JSON, "buckets", "%" PRIu64, t->buckets6.size);
		print_null("hash");
		return;
	}
	hash = flowhash(key, t->hash, t->seed);
	bucket = flowhash_bucket(hash, t->buckets6.size);
	owner = t->buckets6.owner[bucket];
	if (owner != BUCKET_NONE)
		print_string(PRINT_ANY, "link", "    link %s", t->names[owner]);
	else
		print_null("link");
	print_string(PRINT_JSON, "by", "%s", "hash");
	print_null("prefix6");
	if (owner == BUCKET_NONE)
		print_text("    no link: the main routing table");
	print_u64(PRINT_ANY, "bucket", " IPv6 bucket %" PRIu64, bucket);
	print_u64(PRINT_ANY, "buckets", "/%" PRIu64, t->buckets6.size);
	print_u64(PRINT_ANY, "hash", " hash 0x%08" PRIx64, hash);
}

/* One tuple: its link, bucket and hash, as one text block or JSON object. */
static int explain_one(const struct table *t, const struct flow_key *key,
		       bool json, bool pretty)
{
	uint32_t hash, bucket;
	int owner;
	char what[160];

	tuple_format(key, what, sizeof(what));
	print_begin(json, pretty);
	print_string(PRINT_ANY, "tuple", "%s\n", what);
	if (key->family == AF_INET6 && t->buckets6.size) {
		explain_one6(t, key);
	} else if (key->family == AF_INET6) {
		explain_unpinned6();
	} else {
		hash = flowhash(key, t->hash, t->seed);
		bucket = flowhash_bucket(hash, t->buckets.size);
		owner = t->buckets.owner[bucket];
		if (owner != BUCKET_NONE)
			print_string(PRINT_ANY, "link", "    link %s",
				     t->names[owner]);
		else
			print_null("link");
		if (owner == BUCKET_NONE)
			print_text("    no link: the main routing table");
		print_u64(PRINT_ANY, "bucket", " bucket %" PRIu64, bucket);
		print_u64(PRINT_ANY, "buckets", "/%" PRIu64, t->buckets.size);
		print_u64(PRINT_ANY, "hash", " hash 0x%08" PRIx64, hash);
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
	/* a daemon runs but may not be asked: say so, then the configuration */
	if (ret == -EACCES)
		control_say(path, ret);
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
