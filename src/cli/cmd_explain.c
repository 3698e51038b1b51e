// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowpin explain: the rule and the policy that decide a new connection,
 * the link the kernel picks for it in that policy's table, its hash and
 * its bucket, computed as the kernel computes them. From the running
 * daemon's tables (failed links excluded) and its own configuration, or,
 * with no daemon, from the configuration with every link up. IPv6 has its
 * own tables, and a source in a link's prefix6 is pinned to that link
 * before any hash, whatever the policy.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cli/cmd.h"
#include "cli/explain_table.h"
#include "cli/print.h"
#include "core/classify.h"
#include "core/tuple.h"

/*
 * The connection's input interface: @arg, NULL when not given (the
 * first lan interface), "-" for the router's own (*iif NULL). Where the
 * lan interfaces are known, one of them. 0, or -EINVAL with a message.
 */
static int iif_resolve(const struct explain_table *t, const char *arg,
		       const char **iif, char *err, size_t errlen)
{
	const struct config *c = &t->cfg;

	if (!arg) {
		/* "": from the LAN, its interfaces not known */
		*iif = t->has_cfg && c->nlan ? c->lan[0] : "";
		return 0;
	}
	*iif = NULL;
	if (!strcmp(arg, "-"))
		return 0;
	if (!valid_ifname(arg)) {
		snprintf(err, errlen, "\"%s\" is not an interface name", arg);
		return -EINVAL;
	}
	*iif = arg;
	if (!t->has_cfg)
		return 0;
	for (unsigned int i = 0; i < c->nlan; i++)
		if (!strcmp(c->lan[i], arg))
			return 0;
	/* the kernel's "inbound" map, then "iifname != @lan return" */
	for (unsigned int i = 0; i < c->nlinks; i++) {
		if (strcmp(c->links[i].ifname, arg))
			continue;
		snprintf(err, errlen,
			 "%s is link %s's interface: connections coming in on it are answered through %s, not balanced",
			 arg, c->links[i].name, c->links[i].name);
		return -EINVAL;
	}
	snprintf(err, errlen,
		 "%s is not a lan interface: connections coming in on it are not balanced",
		 arg);
	return -EINVAL;
}

/* "ICMP unreachable", ...: what a policy's last resort does */
static const char *last_resort_what(enum last_resort r)
{
	return r == LAST_RESORT_UNREACHABLE ? "ICMP unreachable, TCP reset" :
	       r == LAST_RESORT_BLACKHOLE   ? "dropped" :
					      "the main routing table";
}

/* A bucket without owner: the policy's last resort. */
static void explain_ownerless(const struct explain_policy *pt)
{
	print_string(PRINT_JSON, "last_resort", "%s",
		     last_resort_name(pt->last_resort));
	if (pt->last_resort == LAST_RESORT_MAIN)
		print_text("    no link: the main routing table");
	else
		print_text("    no link: last resort %s (%s)",
			   last_resort_name(pt->last_resort),
			   last_resort_what(pt->last_resort));
}

/*
 * Not pinned: policy = main, or IPv6 from a daemon that sends no IPv6
 * owners. Every key, null.
 */
static void explain_unpinned(const struct flow_key *key, const char *why)
{
	print_null("link");
	if (key->family == AF_INET6) {
		print_null("by");
		print_null("prefix6");
	}
	print_null("bucket");
	print_null("buckets");
	print_null("hash");
	print_text("    not pinned: %s", why);
}

/* The link of @key's bucket in @b, its bucket and its hash. */
static void explain_hashed(const struct explain_table *t,
			   const struct explain_policy *pt,
			   const struct bucket_table *b,
			   const struct flow_key *key)
{
	uint32_t hash = flowhash(key, pt->hash, t->seed);
	uint32_t bucket = flowhash_bucket(hash, b->size);
	int owner = b->owner[bucket];

	if (owner != BUCKET_NONE)
		print_string(PRINT_ANY, "link", "    link %s", t->names[owner]);
	else
		print_null("link");
	if (key->family == AF_INET6) {
		print_string(PRINT_JSON, "by", "%s", "hash");
		print_null("prefix6");
	}
	if (owner == BUCKET_NONE)
		explain_ownerless(pt);
	print_u64(PRINT_ANY, "bucket",
		  key->family == AF_INET6 ? " IPv6 bucket %" PRIu64 :
					    " bucket %" PRIu64,
		  bucket);
	print_u64(PRINT_ANY, "buckets", "/%" PRIu64, b->size);
	print_u64(PRINT_ANY, "hash", " hash 0x%08" PRIx64, hash);
}

/*
 * An IPv6 tuple, as the pick6 chains decide: its source's prefix6, else
 * the policy's IPv6 bucket table. The same keys either way: what was
 * not looked at, null.
 */
static void explain_one6(const struct explain_table *t,
			 const struct explain_policy *pt,
			 const struct flow_key *key)
{
	int pin = flowhash_source_prefix(key, t->prefix6, t->nlinks);
	char p[INPREFIX_STRLEN];

	if (pin < 0) {
		explain_hashed(t, pt, &pt->buckets[FAM_IPV6], key);
		return;
	}
	print_string(PRINT_ANY, "link", "    link %s", t->names[pin]);
	print_string(PRINT_JSON, "by", "%s", "prefix6");
	print_string(PRINT_ANY, "prefix6",
		     ", pinned by its source prefix %s (not hashed)",
		     inprefix_str(FAM_IPV6, &t->prefix6[pin], p));
	print_null("bucket");
	print_u64(PRINT_JSON, "buckets", "%" PRIu64,
		  pt->buckets[FAM_IPV6].size);
	print_null("hash");
}

/* Where @key comes from, and the rule and the policy that decide it. */
static int explain_decider(const struct explain_table *t,
			   const struct flow_key *key, const char *iif)
{
	int rule = -1, p = POLICY_DEFAULT;

	if (t->has_cfg)
		p = classify_policy(&t->cfg, key, iif, &rule);
	if (!iif) {
		print_null("iif");
		print_text("    from the router itself: ");
	} else if (*iif) {
		print_string(PRINT_ANY, "iif", "    from %s: ", iif);
	} else {
		print_text("    from the LAN: ");
	}
	if (rule >= 0) {
		print_string(PRINT_ANY, "rule", "rule %s",
			     t->cfg.rules[rule].name);
	} else {
		print_null("rule");
		print_text("no rule");
	}
	print_string(PRINT_ANY, "policy", ", policy %s\n",
		     p == RULE_POLICY_MAIN ? "main" : t->pol[p].name);
	return p;
}

/*
 * One tuple: the rule and the policy that decide it, its link, bucket
 * and hash, as one text block or JSON object.
 */
static int explain_one(const struct explain_table *t,
		       const struct flow_key *key, const char *iif, bool json,
		       bool pretty)
{
	const struct explain_policy *pt;
	char what[160];
	int p;

	tuple_format(key, what, sizeof(what));
	print_begin(json, pretty);
	print_string(PRINT_ANY, "tuple", "%s\n", what);
	p = explain_decider(t, key, iif);
	/* policy main hashes nothing: its mode is the default's */
	pt = &t->pol[p == RULE_POLICY_MAIN ? POLICY_DEFAULT : p];
	if (p == RULE_POLICY_MAIN)
		explain_unpinned(key, "policy main, the main routing table");
	else if (key->family == AF_INET6 && pt->buckets[FAM_IPV6].size)
		explain_one6(t, pt, key);
	else if (key->family == AF_INET6)
		explain_unpinned(key, "IPv6 follows the main routing table");
	else
		explain_hashed(t, pt, &pt->buckets[FAM_IPV4], key);
	print_string(PRINT_ANY, "mode", "\n    hash %s",
		     hash_mode_name(pt->hash));
	print_u64(PRINT_ANY, "seed", " seed 0x%" PRIx64, t->seed);
	print_string(PRINT_ANY, "table", " %s table\n",
		     t->live ? "live" : "configured");
	return print_end();
}

/* "iif IFNAME" after a tuple, or nothing: its IFNAME in *@arg. */
static int iif_words(int n, const char *word, const char *ifname,
		     const char **arg)
{
	*arg = NULL;
	if (n == 0)
		return 0;
	if (n != 2 || strcmp(word, "iif"))
		return -EINVAL;
	*arg = ifname;
	return 0;
}

/*
 * "-": one "PROTO SRC DST [iif IFNAME]" per line of standard input, one
 * answer each. With -j every answer is one line of JSON, -p or not:
 * programs read it line by line. A bad line is reported on stderr and
 * the batch goes on.
 */
static int explain_batch(const struct global_options *g,
			 const struct explain_table *t)
{
	char line[512], p[32], s[128], d[128], w[16], ifname[64], err[160];
	const char *arg, *iif;
	struct flow_key key;
	int lineno = 0, ret = 0, n;

	while (fgets(line, sizeof(line), stdin)) {
		lineno++;
		n = sscanf(line, "%31s %127s %127s %15s %63s", p, s, d, w,
			   ifname);
		if (n < 3) {
			if (n >= 1 && p[0] != '#') {
				fprintf(stderr,
					"flowpin explain: stdin:%d: want PROTO SRC[:PORT] DST[:PORT]\n",
					lineno);
				ret = 2;
			}
			continue;
		}
		if (iif_words(n - 3, w, ifname, &arg)) {
			fprintf(stderr,
				"flowpin explain: stdin:%d: want iif IFNAME after the tuple\n",
				lineno);
			ret = 2;
			continue;
		}
		if (tuple_parse(p, s, d, &key, err, sizeof(err)) ||
		    iif_resolve(t, arg, &iif, err, sizeof(err))) {
			fprintf(stderr, "flowpin explain: stdin:%d: %s\n",
				lineno, err);
			ret = 2;
			continue;
		}
		if (explain_one(t, &key, iif, g->json, false))
			return 1;
	}
	return ret;
}

static int do_explain(const struct global_options *g, int argc, char **argv)
{
	char path[CONTROL_PATH_MAX], err[160];
	bool batch = argc == 1 && !strcmp(argv[0], "-");
	struct explain_table t = { 0 };
	const char *arg = NULL, *iif;
	struct flow_key key;
	int ret;

	if ((argc != 3 && argc != 5 && !batch) ||
	    (argc == 5 && iif_words(2, argv[3], argv[4], &arg))) {
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
	ret = explain_table_from_daemon(path, &t);
	/* a daemon runs but may not be asked: say so, then the configuration */
	if (ret == -EACCES)
		control_say(path, ret);
	if (ret) {
		explain_table_free(&t);
		memset(&t, 0, sizeof(t));
		ret = explain_table_from_config(g->config, &t);
		if (ret) {
			explain_table_free(&t);
			return 1;
		}
	}
	if (batch) {
		ret = explain_batch(g, &t);
	} else if (iif_resolve(&t, arg, &iif, err, sizeof(err))) {
		fprintf(stderr, "flowpin explain: %s\n", err);
		ret = 2;
	} else {
		ret = explain_one(&t, &key, iif, g->json, g->pretty) ? 1 : 0;
	}
	explain_table_free(&t);
	return ret;
}

const struct command cmd_explain = {
	.name = "explain",
	.args = "PROTO SRC[:PORT] DST[:PORT]\n"
		"PROTO SRC[:PORT] DST[:PORT] iif IFNAME|-    (-: the router's own)\n"
		"-    (one PROTO SRC DST [iif IFNAME|-] per line of stdin)",
	.summary =
		"the rule, policy, link, bucket and hash of a new connection",
	.run = do_explain,
};
