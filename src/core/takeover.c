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

int takeover_plan(const struct config *c, const struct table_state *st,
		  unsigned int *slots, struct bucket_table *const t[FAM_MAX],
		  uint32_t *gone, unsigned int *ngone)
{
	uint32_t nslots = config_slots(c);
	int map[st->nlinks + 1]; /* st link -> config link, or -1 */
	bool used[nslots + 1];

	memset(used, 0, sizeof(used));
	*ngone = 0;
	for (unsigned int i = 0; i < c->nlinks; i++)
		slots[i] = 0;

	for (unsigned int k = 0; k < st->nlinks; k++) {
		int i = config_find_link(c, st->links[k].name);
		unsigned int s = slot_of(c, st->links[k].mark);

		map[k] = i;
		if (s > nslots) /* the mask changed: not one of our slots now */
			s = 0;
		if (i < 0) {
			if (st->links[k].mark)
				gone[(*ngone)++] = st->links[k].mark;
			continue;
		}
		if (s && !used[s]) {
			slots[i] = s;
			used[s] = true;
		}
	}
	for (unsigned int i = 0; i < c->nlinks; i++) {
		unsigned int s = 1;

		if (slots[i])
			continue;
		while (s <= nslots && used[s])
			s++;
		if (s > nslots)
			return -ENOSPC;
		slots[i] = s;
		used[s] = true;
	}

	for (enum fam f = 0; f < FAM_MAX; f++) {
		/* bucket count changed (or none yet): a fresh table */
		if (st->nowner[f] != t[f]->size)
			continue;
		for (uint32_t b = 0; b < t[f]->size; b++) {
			int k = st->owner[f][b];

			t[f]->owner[b] = k >= 0 && k < (int)st->nlinks &&
							 map[k] >= 0 ?
						 (int16_t)map[k] :
						 BUCKET_NONE;
		}
	}
	return 0;
}

void takeover_state_free(struct table_state *st)
{
	free(st->links);
	free(st->owner[FAM_IPV4]);
	free(st->owner[FAM_IPV6]);
	memset(st, 0, sizeof(*st));
}
