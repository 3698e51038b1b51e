/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The routes and rules flowpin wants, computed from the configuration and
 * the interfaces' state. Pure: the daemon syncs the kernel to these. Both
 * families have the same: IPv6 tables and rules are the kernel's other
 * namespace of numbers, and a link's routes of a family follow its
 * addresses and gateway of that family.
 *
 *   table T+slot (one per link): the link's default route and the prefixes
 *     of its interface addresses.
 *   table T (fallback): the first live link's default route, for the
 *     router's own connections before the output hook picks their link.
 *   rules: P    lookup main suppress_prefixlength 0  (specific routes win)
 *          P+1  fwmark MARK/MASK lookup T+slot       (one per link)
 *          P+2  iif lo lookup T                      (router's own traffic)
 */
#ifndef FLOWPIN_ROUTING_H
#define FLOWPIN_ROUTING_H

#include "core/config.h"
#include "core/iface.h"
#include "core/route.h"
#include "core/rule.h"

#define LINK_ROUTES_MAX (IFACE_ADDR_MAX + 1)
#define ROUTING_RULES_MAX (FAM_MAX * (SLOTS_MAX + 2))

/*
 * A link's next hop: its "gateway" when configured; with gateway = auto,
 * the one of the default route another program (a DHCP client, a network
 * manager, pppd) installed through its interface, @learned (NULL: none
 * found). True when there is a next hop address, in @gw; false for an
 * on-link default (point-to-point, or a learned route without gateway).
 */
bool routing_gateway(const struct link_config *l, enum fam f,
		     const struct route *learned, union inaddr *gw);

/*
 * Whether @l can carry traffic now: its interface is up with carrier, has
 * an address that reaches the gateway, and a gateway is known (or needed
 * by none: point-to-point). When not, @why says what is missing.
 */
bool routing_link_usable(const struct link_config *l, enum fam f,
			 const struct iface *ifc, const struct route *learned,
			 char *why, size_t whylen);

/* The address a link's traffic leaves with, if it has one. */
const struct iface_addr *routing_source(const struct link_config *l, enum fam f,
					const struct iface *ifc,
					const struct route *learned);

/* The routes of a usable link's table; returns how many. */
unsigned int routing_link_routes(const struct link_config *l, enum fam f,
				 const struct iface *ifc,
				 const struct route *learned, uint32_t table,
				 struct route *out);

/* The default route of a usable link, placed in @table. */
struct route routing_default_route(const struct link_config *l, enum fam f,
				   const struct iface *ifc,
				   const struct route *learned, uint32_t table);

/*
 * A link's table while it waits for its address or gateway to come back
 * (CONTROLLER_RENUMBER_HOLD_MS): a blackhole, so that its connections'
 * packets wait to be sent again rather than leave by another provider.
 */
struct route routing_hold_route(enum fam f, uint32_t table);

/*
 * Of the routes @rs through interface @ifindex, the default route to learn
 * a gateway from: not flowpin's own, the main table's before any other,
 * then the lowest metric, then the lowest table. NULL when there is none.
 */
const struct route *routing_learn(const struct route *rs, unsigned int n,
				  enum fam f, int ifindex);

/*
 * The rules of both families (the same for each, IPv4's first) for links with
 * the given marks and tables, in @out (ROUTING_RULES_MAX); returns how many.
 */
unsigned int routing_rules(const struct config *c, const uint32_t *marks,
			   const uint32_t *tables, struct rule *out);

#endif
