// SPDX-License-Identifier: GPL-2.0-or-later
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "core/routing.h"

bool routing_gateway(const struct link_config *l, enum fam f,
		     const struct route *learned, union inaddr *gw)
{
	if (l->has_gateway[f])
		*gw = l->gateway[f];
	else if (learned && !inaddr_is_zero(f, &learned->gw))
		*gw = learned->gw;
	else
		return false;
	return true;
}

/* A learned gateway the kernel takes as on the link: no prefix holds it. */
static bool learned_onlink(const struct link_config *l, enum fam f,
			   const struct route *learned)
{
	return !l->has_gateway[f] && learned && learned->onlink;
}

const struct iface_addr *routing_source(const struct link_config *l, enum fam f,
					const struct iface *ifc,
					const struct route *learned)
{
	const struct iface_addr *a;
	union inaddr gw;

	if (routing_gateway(l, f, learned, &gw)) {
		a = iface_addr_for(ifc, f, &gw);
		if (a || !learned_onlink(l, f, learned))
			return a;
	}
	/* the learned route's source, when it names one of the link's */
	for (unsigned int i = 0; learned && i < ifc->naddr; i++)
		if (ifc->addr[i].fam == f &&
		    inaddr_equal(f, &ifc->addr[i].local, &learned->prefsrc))
			return &ifc->addr[i];
	for (unsigned int i = 0; i < ifc->naddr; i++)
		if (ifc->addr[i].fam == f)
			return &ifc->addr[i];
	return NULL;
}

bool routing_link_usable(const struct link_config *l, enum fam f,
			 const struct iface *ifc, const struct route *learned,
			 char *why, size_t whylen)
{
	char text[INADDR_STRLEN];
	union inaddr gw;
	bool has_gw = routing_gateway(l, f, learned, &gw);

	if (!ifc->index) {
		snprintf(why, whylen, "interface %s is missing", l->ifname);
		return false;
	}
	if (!iface_running(ifc)) {
		snprintf(why, whylen, "interface %s has no carrier", l->ifname);
		return false;
	}
	if (!iface_count(ifc, f)) {
		snprintf(why, whylen, "interface %s has no %s%s address",
			 l->ifname, f == FAM_IPV6 ? "global " : "",
			 fam_label(f));
		return false;
	}
	if (!l->has_gateway[f] && !learned && !iface_pointopoint(ifc)) {
		snprintf(why, whylen,
			 "no %sdefault route through %s to learn the gateway from",
			 f == FAM_IPV6 ? "IPv6 " : "", l->ifname);
		return false;
	}
	if (has_gw && !routing_source(l, f, ifc, learned)) {
		snprintf(why, whylen, "gateway %s is not on a network of %s",
			 inaddr_str(f, &gw, text), l->ifname);
		return false;
	}
	why[0] = '\0';
	return true;
}

/* What every route of flowpin's in family @f has. */
static struct route route_base(enum fam f, uint32_t table)
{
	return (struct route){
		.fam = f,
		.table = table,
		.scope = RT_SCOPE_UNIVERSE,
		.protocol = RTPROT_FLOWPIN,
		.metric = f == FAM_IPV6 ? ROUTE_METRIC6 : 0,
	};
}

struct route routing_default_route(const struct link_config *l, enum fam f,
				   const struct iface *ifc,
				   const struct route *learned, uint32_t table)
{
	const struct iface_addr *src = routing_source(l, f, ifc, learned);
	struct route r = route_base(f, table);

	r.oif = ifc->index;
	routing_gateway(l, f, learned, &r.gw);
	r.onlink = learned_onlink(l, f, learned) &&
		   !iface_addr_for(ifc, f, &r.gw);
	if (src)
		r.prefsrc = src->local;
	return r;
}

struct route routing_hold_route(enum fam f, uint32_t table)
{
	struct route r = route_base(f, table);

	r.type = RTN_BLACKHOLE;
	return r;
}

const struct route *routing_learn(const struct route *rs, unsigned int n,
				  enum fam f, int ifindex)
{
	const struct route *best = NULL;

	for (unsigned int i = 0; i < n; i++) {
		const struct route *r = &rs[i];
		bool main_r = r->table == RT_TABLE_MAIN;
		bool main_b = best && best->table == RT_TABLE_MAIN;

		if (r->fam != f || r->dst_len || r->oif != ifindex ||
		    r->protocol == RTPROT_FLOWPIN ||
		    (r->type && r->type != RTN_UNICAST))
			continue;
		if (!best || (main_r && !main_b) ||
		    (main_r == main_b &&
		     (r->metric < best->metric ||
		      (r->metric == best->metric && r->table < best->table))))
			best = r;
	}
	return best;
}

unsigned int routing_link_routes(const struct link_config *l, enum fam f,
				 const struct iface *ifc,
				 const struct route *learned, uint32_t table,
				 struct route *out)
{
	unsigned int n = 0, full = 8 * (unsigned int)inaddr_len(f);

	for (unsigned int i = 0; i < ifc->naddr; i++) {
		const struct iface_addr *a = &ifc->addr[i];
		struct route r = route_base(f, table);

		if (a->fam != f)
			continue;
		r.oif = ifc->index;
		r.prefsrc = a->local;
		if (f == FAM_IPV4)
			r.scope = RT_SCOPE_LINK;
		if (!inaddr_is_zero(f, &a->peer)) {
			r.dst = a->peer;
			r.dst_len = (unsigned char)full;
		} else if (a->plen < full) {
			r.dst = iface_prefix(a);
			r.dst_len = a->plen;
		} else {
			continue;
		}
		/* two addresses in one prefix: one route */
		bool dup = false;

		for (unsigned int j = 0; j < n; j++)
			dup |= inaddr_equal(f, &out[j].dst, &r.dst) &&
			       out[j].dst_len == r.dst_len;
		if (!dup)
			out[n++] = r;
	}
	out[n++] = routing_default_route(l, f, ifc, learned, table);
	return n;
}

unsigned int routing_rules(const struct config *c, const uint32_t *marks,
			   const uint32_t *tables, struct rule *out)
{
	unsigned int n = 0;

	for (enum fam f = 0; f < FAM_MAX; f++) {
		out[n++] = (struct rule){
			.fam = f,
			.priority = c->priority,
			.table = RT_TABLE_MAIN,
			.suppress_default = true,
			.protocol = RTPROT_FLOWPIN,
		};
		for (unsigned int i = 0; i < c->nlinks; i++)
			out[n++] = (struct rule){
				.fam = f,
				.priority = c->priority + 1,
				.table = tables[i],
				.fwmark = marks[i],
				.fwmask = c->mark_mask,
				.protocol = RTPROT_FLOWPIN,
			};
		out[n] = (struct rule){
			.fam = f,
			.priority = c->priority + 2,
			.table = c->table,
			.protocol = RTPROT_FLOWPIN,
		};
		strcpy(out[n++].iifname, "lo");
	}
	return n;
}
