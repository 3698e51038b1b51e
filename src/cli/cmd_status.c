// SPDX-License-Identifier: GPL-2.0-or-later
/* flowpin status: the daemon's links, for people (text) or programs (-j). */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cmd.h"
#include "core/config.h"
#include "lib/control.h"
#include "lib/jsonget.h"
#include "cli/print.h"

/* "3d4h", "2h05m", "4m10s", "12s": how long a state has lasted. */
static void format_age(char *buf, size_t size, long long s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, size, "%lldd%lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, size, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, size, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(buf, size, "%llds", s);
}

/* "(config)", or the route the gateway was learned from */
static void print_gateway_source(json_object *l)
{
	const char *src = json_str(l, "gateway_source");
	json_object *r, *proto;

	if (!src) {
		print_null("gateway_source");
		print_text(" (no gateway known)");
		return;
	}
	print_string(PRINT_JSON, "gateway_source", "%s", src);
	if (!json_object_object_get_ex(l, "gateway_route", &r)) {
		print_text(" (%s)", src);
		return;
	}
	print_open_object("gateway_route");
	print_u64(PRINT_ANY, "table", " (learned: table %" PRIu64,
		  json_u64(r, "table"));
	if (json_object_object_get_ex(r, "protocol", &proto) &&
	    json_object_is_type(proto, json_type_string))
		print_string(PRINT_ANY, "protocol", " proto %s",
			     json_object_get_string(proto));
	else
		print_u64(PRINT_ANY, "protocol", " proto %" PRIu64,
			  json_u64(r, "protocol"));
	print_u64(PRINT_ANY, "metric", " metric %" PRIu64 ")",
		  json_u64(r, "metric"));
	print_close_object();
}

/*
 * One family of a link: next hop, source, state and how long, why, the
 * probes' RTT and loss.
 */
static void print_path(json_object *l)
{
	const char *gw = json_str(l, "gateway"),
		   *reason = json_str(l, "reason");
	json_object *v;
	char age[32];

	if (gw)
		print_string(PRINT_ANY, "gateway", " via %s", gw);
	else
		print_null("gateway");
	print_gateway_source(l);
	if (json_str(l, "address"))
		print_string(PRINT_ANY, "address", " src %s",
			     json_str(l, "address"));
	else
		print_null("address");
	print_string(PRINT_ANY, "state", " %s", json_str(l, "state"));
	format_age(age, sizeof(age),
		   (long long)(time(NULL) - (time_t)json_u64(l, "since")));
	print_u64(PRINT_JSON, "since", "%" PRIu64, json_u64(l, "since"));
	print_text(" for %s", age);
	if (reason)
		print_string(PRINT_ANY, "reason", " (%s)", reason);
	/* probed links: the last round trip and the recent loss */
	if (json_object_object_get_ex(l, "loss", &v)) {
		if (json_object_object_get_ex(l, "rtt", &v) && v)
			print_double(PRINT_ANY, "rtt", " rtt %.1fms",
				     json_object_get_double(v));
		else
			print_null("rtt");
		print_double(PRINT_ANY, "loss", " loss %.0f%%",
			     json_dbl(l, "loss"));
	}
}

/* The IPv6 path, a line of its own: "ipv6 via ... buckets N (S%) ..." */
static void print_ipv6(json_object *l)
{
	const char *prefix;
	json_object *v6;

	if (!json_object_object_get_ex(l, "ipv6", &v6) || !v6)
		return;
	print_open_object("ipv6");
	print_text("\n    ipv6");
	print_path(v6);
	print_u64(PRINT_ANY, "buckets", " buckets %" PRIu64,
		  json_u64(v6, "buckets"));
	print_double(PRINT_ANY, "share", " (%.1f%%)", json_dbl(v6, "share"));
	print_u64(PRINT_ANY, "flows", " flows %" PRIu64, json_u64(v6, "flows"));
	print_string(PRINT_ANY, "nat", " nat6 %s", json_str(v6, "nat"));
	prefix = json_str(v6, "prefix");
	if (prefix)
		print_string(PRINT_ANY, "prefix", " prefix6 %s", prefix);
	else
		print_null("prefix");
	print_close_object();
}

static void print_link(json_object *l)
{
	print_open_object(NULL);
	print_string(PRINT_ANY, "name", "link %s", json_str(l, "name"));
	print_string(PRINT_ANY, "interface", " dev %s",
		     json_str(l, "interface"));
	print_path(l);
	print_ipv6(l);
	print_u64(PRINT_ANY, "weight", "\n    weight %" PRIu64,
		  json_u64(l, "weight"));
	print_u64(PRINT_ANY, "tier", " tier %" PRIu64, json_u64(l, "tier"));
	print_u64(PRINT_ANY, "buckets", " buckets %" PRIu64,
		  json_u64(l, "buckets"));
	print_double(PRINT_ANY, "share", " (%.1f%%)", json_dbl(l, "share"));
	print_u64(PRINT_ANY, "mark", " mark 0x%" PRIx64, json_u64(l, "mark"));
	print_u64(PRINT_ANY, "table", " table %" PRIu64, json_u64(l, "table"));
	print_string(PRINT_ANY, "nat", " nat %s", json_str(l, "nat"));
	print_u64(PRINT_ANY, "flows", "\n    flows %" PRIu64,
		  json_u64(l, "flows"));
	print_u64(PRINT_ANY, "packets", " packets %" PRIu64,
		  json_u64(l, "packets"));
	print_u64(PRINT_ANY, "bytes", " bytes %" PRIu64, json_u64(l, "bytes"));
	print_text("\n");
	print_close_object();
}

/*
 * " KEY N": a flows figure a policy may not have (its connections told
 * apart only with a mark of their own).
 */
static void print_flows(json_object *o, const char *key)
{
	json_object *v;

	if (json_object_object_get_ex(o, key, &v) && v) {
		print_text(" %s", key);
		print_u64(PRINT_ANY, key, " %" PRIu64, json_u64(o, key));
	} else {
		print_null(key);
	}
}

/* A policy's member link: "wan1 weight 1 tier 1 buckets 512 (50.0%) ..." */
static void print_member(json_object *l)
{
	print_open_object(NULL);
	print_string(PRINT_ANY, "name", "\n    %s", json_str(l, "name"));
	print_u64(PRINT_ANY, "weight", " weight %" PRIu64,
		  json_u64(l, "weight"));
	print_u64(PRINT_ANY, "tier", " tier %" PRIu64, json_u64(l, "tier"));
	print_u64(PRINT_ANY, "buckets", " buckets %" PRIu64,
		  json_u64(l, "buckets"));
	print_double(PRINT_ANY, "share", " (%.1f%%)", json_dbl(l, "share"));
	print_u64(PRINT_ANY, "buckets6", " buckets6 %" PRIu64,
		  json_u64(l, "buckets6"));
	print_double(PRINT_ANY, "share6", " (%.1f%%)", json_dbl(l, "share6"));
	if (json_u64(l, "mark"))
		print_u64(PRINT_ANY, "mark", " mark 0x%" PRIx64,
			  json_u64(l, "mark"));
	else
		print_u64(PRINT_JSON, "mark", "%" PRIu64, 0);
	print_flows(l, "flows");
	print_flows(l, "flows6");
	print_close_object();
}

static void print_policy(json_object *p)
{
	json_object *links;

	print_open_object(NULL);
	print_string(PRINT_ANY, "name", "policy %s", json_str(p, "name"));
	print_string(PRINT_ANY, "hash", " hash %s", json_str(p, "hash"));
	print_string(PRINT_ANY, "last_resort", " last_resort %s",
		     json_str(p, "last_resort"));
	print_string(PRINT_ANY, "failback", " failback %s",
		     json_str(p, "failback"));
	print_string(PRINT_ANY, "state", " %s", json_str(p, "state"));
	print_string(PRINT_ANY, "state6", " ipv6 %s", json_str(p, "state6"));
	print_flows(p, "flows");
	print_open_array("links");
	if (json_object_object_get_ex(p, "links", &links))
		for (size_t i = 0; i < json_object_array_length(links); i++)
			print_member(json_object_array_get_idx(links, i));
	print_close_array();
	print_text("\n");
	print_close_object();
}

static void print_rule(json_object *r)
{
	print_open_object(NULL);
	print_string(PRINT_ANY, "name", "rule %s", json_str(r, "name"));
	print_u64(PRINT_ANY, "line", " line %" PRIu64, json_u64(r, "line"));
	print_string(PRINT_ANY, "policy", " policy %s", json_str(r, "policy"));
	print_u64(PRINT_ANY, "connections", " connections %" PRIu64 "\n",
		  json_u64(r, "connections"));
	print_close_object();
}

/* "policies" or "rules" of the reply, each item by @one. */
static void print_list(json_object *st, const char *key,
		       void (*one)(json_object *))
{
	json_object *a;

	print_open_array(key);
	if (json_object_object_get_ex(st, key, &a) &&
	    json_object_is_type(a, json_type_array))
		for (size_t i = 0; i < json_object_array_length(a); i++)
			one(json_object_array_get_idx(a, i));
	print_close_array();
}

static void print_status(json_object *st)
{
	json_object *links;

	print_string(PRINT_ANY, "hash", "hash %s", json_str(st, "hash"));
	print_u64(PRINT_ANY, "seed", " seed 0x%" PRIx64, json_u64(st, "seed"));
	print_u64(PRINT_ANY, "buckets", " buckets %" PRIu64,
		  json_u64(st, "buckets"));
	print_bool("table_owned", json_flag(st, "table_owned"));
	print_text("%s\n", json_flag(st, "table_owned") ? " table owned" :
							  " table watched");
	print_open_array("links");
	if (json_object_object_get_ex(st, "links", &links))
		for (size_t i = 0; i < json_object_array_length(links); i++)
			print_link(json_object_array_get_idx(links, i));
	print_close_array();
	print_list(st, "policies", print_policy);
	print_list(st, "rules", print_rule);
}

static int do_status(const struct global_options *g, int argc, char **argv)
{
	char path[CONTROL_PATH_MAX], *reply = NULL;
	json_object *st = NULL;
	const char *err;
	int ret;

	if (argc) {
		fprintf(stderr, "flowpin status: unexpected argument \"%s\"\n",
			argv[0]);
		return 2;
	}
	if (control_path(g, path, sizeof(path)))
		return 1;
	ret = control_call(path, "{\"command\":\"status\"}", &reply);
	if (ret) {
		control_say(path, ret);
		return 1;
	}
	st = json_tokener_parse(reply);
	free(reply);
	if (!st) {
		fprintf(stderr, "flowpin: bad reply from the daemon\n");
		return 1;
	}
	err = json_str(st, "error");
	if (err) {
		fprintf(stderr, "flowpin: %s\n", err);
		json_object_put(st);
		return 1;
	}
	print_begin(g->json, g->pretty);
	print_status(st);
	ret = print_end();
	json_object_put(st);
	return ret ? 1 : 0;
}

const struct command cmd_status = {
	.name = "status",
	.args = "",
	.summary = "the daemon's links, their state and their connections",
	.run = do_status,
};
