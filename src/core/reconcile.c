// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/reconcile.h"

/* Quadratic: a table holds a few routes, the rules a few per link. */
unsigned int reconcile(const void *have, unsigned int nhave, const void *want,
		       unsigned int nwant, size_t size, reconcile_equal equal,
		       bool *del, bool *add)
{
	const char *h = have, *w = want;
	unsigned int changes = 0;

	for (unsigned int j = 0; j < nwant; j++)
		add[j] = true;
	for (unsigned int i = 0; i < nhave; i++) {
		del[i] = true;
		for (unsigned int j = 0; j < nwant; j++) {
			if (!equal(h + i * size, w + j * size))
				continue;
			del[i] = false;
			add[j] = false;
		}
		changes += del[i];
	}
	for (unsigned int j = 0; j < nwant; j++)
		changes += add[j];
	return changes;
}
