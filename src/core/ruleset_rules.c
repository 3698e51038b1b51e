// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rules of the configuration as nftables rules: chains "rules" (IPv4)
 * and "rules6", which a new connection enters before its policy's pick
 * chain. Each rule of a family is one set lookup, whatever its lists
 * hold: the concatenation of its fields against the cross product of its
 * lists. The lists are first made disjoint (a prefix inside another
 * dropped, port ranges merged), for the kernel refuses overlapping
 * elements of a concatenation, and they would mean the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ruleset.h"

/* One rule's lists of one family, disjoint. */
struct rule_lists {
	const struct rule_config *r;
	enum fam fam;
	struct inprefix *src, *dst;
	unsigned int nsrc, ndst;
	struct port_range *sport, *dport;
	unsigned int nsport, ndport;
	uint8_t proto[256];
	unsigned int nproto;
};

/* The prefixes of @fam not inside another of the list. */
static unsigned int prefixes(const struct rule_prefix *in, unsigned int n,
			     enum fam fam, struct inprefix *out)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < n; i++) {
		bool inside = false;

		if (in[i].fam != fam)
			continue;
		for (unsigned int j = 0; j < n && !inside; j++) {
			if (j == i || in[j].fam != fam ||
			    in[j].p.len > in[i].p.len ||
			    !inprefix_holds(fam, &in[j].p, &in[i].p.addr))
				continue;
			/* of two equal ones the first stays */
			inside = in[j].p.len < in[i].p.len || j < i;
		}
		if (!inside)
			out[k++] = in[i].p;
	}
	return k;
}

static int range_cmp(const void *a, const void *b)
{
	const struct port_range *x = a, *y = b;

	return (int)x->lo - (int)y->lo;
}

/* Ranges sorted and merged where they overlap or touch. */
static unsigned int ranges(const struct port_range *in, unsigned int n,
			   struct port_range *out)
{
	unsigned int k = 0;

	if (!n)
		return 0;
	memcpy(out, in, n * sizeof(*in));
	qsort(out, n, sizeof(*out), range_cmp);
	for (unsigned int i = 0; i < n; i++) {
		if (k && (uint32_t)out[i].lo <= (uint32_t)out[k - 1].hi + 1) {
			if (out[i].hi > out[k - 1].hi)
				out[k - 1].hi = out[i].hi;
			continue;
		}
		out[k++] = out[i];
	}
	return k;
}

static void lists_free(struct rule_lists *l)
{
	free(l->src);
	free(l->dst);
	free(l->sport);
	free(l->dport);
}

static int lists_init(struct rule_lists *l, const struct rule_config *r,
		      enum fam fam)
{
	bool seen[256] = { false };

	memset(l, 0, sizeof(*l));
	l->r = r;
	l->fam = fam;
	l->src = calloc(r->nsrc + 1, sizeof(*l->src));
	l->dst = calloc(r->ndst + 1, sizeof(*l->dst));
	l->sport = calloc(r->nsport + 1, sizeof(*l->sport));
	l->dport = calloc(r->ndport + 1, sizeof(*l->dport));
	if (!l->src || !l->dst || !l->sport || !l->dport) {
		lists_free(l);
		return -1;
	}
	l->nsrc = prefixes(r->src, r->nsrc, fam, l->src);
	l->ndst = prefixes(r->dst, r->ndst, fam, l->dst);
	l->nsport = ranges(r->sport, r->nsport, l->sport);
	l->ndport = ranges(r->dport, r->ndport, l->dport);
	for (unsigned int i = 0; i < r->nproto; i++)
		if (!seen[r->proto[i]]) {
			seen[r->proto[i]] = true;
			l->proto[l->nproto++] = r->proto[i];
		}
	return 0;
}

enum field { F_LAN, F_SRC, F_DST, F_PROTO, F_SPORT, F_DPORT, F_MAX };

static unsigned int field_count(const struct rule_lists *l, enum field f)
{
	switch (f) {
	case F_LAN:
		return l->r->nlan;
	case F_SRC:
		return l->nsrc;
	case F_DST:
		return l->ndst;
	case F_PROTO:
		return l->nproto;
	case F_SPORT:
		return l->nsport;
	default:
		return l->ndport;
	}
}

static void put_key(FILE *f, const struct rule_lists *l, enum field k)
{
	const char *ip = l->fam == FAM_IPV6 ? "ip6" : "ip";

	switch (k) {
	case F_LAN:
		fputs("iifname", f);
		break;
	case F_SRC:
		fprintf(f, "%s saddr", ip);
		break;
	case F_DST:
		fprintf(f, "%s daddr", ip);
		break;
	case F_PROTO:
		fputs("meta l4proto", f);
		break;
	case F_SPORT:
		fputs("th sport", f);
		break;
	default:
		fputs("th dport", f);
		break;
	}
}

static void put_range(FILE *f, const struct port_range *r)
{
	if (r->lo == r->hi)
		fprintf(f, "%u", r->lo);
	else
		fprintf(f, "%u-%u", r->lo, r->hi);
}

static void put_value(FILE *f, const struct rule_lists *l, enum field k,
		      unsigned int i)
{
	char p[INPREFIX_STRLEN];

	switch (k) {
	case F_LAN:
		fprintf(f, "\"%s\"", l->r->lan[i]);
		break;
	case F_SRC:
		fputs(inprefix_str(l->fam, &l->src[i], p), f);
		break;
	case F_DST:
		fputs(inprefix_str(l->fam, &l->dst[i], p), f);
		break;
	case F_PROTO:
		fprintf(f, "%u", l->proto[i]);
		break;
	case F_SPORT:
		put_range(f, &l->sport[i]);
		break;
	default:
		put_range(f, &l->dport[i]);
		break;
	}
}

/* "KEY . KEY { V . V, ... } ": the lookup of the rule's non-empty lists. */
static void put_match(FILE *f, const struct rule_lists *l)
{
	unsigned int n[F_MAX], at[F_MAX] = { 0 };
	enum field used[F_MAX];
	unsigned int nused = 0;
	const char *sep = "";

	for (enum field k = 0; k < F_MAX; k++) {
		n[k] = field_count(l, k);
		if (n[k])
			used[nused++] = k;
	}
	if (!nused)
		return;
	for (unsigned int u = 0; u < nused; u++) {
		fputs(u ? " . " : "", f);
		put_key(f, l, used[u]);
	}
	fputs(" { ", f);
	/* the cross product, the last list varying fastest */
	for (;;) {
		fputs(sep, f);
		sep = ", ";
		for (unsigned int u = 0; u < nused; u++) {
			fputs(u ? " . " : "", f);
			put_value(f, l, used[u], at[used[u]]);
		}
		unsigned int u = nused;

		while (u > 0 && ++at[used[u - 1]] == n[used[u - 1]])
			at[used[--u]] = 0;
		if (!u)
			break;
	}
	fputs(" } ", f);
}

/* Whether some rule applies to family @fam. */
bool ruleset_has_rules(const struct config *c, enum fam fam)
{
	for (unsigned int i = 0; i < c->nrules; i++)
		if (config_rule_has_fam(&c->rules[i], fam))
			return true;
	return false;
}

int ruleset_put_rules(FILE *f, const struct ruleset *rs, enum fam fam)
{
	const struct config *c = rs->cfg;
	char name[RULESET_NAME_MAX];

	if (!ruleset_has_rules(c, fam))
		return 0;
	fprintf(f, "\tchain %s {\n", fam == FAM_IPV6 ? "rules6" : "rules");
	for (unsigned int i = 0; i < c->nrules; i++) {
		const struct rule_config *r = &c->rules[i];
		struct rule_lists l;

		if (!config_rule_has_fam(r, fam))
			continue;
		if (lists_init(&l, r, fam))
			return -1;
		fputs("\t\t", f);
		put_match(f, &l);
		fprintf(f, "counter name rule.%s ", r->name);
		if (r->policy == RULE_POLICY_MAIN)
			fputs("return\n", f);
		else
			fprintf(f, "goto %s\n",
				ruleset_pick_chain(c, (unsigned int)r->policy,
						   fam, name));
		lists_free(&l);
	}
	fprintf(f, "\t\tgoto %s\n\t}\n",
		ruleset_pick_chain(c, POLICY_DEFAULT, fam, name));
	return 0;
}
