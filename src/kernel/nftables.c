// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <json-c/json.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonget.h"
#include "kernel/nftables.h"
#include "core/ruleset.h"

struct nft_ctx *nftables_open(void)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!ctx)
		return NULL;
	if (nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
		nft_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

void nftables_close(struct nft_ctx *ctx)
{
	if (ctx)
		nft_ctx_free(ctx);
}

/* libnftables reports errors as text only: keep its first line. */
static char *first_error(struct nft_ctx *ctx)
{
	const char *e = nft_ctx_get_error_buffer(ctx);
	size_t n;

	if (!e || !*e)
		return strdup("nftables rejected the ruleset");
	n = strcspn(e, "\n");
	return strndup(e, n);
}

int nftables_run(struct nft_ctx *ctx, const char *script, bool dry_run,
		 char **err)
{
	int ret;

	nft_ctx_set_dry_run(ctx, dry_run);
	ret = nft_run_cmd_from_buffer(ctx, script);
	nft_ctx_set_dry_run(ctx, false);
	if (ret == 0)
		return 0;
	if (err)
		*err = first_error(ctx);
	/* EPERM shows through errno when the kernel refused us */
	return errno == EPERM ? -EPERM : -EINVAL;
}

/* Run a "list" command with JSON output: nft's output, or NULL. */
static const char *list_json(struct nft_ctx *ctx, const char *cmd)
{
	unsigned int flags = nft_ctx_output_get_flags(ctx);
	int ret;

	nft_ctx_output_set_flags(ctx, flags | NFT_CTX_OUTPUT_JSON);
	ret = nft_run_cmd_from_buffer(ctx, cmd);
	nft_ctx_output_set_flags(ctx, flags);
	return ret ? NULL : nft_ctx_get_output_buffer(ctx);
}

/*
 * The target of a "goto" verdict to a chain "PREFIX_LINK" or
 * "PREFIX.POLICY.LINK": the link's name, and the policy's in @policy
 * ("" for the first form). NULL for any other.
 */
static const char *goto_link(json_object *verdict, const char *prefix,
			     char policy[LINK_NAME_MAX])
{
	size_t n = strlen(prefix);
	const char *target, *dot;
	json_object *g;

	policy[0] = '\0';
	if (!json_object_object_get_ex(verdict, "goto", &g))
		return NULL;
	target = json_str(g, "target");
	if (!target || strncmp(target, prefix, n))
		return NULL;
	target += n;
	if (*target == '_')
		return target + 1;
	if (*target != '.')
		return NULL;
	target++;
	dot = strchr(target, '.');
	if (!dot || dot == target || (size_t)(dot - target) >= LINK_NAME_MAX)
		return NULL;
	memcpy(policy, target, (size_t)(dot - target));
	policy[dot - target] = '\0';
	return dot + 1;
}

static int find_or_add(struct table_state *st, const char *name,
		       const char *policy)
{
	struct table_link *links;
	int k = takeover_find(st, name, policy);

	if (k >= 0)
		return k;
	if (strlen(name) >= LINK_NAME_MAX || strlen(policy) >= LINK_NAME_MAX)
		return -1;
	links = realloc(st->links, (st->nlinks + 1) * sizeof(*links));
	if (!links)
		return -1;
	st->links = links;
	memset(&links[st->nlinks], 0, sizeof(*links));
	strcpy(links[st->nlinks].name, name);
	strcpy(links[st->nlinks].policy, policy);
	return (int)st->nlinks++;
}

/*
 * The owners of a bucket map: the default policy's ("buckets",
 * "buckets6") or another's ("buckets.NAME", "buckets6.NAME"), found or
 * added. NULL: not a bucket map, or out of memory (@ret).
 */
static int16_t **owners_of(struct table_state *st, const char *name,
			   uint32_t **nowner, int *ret)
{
	enum fam f = !strncmp(name, "buckets6", 8) ? FAM_IPV6 : FAM_IPV4;
	const char *rest = name + (f == FAM_IPV6 ? 8 : 7);
	struct table_policy *p;

	*ret = 0;
	if (strncmp(name, "buckets", 7))
		return NULL;
	if (!*rest) {
		*nowner = &st->nowner[f];
		return &st->owner[f];
	}
	if (*rest != '.' || !rest[1] || strlen(rest + 1) >= LINK_NAME_MAX)
		return NULL;
	rest++;
	for (unsigned int q = 0; q < st->npolicies; q++)
		if (!strcmp(st->policies[q].name, rest)) {
			*nowner = &st->policies[q].nowner[f];
			return &st->policies[q].owner[f];
		}
	p = realloc(st->policies, (st->npolicies + 1) * sizeof(*p));
	if (!p) {
		*ret = -ENOMEM;
		return NULL;
	}
	st->policies = p;
	p = &p[st->npolicies++];
	memset(p, 0, sizeof(*p));
	strcpy(p->name, rest);
	*nowner = &p->nowner[f];
	return &p->owner[f];
}

static int read_map(struct table_state *st, json_object *map)
{
	const char *name = json_str(map, "name");
	json_object *elems;
	bool marks = name && !strcmp(name, "marks");
	uint32_t *nowner = NULL;
	int16_t **owner = NULL;
	int ret = 0;

	if (name && !marks)
		owner = owners_of(st, name, &nowner, &ret);
	if (ret)
		return ret;
	if ((!marks && !owner) ||
	    !json_object_object_get_ex(map, "elem", &elems))
		return 0;
	for (size_t i = 0; i < json_object_array_length(elems); i++) {
		json_object *e = json_object_array_get_idx(elems, i);
		json_object *key = json_object_array_get_idx(e, 0);
		char policy[LINK_NAME_MAX];
		const char *link = goto_link(json_object_array_get_idx(e, 1),
					     marks ? "via" : "pin", policy);
		int64_t k = json_object_get_int64(key);
		int idx;

		/* out of range: no element of ours, and no link of ours */
		if (!link || k < 0 || k > UINT32_MAX ||
		    (owner && k >= BUCKETS_MAX))
			continue;
		/* a bucket's owner is the link, whichever policy's pin */
		idx = find_or_add(st, link, marks ? policy : "");
		if (idx < 0)
			return -ENOMEM;
		if (marks) {
			st->links[idx].mark = (uint32_t)k;
			continue;
		}
		if ((uint64_t)k >= *nowner) {
			uint32_t n = (uint32_t)k + 1;
			int16_t *o;

			o = realloc(*owner, n * sizeof(*o));
			if (!o)
				return -ENOMEM;
			for (uint32_t b = *nowner; b < n; b++)
				o[b] = -1;
			*owner = o;
			*nowner = n;
		}
		(*owner)[k] = (int16_t)idx;
	}
	return 0;
}

/* A counter: a link's (its name), or a rule's ("rule.NAME"). */
static int read_counter(struct table_state *st, json_object *o)
{
	const char *name = json_str(o, "name") ?: "";
	struct table_counter *r;
	int idx;

	if (strncmp(name, "rule.", 5)) {
		idx = find_or_add(st, name, "");
		if (idx < 0)
			return -ENOMEM;
		st->links[idx].packets = json_u64(o, "packets");
		st->links[idx].bytes = json_u64(o, "bytes");
		return 0;
	}
	if (strlen(name + 5) >= LINK_NAME_MAX)
		return 0;
	r = realloc(st->rules, (st->nrules + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	st->rules = r;
	r = &r[st->nrules++];
	strcpy(r->name, name + 5);
	r->packets = json_u64(o, "packets");
	r->bytes = json_u64(o, "bytes");
	return 0;
}

/* The "nftables" array of nft's JSON output. */
static json_object *nftables_array(json_object *root)
{
	json_object *array;

	if (!root || !json_object_object_get_ex(root, "nftables", &array) ||
	    !json_object_is_type(array, json_type_array))
		return NULL;
	return array;
}

/* Whether a table's "flags" (a string, or an array of them) hold @flag. */
static bool has_flag(json_object *table, const char *flag)
{
	json_object *flags;

	if (!json_object_object_get_ex(table, "flags", &flags))
		return false;
	if (json_object_is_type(flags, json_type_string))
		return !strcmp(json_object_get_string(flags), flag);
	if (!json_object_is_type(flags, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(flags); i++) {
		const char *f = json_object_get_string(
			json_object_array_get_idx(flags, i));

		if (f && !strcmp(f, flag))
			return true;
	}
	return false;
}

int nftables_parse_state(const char *json, struct table_state *st)
{
	json_object *root = json_tokener_parse(json), *array;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	array = nftables_array(root);
	if (!array) {
		ret = -EINVAL;
		goto out;
	}
	st->present = true;
	for (size_t i = 0; i < json_object_array_length(array) && !ret; i++) {
		json_object *item = json_object_array_get_idx(array, i), *o;

		if (json_object_object_get_ex(item, "table", &o)) {
			st->owned = has_flag(o, "owner");
		} else if (json_object_object_get_ex(item, "map", &o)) {
			ret = read_map(st, o);
		} else if (json_object_object_get_ex(item, "counter", &o)) {
			ret = read_counter(st, o);
		}
	}
out:
	json_object_put(root);
	if (ret)
		takeover_state_free(st);
	return ret;
}

int nftables_read_state(struct nft_ctx *ctx, struct table_state *st)
{
	const char *out;

	memset(st, 0, sizeof(*st));
	out = list_json(ctx, "list table " RULESET_FAMILY " " RULESET_TABLE);
	if (!out)
		return 0; /* no table */
	return nftables_parse_state(out, st);
}

int nftables_delete_table(struct nft_ctx *ctx)
{
	struct table_state st = { 0 };
	/* no "add" first: its flags would have to match the table's */
	int ret = nftables_run(ctx,
			       "delete table " RULESET_FAMILY " " RULESET_TABLE
			       "\n",
			       false, NULL);

	if (!ret || nftables_read_state(ctx, &st))
		return ret;
	if (!st.present)
		ret = 0; /* there was none */
	takeover_state_free(&st);
	return ret;
}

bool nftables_can_own(struct nft_ctx *ctx)
{
	/* checked by the kernel, then aborted: nothing is created */
	return !nftables_run(ctx,
			     "add table " RULESET_FAMILY " " RULESET_TABLE
			     "_probe { " RULESET_OWNER_FLAGS " }\n",
			     true, NULL);
}
