/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPv4 policy routing rules, through rtnetlink. */
#ifndef FLOWPIN_RULE_H
#define FLOWPIN_RULE_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "nl.h"

struct rule {
	uint32_t priority;
	uint32_t table;
	uint32_t fwmark, fwmask; /* fwmask 0: no fwmark match */
	bool suppress_default; /* suppress_prefixlength 0 */
	char iifname[IF_NAMESIZE]; /* "": any */
	unsigned char protocol;
};

bool rule_equal(const struct rule *a, const struct rule *b);

/* Add @r; -EEXIST when the same rule is there already. */
int rule_add(struct nl *nl, const struct rule *r);
int rule_delete(struct nl *nl, const struct rule *r);

typedef void (*rule_cb)(const struct rule *r, void *data);
int rule_list(struct nl *nl, rule_cb cb, void *data);

/* Make the IPv4 rules of @protocol exactly @want (n of them). */
int rule_sync(struct nl *nl, const struct rule *want, unsigned int n,
	      unsigned char protocol);

#endif
