// SPDX-License-Identifier: GPL-2.0-or-later
/* Open addressing with linear probing and backward-shift deletion. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/flowcount.h"

#define INITIAL_CAP 1024

static size_t home(const struct flowcount *fc, uint64_t key)
{
	/* Fibonacci hashing spreads digests that differ in few bits. */
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) & (fc->cap - 1);
}

static int alloc_table(struct flowcount *fc, size_t cap)
{
	fc->key = calloc(cap, sizeof(*fc->key));
	fc->link = calloc(cap, sizeof(*fc->link));
	if (!fc->key || !fc->link) {
		free(fc->key);
		free(fc->link);
		return -ENOMEM;
	}
	fc->cap = cap;
	return 0;
}

int flowcount_init(struct flowcount *fc)
{
	memset(fc, 0, sizeof(*fc));
	return alloc_table(fc, INITIAL_CAP);
}

void flowcount_free(struct flowcount *fc)
{
	free(fc->key);
	free(fc->link);
	memset(fc, 0, sizeof(*fc));
}

void flowcount_clear(struct flowcount *fc)
{
	memset(fc->key, 0, fc->cap * sizeof(*fc->key));
	memset(fc->count, 0, sizeof(fc->count));
	fc->used = 0;
}

static uint64_t nonzero(uint64_t key)
{
	return key ? key : 1;
}

static void insert(struct flowcount *fc, uint64_t key, uint16_t link)
{
	size_t i = home(fc, key);

	while (fc->key[i])
		i = (i + 1) & (fc->cap - 1);
	fc->key[i] = key;
	fc->link[i] = link;
}

static int grow(struct flowcount *fc)
{
	uint64_t *old_key = fc->key;
	uint16_t *old_link = fc->link;
	size_t old_cap = fc->cap;

	if (alloc_table(fc, old_cap * 2)) {
		fc->key = old_key;
		fc->link = old_link;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old_cap; i++)
		if (old_key[i])
			insert(fc, old_key[i], old_link[i]);
	free(old_key);
	free(old_link);
	return 0;
}

int flowcount_add(struct flowcount *fc, uint64_t key, unsigned int link)
{
	size_t i;

	if (link >= FLOWCOUNT_LINKS)
		return -EINVAL;
	key = nonzero(key);
	for (i = home(fc, key); fc->key[i]; i = (i + 1) & (fc->cap - 1))
		if (fc->key[i] == key)
			return 0;
	/* keep the load under 3/4 */
	if ((fc->used + 1) * 4 > fc->cap * 3) {
		if (grow(fc))
			return -ENOMEM;
	}
	insert(fc, key, (uint16_t)link);
	fc->used++;
	fc->count[link]++;
	return 0;
}

void flowcount_del(struct flowcount *fc, uint64_t key)
{
	size_t mask = fc->cap - 1, i, j;

	key = nonzero(key);
	for (i = home(fc, key); fc->key[i]; i = (i + 1) & mask)
		if (fc->key[i] == key)
			break;
	if (!fc->key[i])
		return;
	fc->count[fc->link[i]]--;
	fc->used--;

	/* Shift later entries of the probe run back into the hole. */
	for (j = (i + 1) & mask; fc->key[j]; j = (j + 1) & mask) {
		size_t h = home(fc, fc->key[j]);

		/* move unless its home lies cyclically in (i, j] */
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		fc->key[i] = fc->key[j];
		fc->link[i] = fc->link[j];
		i = j;
	}
	fc->key[i] = 0;
}

void flowcount_drop_link(struct flowcount *fc, unsigned int link)
{
	uint64_t *keys;
	size_t n = 0;

	if (link >= FLOWCOUNT_LINKS || !fc->count[link])
		return;
	/* collect first: deleting shifts entries under the scan */
	keys = malloc(fc->count[link] * sizeof(*keys));
	if (!keys) {
		flowcount_clear(fc); /* a recount follows a drop anyway */
		return;
	}
	for (size_t i = 0; i < fc->cap; i++)
		if (fc->key[i] && fc->link[i] == link)
			keys[n++] = fc->key[i];
	for (size_t i = 0; i < n; i++)
		flowcount_del(fc, keys[i]);
	free(keys);
}
