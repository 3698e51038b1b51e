/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which [rule] and which policy decide a new connection, as the nftables
 * chains "rules" and "rules6" decide it: rules in file order, the first
 * that matches wins, none matching is the policy "default". explain and
 * sim ask here, so that they decide as the kernel does.
 */
#ifndef FLOWPIN_CORE_CLASSIFY_H
#define FLOWPIN_CORE_CLASSIFY_H

#include "core/config.h"
#include "core/flowhash.h"

/*
 * The index of the first rule of @c that matches @k coming in on @iif
 * (NULL or "": the router's own connection, which no rule with a lan
 * list matches), or -1.
 */
int classify_rule(const struct config *c, const struct flow_key *k,
		  const char *iif);

/*
 * The policy that decides @k: the first matching rule's (an index into
 * c->policies, or RULE_POLICY_MAIN), POLICY_DEFAULT when none matches.
 * The rule's index, or -1, in *@rule unless it is NULL.
 */
int classify_policy(const struct config *c, const struct flow_key *k,
		    const char *iif, int *rule);

#endif
