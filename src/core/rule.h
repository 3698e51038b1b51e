/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A policy routing rule, as flowpin wants it or found it. */
#ifndef FLOWPIN_CORE_RULE_H
#define FLOWPIN_CORE_RULE_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/inaddr.h"

struct rule {
	enum fam fam;
	uint32_t priority;
	uint32_t table;
	uint32_t fwmark, fwmask; /* fwmask 0: no fwmark match */
	bool suppress_default; /* suppress_prefixlength 0 */
	char iifname[IF_NAMESIZE]; /* "": any */
	unsigned char protocol;
};

bool rule_equal(const void *a, const void *b);

#endif
