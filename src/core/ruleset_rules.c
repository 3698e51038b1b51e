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

/* The fields a rule's lookup is made of, a bit each. */
static unsigned int signature(const struct rule_lists *l)
{
	unsigned int sig = 0;

	for (enum field k = 0; k < F_MAX; k++)
		if (field_count(l, k))
			sig |= 1u << k;
	return sig;
}

/* "KEY . KEY": the concatenation of the fields of @l. */
static void put_keys(FILE *f, const struct rule_lists *l)
{
	const char *sep = "";

	for (enum field k = 0; k < F_MAX; k++) {
		if (!field_count(l, k))
			continue;
		fputs(sep, f);
		put_key(f, l, k);
		sep = " . ";
	}
}

/*
 * "V . V[ : VERDICT], ...": the cross product of @l's lists, the last
 * varying fastest, each element followed by @verdict (NULL: none).
 */
static void put_elements(FILE *f, const struct rule_lists *l,
			 const char *verdict, const char **sep)
{
	unsigned int n[F_MAX], at[F_MAX] = { 0 };
	enum field used[F_MAX];
	unsigned int nused = 0;

	for (enum field k = 0; k < F_MAX; k++) {
		n[k] = field_count(l, k);
		if (n[k])
			used[nused++] = k;
	}
	for (;;) {
		fputs(*sep, f);
		*sep = ", ";
		for (unsigned int u = 0; u < nused; u++) {
			fputs(u ? " . " : "", f);
			put_value(f, l, used[u], at[used[u]]);
		}
		if (verdict)
			fprintf(f, " : %s", verdict);
		unsigned int u = nused;

		while (u > 0 && ++at[used[u - 1]] == n[used[u - 1]])
			at[used[--u]] = 0;
		if (!u)
			break;
	}
}

/*
 * Consecutive rules of one family with the same fields go into one
 * lookup, a verdict map to each rule's chain, as long as no value of
 * one can match a value of an earlier one: then which of them matches
 * first cannot matter. That is told on one field (the sweep field: an
 * address if there is one), conservatively: two rules whose values of
 * that field overlap are not merged, whatever their other fields. So a
 * new connection pays one lookup for a run of rules, however many.
 */
struct span {
	uint64_t lo[2], hi[2]; /* 128-bit, most significant word first */
};

static int u128_cmp(const uint64_t *a, const uint64_t *b)
{
	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	return a[1] < b[1] ? -1 : a[1] > b[1];
}

static int span_cmp(const void *a, const void *b)
{
	return u128_cmp(((const struct span *)a)->lo,
			((const struct span *)b)->lo);
}

/* The field runs of rules are told apart on. */
static enum field sweep_field(unsigned int sig)
{
	static const enum field order[] = { F_DST,   F_SRC,   F_DPORT,
					    F_SPORT, F_PROTO, F_LAN };

	for (unsigned int k = 0; k < F_MAX; k++)
		if (sig & (1u << order[k]))
			return order[k];
	return F_LAN;
}

static struct span prefix_span(enum fam fam, const struct inprefix *p)
{
	struct span s = { { 0 }, { 0 } };
	uint8_t lo[16] = { 0 }, hi[16] = { 0 };
	size_t n = inaddr_len(fam);

	for (size_t i = 0; i < n; i++) {
		unsigned int bits = p->len > 8 * i ? p->len - 8 * i : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		lo[16 - n + i] = p->addr.b[i] & mask;
		hi[16 - n + i] = p->addr.b[i] | (uint8_t)~mask;
	}
	for (int w = 0; w < 2; w++)
		for (int i = 0; i < 8; i++) {
			s.lo[w] = s.lo[w] << 8 | lo[8 * w + i];
			s.hi[w] = s.hi[w] << 8 | hi[8 * w + i];
		}
	return s;
}

static struct span value_span(uint64_t lo, uint64_t hi)
{
	return (struct span){ .lo = { 0, lo }, .hi = { 0, hi } };
}

/* The values of @l's field @k, as spans, into @out (field_count of them). */
static void spans_of(const struct rule_lists *l, enum field k,
		     const struct config *c, struct span *out)
{
	for (unsigned int i = 0; i < field_count(l, k); i++) {
		switch (k) {
		case F_SRC:
			out[i] = prefix_span(l->fam, &l->src[i]);
			break;
		case F_DST:
			out[i] = prefix_span(l->fam, &l->dst[i]);
			break;
		case F_PROTO:
			out[i] = value_span(l->proto[i], l->proto[i]);
			break;
		case F_SPORT:
			out[i] = value_span(l->sport[i].lo, l->sport[i].hi);
			break;
		case F_DPORT:
			out[i] = value_span(l->dport[i].lo, l->dport[i].hi);
			break;
		default: {
			unsigned int j = 0;

			/* lan names are [global] lan's, validated */
			while (j < c->nlan && strcmp(c->lan[j], l->r->lan[i]))
				j++;
			out[i] = value_span(j, j);
		}
		}
	}
}

/* A run's spans of its sweep field, sorted, with the running top. */
struct run {
	unsigned int sig;
	enum field sweep;
	struct span *spans;
	uint64_t (*top)[2]; /* top[i]: the highest hi of spans[0..i] */
	unsigned int n;
};

/* Whether one of @s (@n, sorted) overlaps one of the run's. */
static bool run_overlaps(const struct run *r, const struct span *s,
			 unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		/* the spans of the run that start at or below s's end */
		unsigned int lo = 0, hi = r->n;

		while (lo < hi) {
			unsigned int mid = (lo + hi) / 2;

			if (u128_cmp(r->spans[mid].lo, s[i].hi) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo && u128_cmp(r->top[lo - 1], s[i].lo) >= 0)
			return true;
	}
	return false;
}

/* The run takes @s (@n, sorted) too. 0 or -1 (out of memory). */
static int run_add(struct run *r, const struct span *s, unsigned int n)
{
	struct span *m = malloc((r->n + n + 1) * sizeof(*m));
	uint64_t(*top)[2] = malloc((r->n + n + 1) * sizeof(*top));
	unsigned int i = 0, j = 0, k = 0;

	if (!m || !top) {
		free(m);
		free(top);
		return -1;
	}
	while (i < r->n || j < n)
		m[k++] = j == n || (i < r->n &&
				    span_cmp(&r->spans[i], &s[j]) <= 0) ?
				 r->spans[i++] :
				 s[j++];
	for (k = 0; k < r->n + n; k++) {
		const uint64_t *prev = k ? top[k - 1] : m[0].hi;
		const uint64_t *best = u128_cmp(prev, m[k].hi) > 0 ? prev :
								     m[k].hi;

		top[k][0] = best[0];
		top[k][1] = best[1];
	}
	free(r->spans);
	free(r->top);
	r->spans = m;
	r->top = top;
	r->n += n;
	return 0;
}

static void run_reset(struct run *r, unsigned int sig)
{
	free(r->spans);
	free(r->top);
	*r = (struct run){ .sig = sig, .sweep = sweep_field(sig) };
}

/*
 * Of the rules of family @fam, which begin a run (starts[i]), each run
 * being the rules from its start to the next start: the runs as the
 * kernel will have them. -1: out of memory.
 */
static int plan_runs(const struct config *c, enum fam fam, bool *starts)
{
	struct run run = { 0 };
	int ret = 0;

	for (unsigned int i = 0; i < c->nrules && !ret; i++) {
		const struct rule_config *r = &c->rules[i];
		struct rule_lists l;
		struct span *s;
		unsigned int sig, n;

		starts[i] = false;
		if (!config_rule_has_fam(r, fam))
			continue;
		if (lists_init(&l, r, fam))
			return -1;
		sig = signature(&l);
		n = sig ? field_count(&l, sweep_field(sig)) : 0;
		s = calloc(n + 1, sizeof(*s));
		if (!s) {
			lists_free(&l);
			ret = -1;
			break;
		}
		spans_of(&l, sweep_field(sig), c, s);
		qsort(s, n, sizeof(*s), span_cmp);
		/* a rule matching anything stands alone: it ends the rules */
		if (!sig || sig != run.sig || run_overlaps(&run, s, n)) {
			run_reset(&run, sig);
			starts[i] = true;
		}
		if (sig)
			ret = run_add(&run, s, n);
		free(s);
		lists_free(&l);
	}
	run_reset(&run, 0);
	return ret;
}

/* The next rule of family @fam from @i on, or c->nrules. */
static unsigned int next_rule(const struct config *c, enum fam fam,
			      unsigned int i)
{
	while (i < c->nrules && !config_rule_has_fam(&c->rules[i], fam))
		i++;
	return i;
}

/* What a rule's match leads to: its policy's pick chain, or return. */
static void put_target(FILE *f, const struct config *c,
		       const struct rule_config *r, enum fam fam)
{
	char name[RULESET_NAME_MAX];

	if (r->policy == RULE_POLICY_MAIN)
		fputs("return", f);
	else
		fprintf(f, "goto %s",
			ruleset_pick_chain(c, (unsigned int)r->policy, fam,
					   name));
}

/*
 * One run of rules, [@from, @to): a rule alone as its lookup, counter
 * and target; more as one verdict map to their chains ("rule.NAME").
 */
static int put_run(FILE *f, const struct config *c, enum fam fam,
		   unsigned int from, unsigned int to)
{
	const char *sep = "";
	struct rule_lists l;
	bool alone = next_rule(c, fam, from + 1) >= to;

	if (lists_init(&l, &c->rules[from], fam))
		return -1;
	fputs("\t\t", f);
	if (signature(&l)) {
		put_keys(f, &l);
		fputs(alone ? " { " : " vmap { ", f);
	}
	lists_free(&l);
	for (unsigned int i = from; i < to && !alone;
	     i = next_rule(c, fam, i + 1)) {
		char verdict[RULESET_NAME_MAX + 16];

		if (lists_init(&l, &c->rules[i], fam))
			return -1;
		snprintf(verdict, sizeof(verdict), "goto rule.%s",
			 c->rules[i].name);
		put_elements(f, &l, verdict, &sep);
		lists_free(&l);
	}
	if (!alone) {
		fputs(" }\n", f);
		return 0;
	}
	if (lists_init(&l, &c->rules[from], fam))
		return -1;
	if (signature(&l)) {
		put_elements(f, &l, NULL, &sep);
		fputs(" } ", f);
	}
	lists_free(&l);
	fprintf(f, "counter name rule.%s ", c->rules[from].name);
	put_target(f, c, &c->rules[from], fam);
	fputc('\n', f);
	return 0;
}

/* Whether some rule applies to family @fam. */
bool ruleset_has_rules(const struct config *c, enum fam fam)
{
	for (unsigned int i = 0; i < c->nrules; i++)
		if (config_rule_has_fam(&c->rules[i], fam))
			return true;
	return false;
}

/* Chain "rules" or "rules6": its runs, then the default policy. */
static int put_rules_chain(FILE *f, const struct config *c, enum fam fam,
			   const bool *starts)
{
	char name[RULESET_NAME_MAX];
	unsigned int i = next_rule(c, fam, 0);

	fprintf(f, "\tchain %s {\n", fam == FAM_IPV6 ? "rules6" : "rules");
	while (i < c->nrules) {
		unsigned int end = next_rule(c, fam, i + 1);

		while (end < c->nrules && !starts[end])
			end = next_rule(c, fam, end + 1);
		if (put_run(f, c, fam, i, end))
			return -1;
		i = end;
	}
	fprintf(f, "\t\tgoto %s\n\t}\n",
		ruleset_pick_chain(c, POLICY_DEFAULT, fam, name));
	return 0;
}

/*
 * Whether rule @i shares a run of family @fam with another: then a
 * verdict map leads to its chain.
 */
static bool in_map(const struct config *c, enum fam fam, const bool *starts,
		   unsigned int i)
{
	unsigned int next;

	if (!config_rule_has_fam(&c->rules[i], fam))
		return false;
	next = next_rule(c, fam, i + 1);
	return !starts[i] || (next < c->nrules && !starts[next]);
}

int ruleset_put_rules(FILE *f, const struct ruleset *rs)
{
	const struct config *c = rs->cfg;
	bool *starts[FAM_MAX];
	int ret = 0;

	if (!c->nrules)
		return 0;
	for (enum fam fam = 0; fam < FAM_MAX; fam++) {
		starts[fam] = calloc(c->nrules, sizeof(**starts));
		if (!starts[fam] || plan_runs(c, fam, starts[fam]))
			ret = -1;
	}
	/* a rule of a run: its counter and target in a chain of its own */
	for (unsigned int i = 0; i < c->nrules && !ret; i++) {
		const struct rule_config *r = &c->rules[i];
		bool v4 = in_map(c, FAM_IPV4, starts[FAM_IPV4], i),
		     v6 = in_map(c, FAM_IPV6, starts[FAM_IPV6], i);

		if (!v4 && !v6)
			continue;
		fprintf(f, "\tchain rule.%s {\n\t\tcounter name rule.%s ",
			r->name, r->name);
		/* the pick chain is the family's: a map per family */
		if (r->policy == RULE_POLICY_MAIN) {
			fputs("return\n\t}\n", f);
			continue;
		}
		if (v4 && v6) {
			char p4[RULESET_NAME_MAX], p6[RULESET_NAME_MAX];

			fprintf(f,
				"meta nfproto vmap { ipv4 : goto %s, ipv6 : goto %s }\n\t}\n",
				ruleset_pick_chain(c, (unsigned int)r->policy,
						   FAM_IPV4, p4),
				ruleset_pick_chain(c, (unsigned int)r->policy,
						   FAM_IPV6, p6));
			continue;
		}
		put_target(f, c, r, v4 ? FAM_IPV4 : FAM_IPV6);
		fputs("\n\t}\n", f);
	}
	for (enum fam fam = 0; fam < FAM_MAX && !ret; fam++)
		if (ruleset_has_rules(c, fam))
			ret = put_rules_chain(f, c, fam, starts[fam]);
	free(starts[FAM_IPV4]);
	free(starts[FAM_IPV6]);
	return ret;
}
