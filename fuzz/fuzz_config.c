// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The configuration parser on arbitrary text. Every message goes through
 * the diagnostics sink and must name the file ("NAME:LINE: " or
 * "NAME: ", one line each, a line of the file); a config is accepted
 * exactly when nothing was reported, and every accepted config holds what
 * config.c and flowpin.conf(5) promise. From an accepted config the
 * desired kernel state (the controllers' bucket tables, the nftables
 * script) can be computed.
 */
#include <ctype.h>
#include <errno.h>
#include <net/if.h>

#include "core/bucket.h"
#include "core/config.h"
#include "core/controller.h"
#include "core/ruleset.h"
#include "core/takeover.h"
#include "fuzz/fuzz.h"

#define NAME "fuzz.conf"

struct sink {
	int lines; /* of the text, as the parser counts them */
	unsigned int errors, warnings;
};

static void check_message(struct sink *k, const char *file, int line,
			  const char *msg, bool warning)
{
	char want[64], *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	FUZZ_CHECK(f, "open_memstream");
	FUZZ_CHECK(!strcmp(file, NAME), "message of \"%s\": %s", file, msg);
	FUZZ_CHECK(line >= 0 && line <= (k->lines > 0 ? k->lines : 1),
		   "line %d of %d: %s", line, k->lines, msg);
	FUZZ_CHECK(*msg && !strchr(msg, '\n'), "message \"%s\"", msg);
	if (warning)
		config_diag_print_warning(f, file, line, msg);
	else
		config_diag_print(f, file, line, msg);
	fclose(f);
	if (line > 0)
		snprintf(want, sizeof(want), NAME ":%d: ", line);
	else
		snprintf(want, sizeof(want), NAME ": ");
	FUZZ_CHECK(!strncmp(out, want, strlen(want)), "printed \"%s\"", out);
	FUZZ_CHECK(len > 0 && out[len - 1] == '\n' && !strchr(out, '\n')[1],
		   "printed \"%s\": one line", out);
	free(out);
}

static void on_report(void *ctx, const char *file, int line, const char *msg)
{
	struct sink *k = ctx;

	k->errors++;
	check_message(k, file, line, msg, false);
}

static void on_warn(void *ctx, const char *file, int line, const char *msg)
{
	struct sink *k = ctx;

	k->warnings++;
	check_message(k, file, line, msg, true);
}

/* Lines as the parser numbers them: a last line without '\n' counts. */
static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (*s == '\n' || !s[1])
			n++;
	return n;
}

static bool valid_link_name(const char *s)
{
	size_t n = strnlen(s, LINK_NAME_MAX);

	if (n == 0 || n >= LINK_NAME_MAX || !isalpha((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static bool contiguous(uint32_t m)
{
	return m && ((m + (m & -m)) & m) == 0;
}

/* A prefix of family @f: length in range, host bits 0. */
static bool clean_prefix(enum fam f, const struct inprefix *p)
{
	union inaddr masked = inaddr_masked(f, &p->addr, p->len);

	return p->len <= 8 * inaddr_len(f) &&
	       inaddr_equal(f, &masked, &p->addr);
}

static void check_global(const struct config *c)
{
	uint64_t last = (uint64_t)c->table + config_slots(c);

	FUZZ_CHECK(!strcmp(c->path, NAME), "path %s", c->path);
	FUZZ_CHECK(c->nlan >= 1 && c->nlan <= LAN_MAX, "nlan %u", c->nlan);
	for (unsigned int i = 0; i < c->nlan; i++) {
		FUZZ_CHECK(valid_ifname(c->lan[i]), "lan \"%s\"", c->lan[i]);
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(c->lan[i], c->lan[j]), "lan %s twice",
				   c->lan[i]);
	}
	FUZZ_CHECK(c->lan_line >= 1, "lan_line %d", c->lan_line);
	if (c->has_lan6)
		FUZZ_CHECK(c->lan6.len >= 1 && clean_prefix(FAM_IPV6, &c->lan6),
			   "lan6 /%u", c->lan6.len);
	FUZZ_CHECK(c->hash == HASH_L4 || c->hash == HASH_L3 ||
			   c->hash == HASH_SRC,
		   "hash %d", c->hash);
	FUZZ_CHECK(c->control[0] == '/' &&
			   strnlen(c->control, CONTROL_PATH_MAX) <
				   CONTROL_PATH_MAX,
		   "control \"%.*s\"", CONTROL_PATH_MAX, c->control);
	FUZZ_CHECK(c->buckets >= BUCKETS_MIN && c->buckets <= BUCKETS_MAX,
		   "buckets %u", c->buckets);
	FUZZ_CHECK(contiguous(c->mark_mask), "mark_mask 0x%x", c->mark_mask);
	FUZZ_CHECK(config_slots(c) >= 1 && config_slots(c) <= SLOTS_MAX,
		   "slots %u", config_slots(c));
	FUZZ_CHECK(c->nlinks >= 1 && c->nlinks <= config_slots(c),
		   "nlinks %u, slots %u", c->nlinks, config_slots(c));
	FUZZ_CHECK(c->table >= 1 && last <= 0x7fffffffULL &&
			   !(c->table <= 255 && last >= 253),
		   "table %u..%llu", c->table, (unsigned long long)last);
	FUZZ_CHECK(c->priority >= 1 && c->priority <= 32763, "priority %u",
		   c->priority);
	/* the slots' marks: distinct, nonzero, within the mask */
	for (unsigned int s = 1; s <= config_slots(c); s++) {
		uint32_t m = config_slot_mark(c, s);

		FUZZ_CHECK(m && (m & ~c->mark_mask) == 0 &&
				   (s == 1 || m != config_slot_mark(c, s - 1)),
			   "slot %u mark 0x%x in 0x%x", s, m, c->mark_mask);
	}
}

static void check_link(const struct config *c, unsigned int i)
{
	const struct link_config *l = &c->links[i];
	unsigned int nt[FAM_MAX] = { 0 };

	FUZZ_CHECK(valid_link_name(l->name), "link name \"%.*s\"",
		   LINK_NAME_MAX, l->name);
	FUZZ_CHECK(config_find_link(c, l->name) == (int)i, "link %s", l->name);
	FUZZ_CHECK(l->line >= 1, "link %s line %d", l->name, l->line);
	FUZZ_CHECK(valid_ifname(l->ifname), "link %s interface \"%s\"", l->name,
		   l->ifname);
	for (unsigned int j = 0; j < c->nlan; j++)
		FUZZ_CHECK(strcmp(l->ifname, c->lan[j]),
			   "link %s on lan interface %s", l->name, l->ifname);
	for (unsigned int j = 0; j < i; j++) {
		const struct link_config *o = &c->links[j];

		FUZZ_CHECK(strcmp(o->ifname, l->ifname) ||
				   o->has_gateway[FAM_IPV4] !=
					   l->has_gateway[FAM_IPV4] ||
				   !inaddr_equal(FAM_IPV4,
						 &o->gateway[FAM_IPV4],
						 &l->gateway[FAM_IPV4]),
			   "links %s and %s: same interface and gateway",
			   o->name, l->name);
		FUZZ_CHECK(!l->has_prefix6 || !o->has_prefix6 ||
				   !inprefix_overlap(FAM_IPV6, &l->prefix6,
						     &o->prefix6),
			   "links %s and %s: prefix6 overlap", o->name,
			   l->name);
	}
	for (enum fam f = 0; f < FAM_MAX; f++)
		if (l->has_gateway[f])
			FUZZ_CHECK(inaddr_unicast(f, &l->gateway[f]),
				   "link %s gateway not unicast", l->name);
	FUZZ_CHECK(l->weight >= 1 && l->weight <= 255, "weight %u", l->weight);
	FUZZ_CHECK(l->tier >= 1 && l->tier <= 255, "tier %u", l->tier);
	FUZZ_CHECK(l->ntrack <= TRACK_MAX, "ntrack %u", l->ntrack);
	for (unsigned int t = 0; t < l->ntrack; t++) {
		const struct track_target *tt = &l->track[t];

		FUZZ_CHECK(tt->fam == FAM_IPV4 || tt->fam == FAM_IPV6,
			   "track family %d", tt->fam);
		FUZZ_CHECK(inaddr_unicast(tt->fam, &tt->addr) &&
				   !(tt->fam == FAM_IPV6 &&
				     inaddr_is_linklocal6(&tt->addr)),
			   "link %s track target %u", l->name, t);
		for (unsigned int u = 0; u < t; u++)
			FUZZ_CHECK(l->track[u].fam != tt->fam ||
					   !inaddr_equal(tt->fam,
							 &l->track[u].addr,
							 &tt->addr),
				   "link %s track target twice", l->name);
		nt[tt->fam]++;
	}
	for (enum fam f = 0; f < FAM_MAX; f++)
		FUZZ_CHECK(config_ntrack(l, f) == nt[f], "ntrack of %d", f);
	FUZZ_CHECK(l->probe == PROBE_ICMP ||
			   (l->probe == PROBE_TCP && l->probe_port >= 1 &&
			    l->ntrack >= 1),
		   "link %s probe %d port %u", l->name, l->probe,
		   l->probe_port);
	FUZZ_CHECK(l->interval_ms >= 10 && l->interval_ms <= 60000 &&
			   l->timeout_ms >= 10 && l->timeout_ms <= 60000 &&
			   l->timeout_ms <= 250 * l->interval_ms,
		   "interval %u timeout %u", l->interval_ms, l->timeout_ms);
	FUZZ_CHECK(l->down >= 1 && l->down <= 1000 && l->up >= 1 &&
			   l->up <= 1000,
		   "down %u up %u", l->down, l->up);
	FUZZ_CHECK(l->nat[FAM_IPV4] == NAT_NONE ||
			   l->nat[FAM_IPV4] == NAT_MASQUERADE,
		   "nat %d", l->nat[FAM_IPV4]);
	FUZZ_CHECK(l->nat[FAM_IPV6] == NAT_NONE ||
			   l->nat[FAM_IPV6] == NAT_MASQUERADE ||
			   l->nat[FAM_IPV6] == NAT_PREFIX,
		   "nat6 %d", l->nat[FAM_IPV6]);
	if (l->nat[FAM_IPV6] == NAT_PREFIX)
		FUZZ_CHECK(c->has_lan6 && l->nat6_prefix.len == c->lan6.len &&
				   l->nat6_prefix.len >= 1 &&
				   clean_prefix(FAM_IPV6, &l->nat6_prefix),
			   "link %s nat6 /%u, lan6 %d /%u", l->name,
			   l->nat6_prefix.len, c->has_lan6, c->lan6.len);
	if (l->has_prefix6)
		FUZZ_CHECK(l->nat[FAM_IPV6] == NAT_NONE &&
				   l->prefix6.len >= 1 &&
				   clean_prefix(FAM_IPV6, &l->prefix6),
			   "link %s prefix6 /%u with nat6 %d", l->name,
			   l->prefix6.len, l->nat[FAM_IPV6]);
	FUZZ_CHECK(config_balances6(l) ==
			   (l->nat[FAM_IPV6] != NAT_NONE || !l->has_prefix6),
		   "balances6");
}

static bool any_prefix6(const struct config *c)
{
	for (unsigned int i = 0; i < c->nlinks; i++)
		if (c->links[i].has_prefix6)
			return true;
	return false;
}

/* What the daemon sees of link @i: its interface up, with addresses. */
static struct link_seen seen_of(const struct link_config *l, unsigned int i,
				enum fam f)
{
	struct link_seen s = { 0 };
	struct iface_addr *a = &s.ifc.addr[0];

	s.ifc.index = (int)i + 2;
	s.ifc.flags = IFF_UP | IFF_RUNNING;
	s.ifc.naddr = 1;
	a->fam = f;
	if (l->has_gateway[f]) {
		a->local = l->gateway[f];
		a->local.b[inaddr_len(f) - 1] ^= 1;
		a->plen = f == FAM_IPV6 ? 64 : 24;
	} else {
		/* no gateway known: a point-to-point link */
		s.ifc.flags |= IFF_POINTOPOINT;
		a->local.b[0] = f == FAM_IPV6 ? 0x20 : 100;
		a->local.b[1] = (uint8_t)i;
		a->local.b[inaddr_len(f) - 1] = 2;
		a->plen = f == FAM_IPV6 ? 128 : 32;
	}
	return s;
}

/* The desired state of an accepted config: buckets, then the table. */
static void check_state(const struct config *c)
{
	struct controller ctl[FAM_MAX];
	struct ruleset_link *rl = calloc(c->nlinks, sizeof(*rl));
	struct link_seen *seen = calloc(c->nlinks, sizeof(*seen));
	uint32_t *marks = calloc(TAKEOVER_SLOTS(c) + 1, sizeof(*marks));
	char *script;

	FUZZ_CHECK(rl && seen && marks, "out of memory");
	for (enum fam f = 0; f < FAM_MAX; f++) {
		FUZZ_CHECK(controller_init(&ctl[f], c, f) == 0,
			   "controller_init");
		for (unsigned int i = 0; i < c->nlinks; i++)
			seen[i] = seen_of(&c->links[i], i, f);
		controller_start(&ctl[f], seen, NULL, false, 1000000);
		for (unsigned int p = 0; p < c->npolicies; p++) {
			const struct bucket_table *t =
				controller_buckets(&ctl[f], p);

			FUZZ_CHECK(t->size == c->buckets, "bucket size %u",
				   t->size);
			for (uint32_t b = 0; b < c->buckets; b++)
				FUZZ_CHECK(
					t->owner[b] == BUCKET_NONE ||
						(t->owner[b] >= 0 &&
						 (unsigned int)t->owner[b] <
							 c->nlinks &&
						 c->policies[p]
							 .weight[t->owner[b]]),
					"policy %u bucket %u owner %d", p, b,
					t->owner[b]);
		}
	}
	FUZZ_CHECK(takeover_fresh_marks(c, marks) == 0, "no room for marks");
	for (unsigned int i = 0; i < c->nlinks; i++)
		rl[i].mark = marks[i];

	struct ruleset rs = {
		.cfg = c,
		.links = rl,
		.pair_marks = marks + c->nlinks,
		.shape = true, /* no bucket elements: fast at 65536 */
	};
	for (enum fam f = 0; f < FAM_MAX; f++)
		for (unsigned int p = 0; p < c->npolicies; p++)
			rs.buckets[f][p] = controller_buckets(&ctl[f], p);
	script = ruleset_table(&rs);
	FUZZ_CHECK(script && strstr(script, RULESET_TABLE), "ruleset_table");
	for (unsigned int i = 0; i < c->nlinks; i++)
		FUZZ_CHECK(strstr(script, c->links[i].name),
			   "the table names no link %s", c->links[i].name);
	free(script);
	script = ruleset_marks_only(&rs);
	FUZZ_CHECK(script, "ruleset_marks_only");
	free(script);
	for (enum fam f = 0; f < FAM_MAX; f++)
		controller_free(&ctl[f]);
	free(seen);
	free(rl);
	free(marks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	struct sink k = { .lines = count_lines(text) };
	const struct config_diag diag = { .report = on_report,
					  .warn = on_warn,
					  .ctx = &k };
	struct config c;
	int ret;

	ret = config_parse_string(&c, NAME, text, &diag);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL, "returned %d", ret);
	FUZZ_CHECK((ret == 0) == (k.errors == 0), "returned %d after %u errors",
		   ret, k.errors);
	/* warnings (a rule never matching, a policy unused) only of a good file
	 */
	FUZZ_CHECK(k.warnings == 0 || ret == 0, "%u warnings with errors",
		   k.warnings);
	if (ret == 0) {
		check_global(&c);
		for (unsigned int i = 0; i < c.nlinks; i++)
			check_link(&c, i);
		FUZZ_CHECK(config_has_prefix6(&c) == any_prefix6(&c),
			   "config_has_prefix6");
		check_state(&c);
	} else {
		FUZZ_CHECK(!c.links && !c.nlinks && !c.policies && !c.rules,
			   "a rejected config keeps links, policies or rules");
	}
	config_free(&c);
	free(text);
	return 0;
}
