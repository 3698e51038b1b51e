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

/* The target of a "goto" verdict, without its chain prefix ("pin_"). */
static const char *goto_link(json_object *verdict, const char *prefix)
{
	json_object *g;
	const char *target;
	size_t n = strlen(prefix);

	if (!json_object_object_get_ex(verdict, "goto", &g))
		return NULL;
	target = json_str(g, "target");
	if (!target || strncmp(target, prefix, n))
		return NULL;
	return target + n;
}

static int find_or_add(struct table_state *st, const char *name)
{
	struct table_link *links;

	for (unsigned int i = 0; i < st->nlinks; i++)
		if (!strcmp(st->links[i].name, name))
			return (int)i;
	if (strlen(name) >= LINK_NAME_MAX)
		return -1;
	links = realloc(st->links, (st->nlinks + 1) * sizeof(*links));
	if (!links)
		return -1;
	st->links = links;
	memset(&links[st->nlinks], 0, sizeof(*links));
	strcpy(links[st->nlinks].name, name);
	return (int)st->nlinks++;
}

static int read_map(struct table_state *st, json_object *map)
{
	const char *name = json_str(map, "name");
	json_object *elems;
	bool marks = name && !strcmp(name, "marks");
	bool buckets6 = name && !strcmp(name, "buckets6");
	bool buckets = buckets6 || (name && !strcmp(name, "buckets"));
	enum fam f = buckets6 ? FAM_IPV6 : FAM_IPV4;

	if ((!marks && !buckets) ||
	    !json_object_object_get_ex(map, "elem", &elems))
		return 0;
	for (size_t i = 0; i < json_object_array_length(elems); i++) {
		json_object *e = json_object_array_get_idx(elems, i);
		json_object *key = json_object_array_get_idx(e, 0);
		const char *link = goto_link(json_object_array_get_idx(e, 1),
					     marks ? "via_" : "pin_");
		int64_t k = json_object_get_int64(key);
		int idx;

		/* out of range: no element of ours, and no link of ours */
		if (!link || k < 0 || k > UINT32_MAX ||
		    (buckets && k >= BUCKETS_MAX))
			continue;
		idx = find_or_add(st, link);
		if (idx < 0)
			return -ENOMEM;
		if (marks) {
			st->links[idx].mark = (uint32_t)k;
			continue;
		}
		if ((uint64_t)k >= st->nowner[f]) {
			uint32_t n = (uint32_t)k + 1;
			int16_t *o;

			o = realloc(st->owner[f], n * sizeof(*o));
			if (!o)
				return -ENOMEM;
			for (uint32_t b = st->nowner[f]; b < n; b++)
				o[b] = -1;
			st->owner[f] = o;
			st->nowner[f] = n;
		}
		st->owner[f][k] = (int16_t)idx;
	}
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
			int idx = find_or_add(st, json_str(o, "name") ?: "");

			if (idx < 0) {
				ret = -ENOMEM;
				break;
			}
			st->links[idx].packets = json_u64(o, "packets");
			st->links[idx].bytes = json_u64(o, "bytes");
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
