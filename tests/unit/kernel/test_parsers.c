// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel adapters' parsers, on messages the kernel wrote (recorded.h)
 * and on messages built here for what the kernel rarely writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernel/conntrack.h"
#include "kernel/ifaddr.h"
#include "kernel/neigh.h"
#include "kernel/nlroute.h"
#include "kernel/nlrule.h"
#include "kernel/rtmon.h"

#include "nlmsg.h"
#include "recorded.h"

/* <linux/if.h>'s, which cannot come with <net/if.h> */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

/* In the recording's namespace: lo 1, wan1 2, wwan0 3. */
#define WAN1 2
#define WWAN0 3

static in_addr_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* conntrack */

#define CT_NEW (NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW)

static int ct_parse(const struct nlmsghdr *nlh, uint64_t *key, uint32_t *mark)
{
	int ret;

	*key = 0;
	*mark = 0xdeadbeef; /* written on success, whatever the message */
	int af = -1;

	ret = conntrack_parse(nlh, key, mark, &af);
	if (!ret)
		assert_int_equal(af, AF_INET); /* all recorded are IPv4 */
	free((void *)nlh);
	return ret;
}

/*
 * The connection of rec_ct_new (tcp 192.168.1.2:@sport > 198.51.100.7:443)
 * as ctnetlink writes it, with an optional zone and a CTA_MARK of
 * @mark_len bytes (0: none).
 */
static struct nlmsghdr *ct_msg(bool tuple, uint16_t sport, int zone,
			       uint32_t mark, size_t mark_len)
{
	struct nfgenmsg nfg = { .nfgen_family = AF_INET,
				.version = NFNETLINK_V0 };
	struct nlmsghdr *nlh = msg_start(CT_NEW, 0, &nfg, sizeof(nfg));
	uint32_t be_mark[2] = { htonl(mark), 0 };

	if (tuple) {
		struct nlattr *orig = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
		struct nlattr *n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);

		mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, ip("192.168.1.2"));
		mnl_attr_put_u32(nlh, CTA_IP_V4_DST, ip("198.51.100.7"));
		mnl_attr_nest_end(nlh, n);
		n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
		mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_TCP);
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sport));
		mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(443));
		mnl_attr_nest_end(nlh, n);
		mnl_attr_nest_end(nlh, orig);
	}
	if (zone >= 0)
		mnl_attr_put_u16(nlh, CTA_ZONE, htons((uint16_t)zone));
	if (mark_len)
		mnl_attr_put(nlh, CTA_MARK, mark_len, be_mark);
	return msg_done(nlh);
}

/*
 * One connection, four messages: its creation, a dump, an update of its
 * mark and its destruction. Events and dumps give it one key; the mark
 * is each message's.
 */
static void test_ct_recorded_same_key(void **state)
{
	uint64_t k_new, k_dump, k_upd, k_gone;
	uint32_t mark;

	(void)state;
	assert_int_equal(ct_parse(msg_rec(rec_ct_new), &k_new, &mark), 0);
	assert_int_equal(mark, 0x100);
	assert_int_not_equal(k_new, 0);
	assert_int_equal(ct_parse(msg_rec(rec_ct_dump), &k_dump, &mark), 0);
	assert_int_equal(mark, 0x100);
	assert_int_equal(ct_parse(msg_rec(rec_ct_update), &k_upd, &mark), 0);
	assert_int_equal(mark, 0x200);
	assert_int_equal(ct_parse(msg_rec(rec_ct_destroy), &k_gone, &mark), 0);
	assert_int_equal(mark, 0x200);
	assert_int_equal(k_dump, k_new);
	assert_int_equal(k_upd, k_new);
	assert_int_equal(k_gone, k_new);
}

/* Another source port, or the same tuple in another zone: another key. */
static void test_ct_recorded_other_keys(void **state)
{
	uint64_t k, k_port, k_zone;
	uint32_t mark;

	(void)state;
	assert_int_equal(ct_parse(msg_rec(rec_ct_new), &k, &mark), 0);
	assert_int_equal(ct_parse(msg_rec(rec_ct_other_port), &k_port, &mark),
			 0);
	assert_int_equal(mark, 0x100);
	assert_int_equal(ct_parse(msg_rec(rec_ct_zone), &k_zone, &mark), 0);
	assert_int_equal(mark, 0x300);
	assert_int_not_equal(k_port, k);
	assert_int_not_equal(k_zone, k);
	assert_int_not_equal(k_zone, k_port);
	/* the two halves of the key are two digests, not one repeated */
	assert_int_not_equal(k >> 32, k & 0xffffffff);
}

/* Built as the kernel builds it, the tuple gives the kernel's key. */
static void test_ct_built(void **state)
{
	uint64_t k_rec, k, k2;
	uint32_t mark;

	(void)state;
	assert_int_equal(ct_parse(msg_rec(rec_ct_new), &k_rec, &mark), 0);
	assert_int_equal(ct_parse(ct_msg(true, 40000, -1, 0xf00d, 4), &k,
				  &mark),
			 0);
	assert_int_equal(mark, 0xf00d);
	assert_int_equal(k, k_rec);
	/* same tuple, same key: the mark is not part of it */
	assert_int_equal(ct_parse(ct_msg(true, 40000, -1, 0x100, 4), &k2,
				  &mark),
			 0);
	assert_int_equal(k2, k);
	/* a different port, a different key */
	assert_int_equal(ct_parse(ct_msg(true, 40002, -1, 0x100, 4), &k2,
				  &mark),
			 0);
	assert_int_not_equal(k2, k);
	/* zone 0 written out is zone 0; zone 7 is the recorded one's key */
	assert_int_equal(ct_parse(ct_msg(true, 40000, 0, 0x100, 4), &k2, &mark),
			 0);
	assert_int_equal(k2, k);
	assert_int_equal(ct_parse(msg_rec(rec_ct_zone), &k_rec, &mark), 0);
	assert_int_equal(ct_parse(ct_msg(true, 40000, 7, 0x100, 4), &k2, &mark),
			 0);
	assert_int_equal(k2, k_rec);
	/* no CTA_MARK: mark 0 */
	assert_int_equal(ct_parse(ct_msg(true, 40000, -1, 0, 0), &k2, &mark),
			 0);
	assert_int_equal(mark, 0);
	assert_int_equal(k2, k);
}

/* A malformed CTA_MARK is no mark; the connection is still read. */
static void test_ct_bad_mark(void **state)
{
	uint64_t k_good, k;
	uint32_t mark;

	(void)state;
	assert_int_equal(ct_parse(ct_msg(true, 40000, -1, 0x100, 4), &k_good,
				  &mark),
			 0);
	assert_int_equal(ct_parse(ct_msg(true, 40000, -1, 0x100, 2), &k, &mark),
			 0);
	assert_int_equal(mark, 0);
	assert_int_equal(k, k_good);
	assert_int_equal(ct_parse(ct_msg(true, 40000, -1, 0x100, 8), &k, &mark),
			 0);
	assert_int_equal(mark, 0);
	assert_int_equal(k, k_good);
}

static void test_ct_no_tuple(void **state)
{
	struct nfgenmsg nfg = { .nfgen_family = AF_INET };
	struct nlmsghdr *nlh;
	uint64_t k;
	uint32_t mark;

	(void)state;
	assert_int_equal(ct_parse(ct_msg(false, 0, 7, 0x100, 4), &k, &mark),
			 -EINVAL);
	/* a message of nothing but its headers */
	nlh = msg_start(CT_NEW, 0, &nfg, sizeof(nfg));
	assert_int_equal(ct_parse(msg_done(nlh), &k, &mark), -EINVAL);
	/* CTA_TUPLE_ORIG too short to be nested attributes */
	nlh = msg_start(CT_NEW, 0, &nfg, sizeof(nfg));
	mnl_attr_put_u16(nlh, CTA_TUPLE_ORIG, 0);
	assert_int_equal(ct_parse(msg_done(nlh), &k, &mark), -EINVAL);
}

/* Cut inside its tuple, the message has no tuple; cut after, no mark. */
static void test_ct_truncated(void **state)
{
	const size_t orig_end = 16 + 4 + 0x34; /* header, nfgenmsg, tuple */
	uint64_t k, k_rec;
	uint32_t mark;

	(void)state;
	assert_int_equal(ct_parse(msg_rec(rec_ct_new), &k_rec, &mark), 0);
	assert_int_equal(ct_parse(msg_cut(rec_ct_new, orig_end - 4), &k, &mark),
			 -EINVAL);
	assert_int_equal(ct_parse(msg_cut(rec_ct_new, orig_end), &k, &mark), 0);
	assert_int_equal(k, k_rec);
	assert_int_equal(mark, 0);
	assert_int_equal(ct_parse(msg_cut(rec_ct_new, 16), &k, &mark), -EINVAL);
}

/* neighbours */

static int nparse(struct nlmsghdr *nlh, struct neigh *n)
{
	int ret;

	memset(n, 0xff, sizeof(*n));
	ret = neigh_parse(nlh, n);
	free(nlh);
	return ret;
}

static void test_neigh_recorded(void **state)
{
	struct neigh n;

	(void)state;
	assert_int_equal(nparse(msg_rec(rec_neigh_reachable), &n), 0);
	assert_int_equal(n.verdict, NEIGH_VALID);
	assert_int_equal(n.ifindex, WAN1);
	assert_int_equal(n.addr.v4.s_addr, ip("192.0.2.1"));

	assert_int_equal(nparse(msg_rec(rec_neigh_failed), &n), 0);
	assert_int_equal(n.verdict, NEIGH_FAILED);
	assert_int_equal(n.ifindex, WAN1);
	assert_int_equal(n.addr.v4.s_addr, ip("192.0.2.98"));

	assert_int_equal(nparse(msg_rec(rec_neigh_incomplete), &n), 0);
	assert_int_equal(n.verdict, NEIGH_UNKNOWN);
	assert_int_equal(n.addr.v4.s_addr, ip("192.0.2.97"));

	/* IPv6: the gateway of a link's IPv6 path */
	assert_int_equal(nparse(msg_rec(rec_neigh6), &n), 0);
	assert_int_equal(n.fam, FAM_IPV6);
	assert_int_equal(n.ifindex, WAN1);
	assert_int_equal(n.addr.b[0], 0x20);
	assert_int_equal(n.addr.b[1], 0x01);
	assert_int_equal(n.addr.b[15], 0x01);
}

static struct nlmsghdr *neigh_msg(uint16_t type, uint16_t state,
				  const void *dst, size_t dst_len)
{
	struct ndmsg ndm = { .ndm_family = AF_INET,
			     .ndm_ifindex = WAN1,
			     .ndm_state = state };
	struct nlmsghdr *nlh = msg_start(type, 0, &ndm, sizeof(ndm));

	if (dst_len)
		mnl_attr_put(nlh, NDA_DST, dst_len, dst);
	return msg_done(nlh);
}

static void test_neigh_states(void **state)
{
	static const struct {
		uint16_t nud;
		enum neigh_verdict verdict;
	} cases[] = {
		{ NUD_INCOMPLETE, NEIGH_UNKNOWN },
		{ NUD_REACHABLE, NEIGH_VALID },
		{ NUD_STALE, NEIGH_VALID },
		{ NUD_DELAY, NEIGH_VALID },
		{ NUD_PROBE, NEIGH_VALID },
		{ NUD_FAILED, NEIGH_FAILED },
		{ NUD_NOARP, NEIGH_VALID },
		{ NUD_PERMANENT, NEIGH_VALID },
		{ NUD_NONE, NEIGH_UNKNOWN },
	};
	in_addr_t gw = ip("192.0.2.1");
	struct neigh n;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(nparse(neigh_msg(RTM_NEWNEIGH, cases[i].nud,
						  &gw, 4),
					&n),
				 0);
		assert_int_equal(n.verdict, cases[i].verdict);
		assert_int_equal(n.addr.v4.s_addr, gw);
	}
}

static void test_neigh_invalid(void **state)
{
	char v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	in_addr_t gw = ip("192.0.2.1");
	struct neigh n;

	(void)state;
	/* no NDA_DST, or one that is no IPv4 address */
	assert_int_equal(nparse(neigh_msg(RTM_NEWNEIGH, NUD_FAILED, NULL, 0),
				&n),
			 -EINVAL);
	assert_int_equal(nparse(neigh_msg(RTM_NEWNEIGH, NUD_FAILED, v6, 16),
				&n),
			 -EINVAL);
	/* not a new neighbour */
	assert_int_equal(nparse(neigh_msg(RTM_DELNEIGH, NUD_FAILED, &gw, 4),
				&n),
			 -EINVAL);
	/* shorter than its ndmsg */
	assert_int_equal(nparse(msg_cut(rec_neigh_failed, 16 + 4), &n),
			 -EINVAL);
}

/* links and addresses */

static void test_ifaddr_link(void **state)
{
	struct iface ifc = { 0 };
	struct nlmsghdr *nlh;

	(void)state;
	nlh = msg_rec(rec_link_up);
	assert_int_equal(ifaddr_parse_link(nlh, &ifc), 0);
	free(nlh);
	assert_int_equal(ifc.index, WAN1);
	assert_true(ifc.flags & IFF_UP);
	assert_true(ifc.flags & IFF_RUNNING);
	assert_true(ifc.flags & IFF_LOWER_UP);
	assert_false(ifc.flags & IFF_POINTOPOINT);
	assert_true(iface_running(&ifc));

	/* an address message, or a link message without its ifinfomsg */
	memset(&ifc, 0, sizeof(ifc));
	nlh = msg_rec(rec_addr_eth);
	assert_int_equal(ifaddr_parse_link(nlh, &ifc), -EINVAL);
	free(nlh);
	nlh = msg_cut(rec_link_up, 16 + 8);
	assert_int_equal(ifaddr_parse_link(nlh, &ifc), -EINVAL);
	free(nlh);
	assert_int_equal(ifc.index, 0);
}

static int aparse(struct nlmsghdr *nlh, struct iface *ifc)
{
	int ret = ifaddr_parse_addr(nlh, ifc);

	free(nlh);
	return ret;
}

static void test_ifaddr_addr(void **state)
{
	struct iface eth = { .index = WAN1 }, ptp = { .index = WWAN0 };

	(void)state;
	/* Ethernet: IFA_LOCAL and IFA_ADDRESS alike, no peer */
	assert_int_equal(aparse(msg_rec(rec_addr_eth), &eth), 0);
	assert_int_equal(eth.naddr, 1);
	assert_int_equal(eth.addr[0].local.v4.s_addr, ip("192.0.2.10"));
	assert_int_equal(eth.addr[0].peer.v4.s_addr, 0);
	assert_int_equal(eth.addr[0].plen, 24);

	/* point-to-point: IFA_ADDRESS is the peer */
	assert_int_equal(aparse(msg_rec(rec_addr_ptp), &ptp), 0);
	assert_int_equal(ptp.naddr, 1);
	assert_int_equal(ptp.addr[0].local.v4.s_addr, ip("10.64.0.2"));
	assert_int_equal(ptp.addr[0].peer.v4.s_addr, ip("10.64.0.1"));
	assert_int_equal(ptp.addr[0].plen, 32);
	assert_ptr_equal(iface_addr_for(&ptp, FAM_IPV4,
					&(union inaddr){
						.v4 = { ip("10.64.0.1") } }),
			 &ptp.addr[0]);

	/* another interface's address, a deleted one: not appended */
	assert_int_equal(aparse(msg_rec(rec_addr_ptp), &eth), -EINVAL);
	assert_int_equal(aparse(msg_rec(rec_addr_del), &ptp), -EINVAL);
	assert_int_equal(aparse(msg_cut(rec_addr_eth, 16 + 4), &eth), -EINVAL);
	assert_int_equal(eth.naddr, 1);
	assert_int_equal(ptp.naddr, 1);
}

static struct nlmsghdr *addr_msg(int family, const char *local,
				 const char *address)
{
	struct ifaddrmsg ifa = { .ifa_family = (unsigned char)family,
				 .ifa_prefixlen = 30,
				 .ifa_index = WAN1 };
	struct nlmsghdr *nlh = msg_start(RTM_NEWADDR, 0, &ifa, sizeof(ifa));

	if (local)
		mnl_attr_put_u32(nlh, IFA_LOCAL, ip(local));
	if (address)
		mnl_attr_put_u32(nlh, IFA_ADDRESS, ip(address));
	mnl_attr_put_strz(nlh, IFA_LABEL, "wan1");
	return msg_done(nlh);
}

static void test_ifaddr_addr_built(void **state)
{
	struct iface ifc = { .index = WAN1 };

	(void)state;
	/* IFA_ADDRESS alone is the local address */
	assert_int_equal(aparse(addr_msg(AF_INET, NULL, "198.51.100.2"), &ifc),
			 0);
	assert_int_equal(ifc.addr[0].local.v4.s_addr, ip("198.51.100.2"));
	assert_int_equal(ifc.addr[0].peer.v4.s_addr, 0);
	assert_int_equal(ifc.addr[0].plen, 30);
	/* IFA_LOCAL alone too */
	assert_int_equal(aparse(addr_msg(AF_INET, "198.51.100.6", NULL), &ifc),
			 0);
	assert_int_equal(ifc.addr[1].local.v4.s_addr, ip("198.51.100.6"));
	/* neither, or not IPv4 */
	assert_int_equal(aparse(addr_msg(AF_INET, NULL, NULL), &ifc), -EINVAL);
	assert_int_equal(aparse(addr_msg(AF_INET6, "198.51.100.2", NULL), &ifc),
			 -EINVAL);
	assert_int_equal(ifc.naddr, 2);
}

static void test_ifaddr_addr_max(void **state)
{
	struct iface ifc = { .index = WAN1 };

	(void)state;
	for (int i = 0; i < IFACE_ADDR_MAX; i++)
		assert_int_equal(aparse(msg_rec(rec_addr_eth), &ifc), 0);
	assert_int_equal(ifc.naddr, IFACE_ADDR_MAX);
	assert_int_equal(aparse(msg_rec(rec_addr_eth), &ifc), -ENOSPC);
	assert_int_equal(ifc.naddr, IFACE_ADDR_MAX);
}

/* routes */

static int rparse(struct nlmsghdr *nlh, struct route *r)
{
	int ret;

	memset(r, 0xff, sizeof(*r));
	ret = nlroute_parse(nlh, r);
	free(nlh);
	return ret;
}

static void test_route_recorded(void **state)
{
	struct route r, del;

	(void)state;
	/* table 1000: 252 (RT_TABLE_COMPAT) in the header, 1000 in RTA_TABLE */
	assert_int_equal(rparse(msg_rec(rec_route_gw), &r), 0);
	assert_int_equal(r.table, 1000);
	assert_int_equal(r.dst.v4.s_addr, ip("198.51.100.0"));
	assert_int_equal(r.dst_len, 24);
	assert_int_equal(r.gw.v4.s_addr, ip("192.0.2.1"));
	assert_int_equal(r.oif, WAN1);
	assert_int_equal(r.prefsrc.v4.s_addr, ip("192.0.2.10"));
	assert_int_equal(r.scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(r.protocol, RTPROT_FLOWPIN);

	/* its deletion tells of the same route */
	assert_int_equal(rparse(msg_rec(rec_route_del), &del), 0);
	assert_true(route_equal(&r, &del));

	/* the kernel's own: the prefix of an address */
	assert_int_equal(rparse(msg_rec(rec_route_connected), &r), 0);
	assert_int_equal(r.table, RT_TABLE_MAIN);
	assert_int_equal(r.dst.v4.s_addr, ip("203.0.113.0"));
	assert_int_equal(r.dst_len, 24);
	assert_int_equal(r.gw.v4.s_addr, 0);
	assert_int_equal(r.oif, WAN1);
	assert_int_equal(r.prefsrc.v4.s_addr, ip("203.0.113.10"));
	assert_int_equal(r.scope, RT_SCOPE_LINK);
	assert_int_equal(r.protocol, RTPROT_KERNEL);
}

static void test_route_invalid(void **state)
{
	struct rtmsg rtm = { .rtm_family = AF_INET,
			     .rtm_dst_len = 0,
			     .rtm_table = 100,
			     .rtm_protocol = RTPROT_BOOT,
			     .rtm_scope = RT_SCOPE_UNIVERSE,
			     .rtm_type = RTN_UNICAST };
	struct nlmsghdr *nlh;
	struct route r;

	(void)state;
	/* IPv6 is read as such */
	assert_int_equal(rparse(msg_rec(rec_route6), &r), 0);
	assert_int_equal(r.fam, FAM_IPV6);
	assert_int_equal(r.table, 1000);
	assert_int_equal(r.dst_len, 64);
	assert_int_equal(r.dst.b[0], 0x20);
	assert_int_equal(r.dst.b[5], 0x01);
	assert_int_equal(r.protocol, 241);
	assert_int_equal(r.metric, ROUTE_METRIC6);
	/* shorter than its rtmsg; not a route */
	assert_int_equal(rparse(msg_cut(rec_route_gw, 16 + 8), &r), -EINVAL);
	assert_int_equal(rparse(msg_rec(rec_rule_fwmark), &r), -EINVAL);
	/* cut in an attribute: the attributes before it are read */
	assert_int_equal(rparse(msg_cut(rec_route_gw, 16 + 12 + 8 + 4), &r), 0);
	assert_int_equal(r.table, 1000);
	assert_int_equal(r.dst.v4.s_addr, 0);

	/* no RTA_TABLE: the header's table; attributes of a wrong size and
	 * a default route: no destination, no gateway */
	nlh = msg_start(RTM_NEWROUTE, 0, &rtm, sizeof(rtm));
	mnl_attr_put_u16(nlh, RTA_OIF, 3);
	mnl_attr_put_u16(nlh, RTA_GATEWAY, 1);
	assert_int_equal(rparse(msg_done(nlh), &r), 0);
	assert_int_equal(r.table, 100);
	assert_int_equal(r.dst_len, 0);
	assert_int_equal(r.dst.v4.s_addr, 0);
	assert_int_equal(r.gw.v4.s_addr, 0);
	assert_int_equal(r.oif, 0);
	assert_int_equal(r.prefsrc.v4.s_addr, 0);
	assert_int_equal(r.protocol, RTPROT_BOOT);
}

/* rules */

static int uparse(struct nlmsghdr *nlh, struct rule *r)
{
	int ret;

	memset(r, 0xff, sizeof(*r));
	ret = nlrule_parse(nlh, r);
	free(nlh);
	return ret;
}

static void test_rule_recorded(void **state)
{
	struct rule r, del;

	(void)state;
	assert_int_equal(uparse(msg_rec(rec_rule_fwmark), &r), 0);
	assert_int_equal(r.priority, 1000);
	assert_int_equal(r.table, 1000);
	assert_int_equal(r.fwmark, 0x100);
	assert_int_equal(r.fwmask, 0xff00);
	assert_false(r.suppress_default);
	assert_string_equal(r.iifname, "");
	assert_int_equal(r.protocol, RTPROT_FLOWPIN);

	assert_int_equal(uparse(msg_rec(rec_rule_del), &del), 0);
	assert_true(rule_equal(&r, &del));

	assert_int_equal(uparse(msg_rec(rec_rule_suppress), &r), 0);
	assert_int_equal(r.priority, 999);
	assert_int_equal(r.table, RT_TABLE_MAIN);
	assert_int_equal(r.fwmask, 0);
	assert_true(r.suppress_default);
	assert_string_equal(r.iifname, "");
	assert_int_equal(r.protocol, RTPROT_FLOWPIN);

	assert_int_equal(uparse(msg_rec(rec_rule_iif), &r), 0);
	assert_int_equal(r.priority, 1001);
	assert_int_equal(r.table, 1001);
	assert_int_equal(r.fwmask, 0);
	assert_false(r.suppress_default);
	assert_string_equal(r.iifname, "lan0");
	assert_int_equal(r.protocol, RTPROT_FLOWPIN);
}

static void test_rule_invalid(void **state)
{
	struct fib_rule_hdr frh = { .family = AF_INET,
				    .table = 7,
				    .action = FR_ACT_TO_TBL };
	char name[IF_NAMESIZE] = "lan0"; /* without its NUL */
	struct nlmsghdr *nlh;
	struct rule r;

	(void)state;
	assert_int_equal(uparse(msg_rec(rec_rule6), &r), 0);
	assert_int_equal(r.fam, FAM_IPV6);
	assert_int_equal(r.priority, 1000);
	assert_int_equal(r.fwmark, 0x100);
	assert_int_equal(r.fwmask, 0xff00);
	assert_int_equal(uparse(msg_rec(rec_rule_blackhole), &r), -EOPNOTSUPP);
	assert_int_equal(uparse(msg_cut(rec_rule_fwmark, 16 + 8), &r), -EINVAL);
	assert_int_equal(uparse(msg_rec(rec_route_gw), &r), -EINVAL);

	/* the header's table; an interface name without its NUL is none;
	 * a suppressed prefix length other than 0 is not suppress_default */
	nlh = msg_start(RTM_NEWRULE, 0, &frh, sizeof(frh));
	mnl_attr_put(nlh, FRA_IIFNAME, 4, name);
	mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, 8);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, 5);
	assert_int_equal(uparse(msg_done(nlh), &r), 0);
	assert_int_equal(r.table, 7);
	assert_int_equal(r.priority, 5);
	assert_string_equal(r.iifname, "");
	assert_false(r.suppress_default);
	assert_int_equal(r.protocol, 0);
}

/* the monitor */

static int mparse(struct nlmsghdr *nlh, struct rtmon_event *ev)
{
	int ret;

	memset(ev, 0xff, sizeof(*ev));
	ret = rtmon_parse(nlh, ev);
	free(nlh);
	return ret;
}

static void test_rtmon(void **state)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = WAN1 };
	struct rtmon_event ev;

	(void)state;
	assert_int_equal(mparse(msg_rec(rec_link_up), &ev), 0);
	assert_int_equal(ev.kind, RTMON_LINK);
	assert_false(ev.deleted);
	assert_int_equal(mparse(msg_done(msg_start(RTM_DELLINK, 0, &ifi,
						   sizeof(ifi))),
				&ev),
			 0);
	assert_int_equal(ev.kind, RTMON_LINK);
	assert_true(ev.deleted);

	assert_int_equal(mparse(msg_rec(rec_addr_eth), &ev), 0);
	assert_int_equal(ev.kind, RTMON_ADDR);
	assert_false(ev.deleted);
	assert_int_equal(mparse(msg_rec(rec_addr_del), &ev), 0);
	assert_int_equal(ev.kind, RTMON_ADDR);
	assert_true(ev.deleted);

	assert_int_equal(mparse(msg_rec(rec_route_gw), &ev), 0);
	assert_int_equal(ev.kind, RTMON_ROUTE);
	assert_false(ev.deleted);
	assert_int_equal(ev.table, 1000);
	assert_int_equal(ev.protocol, RTPROT_FLOWPIN);
	assert_int_equal(mparse(msg_rec(rec_route_del), &ev), 0);
	assert_int_equal(ev.kind, RTMON_ROUTE);
	assert_true(ev.deleted);
	assert_int_equal(ev.table, 1000);
	assert_int_equal(mparse(msg_rec(rec_route_connected), &ev), 0);
	assert_int_equal(ev.table, RT_TABLE_MAIN);
	assert_int_equal(ev.protocol, RTPROT_KERNEL);

	assert_int_equal(mparse(msg_rec(rec_rule_fwmark), &ev), 0);
	assert_int_equal(ev.kind, RTMON_RULE);
	assert_false(ev.deleted);
	assert_int_equal(mparse(msg_rec(rec_rule_del), &ev), 0);
	assert_int_equal(ev.kind, RTMON_RULE);
	assert_true(ev.deleted);
	assert_int_equal(ev.protocol, RTPROT_FLOWPIN);

	assert_int_equal(mparse(msg_rec(rec_neigh_failed), &ev), 0);
	assert_int_equal(ev.kind, RTMON_NEIGH);
	assert_false(ev.deleted);
	assert_int_equal(ev.neigh.verdict, NEIGH_FAILED);
	assert_int_equal(ev.neigh.ifindex, WAN1);
	assert_int_equal(ev.neigh.addr.v4.s_addr, ip("192.0.2.98"));
}

/* What flowpin does not follow: RTMON_OTHER, and no error. */
static void test_rtmon_other(void **state)
{
	struct rtgenmsg g = { .rtgen_family = AF_INET };
	struct rtmon_event ev;

	(void)state;
	assert_int_equal(mparse(msg_done(msg_start(RTM_NEWQDISC, 0, &g,
						   sizeof(g))),
				&ev),
			 0);
	assert_int_equal(ev.kind, RTMON_OTHER);
	assert_false(ev.deleted);
	assert_int_equal(ev.table, 0);
	assert_int_equal(ev.protocol, 0);
	/* another bus's message, a rule of no table */
	assert_int_equal(mparse(msg_rec(rec_ct_new), &ev), 0);
	assert_int_equal(ev.kind, RTMON_OTHER);
	assert_int_equal(mparse(msg_rec(rec_rule_blackhole), &ev), 0);
	assert_int_equal(ev.kind, RTMON_OTHER);
	/* IPv6's, each of its kind */
	assert_int_equal(mparse(msg_rec(rec_route6), &ev), 0);
	assert_int_equal(ev.kind, RTMON_ROUTE);
	assert_int_equal(ev.table, 1000);
	assert_int_equal(ev.route.fam, FAM_IPV6);
	assert_int_equal(mparse(msg_rec(rec_rule6), &ev), 0);
	assert_int_equal(ev.kind, RTMON_RULE);
	assert_int_equal(mparse(msg_rec(rec_neigh6), &ev), 0);
	assert_int_equal(ev.kind, RTMON_NEIGH);
	assert_int_equal(ev.neigh.fam, FAM_IPV6);
	/* unreadable: said so */
	assert_int_equal(mparse(msg_cut(rec_route_gw, 16 + 4), &ev), -EINVAL);
	assert_int_equal(ev.kind, RTMON_OTHER);
	assert_int_equal(mparse(msg_cut(rec_neigh_failed, 16 + 4), &ev),
			 -EINVAL);
	assert_int_equal(ev.kind, RTMON_OTHER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ct_recorded_same_key),
		cmocka_unit_test(test_ct_recorded_other_keys),
		cmocka_unit_test(test_ct_built),
		cmocka_unit_test(test_ct_bad_mark),
		cmocka_unit_test(test_ct_no_tuple),
		cmocka_unit_test(test_ct_truncated),
		cmocka_unit_test(test_neigh_recorded),
		cmocka_unit_test(test_neigh_states),
		cmocka_unit_test(test_neigh_invalid),
		cmocka_unit_test(test_ifaddr_link),
		cmocka_unit_test(test_ifaddr_addr),
		cmocka_unit_test(test_ifaddr_addr_built),
		cmocka_unit_test(test_ifaddr_addr_max),
		cmocka_unit_test(test_route_recorded),
		cmocka_unit_test(test_route_invalid),
		cmocka_unit_test(test_rule_recorded),
		cmocka_unit_test(test_rule_invalid),
		cmocka_unit_test(test_rtmon),
		cmocka_unit_test(test_rtmon_other),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
