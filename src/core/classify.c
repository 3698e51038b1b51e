// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "core/classify.h"

/*
 * An empty list holds anything; else some prefix of @f holds @a. A list
 * of the other family's prefixes only holds nothing of @f: the kernel
 * has no element of this family for it.
 */
static bool prefixes_hold(const struct rule_prefix *p, unsigned int n,
			  enum fam f, const uint8_t *a)
{
	union inaddr addr;

	if (!n)
		return true;
	memcpy(addr.b, a, inaddr_len(f));
	for (unsigned int i = 0; i < n; i++)
		if (p[i].fam == f && inprefix_holds(f, &p[i].p, &addr))
			return true;
	return false;
}

static bool ranges_hold(const struct port_range *r, unsigned int n,
			uint16_t port)
{
	if (!n)
		return true;
	for (unsigned int i = 0; i < n; i++)
		if (r[i].lo <= port && port <= r[i].hi)
			return true;
	return false;
}

static bool protos_hold(const struct rule_config *r, uint8_t proto)
{
	if (!r->nproto)
		return true;
	for (unsigned int i = 0; i < r->nproto; i++)
		if (r->proto[i] == proto)
			return true;
	return false;
}

/* The router's own connections have no input interface: never in a list. */
static bool lans_hold(const struct rule_config *r, const char *iif)
{
	if (!r->nlan)
		return true;
	if (!iif || !*iif)
		return false;
	for (unsigned int i = 0; i < r->nlan; i++)
		if (!strncmp(r->lan[i], iif, IF_NAMESIZE))
			return true;
	return false;
}

static bool rule_matches(const struct rule_config *r, enum fam f,
			 const struct flow_key *k, const char *iif)
{
	bool ports = r->nsport || r->ndport;

	/* the kernel's set of a rule with ports holds only such protocols */
	if (ports && !flowhash_proto_has_ports(k->proto))
		return false;
	return lans_hold(r, iif) && prefixes_hold(r->src, r->nsrc, f, k->src) &&
	       prefixes_hold(r->dst, r->ndst, f, k->dst) &&
	       protos_hold(r, k->proto) &&
	       ranges_hold(r->sport, r->nsport, k->sport) &&
	       ranges_hold(r->dport, r->ndport, k->dport);
}

int classify_rule(const struct config *c, const struct flow_key *k,
		  const char *iif)
{
	int f = fam_of_af(k->family);

	if (f < 0)
		return -1;
	for (unsigned int i = 0; i < c->nrules; i++)
		if (rule_matches(&c->rules[i], (enum fam)f, k, iif))
			return (int)i;
	return -1;
}

int classify_policy(const struct config *c, const struct flow_key *k,
		    const char *iif, int *rule)
{
	int r = classify_rule(c, k, iif);

	if (rule)
		*rule = r;
	return r < 0 ? POLICY_DEFAULT : c->rules[r].policy;
}
