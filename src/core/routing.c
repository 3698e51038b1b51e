// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "core/routing.h"

bool routing_gateway(const struct link_config *l, const struct route *learned,
		     struct in_addr *gw)
{
	if (l->has_gateway)
		*gw = l->gateway;
	else if (learned && learned->gw.s_addr)
		*gw = learned->gw;
	else
		return false;
	return true;
}

/* A learned gateway the kernel takes as on the link: no prefix holds it. */
static bool learned_onlink(const struct link_config *l,
			   const struct route *learned)
{
	return !l->has_gateway && learned && learned->onlink;
}

const struct iface_addr *routing_source(const struct link_config *l,
					const struct iface *ifc,
					const struct route *learned)
{
	const struct iface_addr *a;
	struct in_addr gw;

	if (routing_gateway(l, learned, &gw)) {
		a = iface_addr_for(ifc, gw);
		if (a || !learned_onlink(l, learned))
			return a;
	}
	/* the learned route's source, when it names one of the link's */
	for (unsigned int i = 0; learned && i < ifc->naddr; i++)
		if (ifc->addr[i].local.s_addr == learned->prefsrc.s_addr)
			return &ifc->addr[i];
	return ifc->naddr ? &ifc->addr[0] : NULL;
}

bool routing_link_usable(const struct link_config *l, const struct iface *ifc,
			 const struct route *learned, char *why, size_t whylen)
{
	char text[INET_ADDRSTRLEN];
	struct in_addr gw;
	bool has_gw = routing_gateway(l, learned, &gw);

	if (!ifc->index) {
		snprintf(why, whylen, "interface %s is missing", l->ifname);
		return false;
	}
	if (!iface_running(ifc)) {
		snprintf(why, whylen, "interface %s has no carrier", l->ifname);
		return false;
	}
	if (!ifc->naddr) {
		snprintf(why, whylen, "interface %s has no IPv4 address",
			 l->ifname);
		return false;
	}
	if (!l->has_gateway && !learned && !iface_pointopoint(ifc)) {
		snprintf(why, whylen,
			 "no default route through %s to learn the gateway from",
			 l->ifname);
		return false;
	}
	if (has_gw && !routing_source(l, ifc, learned)) {
		inet_ntop(AF_INET, &gw, text, sizeof(text));
		snprintf(why, whylen, "gateway %s is not on a network of %s",
			 text, l->ifname);
		return false;
	}
	why[0] = '\0';
	return true;
}

struct route routing_default_route(const struct link_config *l,
				   const struct iface *ifc,
				   const struct route *learned, uint32_t table)
{
	const struct iface_addr *src = routing_source(l, ifc, learned);
	struct route r = {
		.table = table,
		.oif = ifc->index,
		.scope = RT_SCOPE_UNIVERSE,
		.protocol = RTPROT_FLOWPIN,
	};

	routing_gateway(l, learned, &r.gw);
	r.onlink = learned_onlink(l, learned) && !iface_addr_for(ifc, r.gw);
	if (src)
		r.prefsrc = src->local;
	return r;
}

struct route routing_hold_route(uint32_t table)
{
	return (struct route){
		.table = table,
		.scope = RT_SCOPE_UNIVERSE,
		.protocol = RTPROT_FLOWPIN,
		.type = RTN_BLACKHOLE,
	};
}

const struct route *routing_learn(const struct route *rs, unsigned int n,
				  int ifindex)
{
	const struct route *best = NULL;

	for (unsigned int i = 0; i < n; i++) {
		const struct route *r = &rs[i];
		bool main_r = r->table == RT_TABLE_MAIN;
		bool main_b = best && best->table == RT_TABLE_MAIN;

		if (r->dst_len || r->oif != ifindex ||
		    r->protocol == RTPROT_FLOWPIN)
			continue;
		if (!best || (main_r && !main_b) ||
		    (main_r == main_b &&
		     (r->metric < best->metric ||
		      (r->metric == best->metric && r->table < best->table))))
			best = r;
	}
	return best;
}

unsigned int routing_link_routes(const struct link_config *l,
				 const struct iface *ifc,
				 const struct route *learned, uint32_t table,
				 struct route *out)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < ifc->naddr; i++) {
		const struct iface_addr *a = &ifc->addr[i];
		struct route r = {
			.table = table,
			.oif = ifc->index,
			.prefsrc = a->local,
			.scope = RT_SCOPE_LINK,
			.protocol = RTPROT_FLOWPIN,
		};

		if (a->peer.s_addr) {
			r.dst = a->peer;
			r.dst_len = 32;
		} else if (a->plen < 32) {
			r.dst = iface_prefix(a);
			r.dst_len = a->plen;
		} else {
			continue;
		}
		/* two addresses in one prefix: one route */
		bool dup = false;

		for (unsigned int j = 0; j < n; j++)
			dup |= out[j].dst.s_addr == r.dst.s_addr &&
			       out[j].dst_len == r.dst_len;
		if (!dup)
			out[n++] = r;
	}
	out[n++] = routing_default_route(l, ifc, learned, table);
	return n;
}

unsigned int routing_rules(const struct config *c, const uint32_t *marks,
			   const uint32_t *tables, struct rule *out)
{
	unsigned int n = 0;

	out[n++] = (struct rule){
		.priority = c->priority,
		.table = RT_TABLE_MAIN,
		.suppress_default = true,
		.protocol = RTPROT_FLOWPIN,
	};
	for (unsigned int i = 0; i < c->nlinks; i++)
		out[n++] = (struct rule){
			.priority = c->priority + 1,
			.table = tables[i],
			.fwmark = marks[i],
			.fwmask = c->mark_mask,
			.protocol = RTPROT_FLOWPIN,
		};
	out[n] = (struct rule){
		.priority = c->priority + 2,
		.table = c->table,
		.protocol = RTPROT_FLOWPIN,
	};
	strcpy(out[n++].iifname, "lo");
	return n;
}
