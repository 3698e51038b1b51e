// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * [policy NAME] and [rule NAME] of flowpin.conf. Keys are parsed as the
 * reader hands them over; names of links and policies are resolved once
 * the whole file is read, so that sections may come in any order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_policy.h"
#include "lib/array.h"

/* A member as `links` names it; weight, tier 0: the link's own. */
struct link_ref {
	char name[LINK_NAME_MAX];
	uint32_t weight, tier;
};

/* What a policy's keys said, until the links are known. */
struct policy_parse {
	struct link_ref *links;
	unsigned int nlinks, cap;
	int links_line; /* 0: no links key */
	bool has_hash; /* else the [global] hash, wherever it comes */
};

struct rule_parse {
	unsigned int cap_src, cap_dst, cap_proto, cap_sport, cap_dport;
	unsigned int cap_lan;
	/* the line of each proto and lan entry, for the checks at the end */
	int *proto_line, *lan_line;
	unsigned int nproto_line, cap_proto_line, nlan_line, cap_lan_line;
	char policy[LINK_NAME_MAX];
	int policy_line; /* 0: no policy key */
};

struct config_policy_state {
	struct policy_parse *pol; /* parallel to config.policies */
	unsigned int npol;
	struct rule_parse *rule; /* parallel to config.rules */
	unsigned int nrule;
};

static void report(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_vreport(p, line, fmt, ap);
	va_end(ap);
}

static void warn(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn(struct parser *p, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config_diag_warning(p->diag, p->name, line, "%s", msg);
}

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "tcp", IPPROTO_TCP },		{ "udp", IPPROTO_UDP },
	{ "udplite", IPPROTO_UDPLITE }, { "sctp", IPPROTO_SCTP },
	{ "dccp", IPPROTO_DCCP },	{ "icmp", IPPROTO_ICMP },
	{ "icmpv6", IPPROTO_ICMPV6 },	{ "gre", IPPROTO_GRE },
	{ "esp", IPPROTO_ESP },		{ "ah", IPPROTO_AH },
};

/* What ports without proto mean: the protocols with ports, in this order. */
static const uint8_t port_protos[] = {
	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE, IPPROTO_SCTP, IPPROTO_DCCP,
};

/* A protocol's name in messages, or its number. */
static const char *proto_str(uint8_t proto, char buf[4])
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	snprintf(buf, 4, "%u", proto);
	return buf;
}

int config_find_policy(const struct config *c, const char *name)
{
	for (unsigned int i = 0; i < c->npolicies; i++)
		if (!strcmp(c->policies[i].name, name))
			return (int)i;
	return -1;
}

static bool prefixes_have_fam(const struct rule_prefix *v, unsigned int n,
			      enum fam f)
{
	for (unsigned int i = 0; i < n; i++)
		if (v[i].fam == f)
			return true;
	return false;
}

bool config_rule_has_fam(const struct rule_config *r, enum fam f)
{
	return (!r->nsrc || prefixes_have_fam(r->src, r->nsrc, f)) &&
	       (!r->ndst || prefixes_have_fam(r->dst, r->ndst, f));
}

unsigned int config_pairs(const struct config *c)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < c->npolicies; i++)
		for (unsigned int l = 0; c->policies[i].weight && l < c->nlinks;
		     l++)
			n += config_has_pair(c, i, l);
	return n;
}

static void policy_defaults(struct policy_config *pol, const char *name,
			    int line)
{
	memset(pol, 0, sizeof(*pol));
	memcpy(pol->name, name, strlen(name) + 1); /* validated length */
	pol->hash = HASH_L4; /* until check: the [global] hash */
	pol->last_resort = LAST_RESORT_MAIN;
	pol->failback = FAILBACK_NEW;
	pol->line = line;
}

/* One more policy, its parse state zeroed; NULL when out of memory. */
static struct policy_config *add_policy(struct parser *p)
{
	struct config_policy_state *ps = p->ps;
	struct config *c = p->c;
	struct policy_parse *pp;
	struct policy_config *pol;

	pp = realloc(ps->pol, (ps->npol + 1) * sizeof(*pp));
	if (!pp)
		return NULL;
	ps->pol = pp;
	memset(&pp[ps->npol++], 0, sizeof(*pp));
	pol = realloc(c->policies, (c->npolicies + 1) * sizeof(*pol));
	if (!pol)
		return NULL;
	c->policies = pol;
	return &pol[c->npolicies++];
}

int config_policy_init(struct parser *p)
{
	struct policy_config *pol;

	p->ps = calloc(1, sizeof(*p->ps));
	if (!p->ps)
		return -ENOMEM;
	pol = add_policy(p);
	if (!pol)
		return -ENOMEM;
	policy_defaults(pol, "default", 0);
	return 0;
}

static void begin_policy(struct parser *p, const char *name)
{
	struct config *c = p->c;
	struct policy_config *pol;
	int i;

	if (!strcmp(name, "main")) {
		report(p, p->line,
		       "[policy main]: \"main\" is not a policy name: a rule's policy = main leaves its connections to the main table");
		return;
	}
	i = config_find_policy(c, name);
	if (i == POLICY_DEFAULT && c->policies[i].line == 0) {
		/* [policy default] redefines the implicit one */
		c->policies[i].line = p->line;
		p->policy = POLICY_DEFAULT;
		p->section = SEC_POLICY;
		return;
	}
	if (i >= 0) {
		report(p, p->line, "duplicate policy \"%s\" (first at line %d)",
		       name, c->policies[i].line);
		return;
	}
	if (c->npolicies >= POLICY_MAX) {
		report(p, p->line,
		       "[policy %s]: more than %d policies (default included)",
		       name, POLICY_MAX);
		return;
	}
	pol = add_policy(p);
	if (!pol) {
		report(p, p->line, "out of memory");
		return;
	}
	policy_defaults(pol, name, p->line);
	p->policy = c->npolicies - 1;
	p->section = SEC_POLICY;
}

static void begin_rule(struct parser *p, const char *name)
{
	struct config_policy_state *ps = p->ps;
	struct config *c = p->c;
	struct rule_config *r;
	struct rule_parse *rp;

	for (unsigned int i = 0; i < c->nrules; i++) {
		if (!strcmp(c->rules[i].name, name)) {
			report(p, p->line,
			       "duplicate rule \"%s\" (first at line %d)", name,
			       c->rules[i].line);
			return;
		}
	}
	if (c->nrules >= RULE_MAX) {
		report(p, p->line, "[rule %s]: more than %d rules", name,
		       RULE_MAX);
		return;
	}
	rp = realloc(ps->rule, (ps->nrule + 1) * sizeof(*rp));
	if (!rp) {
		report(p, p->line, "out of memory");
		return;
	}
	ps->rule = rp;
	memset(&rp[ps->nrule++], 0, sizeof(*rp));
	r = realloc(c->rules, (c->nrules + 1) * sizeof(*r));
	if (!r) {
		report(p, p->line, "out of memory");
		return;
	}
	c->rules = r;
	r = &r[c->nrules++];
	memset(r, 0, sizeof(*r));
	memcpy(r->name, name, strlen(name) + 1); /* validated length */
	r->policy = RULE_POLICY_MAIN; /* until check: what policy = says */
	r->line = p->line;
	p->rule = c->nrules - 1;
	p->section = SEC_RULE;
}

void config_policy_begin(struct parser *p, const char *header, const char *word,
			 const char *name)
{
	bool rule = !strcmp(word, "rule");

	if (!p->ps)
		return; /* out of memory at the start, reported */
	if (!name || !config_valid_name(name)) {
		report(p, p->line,
		       "[%s]: a %s needs one name of up to %d letters, digits, '-' or '_', starting with a letter",
		       header, rule ? "rule" : "policy", LINK_NAME_MAX - 1);
		return;
	}
	if (rule)
		begin_rule(p, name);
	else
		begin_policy(p, name);
}

/* [policy NAME] */

static struct policy_config *cur_policy(struct parser *p)
{
	return &p->c->policies[p->policy];
}

/* "wan1", "wan1:3", "wan1@2", "wan1:3@2" */
static int link_ref_parse(struct parser *p, char *tok, struct link_ref *ref)
{
	const char *pname = cur_policy(p)->name;
	char *at = strchr(tok, '@'), *colon = strchr(tok, ':');
	size_t n = strcspn(tok, ":@");

	memset(ref, 0, sizeof(*ref));
	if (colon && at && colon > at)
		colon = NULL; /* part of the tier: reported there */
	if (n == 0 || n >= LINK_NAME_MAX)
		goto syntax;
	memcpy(ref->name, tok, n);
	if (!config_valid_name(ref->name))
		goto syntax;
	if (at)
		*at = '\0';
	if (colon && parse_u32(colon + 1, 1, 255, &ref->weight)) {
		report(p, p->line,
		       "[policy %s]: links: %s: weight \"%s\" is not an integer in 1..255",
		       pname, ref->name, colon + 1);
		return -EINVAL;
	}
	if (at && parse_u32(at + 1, 1, 255, &ref->tier)) {
		report(p, p->line,
		       "[policy %s]: links: %s: tier \"%s\" is not an integer in 1..255",
		       pname, ref->name, at + 1);
		return -EINVAL;
	}
	return 0;
syntax:
	report(p, p->line,
	       "[policy %s]: links: \"%s\" is not NAME[:WEIGHT][@TIER]", pname,
	       tok);
	return -EINVAL;
}

static int p_links(struct parser *p, const char *value)
{
	struct policy_parse *pp = &p->ps->pol[p->policy];
	const char *pname = cur_policy(p)->name;
	char buf[CONFIG_LINE_MAX + 1], *save = NULL, *tok;

	pp->links_line = p->line;
	snprintf(buf, sizeof(buf), "%s", value);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		struct link_ref ref;

		if (link_ref_parse(p, tok, &ref))
			return -EINVAL;
		for (unsigned int i = 0; i < pp->nlinks; i++) {
			if (!strcmp(pp->links[i].name, ref.name)) {
				report(p, p->line,
				       "[policy %s]: links: %s is listed twice",
				       pname, ref.name);
				return -EINVAL;
			}
		}
		if (array_push(&pp->links, &pp->nlinks, &pp->cap, &ref,
			       sizeof(ref))) {
			report(p, p->line, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

static int p_hash(struct parser *p, const char *value)
{
	struct policy_config *pol = cur_policy(p);

	if (hash_mode_parse(value, &pol->hash) == 0) {
		p->ps->pol[p->policy].has_hash = true;
		return 0;
	}
	report(p, p->line,
	       "[policy %s]: hash: \"%s\" is not one of l4, l3, src", pol->name,
	       value);
	return -EINVAL;
}

static const char *const last_resort_names[] = {
	[LAST_RESORT_MAIN] = "main",
	[LAST_RESORT_UNREACHABLE] = "unreachable",
	[LAST_RESORT_BLACKHOLE] = "blackhole",
};

const char *last_resort_name(enum last_resort r)
{
	return last_resort_names[r];
}

int last_resort_parse(const char *s, enum last_resort *r)
{
	for (size_t i = 0;
	     i < sizeof(last_resort_names) / sizeof(last_resort_names[0]);
	     i++) {
		if (!strcmp(s, last_resort_names[i])) {
			*r = (enum last_resort)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int p_last_resort(struct parser *p, const char *value)
{
	struct policy_config *pol = cur_policy(p);

	if (!last_resort_parse(value, &pol->last_resort))
		return 0;
	report(p, p->line,
	       "[policy %s]: last_resort: \"%s\" is not one of main, unreachable, blackhole",
	       pol->name, value);
	return -EINVAL;
}

static int p_failback(struct parser *p, const char *value)
{
	struct policy_config *pol = cur_policy(p);

	if (!strcmp(value, "new") || !strcmp(value, "all")) {
		pol->failback = strcmp(value, "all") ? FAILBACK_NEW :
						       FAILBACK_ALL;
		return 0;
	}
	report(p, p->line,
	       "[policy %s]: failback: \"%s\" is neither \"new\" nor \"all\"",
	       pol->name, value);
	return -EINVAL;
}

const struct key config_policy_keys[] = {
	{ "links", p_links },
	{ "hash", p_hash },
	{ "last_resort", p_last_resort },
	{ "failback", p_failback },
	{ NULL, NULL },
};

/* [rule NAME]: the list keys may repeat, each line adding to its list. */

static struct rule_config *cur_rule(struct parser *p)
{
	return &p->c->rules[p->rule];
}

static struct rule_parse *cur_rule_parse(struct parser *p)
{
	return &p->ps->rule[p->rule];
}

/* Each whitespace-separated word of @value to @fn, until one fails. */
static int each_word(struct parser *p, const char *value,
		     int (*fn)(struct parser *p, const char *word))
{
	char buf[CONFIG_LINE_MAX + 1], *save = NULL, *tok;
	int ret;

	snprintf(buf, sizeof(buf), "%s", value);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		ret = fn(p, tok);
		if (ret)
			return ret;
	}
	return 0;
}

static int oom(struct parser *p)
{
	report(p, p->line, "out of memory");
	return -ENOMEM;
}

/* PREFIX/LEN, or an ADDRESS: its /32 or /128. */
static int prefix_word(struct parser *p, const char *key, const char *word,
		       struct rule_prefix **v, unsigned int *n,
		       unsigned int *cap)
{
	struct rule_prefix rp;

	if (strchr(word, '/') ? inprefix_parse(word, &rp.fam, &rp.p) :
				inaddr_parse(word, &rp.fam, &rp.p.addr)) {
		report(p, p->line,
		       "[rule %s]: %s: \"%s\" is not an address or a prefix ADDRESS/LEN with its host bits 0",
		       cur_rule(p)->name, key, word);
		return -EINVAL;
	}
	if (!strchr(word, '/'))
		rp.p.len = (unsigned char)(8 * inaddr_len(rp.fam));
	if (array_push(v, n, cap, &rp, sizeof(rp)))
		return oom(p);
	return 0;
}

static int src_word(struct parser *p, const char *word)
{
	struct rule_config *r = cur_rule(p);

	return prefix_word(p, "src", word, &r->src, &r->nsrc,
			   &cur_rule_parse(p)->cap_src);
}

static int dst_word(struct parser *p, const char *word)
{
	struct rule_config *r = cur_rule(p);

	return prefix_word(p, "dst", word, &r->dst, &r->ndst,
			   &cur_rule_parse(p)->cap_dst);
}

static int r_src(struct parser *p, const char *value)
{
	return each_word(p, value, src_word);
}

static int r_dst(struct parser *p, const char *value)
{
	return each_word(p, value, dst_word);
}

static int proto_word(struct parser *p, const char *word)
{
	struct rule_config *r = cur_rule(p);
	struct rule_parse *rp = cur_rule_parse(p);
	int line = p->line;
	uint32_t n = 256;
	uint8_t proto;
	char buf[4];

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(word, protos[i].name))
			n = protos[i].proto;
	if (n == 256 && parse_u32(word, 0, 255, &n)) {
		report(p, p->line,
		       "[rule %s]: proto: \"%s\" is not a protocol (tcp, udp, udplite, sctp, dccp, icmp, icmpv6, gre, esp, ah) or a number in 0..255",
		       r->name, word);
		return -EINVAL;
	}
	proto = (uint8_t)n;
	for (unsigned int i = 0; i < r->nproto; i++) {
		if (r->proto[i] == proto) {
			report(p, p->line,
			       "[rule %s]: proto: %s is listed twice", r->name,
			       proto_str(proto, buf));
			return -EINVAL;
		}
	}
	if (array_push(&r->proto, &r->nproto, &rp->cap_proto, &proto,
		       sizeof(proto)) ||
	    array_push(&rp->proto_line, &rp->nproto_line, &rp->cap_proto_line,
		       &line, sizeof(line)))
		return oom(p);
	return 0;
}

static int r_proto(struct parser *p, const char *value)
{
	return each_word(p, value, proto_word);
}

/* PORT or LO-HI */
static int port_word(struct parser *p, const char *key, const char *word,
		     struct port_range **v, unsigned int *n, unsigned int *cap)
{
	const char *dash = strchr(word, '-');
	struct port_range pr;
	uint32_t lo, hi;
	char first[8];
	bool ok;

	if (dash) {
		ok = dash - word < (long)sizeof(first);
		if (ok)
			snprintf(first, sizeof(first), "%.*s",
				 (int)(dash - word), word);
		ok = ok && !parse_u32(first, 0, 65535, &lo) &&
		     !parse_u32(dash + 1, 0, 65535, &hi);
	} else {
		ok = !parse_u32(word, 0, 65535, &lo);
		hi = lo;
	}
	if (!ok) {
		report(p, p->line,
		       "[rule %s]: %s: \"%s\" is not a port or a range LO-HI of ports in 0..65535",
		       cur_rule(p)->name, key, word);
		return -EINVAL;
	}
	if (lo > hi) {
		report(p, p->line, "[rule %s]: %s %s: range reversed",
		       cur_rule(p)->name, key, word);
		return -EINVAL;
	}
	pr.lo = (uint16_t)lo;
	pr.hi = (uint16_t)hi;
	if (array_push(v, n, cap, &pr, sizeof(pr)))
		return oom(p);
	return 0;
}

static int sport_word(struct parser *p, const char *word)
{
	struct rule_config *r = cur_rule(p);

	return port_word(p, "sport", word, &r->sport, &r->nsport,
			 &cur_rule_parse(p)->cap_sport);
}

static int dport_word(struct parser *p, const char *word)
{
	struct rule_config *r = cur_rule(p);

	return port_word(p, "dport", word, &r->dport, &r->ndport,
			 &cur_rule_parse(p)->cap_dport);
}

static int r_sport(struct parser *p, const char *value)
{
	return each_word(p, value, sport_word);
}

static int r_dport(struct parser *p, const char *value)
{
	return each_word(p, value, dport_word);
}

static int lan_word(struct parser *p, const char *word)
{
	struct rule_config *r = cur_rule(p);
	struct rule_parse *rp = cur_rule_parse(p);
	char name[IF_NAMESIZE];
	int line = p->line;

	if (!valid_ifname(word)) {
		report(p, p->line,
		       "[rule %s]: lan: \"%s\" is not an interface name",
		       r->name, word);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < r->nlan; i++) {
		if (!strcmp(r->lan[i], word)) {
			report(p, p->line,
			       "[rule %s]: lan: \"%s\" is listed twice",
			       r->name, word);
			return -EINVAL;
		}
	}
	/* each one of [global] lan, listed once */
	if (r->nlan == LAN_MAX) {
		report(p, p->line, "[rule %s]: lan: more than %d interfaces",
		       r->name, LAN_MAX);
		return -EINVAL;
	}
	memset(name, 0, sizeof(name));
	memcpy(name, word, strlen(word)); /* valid_ifname: it fits */
	if (array_push(&r->lan, &r->nlan, &rp->cap_lan, name, sizeof(name)) ||
	    array_push(&rp->lan_line, &rp->nlan_line, &rp->cap_lan_line, &line,
		       sizeof(line)))
		return oom(p);
	return 0;
}

static int r_lan(struct parser *p, const char *value)
{
	return each_word(p, value, lan_word);
}

static int r_policy(struct parser *p, const char *value)
{
	struct rule_parse *rp = cur_rule_parse(p);

	rp->policy_line = p->line; /* given, even if wrong: not missing */
	if (strcmp(value, "main") && !config_valid_name(value)) {
		report(p, p->line,
		       "[rule %s]: policy: \"%s\" is neither a policy name nor main",
		       cur_rule(p)->name, value);
		return -EINVAL;
	}
	snprintf(rp->policy, sizeof(rp->policy), "%s", value);
	return 0;
}

const struct key config_rule_keys[] = {
	{ "src", r_src },	{ "dst", r_dst },     { "proto", r_proto },
	{ "sport", r_sport },	{ "dport", r_dport }, { "lan", r_lan },
	{ "policy", r_policy }, { NULL, NULL },
};

bool config_key_repeats(const struct key *k)
{
	return k->parse == r_src || k->parse == r_dst || k->parse == r_proto ||
	       k->parse == r_sport || k->parse == r_dport || k->parse == r_lan;
}

/* After the whole file */

/* Policy @k's members, now that the links are known. */
static void resolve_policy(struct parser *p, unsigned int k)
{
	struct config *c = p->c;
	struct policy_config *pol = &c->policies[k];
	const struct policy_parse *pp = &p->ps->pol[k];
	size_t n = c->nlinks ? c->nlinks : 1;

	if (!pp->has_hash)
		pol->hash = c->hash;
	pol->weight = calloc(n, sizeof(*pol->weight));
	pol->tier = calloc(n, sizeof(*pol->tier));
	if (!pol->weight || !pol->tier) {
		report(p, pol->line, "out of memory");
		return;
	}
	if (!pp->links_line) {
		if (k != POLICY_DEFAULT) {
			report(p, pol->line,
			       "[policy %s]: missing required key \"links\"",
			       pol->name);
			return;
		}
		/* the implicit members: every link as it is */
		for (unsigned int l = 0; l < c->nlinks; l++) {
			pol->weight[l] = c->links[l].weight;
			pol->tier[l] = c->links[l].tier;
		}
		return;
	}
	for (unsigned int i = 0; i < pp->nlinks; i++) {
		const struct link_ref *ref = &pp->links[i];
		int l = config_find_link(c, ref->name);

		if (l < 0) {
			report(p, pp->links_line,
			       "[policy %s]: links: unknown link \"%s\"",
			       pol->name, ref->name);
			continue;
		}
		pol->weight[l] = ref->weight ? ref->weight : c->links[l].weight;
		pol->tier[l] = ref->tier ? ref->tier : c->links[l].tier;
	}
}

/* How many elements rule @r's set of family @f holds: saturating. */
static uint64_t rule_elements(const struct rule_config *r, enum fam f)
{
	unsigned int nsrc = 0, ndst = 0;
	unsigned int factor[6];
	uint64_t n = 1;

	for (unsigned int i = 0; i < r->nsrc; i++)
		nsrc += r->src[i].fam == f;
	for (unsigned int i = 0; i < r->ndst; i++)
		ndst += r->dst[i].fam == f;
	factor[0] = r->nlan;
	factor[1] = nsrc;
	factor[2] = ndst;
	factor[3] = r->nproto;
	factor[4] = r->nsport;
	factor[5] = r->ndport;
	for (unsigned int i = 0; i < 6; i++) {
		uint64_t m = factor[i] ? factor[i] : 1;

		n = n > UINT64_MAX / m ? UINT64_MAX : n * m;
	}
	return n;
}

/* What policy = names, now that every policy is known. */
static void resolve_rule_policy(struct parser *p, struct rule_config *r,
				const struct rule_parse *rp)
{
	if (!rp->policy_line) {
		report(p, r->line, "[rule %s]: missing required key \"policy\"",
		       r->name);
		return;
	}
	if (!rp->policy[0])
		return; /* not a name: reported at its line */
	if (!strcmp(rp->policy, "main")) {
		r->policy = RULE_POLICY_MAIN;
		return;
	}
	r->policy = config_find_policy(p->c, rp->policy);
	if (r->policy >= 0)
		return;
	report(p, rp->policy_line, "[rule %s]: policy: unknown policy \"%s\"",
	       r->name, rp->policy);
	r->policy = RULE_POLICY_MAIN;
}

static void resolve_rule(struct parser *p, unsigned int k)
{
	struct config *c = p->c;
	struct rule_config *r = &c->rules[k];
	struct rule_parse *rp = &p->ps->rule[k];
	bool has_fam = false;
	char buf[4];

	resolve_rule_policy(p, r, rp);
	for (unsigned int i = 0; i < r->nlan && i < rp->nlan_line; i++) {
		unsigned int j;

		for (j = 0; j < c->nlan; j++)
			if (!strcmp(r->lan[i], c->lan[j]))
				break;
		if (j == c->nlan)
			report(p, rp->lan_line[i],
			       "[rule %s]: lan: %s is not one of [global] lan: the rule could never match",
			       r->name, r->lan[i]);
	}

	if (r->nsport || r->ndport) {
		bool implied = !r->nproto;

		for (unsigned int i = 0; i < r->nproto && i < rp->nproto_line;
		     i++)
			if (!flowhash_proto_has_ports(r->proto[i]))
				report(p, rp->proto_line[i],
				       "[rule %s]: proto %s has no ports to match (sport and dport need tcp, udp, udplite, sctp or dccp)",
				       r->name, proto_str(r->proto[i], buf));
		for (unsigned int i = 0; implied && i < sizeof(port_protos);
		     i++) {
			if (array_push(&r->proto, &r->nproto, &rp->cap_proto,
				       &port_protos[i], 1)) {
				report(p, r->line, "out of memory");
				break;
			}
		}
	}

	for (enum fam f = 0; f < FAM_MAX; f++)
		has_fam |= config_rule_has_fam(r, f);
	if (!has_fam) {
		report(p, r->line,
		       "[rule %s]: src and dst share no address family: the rule can never match",
		       r->name);
		return;
	}
	for (enum fam f = 0; f < FAM_MAX; f++) {
		uint64_t n;

		if (!config_rule_has_fam(r, f))
			continue;
		n = rule_elements(r, f);
		if (n > RULE_ELEMENTS_MAX)
			report(p, r->line,
			       "[rule %s]: its %s set would hold %llu elements (lan x src x dst x proto x sport x dport), more than %d",
			       r->name, fam_label(f), (unsigned long long)n,
			       RULE_ELEMENTS_MAX);
	}
}

/*
 * One list of a rule, sorted for lookups: whether a prefix lies inside
 * one of the list's takes a search per prefix length the list holds, not
 * a pass over it (two rules of thousands of prefixes each are likely).
 */
struct prefix_index {
	struct rule_prefix *v; /* by family, length, address */
	unsigned int n;
	bool has_len[FAM_MAX][129];
};

static int prefix_cmp(const void *x, const void *y)
{
	const struct rule_prefix *a = x, *b = y;

	if (a->fam != b->fam)
		return a->fam < b->fam ? -1 : 1;
	if (a->p.len != b->p.len)
		return a->p.len < b->p.len ? -1 : 1;
	return memcmp(a->p.addr.b, b->p.addr.b, inaddr_len(a->fam));
}

static int prefix_index_init(struct prefix_index *x,
			     const struct rule_prefix *v, unsigned int n)
{
	memset(x, 0, sizeof(*x));
	if (!n)
		return 0;
	x->v = malloc(n * sizeof(*x->v));
	if (!x->v)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		/* what a lookup compares: the address bytes of its family */
		memset(&x->v[i], 0, sizeof(x->v[i]));
		x->v[i].fam = v[i].fam;
		x->v[i].p.len = v[i].p.len;
		memcpy(x->v[i].p.addr.b, v[i].p.addr.b, inaddr_len(v[i].fam));
		x->has_len[v[i].fam][v[i].p.len] = true;
	}
	x->n = n;
	qsort(x->v, n, sizeof(*x->v), prefix_cmp);
	return 0;
}

/* Whether some prefix of @x holds prefix @q of family @f. */
static bool prefix_index_holds(const struct prefix_index *x, enum fam f,
			       const struct inprefix *q)
{
	struct rule_prefix key;

	for (unsigned int len = 0; len <= q->len; len++) {
		if (!x->has_len[f][len])
			continue;
		memset(&key, 0, sizeof(key));
		key.fam = f;
		key.p.len = (unsigned char)len;
		key.p.addr = inaddr_masked(f, &q->addr, len);
		if (bsearch(&key, x->v, x->n, sizeof(*x->v), prefix_cmp))
			return true;
	}
	return false;
}

/* Whether the @f prefixes of @a hold every address @b's do. */
static bool prefixes_cover(const struct prefix_index *a,
			   const struct rule_prefix *b, unsigned int nb,
			   enum fam f)
{
	bool any = false;

	if (!a->n)
		return true;
	for (unsigned int i = 0; i < nb; i++) {
		if (b[i].fam != f)
			continue;
		any = true;
		if (!prefix_index_holds(a, f, &b[i].p))
			return false;
	}
	/* none: @b matches any address of @f, and only a /0 covers that */
	return any || a->has_len[f][0];
}

/* A rule's port ranges as their union: sorted, disjoint, not adjacent. */
struct port_union {
	struct port_range *v;
	unsigned int n;
};

static int range_cmp(const void *x, const void *y)
{
	const struct port_range *a = x, *b = y;

	return a->lo != b->lo ? (a->lo < b->lo ? -1 : 1) : 0;
}

static int port_union_init(struct port_union *u, const struct port_range *v,
			   unsigned int n)
{
	memset(u, 0, sizeof(*u));
	if (!n)
		return 0;
	u->v = malloc(n * sizeof(*u->v));
	if (!u->v)
		return -ENOMEM;
	memcpy(u->v, v, n * sizeof(*v));
	qsort(u->v, n, sizeof(*u->v), range_cmp);
	u->n = 1;
	for (unsigned int i = 1; i < n; i++) {
		struct port_range *last = &u->v[u->n - 1];

		if ((uint32_t)u->v[i].lo <= (uint32_t)last->hi + 1) {
			if (u->v[i].hi > last->hi)
				last->hi = u->v[i].hi;
		} else {
			u->v[u->n++] = u->v[i];
		}
	}
	return 0;
}

/* Whether @u holds @lo..@hi: one range of the union must hold it all. */
static bool port_union_holds(const struct port_union *u, uint16_t lo,
			     uint16_t hi)
{
	unsigned int a = 0, b = u->n;

	/* the last range starting at or before @lo */
	while (b - a > 1) {
		unsigned int m = a + (b - a) / 2;

		if (u->v[m].lo <= lo)
			a = m;
		else
			b = m;
	}
	return u->n && u->v[a].lo <= lo && u->v[a].hi >= hi;
}

static bool ports_cover(const struct port_union *a, const struct port_range *b,
			unsigned int nb)
{
	if (!a->n)
		return true;
	if (!nb)
		return port_union_holds(a, 0, 65535);
	for (unsigned int i = 0; i < nb; i++)
		if (!port_union_holds(a, b[i].lo, b[i].hi))
			return false;
	return true;
}

static bool protos_cover(const struct rule_config *a,
			 const struct rule_config *b)
{
	if (!a->nproto)
		return true;
	if (!b->nproto)
		return a->nproto == 256; /* listed twice is an error */
	for (unsigned int i = 0; i < b->nproto; i++)
		if (!memchr(a->proto, b->proto[i], a->nproto))
			return false;
	return true;
}

static bool lans_cover(const struct rule_config *a, const struct rule_config *b)
{
	if (!a->nlan)
		return true;
	/* @b matches the router's own connections too, @a does not */
	if (!b->nlan)
		return false;
	for (unsigned int i = 0; i < b->nlan; i++) {
		unsigned int j;

		for (j = 0; j < a->nlan; j++)
			if (!strcmp(a->lan[j], b->lan[i]))
				break;
		if (j == a->nlan)
			return false;
	}
	return true;
}

/* A rule's lists as rule_covers() looks them up. */
struct rule_index {
	struct prefix_index src, dst;
	struct port_union sport, dport;
	bool fam[FAM_MAX]; /* config_rule_has_fam() */
};

/* Whether rule @a matches every connection rule @b would. */
static bool rule_covers(const struct rule_config *a,
			const struct rule_index *ax,
			const struct rule_config *b,
			const struct rule_index *bx)
{
	bool any = false;

	if (!protos_cover(a, b) || !lans_cover(a, b) ||
	    !ports_cover(&ax->sport, b->sport, b->nsport) ||
	    !ports_cover(&ax->dport, b->dport, b->ndport))
		return false;
	for (enum fam f = 0; f < FAM_MAX; f++) {
		if (!bx->fam[f])
			continue;
		any = true;
		if (!ax->fam[f] ||
		    !prefixes_cover(&ax->src, b->src, b->nsrc, f) ||
		    !prefixes_cover(&ax->dst, b->dst, b->ndst, f))
			return false;
	}
	return any;
}

/* Rules after one that matches everything they would. */
static void warn_shadowed(struct parser *p)
{
	const struct config *c = p->c;
	struct rule_index *x = calloc(c->nrules ? c->nrules : 1, sizeof(*x));
	unsigned int k;

	if (!x)
		return; /* only a warning lost */
	for (k = 0; k < c->nrules; k++) {
		const struct rule_config *r = &c->rules[k];

		if (prefix_index_init(&x[k].src, r->src, r->nsrc) ||
		    prefix_index_init(&x[k].dst, r->dst, r->ndst) ||
		    port_union_init(&x[k].sport, r->sport, r->nsport) ||
		    port_union_init(&x[k].dport, r->dport, r->ndport))
			break;
		for (enum fam f = 0; f < FAM_MAX; f++)
			x[k].fam[f] = config_rule_has_fam(r, f);
	}
	for (unsigned int j = 1; j < c->nrules && k == c->nrules; j++) {
		const struct rule_config *b = &c->rules[j];

		for (unsigned int i = 0; i < j; i++) {
			const struct rule_config *a = &c->rules[i];

			if (rule_covers(a, &x[i], b, &x[j])) {
				warn(p, b->line,
				     "[rule %s]: never matches: rule %s (line %d) before it matches everything it would",
				     b->name, a->name, a->line);
				break;
			}
		}
	}
	for (k = 0; k < c->nrules; k++) {
		free(x[k].src.v);
		free(x[k].dst.v);
		free(x[k].sport.v);
		free(x[k].dport.v);
	}
	free(x);
}

/* What does not keep the file from running, but is likely a mistake. */
static void warn_config(struct parser *p)
{
	const struct config *c = p->c;

	warn_shadowed(p);
	for (unsigned int k = 0; k < c->npolicies; k++) {
		unsigned int i;

		if (k == POLICY_DEFAULT)
			continue;
		for (i = 0; i < c->nrules; i++)
			if (c->rules[i].policy == (int)k)
				break;
		if (i == c->nrules)
			warn(p, c->policies[k].line,
			     "[policy %s]: no rule uses it",
			     c->policies[k].name);
	}
}

void config_policy_check(struct parser *p)
{
	struct config *c = p->c;
	int gline = p->global_line ? p->global_line : 1;
	unsigned int pairs;

	if (!p->ps)
		return;
	for (unsigned int k = 0; k < c->npolicies && k < p->ps->npol; k++)
		resolve_policy(p, k);
	for (unsigned int k = 0; k < c->nrules && k < p->ps->nrule; k++)
		resolve_rule(p, k);
	/* one mark per link, one more per member of each other policy */
	pairs = config_pairs(c);
	if (c->nlinks <= config_slots(c) && c->nlinks + pairs > config_slots(c))
		report(p, gline,
		       "mark_mask 0x%x holds %u slots, %u are needed: one per link (%u) and one per member link of a policy with failback = all (%u)",
		       c->mark_mask, config_slots(c), c->nlinks + pairs,
		       c->nlinks, pairs);
	/* warnings about a file read whole and right, not about its errors */
	if (!p->errors)
		warn_config(p);
}

void config_policy_release(struct parser *p)
{
	struct config_policy_state *ps = p->ps;

	if (!ps)
		return;
	for (unsigned int k = 0; k < ps->npol; k++)
		free(ps->pol[k].links);
	for (unsigned int k = 0; k < ps->nrule; k++) {
		free(ps->rule[k].proto_line);
		free(ps->rule[k].lan_line);
	}
	free(ps->pol);
	free(ps->rule);
	free(ps);
	p->ps = NULL;
}

void config_policy_free(struct config *c)
{
	for (unsigned int k = 0; k < c->npolicies; k++) {
		free(c->policies[k].weight);
		free(c->policies[k].tier);
	}
	free(c->policies);
	c->policies = NULL;
	c->npolicies = 0;
	for (unsigned int k = 0; k < c->nrules; k++) {
		struct rule_config *r = &c->rules[k];

		free(r->src);
		free(r->dst);
		free(r->proto);
		free(r->sport);
		free(r->dport);
		free(r->lan);
	}
	free(c->rules);
	c->rules = NULL;
	c->nrules = 0;
}
