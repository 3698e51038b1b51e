// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/daemon.h"
#include "kernel/nftables.h"
#include "lib/monotonic.h"

static json_object *address(struct in_addr a)
{
	char text[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, text, sizeof(text));
	return json_object_new_string(text);
}

/*
 * The next hop and where it comes from: "config", or "route" (learned
 * from the default route another program installed, which is named);
 * null when none is known. The source address the link sends from.
 */
static void add_gateway(json_object *o, struct daemon *d, unsigned int i)
{
	const struct link_config *l = &d->m.cfg.links[i];
	const struct ctl_link *u = &d->m.ctl.links[i];
	const struct iface_addr *src = controller_source(&d->m.ctl, i);
	const char *proto = route_protocol_name(u->seen.route.protocol);
	struct in_addr gw;
	json_object *r;

	json_object_object_add(o, "gateway",
			       controller_gateway(&d->m.ctl, i, &gw) ?
				       address(gw) :
				       NULL);
	if (l->has_gateway) {
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
	json_object_object_add(o, "address", src ? address(src->local) : NULL);
}

static json_object *link_status(struct daemon *d, unsigned int i,
				uint64_t packets, uint64_t bytes)
{
	const struct link_config *l = &d->m.cfg.links[i];
	const struct uplink *ul = &d->m.links[i];
	const struct ctl_link *u = &d->m.ctl.links[i];
	json_object *o = json_object_new_object();
	uint32_t owned = bucket_count(&d->m.ctl.buckets, (int)i);
	uint64_t age_ms = monotonic_us() / 1000 - u->since_ms;

	json_object_object_add(o, "name", json_object_new_string(l->name));
	json_object_object_add(o, "interface",
			       json_object_new_string(l->ifname));
	add_gateway(o, d, i);
	json_object_object_add(o, "state",
			       json_object_new_string(u->up ? "up" : "down"));
	if (!u->up) {
		char why[160];

		controller_why(&d->m.ctl, i, why, sizeof(why));
		json_object_object_add(o, "reason",
				       json_object_new_string(why));
	}
	json_object_object_add(o, "since",
			       json_object_new_int64(time(NULL) -
						     (time_t)(age_ms / 1000)));
	if (l->ntrack) {
		json_object_object_add(o, "rtt",
				       u->health.rtt_ms < 0 ?
					       NULL :
					       json_object_new_double(
						       u->health.rtt_ms));
		json_object_object_add(o, "loss",
				       json_object_new_double(
					       health_loss(&u->health)));
	}
	json_object_object_add(o, "weight", json_object_new_int(l->weight));
	json_object_object_add(o, "tier", json_object_new_int(l->tier));
	json_object_object_add(o, "mark", json_object_new_int64(ul->mark));
	json_object_object_add(o, "table", json_object_new_int64(ul->table));
	json_object_object_add(o, "buckets", json_object_new_int64(owned));
	json_object_object_add(o, "share",
			       json_object_new_double(100.0 * owned /
						      d->m.ctl.buckets.size));
	json_object_object_add(o, "flows",
			       json_object_new_uint64(
				       flowcount_get(&d->flows, i)));
	json_object_object_add(o, "packets", json_object_new_uint64(packets));
	json_object_object_add(o, "bytes", json_object_new_uint64(bytes));
	return o;
}

static json_object *status(struct daemon *d)
{
	unsigned int n = d->m.cfg.nlinks;
	uint64_t packets[n], bytes[n];
	json_object *o = json_object_new_object(), *links;

	nftables_counters(d->nft, &d->m.cfg, packets, bytes);
	json_object_object_add(o, "hash",
			       json_object_new_string(
				       hash_mode_name(d->m.cfg.hash)));
	json_object_object_add(o, "seed", json_object_new_int64(d->m.cfg.seed));
	json_object_object_add(o, "table_owned",
			       json_object_new_boolean(d->nft_owner));
	json_object_object_add(o, "buckets",
			       json_object_new_int64(d->m.ctl.buckets.size));
	links = json_object_new_array();
	for (unsigned int i = 0; i < n; i++)
		json_object_array_add(links,
				      link_status(d, i, packets[i], bytes[i]));
	json_object_object_add(o, "links", links);
	return o;
}

/* The live bucket table, for flowpin explain. */
static json_object *table(struct daemon *d)
{
	const struct model *m = &d->m;
	const struct bucket_table *t = &m->ctl.buckets;
	json_object *o = json_object_new_object(), *links, *owners;

	json_object_object_add(o, "hash",
			       json_object_new_string(
				       hash_mode_name(m->cfg.hash)));
	json_object_object_add(o, "seed", json_object_new_int64(m->cfg.seed));
	links = json_object_new_array();
	for (unsigned int i = 0; i < m->cfg.nlinks; i++) {
		json_object *l = json_object_new_object();

		json_object_object_add(l, "name",
				       json_object_new_string(
					       m->cfg.links[i].name));
		json_object_object_add(l, "state",
				       json_object_new_string(
					       m->ctl.links[i].up ? "up" :
								    "down"));
		json_object_array_add(links, l);
	}
	json_object_object_add(o, "links", links);
	owners = json_object_new_array_ext((int)t->size);
	for (uint32_t b = 0; b < t->size; b++)
		json_object_array_add(owners, json_object_new_int(t->owner[b]));
	json_object_object_add(o, "owners", owners);
	return o;
}

static json_object *error(const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(msg));
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
	else
		reply = error("unknown command");
out:
	text = strdup(
		json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN));
	json_object_put(reply);
	json_object_put(req);
	return text;
}
