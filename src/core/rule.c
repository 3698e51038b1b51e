// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "core/rule.h"

bool rule_equal(const void *pa, const void *pb)
{
	const struct rule *a = pa, *b = pb;

	return a->fam == b->fam && a->priority == b->priority &&
	       a->table == b->table && a->fwmark == b->fwmark &&
	       a->fwmask == b->fwmask &&
	       a->suppress_default == b->suppress_default &&
	       !strcmp(a->iifname, b->iifname) && a->protocol == b->protocol;
}
