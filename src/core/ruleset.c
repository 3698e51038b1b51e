// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table, in short:
 *
 *   prerouting, output: a packet of a pinned connection gets its link's
 *     mark back from the conntrack mark (map "marks"). A connection is
 *     pinned on its first packet only (one unpinned after it stays so,
 *     though its packets are "new" until an answer). A new connection
 *     from a lan interface, or from the router itself, is pinned to the
 *     owner of its hash bucket (chain "pick", map "buckets"); one arriving
 *     on a link's interface is pinned to that link (map "inbound"); a
 *     router socket that set a link's mark (SO_MARK) is pinned to it.
 *     IPv6 has its own chain and bucket map ("pick6", "buckets6"): a
 *     link's IPv6 path fails apart from its IPv4 path. Sources in a
 *     link's prefix6 (no translation: only its provider routes them) go
 *     to it before any hash (map "sources6").
 *   postrouting, a NAT chain: a new connection that does not leave by its
 *     link's interface (LAN to LAN, to a VPN, ...) is unpinned again,
 *     unless it came in on a link (or is the router's own tunnel
 *     traffic, which carries the tunnel's device); the router's own
 *     connections leave
 *     with the address of the link they were pinned to. A NAT chain sees
 *     a connection's first packet only: the rest of its packets pay
 *     nothing for either job. It runs before NAT chains at the usual
 *     srcnat priority, which would otherwise take the first packet.
 *     There too the LAN's connections get the source translation of
 *     their link (nat, nat6); prefix translation maps the link's prefix
 *     back for connections that come in by it (chain "prerouting_nat").
 *
 *   rules: a new connection that a rule matches goes to the pick chain of
 *     the rule's policy ("pick.NAME", its map "buckets.NAME"), or stays
 *     unpinned (policy = main); one matching none to the default
 *     policy's ("pick", "buckets"). A policy whose links are all
 *     unusable leaves its map empty: its pick chain ends in its last
 *     resort.
 *
 * Per link L with mark X: via_L sets the packet mark and counts,
 * pin_L also sets the conntrack mark, check_L unpins. A policy with
 * failback = all gives its connections on L a conntrack mark of their
 * own (pin.P.L, via.P.L), so that its alone can be deleted; their
 * packets carry X all the same.
 * Marks are written under mark_mask only; the other bits stay as they
 * are.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ruleset.h"

static void put_l4_set(FILE *f)
{
	fputs("{ tcp, udp, udplite, sctp, dccp }", f);
}

/* "NAME" for the default policy, "NAME.POLICY" for another. */
static const char *policy_name(const struct config *c, unsigned int p,
			       const char *name, char *buf)
{
	if (p == POLICY_DEFAULT)
		snprintf(buf, RULESET_NAME_MAX, "%s", name);
	else
		snprintf(buf, RULESET_NAME_MAX, "%s.%s", name,
			 c->policies[p].name);
	return buf;
}

const char *ruleset_pick_chain(const struct config *c, unsigned int p,
			       enum fam fam, char *buf)
{
	return policy_name(c, p, fam == FAM_IPV6 ? "pick6" : "pick", buf);
}

const char *ruleset_buckets_map(const struct config *c, unsigned int p,
				enum fam fam, char *buf)
{
	return policy_name(c, p, fam == FAM_IPV6 ? "buckets6" : "buckets", buf);
}

/* The chain pinning policy @p's connections to link @i. */
static void put_pin(FILE *f, const struct ruleset *rs, unsigned int p,
		    unsigned int i)
{
	char name[RULESET_NAME_MAX];

	fputs(ruleset_pin_chain(rs, p, i, name), f);
}

/* The hash expression; the field order is flowhash_image()'s. */
static void put_hash(FILE *f, const struct config *c, unsigned int p,
		     enum fam fam, int with_ports)
{
	const char *ip = fam == FAM_IPV6 ? "ip6" : "ip";
	enum hash_mode hash = c->policies[p].hash;
	char map[RULESET_NAME_MAX];

	fprintf(f, "jhash %s saddr", ip);
	if (hash != HASH_SRC)
		fprintf(f, " . %s daddr", ip);
	if (hash == HASH_L4) {
		fputs(" . meta l4proto", f);
		if (with_ports)
			fputs(" . th sport . th dport", f);
	}
	fprintf(f, " mod %u seed 0x%x vmap @%s", c->buckets, c->seed,
		ruleset_buckets_map(c, p, fam, map));
}

static void put_bucket_elements(FILE *f, const struct ruleset *rs,
				unsigned int p, enum fam fam)
{
	const struct bucket_table *t = rs->buckets[fam][p];
	const char *sep = "";

	for (uint32_t b = 0; b < t->size; b++) {
		if (t->owner[b] == BUCKET_NONE)
			continue;
		fprintf(f, "%s%u : goto ", sep, b);
		put_pin(f, rs, p, (unsigned int)t->owner[b]);
		sep = ", ";
	}
}

/*
 * via_L (@policy NULL) or via.P.L: link L's packet mark and counter, for
 * the link's own conntrack mark or policy P's on it.
 */
static void put_via(FILE *f, const struct ruleset *rs, unsigned int i,
		    const char *policy)
{
	const struct config *c = rs->cfg;
	const char *ln = c->links[i].name;

	if (policy)
		fprintf(f, "\tchain via.%s.%s {\n", policy, ln);
	else
		fprintf(f, "\tchain via_%s {\n", ln);
	fprintf(f,
		"\t\tmeta mark set meta mark & 0x%08x | 0x%08x\n"
		"\t\tcounter name \"%s\"\n"
		"\t}\n",
		~c->mark_mask, rs->links[i].mark, ln);
}

/* Every via chain: the links' and the failback policies' on them. */
static void put_all_vias(FILE *f, const struct ruleset *rs)
{
	for (unsigned int i = 0; i < rs->cfg->nlinks; i++)
		put_via(f, rs, i, NULL);
	for (unsigned int p = 0; p < rs->cfg->npolicies; p++)
		for (unsigned int i = 0; i < rs->cfg->nlinks; i++)
			if (ruleset_pair_mark(rs, p, i))
				put_via(f, rs, i, rs->cfg->policies[p].name);
}

/* pin_L and check_L: link L's own conntrack mark set, or cleared. */
static void put_link_chains(FILE *f, const struct ruleset *rs, unsigned int i)
{
	const struct config *c = rs->cfg;
	const struct link_config *l = &c->links[i];
	uint32_t keep = ~c->mark_mask, mark = rs->links[i].mark;

	fprintf(f,
		"\tchain pin_%s {\n"
		"\t\tct mark set ct mark & 0x%08x | 0x%08x\n"
		"\t\tgoto via_%s\n"
		"\t}\n",
		l->name, keep, mark, l->name);
	fprintf(f,
		"\tchain check_%s {\n"
		"\t\toifname != \"%s\" ct mark set ct mark & 0x%08x\n"
		"\t}\n",
		l->name, l->ifname, keep);
}

/* pin.P.L: link L's chains with policy P's conntrack mark. */
static void put_pair_chains(FILE *f, const struct ruleset *rs, unsigned int p,
			    unsigned int i)
{
	const struct config *c = rs->cfg;
	const char *pn = c->policies[p].name, *ln = c->links[i].name;
	uint32_t keep = ~c->mark_mask;

	fprintf(f,
		"\tchain pin.%s.%s {\n"
		"\t\tct mark set ct mark & 0x%08x | 0x%08x\n"
		"\t\tgoto via.%s.%s\n"
		"\t}\n",
		pn, ln, keep, ruleset_pair_mark(rs, p, i), pn, ln);
}

static void put_all_pair_chains(FILE *f, const struct ruleset *rs)
{
	for (unsigned int p = 0; p < rs->cfg->npolicies; p++)
		for (unsigned int i = 0; i < rs->cfg->nlinks; i++)
			if (ruleset_pair_mark(rs, p, i))
				put_pair_chains(f, rs, p, i);
}

/*
 * "mark : VERB PREFIX_name, ..." for every link; with @pairs, also
 * "pair mark : VERB PREFIX.policy.name", or with @pair_prefix NULL
 * "pair mark : VERB PREFIX_name".
 */
static void put_mark_map(FILE *f, const struct ruleset *rs, const char *name,
			 const char *verb, const char *prefix, bool pairs,
			 const char *pair_prefix)
{
	const struct config *c = rs->cfg;

	fprintf(f,
		"\tmap %s {\n\t\ttypeof ct mark : verdict\n\t\telements = { ",
		name);
	for (unsigned int i = 0; i < c->nlinks; i++)
		fprintf(f, "%s0x%08x : %s %s_%s", i ? ", " : "",
			rs->links[i].mark, verb, prefix, c->links[i].name);
	for (unsigned int p = 0; pairs && p < c->npolicies; p++)
		for (unsigned int i = 0; i < c->nlinks; i++) {
			uint32_t m = ruleset_pair_mark(rs, p, i);

			if (!m)
				continue;
			if (pair_prefix)
				fprintf(f, ", 0x%08x : %s %s.%s.%s", m, verb,
					pair_prefix, c->policies[p].name,
					c->links[i].name);
			else
				fprintf(f, ", 0x%08x : %s %s_%s", m, verb,
					prefix, c->links[i].name);
		}
	fputs(" }\n\t}\n", f);
}

/* Link @i is the first of the configuration on its interface. */
static bool first_on_interface(const struct config *c, unsigned int i)
{
	for (unsigned int j = 0; j < i; j++)
		if (!strcmp(c->links[j].ifname, c->links[i].ifname))
			return false;
	return true;
}

/*
 * The IPv6 sources only one provider routes (prefix6 of a link without
 * translation) go to that link, before any hash.
 */
static void put_sources6(FILE *f, const struct config *c)
{
	char p[INPREFIX_STRLEN];
	const char *sep = "";

	if (!config_has_prefix6(c))
		return;
	fputs("\tmap sources6 {\n\t\ttype ipv6_addr : verdict\n"
	      "\t\tflags interval\n\t\telements = { ",
	      f);
	for (unsigned int i = 0; i < c->nlinks; i++) {
		if (!c->links[i].has_prefix6)
			continue;
		fprintf(f, "%s%s : goto pin_%s", sep,
			inprefix_str(FAM_IPV6, &c->links[i].prefix6, p),
			c->links[i].name);
		sep = ", ";
	}
	fputs(" }\n\t}\n", f);
}

static void put_sets(FILE *f, const struct ruleset *rs)
{
	const struct config *c = rs->cfg;

	fputs("\tset lan {\n\t\ttype ifname\n\t\telements = { ", f);
	for (unsigned int i = 0; i < c->nlan; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", c->lan[i]);
	fputs(" }\n\t}\n", f);

	fputs("\tset uplinks {\n\t\ttype ifname\n\t\telements = { ", f);
	for (unsigned int i = 0, n = 0; i < c->nlinks; i++)
		if (first_on_interface(c, i))
			fprintf(f, "%s\"%s\"", n++ ? ", " : "",
				c->links[i].ifname);
	fputs(" }\n\t}\n", f);

	/* A shared interface pins inbound connections to its first link. */
	fputs("\tmap inbound {\n\t\ttype ifname : verdict\n\t\telements = { ",
	      f);
	for (unsigned int i = 0, n = 0; i < c->nlinks; i++)
		if (first_on_interface(c, i))
			fprintf(f, "%s\"%s\" : goto pin_%s", n++ ? ", " : "",
				c->links[i].ifname, c->links[i].name);
	fputs(" }\n\t}\n", f);

	put_mark_map(f, rs, "marks", "goto", "via", true, "via");
	/* SO_MARK: the link's own mark, on the packet */
	put_mark_map(f, rs, "pins", "goto", "pin", false, NULL);
	/* a jump: the masquerade rules after it still apply */
	put_mark_map(f, rs, "verify", "jump", "check", true, NULL);

	/*
	 * Keys are hash buckets. Declared through symhash: nft 1.0.6 loads
	 * "typeof jhash ..." but crashes when it lists it back.
	 */
	for (unsigned int p = 0; p < c->npolicies; p++)
		for (enum fam fam = 0; fam < FAM_MAX; fam++) {
			const struct bucket_table *t = rs->buckets[fam][p];
			char map[RULESET_NAME_MAX];

			fprintf(f,
				"\tmap %s {\n\t\ttypeof symhash mod %u : verdict\n",
				ruleset_buckets_map(c, p, fam, map),
				c->buckets);
			if (!rs->shape &&
			    bucket_count(t, BUCKET_NONE) < t->size) {
				fputs("\t\telements = { ", f);
				put_bucket_elements(f, rs, p, fam);
				fputs(" }\n", f);
			}
			fputs("\t}\n", f);
		}
	put_sources6(f, c);
}

/*
 * Policy @p's pick chain of family @fam: a new connection's link by its
 * hash. The map has no element only while none of the policy's links is
 * usable: then the last resort.
 */
static void put_pick(FILE *f, const struct config *c, unsigned int p,
		     enum fam fam)
{
	char name[RULESET_NAME_MAX];

	fprintf(f, "\tchain %s {\n", ruleset_pick_chain(c, p, fam, name));
	/* only their provider routes them, whatever the policy */
	if (fam == FAM_IPV6 && config_has_prefix6(c))
		fputs("\t\tip6 saddr vmap @sources6\n", f);
	if (c->policies[p].hash == HASH_L4) {
		fputs("\t\tmeta l4proto ", f);
		put_l4_set(f);
		fputc(' ', f);
		put_hash(f, c, p, fam, 1);
		fputc('\n', f);
	}
	fputs("\t\t", f);
	put_hash(f, c, p, fam, 0);
	fputc('\n', f);
	switch (c->policies[p].last_resort) {
	case LAST_RESORT_MAIN:
		break;
	case LAST_RESORT_UNREACHABLE:
		/* a reset fails a connect at once on every system */
		fputs("\t\tmeta l4proto tcp reject with tcp reset\n"
		      "\t\treject with icmpx host-unreachable\n",
		      f);
		break;
	case LAST_RESORT_BLACKHOLE:
		fputs("\t\tdrop\n", f);
		break;
	}
	fputs("\t}\n", f);
}

/* Where a new connection of each family goes: its rules, or its pick. */
static void put_dispatch(FILE *f, const struct config *c)
{
	char v4[RULESET_NAME_MAX], v6[RULESET_NAME_MAX];

	if (ruleset_has_rules(c, FAM_IPV4))
		snprintf(v4, sizeof(v4), "rules");
	else
		ruleset_pick_chain(c, POLICY_DEFAULT, FAM_IPV4, v4);
	if (ruleset_has_rules(c, FAM_IPV6))
		snprintf(v6, sizeof(v6), "rules6");
	else
		ruleset_pick_chain(c, POLICY_DEFAULT, FAM_IPV6, v6);
	fprintf(f, "\t\tmeta nfproto vmap { ipv4 : goto %s, ipv6 : goto %s }\n",
		v4, v6);
}

static int put_hooks(FILE *f, const struct ruleset *rs)
{
	const struct config *c = rs->cfg;
	uint32_t m = c->mark_mask;

	for (unsigned int p = 0; p < c->npolicies; p++) {
		put_pick(f, c, p, FAM_IPV4);
		put_pick(f, c, p, FAM_IPV6);
	}
	if (ruleset_put_rules(f, rs))
		return -1;
	fprintf(f,
		"\tchain prerouting {\n"
		"\t\ttype filter hook prerouting priority mangle; policy accept;\n"
		"\t\tct mark & 0x%08x vmap @marks\n"
		"\t\tct state != new return\n"
		"\t\tct status confirmed return\n"
		"\t\tiifname vmap @inbound\n"
		"\t\tiifname != @lan return\n"
		"\t\tfib daddr type { local, broadcast, multicast } return\n",
		m);
	put_dispatch(f, c);
	fputs("\t}\n", f);
	fprintf(f,
		"\tchain output {\n"
		"\t\ttype route hook output priority mangle; policy accept;\n"
		"\t\tct mark & 0x%08x vmap @marks\n"
		"\t\tct state != new return\n"
		"\t\tct status confirmed return\n"
		"\t\tmeta mark & 0x%08x vmap @pins\n"
		"\t\tfib daddr type { local, broadcast, multicast } return\n",
		m, m);
	put_dispatch(f, c);
	fputs("\t}\n", f);
	return 0;
}

/*
 * " == X", or " { X, P1, ... }" with policies' marks on it: link @i's
 * own mark and those.
 */
static void put_link_marks(FILE *f, const struct ruleset *rs, unsigned int i)
{
	bool pairs = false;

	for (unsigned int p = 0; p < rs->cfg->npolicies; p++)
		pairs |= ruleset_pair_mark(rs, p, i) != 0;
	if (!pairs) {
		fprintf(f, " == 0x%08x", rs->links[i].mark);
		return;
	}
	fprintf(f, " { 0x%08x", rs->links[i].mark);
	for (unsigned int p = 0; p < rs->cfg->npolicies; p++)
		if (ruleset_pair_mark(rs, p, i))
			fprintf(f, ", 0x%08x", ruleset_pair_mark(rs, p, i));
	fputs(" }", f);
}

/* Whether another link of the configuration has link @i's interface. */
static bool shared_interface(const struct config *c, unsigned int i)
{
	for (unsigned int j = 0; j < c->nlinks; j++)
		if (j != i && !strcmp(c->links[j].ifname, c->links[i].ifname))
			return true;
	return false;
}

/*
 * The source translation of the LAN's connections that leave by link @i's
 * interface, pinned or not (one that follows the main table out of it
 * needs it as much); by the link's mark where links share an interface.
 */
static void put_lan_nat(FILE *f, const struct ruleset *rs, unsigned int i)
{
	const struct config *c = rs->cfg;
	const struct link_config *l = &c->links[i];
	char p[INPREFIX_STRLEN], q[INPREFIX_STRLEN];
	const char *what[3];
	unsigned int n = 0;

	if (l->nat[FAM_IPV4] == NAT_MASQUERADE)
		what[n++] = "meta nfproto ipv4 masquerade";
	if (l->nat[FAM_IPV6] == NAT_MASQUERADE)
		what[n++] = "meta nfproto ipv6 masquerade";
	/* sources outside lan6 (another LAN) take the link's address */
	if (l->nat[FAM_IPV6] == NAT_PREFIX) {
		what[n++] = NULL; /* the prefix translation, below */
		what[n++] = "meta nfproto ipv6 masquerade";
	}
	for (unsigned int k = 0; k < n; k++) {
		fprintf(f, "\t\toifname \"%s\"", l->ifname);
		if (shared_interface(c, i)) {
			fprintf(f, " ct mark & 0x%08x", c->mark_mask);
			put_link_marks(f, rs, i);
		}
		if (what[k])
			fprintf(f, " %s\n", what[k]);
		else
			fprintf(f, " ip6 saddr %s snat ip6 prefix to %s\n",
				inprefix_str(FAM_IPV6, &c->lan6, p),
				inprefix_str(FAM_IPV6, &l->nat6_prefix, q));
	}
}

/*
 * A link with prefix translation also maps its prefix back to the LAN's
 * for connections that come in by it: a host is reachable at the address
 * its connections leave with.
 */
static void put_prerouting_nat(FILE *f, const struct config *c)
{
	char p[INPREFIX_STRLEN], q[INPREFIX_STRLEN];
	bool any = false;

	for (unsigned int i = 0; i < c->nlinks; i++)
		any |= c->links[i].nat[FAM_IPV6] == NAT_PREFIX;
	if (!any)
		return;
	fputs("\tchain prerouting_nat {\n"
	      "\t\ttype nat hook prerouting priority dstnat - 1; policy accept;\n",
	      f);
	for (unsigned int i = 0; i < c->nlinks; i++) {
		const struct link_config *l = &c->links[i];

		if (l->nat[FAM_IPV6] == NAT_PREFIX)
			fprintf(f,
				"\t\tiifname \"%s\" ip6 daddr %s dnat ip6 prefix to %s\n",
				l->ifname,
				inprefix_str(FAM_IPV6, &l->nat6_prefix, p),
				inprefix_str(FAM_IPV6, &c->lan6, q));
	}
	fputs("\t}\n", f);
}

/*
 * In postrouting the input interface is the one a forwarded packet came
 * in on (Linux 5.5 on), and none for most of the router's own packets:
 * both are checked. A tunnel the router encapsulates for lends its own
 * device to the outer packets, which may be a link's: those are checked
 * by their source address.
 */
static void put_postrouting(FILE *f, const struct ruleset *rs)
{
	const struct config *c = rs->cfg;

	fprintf(f,
		"\tchain postrouting {\n"
		"\t\ttype nat hook postrouting priority srcnat - 1; policy accept;\n"
		"\t\tiifname != @uplinks ct mark & 0x%08x vmap @verify\n"
		"\t\tiifname @uplinks fib saddr type local ct mark & 0x%08x vmap @verify\n",
		c->mark_mask, c->mark_mask);
	for (unsigned int i = 0; i < c->nlinks; i++) {
		fprintf(f, "\t\toifname \"%s\" ct mark & 0x%08x",
			c->links[i].ifname, c->mark_mask);
		put_link_marks(f, rs, i);
		fputs(" fib saddr type local fib saddr . oif type != local masquerade\n",
		      f);
	}
	for (unsigned int i = 0; i < c->nlinks; i++)
		put_lan_nat(f, rs, i);
	fputs("\t}\n", f);
}

/* Whatever table of that name is there goes, then ours begins. */
static void put_replace(FILE *f, const struct ruleset *rs)
{
	if (!rs->present)
		fprintf(f, "add table " RULESET_FAMILY " " RULESET_TABLE "%s\n",
			rs->owner ? " { " RULESET_OWNER_FLAGS " }" : "");
	fprintf(f,
		"delete table " RULESET_FAMILY " " RULESET_TABLE "\n"
		"table " RULESET_FAMILY " " RULESET_TABLE " {\n%s",
		rs->owner ? "\t" RULESET_OWNER_FLAGS "\n" : "");
}

char *ruleset_table(const struct ruleset *rs)
{
	const struct config *c = rs->cfg;
	size_t size = 0;
	char *text = NULL;
	int bad;
	FILE *f;

	f = open_memstream(&text, &size);
	if (!f)
		return NULL;
	put_replace(f, rs);
	for (unsigned int i = 0; i < c->nlinks; i++)
		fprintf(f, "\tcounter %s {\n\t\tpackets %llu bytes %llu\n\t}\n",
			c->links[i].name,
			rs->shape ? 0ULL :
				    (unsigned long long)rs->links[i].packets,
			rs->shape ? 0ULL :
				    (unsigned long long)rs->links[i].bytes);
	for (unsigned int r = 0; r < c->nrules; r++)
		fprintf(f,
			"\tcounter rule.%s {\n\t\tpackets %llu bytes %llu\n\t}\n",
			c->rules[r].name,
			rs->shape || !rs->rules ?
				0ULL :
				(unsigned long long)rs->rules[r].packets,
			rs->shape || !rs->rules ?
				0ULL :
				(unsigned long long)rs->rules[r].bytes);
	put_sets(f, rs);
	put_all_vias(f, rs);
	for (unsigned int i = 0; i < c->nlinks; i++)
		put_link_chains(f, rs, i);
	put_all_pair_chains(f, rs);
	bad = put_hooks(f, rs);
	put_prerouting_nat(f, c);
	put_postrouting(f, rs);
	fputs("}\n", f);
	if (fclose(f) || bad) {
		free(text);
		return NULL;
	}
	return text;
}

char *ruleset_marks_only(const struct ruleset *rs)
{
	const struct config *c = rs->cfg;
	size_t size = 0;
	char *text = NULL;
	FILE *f;

	f = open_memstream(&text, &size);
	if (!f)
		return NULL;
	put_replace(f, rs);
	for (unsigned int i = 0; i < c->nlinks; i++)
		fprintf(f, "\tcounter %s {\n\t}\n", c->links[i].name);
	put_all_vias(f, rs);
	put_mark_map(f, rs, "marks", "goto", "via", true, "via");
	fprintf(f,
		"\tchain prerouting {\n"
		"\t\ttype filter hook prerouting priority mangle; policy accept;\n"
		"\t\tct mark & 0x%08x vmap @marks\n"
		"\t}\n"
		"\tchain output {\n"
		"\t\ttype route hook output priority mangle; policy accept;\n"
		"\t\tct mark & 0x%08x vmap @marks\n"
		"\t}\n}\n",
		c->mark_mask, c->mark_mask);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

const char *ruleset_pin_chain(const struct ruleset *rs, unsigned int p,
			      unsigned int i, char *buf)
{
	if (ruleset_pair_mark(rs, p, i))
		snprintf(buf, RULESET_NAME_MAX, "pin.%s.%s",
			 rs->cfg->policies[p].name, rs->cfg->links[i].name);
	else
		snprintf(buf, RULESET_NAME_MAX, "pin_%s",
			 rs->cfg->links[i].name);
	return buf;
}

uint32_t ruleset_bucket_changes(const struct ruleset *rs, unsigned int p,
				enum fam fam, const int16_t *before,
				struct ruleset_change *out)
{
	const struct bucket_table *t = rs->buckets[fam][p];
	uint32_t n = 0;

	for (uint32_t b = 0; b < t->size; b++)
		if (before[b] != t->owner[b])
			out[n++] = (struct ruleset_change){
				.bucket = b,
				.del = before[b] != BUCKET_NONE,
				.owner = t->owner[b],
			};
	return n;
}
