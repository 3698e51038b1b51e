/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * [policy NAME] and [rule NAME]: the hooks config.c calls. Internal to
 * the core's config*.c.
 */
#ifndef FLOWPIN_CORE_CONFIG_POLICY_H
#define FLOWPIN_CORE_CONFIG_POLICY_H

#include "core/config_parser.h"

extern const struct key config_policy_keys[], config_rule_keys[];
/* Whether key @k adds to a list on each line, rather than a duplicate. */
bool config_key_repeats(const struct key *k);

/* Before the first line: the implicit policy "default". 0 or -ENOMEM. */
int config_policy_init(struct parser *p);
/*
 * A [policy NAME] or [rule NAME] header (@word "policy" or "rule", @name
 * NULL unless the header holds exactly one name): p->section becomes
 * SEC_POLICY or SEC_RULE, or stays SEC_UNKNOWN after an error.
 */
void config_policy_begin(struct parser *p, const char *header, const char *word,
			 const char *name);
/* After the whole file: names resolved, the rules checked, warnings. */
void config_policy_check(struct parser *p);
/* What only the parser kept (the raw names): freed, whatever the outcome. */
void config_policy_release(struct parser *p);
/* The policies and rules of @c. */
void config_policy_free(struct config *c);

#endif
