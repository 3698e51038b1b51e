// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowpin.conf parser. libinih splits lines into sections and key/value
 * pairs; flowpin feeds it the lines itself so that every message names the
 * line it is about, and so that lines inih rejects are reported too.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/bucket.h"
#include "core/config.h"
#include "core/config_policy.h"

static void report(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void diag_vsay(const struct config_diag *diag, bool warning,
		      const char *file, int line, const char *fmt, va_list ap)
{
	void (*say)(void *, const char *, int, const char *);
	/* a message quotes at most a line (CONFIG_LINE_MAX) and a key */
	char msg[CONFIG_LINE_MAX + 512];

	if (!diag)
		return;
	say = warning ? diag->warn : diag->report;
	if (!say)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	say(diag->ctx, file, line, msg);
}

void config_vreport(struct parser *p, int line, const char *fmt, va_list ap)
{
	p->errors++;
	diag_vsay(p->diag, false, p->name, line, fmt, ap);
}

static void report(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_vreport(p, line, fmt, ap);
	va_end(ap);
}

void config_diag_print(void *ctx, const char *file, int line, const char *msg)
{
	if (line > 0)
		fprintf(ctx, "%s:%d: %s\n", file, line, msg);
	else
		fprintf(ctx, "%s: %s\n", file, msg);
}

void config_diag_print_warning(void *ctx, const char *file, int line,
			       const char *msg)
{
	if (line > 0)
		fprintf(ctx, "%s:%d: warning: %s\n", file, line, msg);
	else
		fprintf(ctx, "%s: warning: %s\n", file, msg);
}

void config_diag_error(const struct config_diag *diag, const char *file,
		       int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vsay(diag, false, file, line, fmt, ap);
	va_end(ap);
}

void config_diag_warning(const struct config_diag *diag, const char *file,
			 int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vsay(diag, true, file, line, fmt, ap);
	va_end(ap);
}

int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	/* decimal, or hexadecimal with 0x: a leading zero is not octal */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!isxdigit((unsigned char)s[2]))
			return -EINVAL;
		v = strtoull(s + 2, &end, 16);
	} else {
		v = strtoull(s, &end, 10);
	}
	if (errno || *end || v < min || v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

/* "250ms", "2s", "1.5s": a duration with its unit, to the millisecond. */
int parse_duration_ms(const char *s, uint32_t *ms)
{
	unsigned long long whole = 0, frac = 0, scale = 1;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (unsigned long long)(*p - '0');
		if (whole > 86400000ULL)
			return -ERANGE;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++) {
			if (scale < 1000000) {
				frac = frac * 10 +
				       (unsigned long long)(*p - '0');
				scale *= 10;
			} else if (*p != '0') {
				return -EINVAL; /* below the resolution */
			}
		}
	}
	if (strcmp(p, "ms") == 0) {
		if (frac)
			return -EINVAL; /* no sub-millisecond precision */
		*ms = (uint32_t)whole;
	} else if (strcmp(p, "s") == 0) {
		unsigned long long v = whole * 1000 + frac * 1000 / scale;

		if (frac * 1000 % scale)
			return -EINVAL;
		if (v > 86400000ULL)
			return -ERANGE;
		*ms = (uint32_t)v;
	} else {
		return -EINVAL;
	}
	return 0;
}

bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) ||
		    !isprint((unsigned char)*s))
			return false;
	return true;
}

bool config_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= LINK_NAME_MAX || !isalpha((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static int parse_number_key(struct parser *p, const char *key,
			    const char *value, uint32_t min, uint32_t max,
			    uint32_t *out)
{
	if (parse_u32(value, min, max, out) == 0)
		return 0;
	report(p, p->line, "%s: \"%s\" is not an integer in %u..%u", key, value,
	       min, max);
	return -EINVAL;
}

/* An IPv6 prefix for @key; 0 or -EINVAL, reported. */
static int prefix6_value(struct parser *p, const char *key, const char *value,
			 struct inprefix *out)
{
	enum fam f;

	if (inprefix_parse(value, &f, out) == 0 && f == FAM_IPV6 &&
	    out->len > 0)
		return 0;
	report(p, p->line,
	       "%s: \"%s\" is not an IPv6 prefix ADDRESS/LEN with its host bits 0",
	       key, value);
	return -EINVAL;
}

/* [global] */

static int g_lan(struct parser *p, const char *value)
{
	char buf[512], *save = NULL, *tok;
	struct config *c = p->c;

	c->lan_line = p->line;
	snprintf(buf, sizeof(buf), "%s", value);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (!valid_ifname(tok)) {
			report(p, p->line,
			       "lan: \"%s\" is not an interface name", tok);
			return -EINVAL;
		}
		for (unsigned int i = 0; i < c->nlan; i++) {
			if (!strcmp(c->lan[i], tok)) {
				report(p, p->line,
				       "lan: \"%s\" is listed twice", tok);
				return -EINVAL;
			}
		}
		if (c->nlan == LAN_MAX) {
			report(p, p->line, "lan: more than %d interfaces",
			       LAN_MAX);
			return -EINVAL;
		}
		snprintf(c->lan[c->nlan++], IF_NAMESIZE, "%s", tok);
	}
	if (c->nlan == 0) {
		report(p, p->line, "lan: no interface given");
		return -EINVAL;
	}
	return 0;
}

static int g_lan6(struct parser *p, const char *value)
{
	if (prefix6_value(p, "lan6", value, &p->c->lan6))
		return -EINVAL;
	p->c->has_lan6 = true;
	return 0;
}

static int g_hash(struct parser *p, const char *value)
{
	if (hash_mode_parse(value, &p->c->hash) == 0)
		return 0;
	report(p, p->line, "hash: \"%s\" is not one of l4, l3, src", value);
	return -EINVAL;
}

static int g_own_table(struct parser *p, const char *value)
{
	if (!strcmp(value, "auto") || !strcmp(value, "no")) {
		p->c->own_table = !strcmp(value, "auto");
		return 0;
	}
	report(p, p->line, "own_table: \"%s\" is neither \"auto\" nor \"no\"",
	       value);
	return -EINVAL;
}

static int g_seed(struct parser *p, const char *value)
{
	return parse_number_key(p, "seed", value, 0, UINT32_MAX, &p->c->seed);
}

static int g_control(struct parser *p, const char *value)
{
	if (value[0] != '/' || strlen(value) >= CONTROL_PATH_MAX) {
		report(p, p->line,
		       "control: \"%s\" is not an absolute path shorter than %d bytes",
		       value, CONTROL_PATH_MAX);
		return -EINVAL;
	}
	snprintf(p->c->control, sizeof(p->c->control), "%s", value);
	return 0;
}

/* A group name (as useradd takes it) or a number; resolved by the daemon. */
static int g_control_group(struct parser *p, const char *value)
{
	size_t n = strlen(value);
	bool ok = n > 0 && n < sizeof(p->c->control_group) && value[0] != '-';

	for (const char *c = value; ok && *c; c++)
		ok = isalnum((unsigned char)*c) || *c == '_' || *c == '-' ||
		     *c == '.';
	if (!ok) {
		report(p, p->line,
		       "control_group: \"%s\" is not a group name or number",
		       value);
		return -EINVAL;
	}
	snprintf(p->c->control_group, sizeof(p->c->control_group), "%s", value);
	return 0;
}

static int g_hook(struct parser *p, const char *value)
{
	if (value[0] != '/' || strlen(value) >= sizeof(p->c->hook)) {
		report(p, p->line,
		       "hook: \"%s\" is not an absolute path shorter than %zu bytes",
		       value, sizeof(p->c->hook));
		return -EINVAL;
	}
	snprintf(p->c->hook, sizeof(p->c->hook), "%s", value);
	return 0;
}

static int g_hook_timeout(struct parser *p, const char *value)
{
	uint32_t ms;

	if (parse_duration_ms(value, &ms) || ms < 100 || ms > 600000) {
		report(p, p->line,
		       "hook_timeout: \"%s\" is not a duration from 100ms to 600s",
		       value);
		return -EINVAL;
	}
	p->c->hook_timeout_ms = ms;
	return 0;
}

/* PORT (on 127.0.0.1), IPV4:PORT or [IPV6]:PORT */
static int g_metrics(struct parser *p, const char *value)
{
	const char *colon = strrchr(value, ':'), *port = value, *a = value;
	char addr[INADDR_STRLEN] = "127.0.0.1";
	struct config *c = p->c;
	bool brackets = false, ok = true;
	size_t len;
	uint32_t n;

	if (colon) {
		port = colon + 1;
		len = (size_t)(colon - value);
		brackets = len >= 2 && a[0] == '[' && a[len - 1] == ']';
		if (brackets) {
			a++;
			len -= 2;
		}
		ok = len > 0 && len < sizeof(addr);
		if (ok)
			snprintf(addr, sizeof(addr), "%.*s", (int)len, a);
	}
	ok = ok && !inaddr_parse(addr, &c->metrics_fam, &c->metrics_addr) &&
	     brackets == (c->metrics_fam == FAM_IPV6) &&
	     !parse_u32(port, 1, 65535, &n);
	if (!ok) {
		report(p, p->line,
		       "metrics: \"%s\" is not PORT, IPV4:PORT or [IPV6]:PORT with a port in 1..65535",
		       value);
		c->metrics_port = 0;
		return -EINVAL;
	}
	c->metrics_port = (uint16_t)n;
	return 0;
}

static int g_buckets(struct parser *p, const char *value)
{
	return parse_number_key(p, "buckets", value, BUCKETS_MIN, BUCKETS_MAX,
				&p->c->buckets);
}

static int g_mark_mask(struct parser *p, const char *value)
{
	uint32_t m;

	if (parse_u32(value, 1, UINT32_MAX, &m) == 0) {
		uint32_t low = m & -m;

		/* contiguous: adding the lowest bit carries through them all */
		if (((m + low) & m) == 0) {
			p->c->mark_mask = m;
			return 0;
		}
	}
	report(p, p->line,
	       "mark_mask: \"%s\" is not a contiguous nonzero bit mask", value);
	return -EINVAL;
}

static int g_table(struct parser *p, const char *value)
{
	return parse_number_key(p, "table", value, 1, 0x7fffffff, &p->c->table);
}

static int g_priority(struct parser *p, const char *value)
{
	return parse_number_key(p, "priority", value, 1, 32763,
				&p->c->priority);
}

static const struct key global_keys[] = {
	{ "lan", g_lan },
	{ "lan6", g_lan6 },
	{ "hash", g_hash },
	{ "seed", g_seed },
	{ "control", g_control },
	{ "control_group", g_control_group },
	{ "hook", g_hook },
	{ "hook_timeout", g_hook_timeout },
	{ "buckets", g_buckets },
	{ "mark_mask", g_mark_mask },
	{ "table", g_table },
	{ "priority", g_priority },
	{ "own_table", g_own_table },
	{ "metrics", g_metrics },
	{ NULL, NULL },
};

/* [link NAME] */

static int l_interface(struct parser *p, const char *value)
{
	if (!valid_ifname(value)) {
		report(p, p->line, "interface: \"%s\" is not an interface name",
		       value);
		return -EINVAL;
	}
	snprintf(p->link->ifname, sizeof(p->link->ifname), "%s", value);
	return 0;
}

/* "auto", or a unicast address of family @f: "gateway", "gateway6". */
static int gateway_key(struct parser *p, const char *key, enum fam f,
		       const char *value)
{
	union inaddr a;
	enum fam got;

	/* learned from the default route the system installs */
	if (!strcmp(value, "auto")) {
		p->link->has_gateway[f] = false;
		return 0;
	}
	if (inaddr_parse(value, &got, &a) || got != f ||
	    !inaddr_unicast(f, &a)) {
		report(p, p->line,
		       "%s: \"%s\" is neither \"auto\" nor a unicast %s address",
		       key, value, fam_label(f));
		return -EINVAL;
	}
	p->link->gateway[f] = a;
	p->link->has_gateway[f] = true;
	return 0;
}

static int l_gateway(struct parser *p, const char *value)
{
	return gateway_key(p, "gateway", FAM_IPV4, value);
}

static int l_gateway6(struct parser *p, const char *value)
{
	return gateway_key(p, "gateway6", FAM_IPV6, value);
}

static int l_nat(struct parser *p, const char *value)
{
	if (!strcmp(value, "none") || !strcmp(value, "masquerade")) {
		p->link->nat[FAM_IPV4] =
			strcmp(value, "none") ? NAT_MASQUERADE : NAT_NONE;
		return 0;
	}
	report(p, p->line, "nat: \"%s\" is neither \"none\" nor \"masquerade\"",
	       value);
	return -EINVAL;
}

static int l_nat6(struct parser *p, const char *value)
{
	struct link_config *l = p->link;

	if (!strcmp(value, "none") || !strcmp(value, "masquerade")) {
		l->nat[FAM_IPV6] = strcmp(value, "none") ? NAT_MASQUERADE :
							   NAT_NONE;
		return 0;
	}
	if (!strchr(value, '/')) {
		report(p, p->line,
		       "nat6: \"%s\" is not \"none\", \"masquerade\" or an IPv6 prefix",
		       value);
		return -EINVAL;
	}
	if (prefix6_value(p, "nat6", value, &l->nat6_prefix))
		return -EINVAL;
	l->nat[FAM_IPV6] = NAT_PREFIX;
	return 0;
}

static int l_prefix6(struct parser *p, const char *value)
{
	if (prefix6_value(p, "prefix6", value, &p->link->prefix6))
		return -EINVAL;
	p->link->has_prefix6 = true;
	return 0;
}

static int l_weight(struct parser *p, const char *value)
{
	return parse_number_key(p, "weight", value, 1, 255, &p->link->weight);
}

static int l_tier(struct parser *p, const char *value)
{
	return parse_number_key(p, "tier", value, 1, 255, &p->link->tier);
}

static int l_track(struct parser *p, const char *value)
{
	char buf[512], *save = NULL, *tok;
	struct link_config *l = p->link;

	snprintf(buf, sizeof(buf), "%s", value);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		struct track_target t;

		if (inaddr_parse(tok, &t.fam, &t.addr) ||
		    !inaddr_unicast(t.fam, &t.addr) ||
		    (t.fam == FAM_IPV6 && inaddr_is_linklocal6(&t.addr))) {
			report(p, p->line,
			       "track: \"%s\" is not a unicast IPv4 or global IPv6 address",
			       tok);
			return -EINVAL;
		}
		for (unsigned int i = 0; i < l->ntrack; i++) {
			if (l->track[i].fam == t.fam &&
			    inaddr_equal(t.fam, &l->track[i].addr, &t.addr)) {
				report(p, p->line, "track: %s is listed twice",
				       tok);
				return -EINVAL;
			}
		}
		if (l->ntrack == TRACK_MAX) {
			report(p, p->line, "track: more than %d targets",
			       TRACK_MAX);
			return -EINVAL;
		}
		l->track[l->ntrack++] = t;
	}
	if (l->ntrack == 0) {
		report(p, p->line, "track: no target given");
		return -EINVAL;
	}
	return 0;
}

static int l_probe(struct parser *p, const char *value)
{
	uint32_t port;

	if (!strcmp(value, "icmp")) {
		p->link->probe = PROBE_ICMP;
		return 0;
	}
	if (!strncmp(value, "tcp:", 4) &&
	    parse_u32(value + 4, 1, 65535, &port) == 0) {
		p->link->probe = PROBE_TCP;
		p->link->probe_port = (uint16_t)port;
		return 0;
	}
	report(p, p->line, "probe: \"%s\" is not icmp or tcp:PORT", value);
	return -EINVAL;
}

static int duration_key(struct parser *p, const char *key, const char *value,
			uint32_t min, uint32_t max, uint32_t *out)
{
	uint32_t ms;

	if (parse_duration_ms(value, &ms) == 0 && ms >= min && ms <= max) {
		*out = ms;
		return 0;
	}
	report(p, p->line,
	       "%s: \"%s\" is not a duration from %ums to %ums (write 200ms or 1.5s)",
	       key, value, min, max);
	return -EINVAL;
}

static int l_interval(struct parser *p, const char *value)
{
	return duration_key(p, "interval", value, 10, 60000,
			    &p->link->interval_ms);
}

static int l_timeout(struct parser *p, const char *value)
{
	return duration_key(p, "timeout", value, 10, 60000,
			    &p->link->timeout_ms);
}

static int l_down(struct parser *p, const char *value)
{
	return parse_number_key(p, "down", value, 1, 1000, &p->link->down);
}

static int l_up(struct parser *p, const char *value)
{
	return parse_number_key(p, "up", value, 1, 1000, &p->link->up);
}

static const struct key link_keys[] = {
	{ "interface", l_interface },
	{ "gateway", l_gateway },
	{ "gateway6", l_gateway6 },
	{ "weight", l_weight },
	{ "tier", l_tier },
	{ "track", l_track },
	{ "probe", l_probe },
	{ "interval", l_interval },
	{ "timeout", l_timeout },
	{ "down", l_down },
	{ "up", l_up },
	{ "nat", l_nat },
	{ "nat6", l_nat6 },
	{ "prefix6", l_prefix6 },
	{ NULL, NULL },
};

static void link_defaults(struct link_config *l)
{
	memset(l, 0, sizeof(*l));
	l->weight = 1;
	l->tier = 1;
	l->probe = PROBE_ICMP;
	l->interval_ms = DEFAULT_INTERVAL_MS;
	l->timeout_ms = DEFAULT_TIMEOUT_MS;
	l->down = DEFAULT_DOWN;
	l->up = DEFAULT_UP;
}

int config_find_link(const struct config *c, const char *name)
{
	for (unsigned int i = 0; i < c->nlinks; i++)
		if (!strcmp(c->links[i].name, name))
			return (int)i;
	return -1;
}

/* A section header, seen by the reader before inih sees it. */
static void begin_section(struct parser *p, const char *header)
{
	char name[128], word[16], extra[2];
	struct config *c = p->c;
	int n;

	p->section_line = p->line;
	p->seen = 0;
	p->link = NULL;
	p->section = SEC_UNKNOWN;

	n = sscanf(header, "%15s %127s %1s", word, name, extra);
	if (n == 1 && !strcmp(word, "global")) {
		if (p->global_line) {
			report(p, p->line,
			       "duplicate section [global] (first at line %d)",
			       p->global_line);
			return;
		}
		p->global_line = p->line;
		p->section = SEC_GLOBAL;
		return;
	}
	if (n >= 1 && (!strcmp(word, "policy") || !strcmp(word, "rule"))) {
		config_policy_begin(p, header, word, n == 2 ? name : NULL);
		return;
	}
	if (n < 1 || strcmp(word, "link")) {
		report(p, p->line,
		       "unknown section [%s] (expected [global], [link NAME], [policy NAME] or [rule NAME])",
		       header);
		return;
	}
	if (n != 2 || !config_valid_name(name)) {
		report(p, p->line,
		       "[%s]: a link needs one name of up to %d letters, digits, '-' or '_', starting with a letter",
		       header, LINK_NAME_MAX - 1);
		return;
	}
	n = config_find_link(c, name);
	if (n >= 0) {
		report(p, p->line, "duplicate link \"%s\" (first at line %d)",
		       name, c->links[n].line);
		return;
	}

	struct link_config *links =
		realloc(c->links, (c->nlinks + 1) * sizeof(*links));
	if (!links) {
		report(p, p->line, "out of memory");
		return;
	}
	c->links = links;
	p->link = &links[c->nlinks++];
	link_defaults(p->link);
	memcpy(p->link->name, name, strlen(name) + 1); /* validated length */
	p->link->line = p->line;
	p->section = SEC_LINK;
}

static void classify(struct parser *p, char *line)
{
	char *s = line, *end;

	while (isspace((unsigned char)*s))
		s++;
	p->kind = LINE_OTHER;
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (*s != '[') {
		p->kind = LINE_PAIR;
		return;
	}
	end = strchr(s, ']');
	if (!end) {
		report(p, p->line, "section header without ']'");
		p->section = SEC_UNKNOWN; /* skip its keys quietly */
		return;
	}
	*end = '\0';
	s++;
	while (isspace((unsigned char)*s))
		s++;
	for (char *t = end - 1; t >= s && isspace((unsigned char)*t); t--)
		*t = '\0';
	begin_section(p, s);
	*end = ']';
}

/* The line just finished: it held a pair, and inih did not accept it. */
static void check_handled(struct parser *p)
{
	if (p->kind == LINE_PAIR && !p->handled)
		report(p, p->line, "expected \"key = value\"");
}

static char *reader(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *nl;
	size_t len;

	check_handled(p);
	p->kind = LINE_OTHER;
	p->handled = false;
	if (!*p->next)
		return NULL;

	p->line++;
	nl = strchr(p->next, '\n');
	len = nl ? (size_t)(nl - p->next) : strlen(p->next);
	if (len + 2 > (size_t)num) {
		report(p, p->line, "line longer than %d characters", num - 2);
		/* hand inih a comment so that it skips the line */
		snprintf(str, (size_t)num, ";\n");
	} else {
		memcpy(str, p->next, len);
		str[len] = '\n';
		str[len + 1] = '\0';
		classify(p, str);
	}
	p->next += nl ? len + 1 : len;
	return str;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	static const char *const words[] = {
		[SEC_GLOBAL] = "global",
		[SEC_LINK] = "link",
		[SEC_POLICY] = "policy",
		[SEC_RULE] = "rule",
	};
	struct parser *p = user;
	const struct key *keys = NULL;
	unsigned int i;

	(void)section; /* the reader tracked it, with its line */
	p->handled = true;

	switch (p->section) {
	case SEC_NONE:
		report(p, p->line, "\"%s\" outside a section", name);
		return 1;
	case SEC_UNKNOWN:
		return 1;
	case SEC_GLOBAL:
		keys = global_keys;
		break;
	case SEC_LINK:
		keys = link_keys;
		break;
	case SEC_POLICY:
		keys = config_policy_keys;
		break;
	case SEC_RULE:
		keys = config_rule_keys;
		break;
	}

	for (i = 0; keys[i].name; i++)
		if (!strcmp(keys[i].name, name))
			break;
	if (!keys[i].name) {
		report(p, p->line, "unknown key \"%s\" in [%s]", name,
		       words[p->section]);
		return 1;
	}
	if ((p->seen & (1u << i)) && !config_key_repeats(&keys[i])) {
		report(p, p->line, "duplicate key \"%s\"", name);
		return 1;
	}
	p->seen |= 1u << i;
	if (!*value) {
		report(p, p->line, "%s: empty value", name);
		return 1;
	}
	keys[i].parse(p, value);
	return 1;
}

/* nat6 and prefix6 of link @i against lan6 and the links before it. */
static void check_nat6(struct parser *p, unsigned int i)
{
	const struct config *c = p->c;
	const struct link_config *l = &c->links[i];
	char a[INPREFIX_STRLEN], b[INPREFIX_STRLEN];

	if (l->nat[FAM_IPV6] == NAT_PREFIX && !c->has_lan6)
		report(p, l->line,
		       "[link %s]: nat6 = %s maps the LAN's prefix: set lan6 = PREFIX/LEN in [global]",
		       l->name, inprefix_str(FAM_IPV6, &l->nat6_prefix, a));
	else if (l->nat[FAM_IPV6] == NAT_PREFIX &&
		 l->nat6_prefix.len != c->lan6.len)
		report(p, l->line,
		       "[link %s]: nat6 = %s is not as long as lan6 = %s: prefix translation maps prefixes of one length",
		       l->name, inprefix_str(FAM_IPV6, &l->nat6_prefix, a),
		       inprefix_str(FAM_IPV6, &c->lan6, b));
	if (l->has_prefix6 && l->nat[FAM_IPV6] != NAT_NONE)
		report(p, l->line,
		       "[link %s]: prefix6 names the sources a link without translation carries: it needs nat6 = none",
		       l->name);
	for (unsigned int j = 0; j < i && l->has_prefix6; j++) {
		const struct link_config *o = &c->links[j];

		if (o->has_prefix6 &&
		    inprefix_overlap(FAM_IPV6, &o->prefix6, &l->prefix6))
			report(p, l->line,
			       "[link %s]: prefix6 %s overlaps link %s's %s (line %d)",
			       l->name, inprefix_str(FAM_IPV6, &l->prefix6, a),
			       o->name, inprefix_str(FAM_IPV6, &o->prefix6, b),
			       o->line);
	}
}

static void check_links(struct parser *p)
{
	struct config *c = p->c;

	for (unsigned int i = 0; i < c->nlinks; i++) {
		struct link_config *l = &c->links[i];

		if (!l->ifname[0]) {
			report(p, l->line,
			       "[link %s]: missing required key \"interface\"",
			       l->name);
			continue;
		}
		for (unsigned int j = 0; j < c->nlan; j++)
			if (!strcmp(c->lan[j], l->ifname))
				report(p, l->line,
				       "[link %s]: interface %s is also a lan interface",
				       l->name, l->ifname);
		for (unsigned int j = 0; j < i; j++) {
			struct link_config *o = &c->links[j];

			if (!strcmp(o->ifname, l->ifname) &&
			    o->has_gateway[FAM_IPV4] ==
				    l->has_gateway[FAM_IPV4] &&
			    inaddr_equal(FAM_IPV4, &o->gateway[FAM_IPV4],
					 &l->gateway[FAM_IPV4]))
				report(p, l->line,
				       "[link %s]: same interface and gateway as link %s (line %d)",
				       l->name, o->name, o->line);
		}
		/* probes in flight are bounded (PROBE_RING in probe.h) */
		if (l->timeout_ms > 250 * l->interval_ms)
			report(p, l->line,
			       "[link %s]: timeout is more than 250 intervals",
			       l->name);
		if (l->probe == PROBE_TCP && l->ntrack == 0)
			report(p, l->line,
			       "[link %s]: probe = tcp:%u needs \"track\" targets",
			       l->name, l->probe_port);
		check_nat6(p, i);
	}
}

static void check_config(struct parser *p)
{
	struct config *c = p->c;
	int gline = p->global_line ? p->global_line : 1;

	if (!p->global_line)
		report(p, 1, "missing section [global]");
	else if (c->nlan == 0)
		report(p, gline, "[global]: missing required key \"lan\"");
	if (c->nlinks == 0)
		report(p, gline,
		       "no [link NAME] section: at least one link is needed");
	if (c->nlinks > config_slots(c))
		report(p, gline,
		       "mark_mask 0x%x holds %u links, %u are configured",
		       c->mark_mask, config_slots(c), c->nlinks);
	/* the fallback table and one table per link slot */
	uint64_t last = (uint64_t)c->table + config_slots(c);
	if (last > 0x7fffffffULL || (c->table <= 255 && last >= 253))
		report(p, gline,
		       "table: %u..%llu must not reach the reserved tables 253-255 or 2^31",
		       c->table, (unsigned long long)last);
	check_links(p);
	config_policy_check(p);
}

int config_parse_string(struct config *c, const char *name, const char *text,
			const struct config_diag *diag)
{
	struct parser p = {
		.c = c,
		.name = name,
		.diag = diag,
		.next = text,
	};

	if (!strncmp(text, "\xef\xbb\xbf", 3))
		p.next += 3; /* UTF-8 byte order mark */

	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", name);
	c->hash = HASH_L4;
	c->seed = DEFAULT_SEED;
	snprintf(c->control, sizeof(c->control), "%s", DEFAULT_CONTROL);
	c->buckets = DEFAULT_BUCKETS;
	c->mark_mask = DEFAULT_MARK_MASK;
	c->table = DEFAULT_TABLE;
	c->priority = DEFAULT_PRIORITY;
	c->own_table = true;
	c->hook_timeout_ms = DEFAULT_HOOK_TIMEOUT_MS;

	/* Library-wide settings: one flowpin.conf dialect. */
	ini_allow_multiline = false;
	ini_allow_inline_comments = true;
	ini_inline_comment_prefixes = ";#";
	ini_stop_on_first_error = false;
	ini_use_stack = false;
	ini_allow_realloc = false;
	/* the reader's buffer is the initial allocation: a line, its
	 * newline and the NUL */
	ini_initial_alloc = CONFIG_LINE_MAX + 2;
	ini_max_line = CONFIG_LINE_MAX + 2;

	if (config_policy_init(&p))
		report(&p, 0, "out of memory");
	if (ini_parse_stream(reader, &p, handler, &p) == -2)
		report(&p, p.line, "out of memory");
	check_config(&p);
	config_policy_release(&p);
	if (p.errors) {
		config_free(c);
		return -EINVAL;
	}
	return 0;
}

void config_free(struct config *c)
{
	free(c->links);
	c->links = NULL;
	c->nlinks = 0;
	config_policy_free(c);
}

uint32_t config_slots(const struct config *c)
{
	uint32_t m = c->mark_mask, n = m ? m / (m & -m) : 0;

	return n < SLOTS_MAX ? n : SLOTS_MAX;
}

uint32_t config_slot_mark(const struct config *c, unsigned int slot)
{
	return slot * (c->mark_mask & -c->mark_mask);
}

unsigned int config_ntrack(const struct link_config *l, enum fam f)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < l->ntrack; i++)
		n += l->track[i].fam == f;
	return n;
}

bool config_balances6(const struct link_config *l)
{
	return l->nat[FAM_IPV6] != NAT_NONE || !l->has_prefix6;
}

bool config_has_prefix6(const struct config *c)
{
	for (unsigned int i = 0; i < c->nlinks; i++)
		if (c->links[i].has_prefix6)
			return true;
	return false;
}
