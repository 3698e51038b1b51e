// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policies and rules of the status and table answers: what each
 * policy's tables give its links, and how many connections each rule
 * decided (its counter counts the first packet of each).
 */
#include <json-c/json.h>

#include "daemon/answer.h"
#include "daemon/daemon.h"

static const char *mode_name(enum policy_mode mode)
{
	return mode == POLICY_UP       ? "up" :
	       mode == POLICY_DEGRADED ? "degraded" :
					 "last-resort";
}

static json_object *share(uint32_t owned, uint32_t size)
{
	return answer_figure(size ? 100.0 * owned / size : 0, 1);
}

/* Policy @p's member link @i: its weight, tier, and per family buckets. */
static json_object *member(const struct daemon *d, unsigned int p,
			   unsigned int i)
{
	const struct model *m = &d->m;
	const struct policy_config *pc = &m->cfg.policies[p];
	json_object *o = json_object_new_object();
	unsigned int k = takeover_pair(&m->cfg, p, i);

	json_object_object_add(o, "name",
			       json_object_new_string(m->cfg.links[i].name));
	json_object_object_add(o, "weight",
			       json_object_new_int64(pc->weight[i]));
	json_object_object_add(o, "tier", json_object_new_int64(pc->tier[i]));
	json_object_object_add(o, "mark", json_object_new_int64(m->marks[k]));
	for (enum fam f = 0; f < FAM_MAX; f++) {
		const struct bucket_table *t =
			controller_buckets(&m->ctl[f], p);
		uint32_t owned = bucket_count(t, (int)i);

		json_object_object_add(o, f ? "buckets6" : "buckets",
				       json_object_new_int64(owned));
		json_object_object_add(o, f ? "share6" : "share",
				       share(owned, t->size));
		/* told apart only by a mark of their own */
		json_object_object_add(
			o, f ? "flows6" : "flows",
			m->slots[k] ?
				json_object_new_uint64(
					flowcount_get(&d->flows,
						      flows_class(m->slots[k],
								  f))) :
				NULL);
	}
	return o;
}

/* What both answers say of a policy: its name, hash and last resort. */
static json_object *policy_object(const struct policy_config *pc)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(pc->name));
	json_object_object_add(o, "hash",
			       json_object_new_string(
				       hash_mode_name(pc->hash)));
	json_object_object_add(o, "last_resort",
			       json_object_new_string(
				       last_resort_name(pc->last_resort)));
	return o;
}

json_object *answer_policies(const struct daemon *d)
{
	const struct config *c = &d->m.cfg;
	json_object *a = json_object_new_array();

	for (unsigned int p = 0; p < c->npolicies; p++) {
		const struct policy_config *pc = &c->policies[p];
		json_object *o = policy_object(pc);
		json_object *links = json_object_new_array();

		json_object_object_add(o, "failback",
				       json_object_new_string(
					       pc->failback == FAILBACK_ALL ?
						       "all" :
						       "new"));
		json_object_object_add(o, "state",
				       json_object_new_string(mode_name(
					       d->m.ctl[FAM_IPV4].pol[p].mode)));
		json_object_object_add(o, "state6",
				       json_object_new_string(mode_name(
					       d->m.ctl[FAM_IPV6].pol[p].mode)));
		json_object_object_add(o, "flows",
				       pc->failback == FAILBACK_ALL ?
					       json_object_new_uint64(
						       flows_policy(d, p,
								    FAM_IPV4) +
						       flows_policy(d, p,
								    FAM_IPV6)) :
					       NULL);
		for (unsigned int i = 0; i < c->nlinks; i++)
			if (pc->weight[i])
				json_object_array_add(links, member(d, p, i));
		json_object_object_add(o, "links", links);
		json_object_array_add(a, o);
	}
	return a;
}

json_object *answer_rules(const struct daemon *d, const uint64_t *packets)
{
	const struct config *c = &d->m.cfg;
	json_object *a = json_object_new_array();

	for (unsigned int r = 0; r < c->nrules; r++) {
		const struct rule_config *rc = &c->rules[r];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name",
				       json_object_new_string(rc->name));
		json_object_object_add(o, "line",
				       json_object_new_int(rc->line));
		json_object_object_add(o, "policy",
				       json_object_new_string(
					       rc->policy == RULE_POLICY_MAIN ?
						       "main" :
						       c->policies[rc->policy]
							       .name));
		json_object_object_add(o, "connections",
				       json_object_new_uint64(packets[r]));
		json_object_array_add(a, o);
	}
	return a;
}

/* Policy @p's bucket owners of family @f: bucket -> link index or -1. */
static json_object *owners(const struct daemon *d, unsigned int p, enum fam f)
{
	const struct bucket_table *t = controller_buckets(&d->m.ctl[f], p);
	json_object *a = json_object_new_array_ext((int)t->size);

	for (uint32_t b = 0; b < t->size; b++)
		json_object_array_add(a, json_object_new_int(t->owner[b]));
	return a;
}

void answer_table_policies(const struct daemon *d, json_object *o)
{
	const struct config *c = &d->m.cfg;
	json_object *a = json_object_new_array();

	for (unsigned int p = 0; p < c->npolicies; p++) {
		const struct policy_config *pc = &c->policies[p];
		json_object *po = policy_object(pc);

		json_object_object_add(po, "owners", owners(d, p, FAM_IPV4));
		json_object_object_add(po, "owners6", owners(d, p, FAM_IPV6));
		json_object_array_add(a, po);
	}
	json_object_object_add(o, "policies", a);
	/* the very rules the daemon runs: explain parses them */
	json_object_object_add(o, "config",
			       json_object_new_string(d->m.text ? d->m.text :
								  ""));
	json_object_object_add(o, "owners",
			       owners(d, POLICY_DEFAULT, FAM_IPV4));
	json_object_object_add(o, "owners6",
			       owners(d, POLICY_DEFAULT, FAM_IPV6));
}
