/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Want/have reconcile, for any kind of kernel object: given what the
 * kernel has and what flowpin wants (arrays of one type and an equality),
 * which objects to delete and which to add so that the kernel has exactly
 * what is wanted. Pure: the adapters list, delete and add.
 */
#ifndef FLOWPIN_CORE_RECONCILE_H
#define FLOWPIN_CORE_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>

typedef bool (*reconcile_equal)(const void *a, const void *b);

/*
 * @del[i] for have[i] that nothing in @want equals; @add[j] for want[j]
 * that nothing in @have equals. Returns how many changes in all.
 */
unsigned int reconcile(const void *have, unsigned int nhave, const void *want,
		       unsigned int nwant, size_t size, reconcile_equal equal,
		       bool *del, bool *add);

#endif
