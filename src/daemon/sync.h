/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bringing the kernel to the desired state: list what it has of
 * flowpin's (its protocol number), reconcile with what is wanted, delete
 * and add the difference through the adapters.
 */
#ifndef FLOWPIN_DAEMON_SYNC_H
#define FLOWPIN_DAEMON_SYNC_H

#include "core/route.h"
#include "core/rule.h"
#include "kernel/nl.h"

/*
 * Make flowpin's routes of @table exactly @want (n of them); adds how many
 * it added to *@added (NULL: nowhere).
 */
int sync_routes(struct nl *nl, enum fam fam, uint32_t table,
		const struct route *want, unsigned int n, unsigned int *added);

/* Make flowpin's rules of @fam exactly @want (n of them); counts the same. */
int sync_rules(struct nl *nl, enum fam fam, const struct rule *want,
	       unsigned int n, unsigned int *added);

#endif
