/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPv4 policy routing rules, through rtnetlink. */
#ifndef FLOWPIN_KERNEL_NLRULE_H
#define FLOWPIN_KERNEL_NLRULE_H

#include "core/rule.h"
#include "kernel/nl.h"

/* Add @r; -EEXIST when the same rule is there already. */
int nlrule_add(struct nl *nl, const struct rule *r);
int nlrule_delete(struct nl *nl, const struct rule *r);

typedef int (*nlrule_cb)(const struct rule *r, void *data);
int nlrule_list(struct nl *nl, enum fam fam, nlrule_cb cb, void *data);

/*
 * An RTM_NEWRULE or RTM_DELRULE message: 0; -EAFNOSUPPORT for another
 * family, -EOPNOTSUPP for a rule that is no table lookup, -EINVAL.
 */
int nlrule_parse(const struct nlmsghdr *nlh, struct rule *r);

#endif
