/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FLOWPIN_ARRAY_H
#define FLOWPIN_ARRAY_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Append @item to the growing array *@arrayp of *@n (capacity *@cap). */
static inline int array_push(void *arrayp, unsigned int *n, unsigned int *cap,
			     const void *item, size_t size)
{
	char **array = arrayp;

	if (*n == *cap) {
		unsigned int c = *cap ? 2 * *cap : 16;
		char *p = realloc(*array, c * size);

		if (!p)
			return -ENOMEM;
		*array = p;
		*cap = c;
	}
	memcpy(*array + (size_t)(*n)++ * size, item, size);
	return 0;
}

#endif
