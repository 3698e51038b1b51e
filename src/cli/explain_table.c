// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/explain_table.h"
#include "core/classify.h"
#include "core/policy.h"
#include "daemon/config_file.h"
#include "lib/control.h"
#include "lib/jsonget.h"

static void policies_free(struct explain_table *t)
{
	for (unsigned int p = 0; p < t->npol; p++)
		for (enum fam f = 0; f < FAM_MAX; f++)
			bucket_table_free(&t->pol[p].buckets[f]);
	free(t->pol);
	t->pol = NULL;
	t->npol = 0;
	if (t->has_cfg)
		config_free(&t->cfg);
	t->has_cfg = false;
}

void explain_table_free(struct explain_table *t)
{
	policies_free(t);
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

/*
 * The policy "default" alone, from the top-level "owners" and "owners6"
 * (the default's): a daemon of before rules, or one whose configuration
 * does not parse here.
 */
static int default_from_daemon(json_object *o, enum hash_mode hash,
			       struct explain_table *t)
{
	json_object *owners, *owners6;

	t->pol = calloc(1, sizeof(*t->pol));
	if (!t->pol)
		return -ENOMEM;
	t->npol = 1;
	snprintf(t->pol->name, sizeof(t->pol->name), "default");
	t->pol->hash = hash;
	t->pol->last_resort = LAST_RESORT_MAIN;
	if (!json_object_object_get_ex(o, "owners", &owners) ||
	    owners_parse(owners, t->nlinks, &t->pol->buckets[FAM_IPV4]))
		return -EPROTO;
	/* a daemon of before IPv6 sends none: IPv6 is not pinned */
	if (json_object_object_get_ex(o, "owners6", &owners6) &&
	    owners_parse(owners6, t->nlinks, &t->pol->buckets[FAM_IPV6]))
		return -EPROTO;
	return 0;
}

/*
 * Every policy, from the daemon's "policies" and the rules of its
 * "config"; -ENOENT from a daemon of before rules. On any error, none.
 */
static int policies_from_daemon(json_object *o, struct explain_table *t)
{
	json_object *pols, *text;
	int ret = -ENOENT;

	if (!json_object_object_get_ex(o, "config", &text) ||
	    !json_object_object_get_ex(o, "policies", &pols) ||
	    !json_object_is_type(pols, json_type_array))
		return ret;
	ret = config_parse_string(&t->cfg, "daemon's config",
				  json_object_get_string(text), NULL);
	if (ret)
		return ret;
	t->has_cfg = true;
	ret = -EPROTO;
	if (json_object_array_length(pols) != t->cfg.npolicies ||
	    t->cfg.nlinks != t->nlinks)
		goto out;
	t->pol = calloc(t->cfg.npolicies, sizeof(*t->pol));
	if (!t->pol) {
		ret = -ENOMEM;
		goto out;
	}
	t->npol = t->cfg.npolicies;
	for (unsigned int p = 0; p < t->npol; p++) {
		json_object *po = json_object_array_get_idx(pols, p), *v;
		struct explain_policy *pt = &t->pol[p];
		const char *hash = json_str(po, "hash"),
			   *lr = json_str(po, "last_resort");

		memcpy(pt->name, t->cfg.policies[p].name, LINK_NAME_MAX);
		if (!hash || hash_mode_parse(hash, &pt->hash) || !lr ||
		    last_resort_parse(lr, &pt->last_resort) ||
		    !json_object_object_get_ex(po, "owners", &v) ||
		    owners_parse(v, t->nlinks, &pt->buckets[FAM_IPV4]) ||
		    !json_object_object_get_ex(po, "owners6", &v) ||
		    owners_parse(v, t->nlinks, &pt->buckets[FAM_IPV6]))
			goto out;
	}
	ret = 0;
out:
	if (ret)
		policies_free(t);
	return ret;
}

int explain_table_from_daemon(const char *path, struct explain_table *t)
{
	json_object *o = NULL, *v, *links;
	enum hash_mode hash;
	char *reply = NULL;
	int ret;

	ret = control_call(path, "{\"command\":\"table\"}", &reply);
	if (ret)
		return ret;
	o = json_tokener_parse(reply);
	free(reply);
	ret = -EPROTO;
	if (!o || !json_object_object_get_ex(o, "links", &links) ||
	    !json_object_object_get_ex(o, "hash", &v) ||
	    hash_mode_parse(json_object_get_string(v), &hash) ||
	    !json_object_object_get_ex(o, "seed", &v))
		goto out;
	t->seed = (uint32_t)json_object_get_int64(v);
	t->nlinks = (unsigned int)json_object_array_length(links);
	t->names = calloc(t->nlinks + 1, sizeof(*t->names));
	t->prefix6 = calloc(t->nlinks + 1, sizeof(*t->prefix6));
	if (!t->names || !t->prefix6)
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
	ret = policies_from_daemon(o, t);
	/* its rules unknown here: say so, then the default alone */
	if (ret && ret != -ENOENT)
		fprintf(stderr,
			"flowpin explain: warning: the daemon's configuration does not read here; its rules are left out\n");
	if (ret)
		ret = default_from_daemon(o, hash, t);
	if (!ret)
		t->live = true;
out:
	json_object_put(o);
	return ret;
}

int explain_table_from_config(const char *path, struct explain_table *t)
{
	struct policy_link state[FAM_MAX][SLOTS_MAX], pl[SLOTS_MAX];
	struct config *c = &t->cfg;
	enum policy_mode mode;
	int ret;

	ret = config_load(c, path, CONFIG_DIAG_FILE(stderr));
	if (ret)
		return ret;
	t->has_cfg = true;
	t->seed = c->seed;
	t->nlinks = c->nlinks;
	t->names = calloc(c->nlinks + 1, sizeof(*t->names));
	t->prefix6 = calloc(c->nlinks + 1, sizeof(*t->prefix6));
	t->pol = calloc(c->npolicies, sizeof(*t->pol));
	if (!t->names || !t->prefix6 || !t->pol)
		return -ENOMEM;
	t->npol = c->npolicies;
	for (unsigned int i = 0; i < c->nlinks; i++) {
		bool up6 = config_balances6(&c->links[i]);

		memcpy(t->names[i], c->links[i].name, LINK_NAME_MAX);
		if (c->links[i].has_prefix6)
			t->prefix6[i] = c->links[i].prefix6;
		state[FAM_IPV4][i] =
			(struct policy_link){ .up = true, .usable = true };
		state[FAM_IPV6][i] =
			(struct policy_link){ .up = up6, .usable = up6 };
	}
	for (unsigned int p = 0; p < t->npol; p++) {
		struct explain_policy *pt = &t->pol[p];

		memcpy(pt->name, c->policies[p].name, LINK_NAME_MAX);
		pt->hash = c->policies[p].hash;
		pt->last_resort = c->policies[p].last_resort;
		for (enum fam f = 0; f < FAM_MAX; f++) {
			ret = bucket_table_init(&pt->buckets[f], c->buckets);
			if (ret)
				return ret;
			policy_links(c, p, state[f], pl);
			policy_balance(&pt->buckets[f], pl, c->nlinks, &mode);
		}
	}
	return 0;
}
