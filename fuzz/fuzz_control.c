// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket's answers on arbitrary request text, from a daemon
 * model built once from a fixed configuration: controllers of both
 * families started, links up, down by probes, missing, with a gateway
 * learned from a route, counted connections. The kernel's part is a stub
 * here (nftcounter_read: this file's, not src/kernel/nftcounter.c's).
 * Every reply is one JSON document (RFC 8259: no NaN, no Infinity) and
 * the one the request asked for; answering changes nothing in the model.
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <net/if.h>

#include "daemon/daemon.h"
#include "fuzz/fuzz.h"
#include "kernel/nftcounter.h"

static const char conf_text[] =
	"[global]\nlan = eth0\nlan6 = fd00:1::/64\nbuckets = 64\n"
	"[link isp1]\ninterface = eth1\ngateway = 192.0.2.1\nweight = 2\n"
	"track = 198.51.100.10 2001:db8:ffff::10\nnat6 = 2001:db8:a::/64\n"
	"nat = masquerade\n"
	"[link isp2]\ninterface = eth2\ngateway = 198.51.100.1\n"
	"track = 203.0.113.20\nprobe = tcp:443\nnat6 = masquerade\n"
	"[link cable]\ninterface = eth3\n"
	"[link dsl]\ninterface = ppp0\n"
	"[link lte]\ninterface = wwan0\ntier = 2\n"
	"prefix6 = 2001:db8:300::/56\n";

static struct daemon d;
/* the model as built, against which every answer is compared */
static struct ctl_link *saved_links[FAM_MAX];
static int16_t *saved_owners[FAM_MAX];

/* The stub of the kernel: counters as large as they come. */
int nftcounter_read(struct nl *nl, const struct config *c, uint64_t *packets,
		    uint64_t *bytes)
{
	(void)nl;
	for (unsigned int i = 0; i < c->nlinks; i++) {
		packets[i] = i == 1 ? UINT64_MAX : 1000 * i;
		bytes[i] = i == 1 ? UINT64_MAX : 1500000 * i;
	}
	return 0;
}

static struct iface_addr addr(enum fam f, const char *local, unsigned plen)
{
	struct iface_addr a = { .fam = f, .plen = (unsigned char)plen };

	if (inet_pton(fam_af(f), local, &a.local) != 1)
		abort();
	return a;
}

static struct route learned(enum fam f, const char *gw, unsigned char proto,
			    int oif)
{
	struct route r = { .fam = f,
			   .table = 254,
			   .protocol = proto,
			   .oif = oif,
			   .metric = 100 };

	if (inet_pton(fam_af(f), gw, &r.gw) != 1)
		abort();
	return r;
}

/* What is seen of each link, per family. */
static void see(struct link_seen seen[5][FAM_MAX])
{
	const unsigned int run = IFF_UP | IFF_RUNNING;

	memset(seen, 0, 5 * FAM_MAX * sizeof(seen[0][0]));
	/* isp1: both families; its IPv6 gateway from the RA's route */
	for (enum fam f = 0; f < FAM_MAX; f++) {
		struct iface *i = &seen[0][f].ifc;

		*i = (struct iface){ .index = 2, .flags = run, .naddr = 2 };
		i->addr[0] = addr(FAM_IPV4, "192.0.2.2", 24);
		i->addr[1] = addr(FAM_IPV6, "2001:db8:a::2", 64);
	}
	seen[0][FAM_IPV6].route = learned(FAM_IPV6, "fe80::1", 9, 2);
	seen[0][FAM_IPV6].has_route = true;
	/* isp2: IPv4 only */
	for (enum fam f = 0; f < FAM_MAX; f++) {
		struct iface *i = &seen[1][f].ifc;

		*i = (struct iface){ .index = 3, .flags = run, .naddr = 1 };
		i->addr[0] = addr(FAM_IPV4, "198.51.100.2", 24);
	}
	/* cable: DHCP's route (IPv4), a protocol without a name (IPv6) */
	for (enum fam f = 0; f < FAM_MAX; f++) {
		struct iface *i = &seen[2][f].ifc;

		*i = (struct iface){ .index = 4, .flags = run, .naddr = 2 };
		i->addr[0] = addr(FAM_IPV4, "203.0.113.5", 24);
		i->addr[1] = addr(FAM_IPV6, "2001:db8:c::5", 64);
	}
	seen[2][FAM_IPV4].route = learned(FAM_IPV4, "203.0.113.1", 16, 4);
	seen[2][FAM_IPV6].route = learned(FAM_IPV6, "2001:db8:c::1", 201, 4);
	seen[2][FAM_IPV4].has_route = seen[2][FAM_IPV6].has_route = true;
	/* dsl: ppp0 is missing (index 0) */
	/* lte: point to point, both families */
	for (enum fam f = 0; f < FAM_MAX; f++) {
		struct iface *i = &seen[4][f].ifc;

		*i = (struct iface){ .index = 6,
				     .flags = run | IFF_POINTOPOINT,
				     .naddr = 2 };
		i->addr[0] = addr(FAM_IPV4, "100.64.0.2", 32);
		i->addr[1] = addr(FAM_IPV6, "2001:db8:300::1", 64);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct link_seen seen[5][FAM_MAX];
	struct model *m = &d.m;
	uint64_t now = 1000000;

	(void)argc;
	(void)argv;
	if (config_parse_string(&m->cfg, "fuzz.conf", conf_text,
				CONFIG_DIAG_FILE(stderr)) ||
	    m->cfg.nlinks != 5)
		abort();
	d.config_path = "fuzz.conf";
	d.nft_owner = true;
	m->links = calloc(m->cfg.nlinks, sizeof(*m->links));
	m->slots = calloc(TAKEOVER_SLOTS(&m->cfg), sizeof(*m->slots));
	m->marks = calloc(TAKEOVER_SLOTS(&m->cfg), sizeof(*m->marks));
	m->text = strdup(conf_text);
	if (!m->links || !m->slots || !m->marks || !m->text ||
	    flowcount_init(&d.flows))
		abort();
	for (unsigned int i = 0; i < m->cfg.nlinks; i++) {
		m->links[i].d = &d;
		m->links[i].slot = m->slots[i] = i + 1;
		m->links[i].mark = m->marks[i] =
			config_slot_mark(&m->cfg, i + 1);
		m->links[i].table = m->cfg.table + i + 1;
	}
	see(seen);
	for (enum fam f = 0; f < FAM_MAX; f++) {
		struct link_seen fs[5];
		struct ctl_decision dec;

		if (controller_init(&m->ctl[f], &m->cfg, f))
			abort();
		for (unsigned int i = 0; i < 5; i++)
			fs[i] = seen[i][f];
		controller_start(&m->ctl[f], fs, NULL, false, now);
		controller_applied(&m->ctl[f]);
		/* isp1 answers; isp2 loses every probe: down by probes */
		for (unsigned int p = 0; p < 30; p++, now += 50) {
			controller_probe(&m->ctl[f], 0, p % 7 != 0, 12.5 + p,
					 now);
			controller_probe(&m->ctl[f], 1, false, 0, now);
		}
		controller_evaluate(&m->ctl[f], now, &dec);
		controller_applied(&m->ctl[f]);
		for (unsigned int i = 0; i < 5; i++)
			for (uint64_t k = 0; k < 3 * i + f; k++)
				flowcount_add(&d.flows,
					      (i << 8 | f << 4 | k) + 1,
					      flows_class(i, f));

		size_t nl = 5 * sizeof(struct ctl_link),
		       nb = m->ctl[f].pol[0].buckets.size * sizeof(int16_t);

		saved_links[f] = malloc(nl);
		saved_owners[f] = malloc(nb);
		if (!saved_links[f] || !saved_owners[f])
			abort();
		memcpy(saved_links[f], m->ctl[f].links, nl);
		memcpy(saved_owners[f], m->ctl[f].pol[0].buckets.owner, nb);
	}
	return 0;
}

/* RFC 8259, strictly: json-c's parser takes NaN and Infinity too. */
static const char *json_value(const char *s, int depth);

static const char *json_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

static const char *json_string(const char *s)
{
	if (*s++ != '"')
		return NULL;
	for (; *s != '"'; s++) {
		if ((unsigned char)*s < 0x20)
			return NULL; /* the NUL, or a control character */
		if (*s != '\\')
			continue;
		s++;
		if (*s == 'u') {
			for (int i = 1; i <= 4; i++)
				if (!s[i] ||
				    !strchr("0123456789abcdefABCDEF", s[i]))
					return NULL;
			s += 4;
		} else if (!*s || !strchr("\"\\/bfnrt", *s)) {
			return NULL;
		}
	}
	return s + 1;
}

static const char *json_digits(const char *s)
{
	const char *t = s;

	while (*t >= '0' && *t <= '9')
		t++;
	return t > s ? t : NULL;
}

static const char *json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (!(s = json_digits(s)))
		return NULL;
	if (*s == '.' && !(s = json_digits(s + 1)))
		return NULL;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		s = json_digits(s);
	}
	return s;
}

static const char *json_value(const char *s, int depth)
{
	char close;

	if (depth > 64)
		return NULL;
	s = json_ws(s);
	switch (*s) {
	case '"':
		return json_string(s);
	case '{':
	case '[':
		close = *s == '{' ? '}' : ']';
		s = json_ws(s + 1);
		if (*s == close)
			return s + 1;
		for (;;) {
			if (close == '}') {
				if (!(s = json_string(json_ws(s))))
					return NULL;
				s = json_ws(s);
				if (*s++ != ':')
					return NULL;
			}
			if (!(s = json_value(s, depth + 1)))
				return NULL;
			s = json_ws(s);
			if (*s == close)
				return s + 1;
			if (*s++ != ',')
				return NULL;
		}
	case 't':
		return strncmp(s, "true", 4) ? NULL : s + 4;
	case 'f':
		return strncmp(s, "false", 5) ? NULL : s + 5;
	case 'n':
		return strncmp(s, "null", 4) ? NULL : s + 4;
	default:
		return json_number(s);
	}
}

/* The command the request names, as answer.c must read it; NULL: none. */
static const char *command_of(json_object *req)
{
	json_object *cmd;

	if (!req || !json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "command", &cmd) ||
	    !json_object_is_type(cmd, json_type_string))
		return NULL;
	return json_object_get_string(cmd);
}

static void check_reply(const char *request, const char *text)
{
	json_object *req = json_tokener_parse(request);
	json_object *reply = json_tokener_parse(text), *v;
	const char *cmd = command_of(req), *end = json_value(text, 0);

	FUZZ_CHECK(end && !*json_ws(end), "not one JSON document: %s", text);
	FUZZ_CHECK(reply && json_object_is_type(reply, json_type_object),
		   "not an object: %s", text);
	if (cmd && !strcmp(cmd, "status")) {
		FUZZ_CHECK(json_object_object_get_ex(reply, "links", &v) &&
				   json_object_array_length(v) == 5,
			   "status: %s", text);
	} else if (cmd && !strcmp(cmd, "table")) {
		FUZZ_CHECK(json_object_object_get_ex(reply, "owners", &v) &&
				   json_object_array_length(v) == 64 &&
				   json_object_object_get_ex(reply, "owners6",
							     &v) &&
				   json_object_array_length(v) == 64,
			   "table: %s", text);
	} else if (cmd && !strcmp(cmd, "metrics")) {
		FUZZ_CHECK(json_object_object_get_ex(reply, "metrics", &v) &&
				   json_object_is_type(v, json_type_string) &&
				   !strncmp(json_object_get_string(v),
					    "# HELP flowpin_", 15),
			   "metrics: %s", text);
	} else {
		FUZZ_CHECK(json_object_object_get_ex(reply, "error", &v) &&
				   json_object_is_type(v, json_type_string),
			   "an error for \"%s\": %s", request, text);
	}
	json_object_put(reply);
	json_object_put(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *request = fuzz_string(data, size);
	char *text = answer_request(&d, request);

	FUZZ_CHECK(text, "no answer to \"%s\"", request);
	check_reply(request, text);
	for (enum fam f = 0; f < FAM_MAX; f++)
		FUZZ_CHECK(!memcmp(saved_links[f], d.m.ctl[f].links,
				   5 * sizeof(struct ctl_link)) &&
				   !memcmp(saved_owners[f],
					   d.m.ctl[f].pol[0].buckets.owner,
					   64 * sizeof(int16_t)),
			   "answering \"%s\" changed the model", request);
	free(text);
	free(request);
	return 0;
}
