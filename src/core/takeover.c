// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/takeover.h"

static unsigned int slot_of(const struct config *c, uint32_t mark)
{
	uint32_t low = c->mark_mask & -c->mark_mask;

	if (!mark || (mark & ~c->mark_mask))
		return 0;
	return mark / low;
}

int takeover_find(const struct table_state *st, const char *name,
		  const char *policy)
{
	for (unsigned int k = 0; k < st->nlinks; k++)
		if (!strcmp(st->links[k].name, name) &&
		    !strcmp(st->links[k].policy, policy))
			return (int)k;
	return -1;
}

/* Where @st's entry @k goes in @slots, or -1: no longer configured. */
static int entry_of(const struct config *c, const struct table_link *e)
{
	int i = config_find_link(c, e->name), p;

	if (i < 0 || !e->policy[0])
		return i;
	p = config_find_policy(c, e->policy);
	if (p < 0 || !config_has_pair(c, (unsigned int)p, (unsigned int)i))
		return -1;
	return (int)takeover_pair(c, (unsigned int)p, (unsigned int)i);
}

/* Entry @k of the configuration takes a slot: the link, or a member. */
static bool wants_slot(const struct config *c, unsigned int k)
{
	unsigned int n = c->nlinks;

	return k < n || config_has_pair(c, k / n - 1, k % n);
}

/* @t from @owner (bucket -> index in st->links), if of its size. */
static void take_owners(const struct config *c, const struct table_state *st,
			const int16_t *owner, uint32_t nowner,
			struct bucket_table *t)
{
	if (nowner != t->size) /* bucket count changed (or none yet) */
		return;
	for (uint32_t b = 0; b < t->size; b++) {
		int k = owner[b], i = -1;

		if (k >= 0 && k < (int)st->nlinks)
			i = config_find_link(c, st->links[k].name);
		t->owner[b] = i >= 0 ? (int16_t)i : BUCKET_NONE;
	}
}

int takeover_plan(const struct config *c, const struct table_state *st,
		  unsigned int *slots,
		  struct bucket_table *const *const t[FAM_MAX],
		  struct takeover_gone *gone, unsigned int *ngone)
{
	uint32_t nslots = config_slots(c);
	unsigned int n = TAKEOVER_SLOTS(c);
	bool used[nslots + 1];

	memset(used, 0, sizeof(used));
	*ngone = 0;
	for (unsigned int k = 0; k < n; k++)
		slots[k] = 0;

	for (unsigned int k = 0; k < st->nlinks; k++) {
		int e = entry_of(c, &st->links[k]);
		unsigned int s = slot_of(c, st->links[k].mark);

		if (s > nslots) /* the mask changed: not one of our slots now */
			s = 0;
		if (e < 0) {
			/* a policy's mark gone: its link may stay */
			if (st->links[k].mark)
				gone[(*ngone)++] = (struct takeover_gone){
					.mark = st->links[k].mark,
					.link = st->links[k].policy[0] ?
							config_find_link(
								c,
								st->links[k]
									.name) :
							-1,
				};
			continue;
		}
		if (s && !used[s] && !slots[e]) {
			slots[e] = s;
			used[s] = true;
		}
	}
	for (unsigned int k = 0; k < n; k++) {
		unsigned int s = 1;

		if (slots[k] || !wants_slot(c, k))
			continue;
		while (s <= nslots && used[s])
			s++;
		if (s > nslots)
			return -ENOSPC;
		slots[k] = s;
		used[s] = true;
	}

	for (enum fam f = 0; f < FAM_MAX && t; f++) {
		take_owners(c, st, st->owner[f], st->nowner[f],
			    t[f][POLICY_DEFAULT]);
		for (unsigned int q = 0; q < st->npolicies; q++) {
			int p = config_find_policy(c, st->policies[q].name);

			if (p > POLICY_DEFAULT)
				take_owners(c, st, st->policies[q].owner[f],
					    st->policies[q].nowner[f], t[f][p]);
		}
	}
	return 0;
}

void takeover_state_free(struct table_state *st)
{
	free(st->links);
	free(st->owner[FAM_IPV4]);
	free(st->owner[FAM_IPV6]);
	for (unsigned int q = 0; q < st->npolicies; q++) {
		free(st->policies[q].owner[FAM_IPV4]);
		free(st->policies[q].owner[FAM_IPV6]);
	}
	free(st->policies);
	free(st->rules);
	memset(st, 0, sizeof(*st));
}

int takeover_fresh_marks(const struct config *c, uint32_t *marks)
{
	unsigned int n = TAKEOVER_SLOTS(c), slots[n + 1], ngone;
	struct table_state none = { 0 };
	int ret = takeover_plan(c, &none, slots, NULL, NULL, &ngone);

	for (unsigned int k = 0; k < n && !ret; k++)
		marks[k] = slots[k] ? config_slot_mark(c, slots[k]) : 0;
	return ret;
}
