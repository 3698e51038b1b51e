// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "core/routing.h"

const struct iface_addr *routing_source(const struct link_config *l,
					const struct iface *ifc)
{
	if (l->has_gateway)
		return iface_addr_for(ifc, l->gateway);
	return ifc->naddr ? &ifc->addr[0] : NULL;
}

bool routing_link_usable(const struct link_config *l, const struct iface *ifc,
			 char *why, size_t whylen)
{
	char gw[INET_ADDRSTRLEN];

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
	if (!l->has_gateway && !iface_pointopoint(ifc)) {
		snprintf(why, whylen,
			 "interface %s is not point-to-point and no gateway is set",
			 l->ifname);
		return false;
	}
	if (!routing_source(l, ifc)) {
		inet_ntop(AF_INET, &l->gateway, gw, sizeof(gw));
		snprintf(why, whylen, "gateway %s is not on a network of %s",
			 gw, l->ifname);
		return false;
	}
	why[0] = '\0';
	return true;
}

struct route routing_default_route(const struct link_config *l,
				   const struct iface *ifc, uint32_t table)
{
	const struct iface_addr *src = routing_source(l, ifc);
	struct route r = {
		.table = table,
		.oif = ifc->index,
		.scope = RT_SCOPE_UNIVERSE,
		.protocol = RTPROT_FLOWPIN,
	};

	if (l->has_gateway)
		r.gw = l->gateway;
	if (src)
		r.prefsrc = src->local;
	return r;
}

unsigned int routing_link_routes(const struct link_config *l,
				 const struct iface *ifc, uint32_t table,
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
	out[n++] = routing_default_route(l, ifc, table);
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
