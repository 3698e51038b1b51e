// SPDX-License-Identifier: GPL-2.0-or-later
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/answer.h"
#include "daemon/daemon.h"
#include "daemon/metrics.h"
#include "kernel/nftcounter.h"
#include "lib/monotonic.h"

/* RTT in milliseconds to the microsecond, percentages to a tenth. */
json_object *answer_figure(double v, int decimals)
{
	char text[32];

	snprintf(text, sizeof(text), "%.*f", decimals, v);
	return json_object_new_double_s(v, text);
}

static json_object *address(enum fam f, const union inaddr *a)
{
	char text[INADDR_STRLEN];

	return json_object_new_string(inaddr_str(f, a, text));
}

/*
 * The next hop and where it comes from: "config", or "route" (learned
 * from the default route another program installed, which is named);
 * null when none is known. The source address the link sends from.
 */
static void add_gateway(json_object *o, struct daemon *d, enum fam f,
			unsigned int i)
{
	const struct link_config *l = &d->m.cfg.links[i];
	const struct controller *c = &d->m.ctl[f];
	const struct ctl_link *u = &c->links[i];
	const struct iface_addr *src = controller_source(c, i);
	const char *proto = route_protocol_name(u->seen.route.protocol);
	union inaddr gw;
	json_object *r;

	json_object_object_add(o, "gateway",
			       controller_gateway(c, i, &gw) ? address(f, &gw) :
							       NULL);
	if (l->has_gateway[f]) {
		json_object_object_add(o, "gateway_source",
				       json_object_new_string("config"));
	} else if (u->seen.has_route) {
		json_object_object_add(o, "gateway_source",
				       json_object_new_string("route"));
		r = json_object_new_object();
		json_object_object_add(r, "table",
				       json_object_new_int64(
					       u->seen.route.table));
		json_object_object_add(r, "protocol",
				       proto ? json_object_new_string(proto) :
					       json_object_new_int(
						       u->seen.route.protocol));
		json_object_object_add(r, "metric",
				       json_object_new_int64(
					       u->seen.route.metric));
		json_object_object_add(o, "gateway_route", r);
	} else {
		json_object_object_add(o, "gateway_source", NULL);
	}
	json_object_object_add(o, "address",
			       src ? address(f, &src->local) : NULL);
}

/*
 * What one family of link @i is: state, reason, since, next hop, source,
 * probes' RTT and loss (with targets of that family), buckets and share
 * of that family's table.
 */
static void add_path(json_object *o, struct daemon *d, enum fam f,
		     unsigned int i)
{
	const struct link_config *l = &d->m.cfg.links[i];
	const struct controller *c = &d->m.ctl[f];
	const struct ctl_link *u = &c->links[i];
	const struct bucket_table *t = controller_buckets(c, POLICY_DEFAULT);
	uint32_t owned = bucket_count(t, (int)i);
	uint64_t age_ms = monotonic_us() / 1000 - u->since_ms;

	add_gateway(o, d, f, i);
	json_object_object_add(o, "state",
			       json_object_new_string(u->up ? "up" : "down"));
	if (!u->up) {
		char why[160];

		controller_why(c, i, why, sizeof(why));
		json_object_object_add(o, "reason",
				       json_object_new_string(why));
	}
	json_object_object_add(o, "since",
			       json_object_new_int64(time(NULL) -
						     (time_t)(age_ms / 1000)));
	if (config_ntrack(l, f)) {
		json_object_object_add(o, "rtt",
				       u->health.rtt_ms < 0 ?
					       NULL :
					       answer_figure(u->health.rtt_ms,
							     3));
		json_object_object_add(o, "loss",
				       answer_figure(health_loss(&u->health),
						     1));
	}
	json_object_object_add(o, "buckets", json_object_new_int64(owned));
	json_object_object_add(o, "share",
			       answer_figure(100.0 * owned / t->size, 1));
}

/*
 * A link: IPv4 at the top level, as it always was, and its IPv6 path in
 * "ipv6"; "flows", "packets" and "bytes" at the top are both families'.
 */
static json_object *link_status(struct daemon *d, unsigned int i,
				uint64_t packets, uint64_t bytes)
{
	const struct link_config *l = &d->m.cfg.links[i];
	const struct uplink *ul = &d->m.links[i];
	json_object *o = json_object_new_object();
	json_object *v6 = json_object_new_object();
	char p[INPREFIX_STRLEN];

	json_object_object_add(o, "name", json_object_new_string(l->name));
	json_object_object_add(o, "interface",
			       json_object_new_string(l->ifname));
	add_path(o, d, FAM_IPV4, i);
	json_object_object_add(o, "weight", json_object_new_int(l->weight));
	json_object_object_add(o, "tier", json_object_new_int(l->tier));
	json_object_object_add(o, "mark", json_object_new_int64(ul->mark));
	json_object_object_add(o, "table", json_object_new_int64(ul->table));
	json_object_object_add(o, "flows",
			       json_object_new_uint64(flows_link(d, i)));
	json_object_object_add(o, "packets", json_object_new_uint64(packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(bytes));
	json_object_object_add(o, "nat",
			       json_object_new_string(
				       l->nat[FAM_IPV4] == NAT_MASQUERADE ?
					       "masquerade" :
					       "none"));
	add_path(v6, d, FAM_IPV6, i);
	json_object_object_add(v6, "flows",
			       json_object_new_uint64(
				       flows_of(d, i, FAM_IPV6)));
	json_object_object_add(v6, "nat",
			       json_object_new_string(
				       l->nat[FAM_IPV6] == NAT_PREFIX ?
					       inprefix_str(FAM_IPV6,
							    &l->nat6_prefix,
							    p) :
				       l->nat[FAM_IPV6] == NAT_MASQUERADE ?
					       "masquerade" :
					       "none"));
	json_object_object_add(v6, "prefix",
			       l->has_prefix6 ?
				       json_object_new_string(
					       inprefix_str(FAM_IPV6,
							    &l->prefix6, p)) :
				       NULL);
	json_object_object_add(o, "ipv6", v6);
	return o;
}

static json_object *status(struct daemon *d)
{
	unsigned int n = d->m.cfg.nlinks;
	uint64_t packets[n + d->m.cfg.nrules + 1],
		bytes[n + d->m.cfg.nrules + 1];
	json_object *o = json_object_new_object(), *links;

	nftcounter_read(&d->nfnl, &d->m.cfg, packets, bytes);
	json_object_object_add(o, "hash",
			       json_object_new_string(
				       hash_mode_name(d->m.cfg.hash)));
	json_object_object_add(o, "seed", json_object_new_int64(d->m.cfg.seed));
	json_object_object_add(o, "table_owned",
			       json_object_new_boolean(d->nft_owner));
	json_object_object_add(o, "buckets",
			       json_object_new_int64(d->m.cfg.buckets));
	links = json_object_new_array();
	for (unsigned int i = 0; i < n; i++)
		json_object_array_add(links,
				      link_status(d, i, packets[i], bytes[i]));
	json_object_object_add(o, "links", links);
	json_object_object_add(o, "policies", answer_policies(d));
	json_object_object_add(o, "rules", answer_rules(d, packets + n));
	return o;
}

/* The live bucket table, for flowpin explain. */
static json_object *table(struct daemon *d)
{
	const struct model *m = &d->m;
	json_object *o = json_object_new_object(), *links;

	json_object_object_add(o, "hash",
			       json_object_new_string(
				       hash_mode_name(m->cfg.hash)));
	json_object_object_add(o, "seed", json_object_new_int64(m->cfg.seed));
	links = json_object_new_array();
	for (unsigned int i = 0; i < m->cfg.nlinks; i++) {
		json_object *l = json_object_new_object();
		char p[INPREFIX_STRLEN];

		json_object_object_add(l, "name",
				       json_object_new_string(
					       m->cfg.links[i].name));
		json_object_object_add(l, "state",
				       json_object_new_string(
					       m->ctl[FAM_IPV4].links[i].up ?
						       "up" :
						       "down"));
		json_object_object_add(l, "state6",
				       json_object_new_string(
					       m->ctl[FAM_IPV6].links[i].up ?
						       "up" :
						       "down"));
		json_object_object_add(
			l, "prefix6",
			m->cfg.links[i].has_prefix6 ?
				json_object_new_string(
					inprefix_str(FAM_IPV6,
						     &m->cfg.links[i].prefix6,
						     p)) :
				NULL);
		json_object_array_add(links, l);
	}
	json_object_object_add(o, "links", links);
	answer_table_policies(d, o);
	return o;
}

static json_object *error(const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

/* The Prometheus text, as one string: {"metrics":"# HELP ..."}. */
static json_object *metrics(struct daemon *d)
{
	char *text = metrics_text(d);
	json_object *o;

	if (!text)
		return error("out of memory");
	o = json_object_new_object();
	json_object_object_add(o, "metrics", json_object_new_string(text));
	free(text);
	return o;
}

char *answer_request(struct daemon *d, const char *request)
{
	json_object *req = json_tokener_parse(request), *cmd, *reply;
	const char *name;
	char *text;

	if (!req || !json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "command", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		reply = error("bad request: want {\"command\":\"...\"}");
		goto out;
	}
	name = json_object_get_string(cmd);
	if (!strcmp(name, "status"))
		reply = status(d);
	else if (!strcmp(name, "table"))
		reply = table(d);
	else if (!strcmp(name, "metrics"))
		reply = metrics(d);
	else
		reply = error("unknown command");
out:
	text = strdup(
		json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN));
	json_object_put(reply);
	json_object_put(req);
	return text;
}
