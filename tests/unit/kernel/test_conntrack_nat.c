// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conntrack_delete_nat against the kernel, as root, in a network
 * namespace of the test's own: connections created through
 * libnetfilter_conntrack with chosen tuples, replies and marks; only
 * those of the link's mark whose reply goes to its old address go.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <arpa/inet.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "kernel/conntrack.h"
#include "kernel/nl.h"

#include "live.h"

#define OLD "10.1.0.2"
#define NEW "10.9.0.2"

/* One connection: its original tuple, its reply's, its mark and zone. */
struct conn {
	uint8_t proto;
	const char *src, *dst;
	uint16_t sport, dport;
	const char *rsrc, *rdst;
	uint16_t rsport, rdport;
	uint32_t mark;
	uint16_t zone;
	bool gone; /* what conntrack_delete_nat(0x100/0xff00, OLD) deletes */
};

/* wan1's mark is 0x100 in 0xff00, wan2's 0x200; its old address OLD */
static const struct conn conns[] = {
	/* forwarded, translated to OLD: same port, another port, zone 7 */
	{ IPPROTO_TCP, "192.168.1.2", "198.51.100.7", 40000, 443,
	  "198.51.100.7", OLD, 443, 40000, 0x100, 0, true },
	{ IPPROTO_TCP, "192.168.1.3", "198.51.100.8", 40001, 80, "198.51.100.8",
	  OLD, 80, 61000, 0x142, 7, true },
	/* the router's own from OLD */
	{ IPPROTO_UDP, OLD, "203.0.113.5", 50000, 53, "203.0.113.5", OLD, 53,
	  50000, 0x100, 0, true },
	/* wan1's, already on its new address */
	{ IPPROTO_TCP, "192.168.1.4", "198.51.100.7", 40002, 443,
	  "198.51.100.7", NEW, 443, 40002, 0x100, 0, false },
	{ IPPROTO_UDP, NEW, "203.0.113.5", 50001, 53, "203.0.113.5", NEW, 53,
	  50001, 0x100, 0, false },
	/* wan2's, to the same address (another namespace's, say) */
	{ IPPROTO_TCP, "192.168.1.5", "198.51.100.7", 40003, 443,
	  "198.51.100.7", OLD, 443, 40003, 0x200, 0, false },
	{ IPPROTO_UDP, OLD, "203.0.113.5", 50002, 53, "203.0.113.5", OLD, 53,
	  50002, 0x200, 0, false },
	/* no link's */
	{ IPPROTO_TCP, "192.168.1.6", "198.51.100.7", 40004, 443,
	  "198.51.100.7", OLD, 443, 40004, 0, 0, false },
	/* wan1's inbound, to OLD: its address is gone as well */
	{ IPPROTO_TCP, "203.0.113.9", OLD, 33333, 22, OLD, "203.0.113.9", 22,
	  33333, 0x100, 0, true },
	/* wan1's inbound, to NEW */
	{ IPPROTO_TCP, "203.0.113.9", NEW, 33334, 22, NEW, "203.0.113.9", 22,
	  33334, 0x100, 0, false },
};

#define NCONNS (sizeof(conns) / sizeof(conns[0]))

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static const union inaddr *v4(const char *s)
{
	static union inaddr a;

	a = (union inaddr){ .v4 = { ip(s) } };
	return &a;
}

static void create(struct nfct_handle *h, const struct conn *c)
{
	struct nf_conntrack *ct = nfct_new();

	assert_non_null(ct);
	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
	nfct_set_attr_u32(ct, ATTR_IPV4_SRC, ip(c->src));
	nfct_set_attr_u32(ct, ATTR_IPV4_DST, ip(c->dst));
	nfct_set_attr_u8(ct, ATTR_L4PROTO, c->proto);
	nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(c->sport));
	nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(c->dport));
	nfct_set_attr_u8(ct, ATTR_REPL_L3PROTO, AF_INET);
	nfct_set_attr_u32(ct, ATTR_REPL_IPV4_SRC, ip(c->rsrc));
	nfct_set_attr_u32(ct, ATTR_REPL_IPV4_DST, ip(c->rdst));
	nfct_set_attr_u8(ct, ATTR_REPL_L4PROTO, c->proto);
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(c->rsport));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, htons(c->rdport));
	if (c->proto == IPPROTO_TCP)
		nfct_set_attr_u8(ct, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
	if (c->zone)
		nfct_set_attr_u16(ct, ATTR_ZONE, c->zone);
	nfct_set_attr_u32(ct, ATTR_TIMEOUT, 600);
	nfct_set_attr_u32(ct, ATTR_MARK, c->mark);
	nfct_set_attr_u32(ct, ATTR_STATUS, IPS_SEEN_REPLY | IPS_ASSURED);
	if (nfct_query(h, NFCT_Q_CREATE, ct))
		fail_msg("create %s:%u: %s", c->src, c->sport, strerror(errno));
	nfct_destroy(ct);
}

/* What a dump lists: which of conns[] (by original source and port). */
struct listed {
	unsigned int n;
	bool seen[NCONNS];
	bool unknown;
};

static int on_ct(enum nf_conntrack_msg_type type, struct nf_conntrack *ct,
		 void *data)
{
	struct listed *l = data;

	(void)type;
	l->n++;
	for (unsigned int i = 0; i < NCONNS; i++) {
		const struct conn *c = &conns[i];

		if (nfct_get_attr_u32(ct, ATTR_IPV4_SRC) != ip(c->src) ||
		    nfct_get_attr_u16(ct, ATTR_PORT_SRC) != htons(c->sport))
			continue;
		/* the very one: its reply, mark and zone unchanged */
		if (nfct_get_attr_u32(ct, ATTR_REPL_IPV4_DST) != ip(c->rdst) ||
		    nfct_get_attr_u16(ct, ATTR_REPL_PORT_DST) !=
			    htons(c->rdport) ||
		    nfct_get_attr_u32(ct, ATTR_MARK) != c->mark ||
		    (nfct_attr_is_set(ct, ATTR_ZONE) > 0 ?
			     nfct_get_attr_u16(ct, ATTR_ZONE) :
			     0) != c->zone)
			break;
		l->seen[i] = true;
		return NFCT_CB_CONTINUE;
	}
	l->unknown = true;
	return NFCT_CB_CONTINUE;
}

static void list(struct nfct_handle *h, struct listed *l)
{
	uint32_t family = AF_INET;

	memset(l, 0, sizeof(*l));
	assert_int_equal(nfct_query(h, NFCT_Q_DUMP, &family), 0);
	assert_false(l->unknown);
}

static void test_live_delete_nat(void **state)
{
	struct nfct_handle *h;
	unsigned int deleted = 99;
	struct listed l;
	struct nl nl;

	(void)state;
	if (!live_netns())
		skip();
	h = nfct_open(CONNTRACK, 0);
	assert_non_null(h);
	assert_int_equal(nfct_callback_register(h, NFCT_T_ALL, on_ct, &l), 0);
	for (unsigned int i = 0; i < NCONNS; i++)
		create(h, &conns[i]);
	list(h, &l);
	assert_int_equal(l.n, NCONNS);

	assert_int_equal(nl_open(&nl, NETLINK_NETFILTER, 0), 0);
	assert_int_equal(conntrack_delete_nat(&nl, FAM_IPV4, 0x100, 0xff00,
					      v4(OLD), &deleted),
			 0);
	assert_int_equal(deleted, 4);
	list(h, &l);
	assert_int_equal(l.n, NCONNS - 4);
	for (unsigned int i = 0; i < NCONNS; i++)
		assert_int_equal(l.seen[i], !conns[i].gone);

	/* again: nothing left to delete; nor of another address or mark */
	assert_int_equal(conntrack_delete_nat(&nl, FAM_IPV4, 0x100, 0xff00,
					      v4(OLD), &deleted),
			 0);
	assert_int_equal(deleted, 0);
	assert_int_equal(conntrack_delete_nat(&nl, FAM_IPV4, 0x300, 0xff00,
					      v4(OLD), &deleted),
			 0);
	assert_int_equal(deleted, 0);
	assert_int_equal(conntrack_delete_nat(&nl, FAM_IPV4, 0x100, 0xff00,
					      v4("10.1.0.3"), &deleted),
			 0);
	assert_int_equal(deleted, 0);
	list(h, &l);
	assert_int_equal(l.n, NCONNS - 4);

	/* wan2's turn: its two to OLD go, the unmarked one stays */
	assert_int_equal(conntrack_delete_nat(&nl, FAM_IPV4, 0x200, 0xff00,
					      v4(OLD), &deleted),
			 0);
	assert_int_equal(deleted, 2);
	list(h, &l);
	assert_int_equal(l.n, NCONNS - 6);
	assert_true(l.seen[7]);
	assert_false(l.seen[5] || l.seen[6]);

	nl_close(&nl);
	nfct_close(h);
}

/* An IPv6 connection: from @src:@sport to @dst:443, its reply to @rdst. */
static void create6(struct nfct_handle *h, const char *src, uint16_t sport,
		    const char *dst, const char *rdst, uint32_t mark)
{
	struct nf_conntrack *ct = nfct_new();
	struct in6_addr a;

	assert_non_null(ct);
	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET6);
	nfct_set_attr_u8(ct, ATTR_REPL_L3PROTO, AF_INET6);
	assert_int_equal(inet_pton(AF_INET6, src, &a), 1);
	nfct_set_attr(ct, ATTR_IPV6_SRC, &a);
	nfct_set_attr(ct, ATTR_REPL_IPV6_DST, &a);
	assert_int_equal(inet_pton(AF_INET6, dst, &a), 1);
	nfct_set_attr(ct, ATTR_IPV6_DST, &a);
	nfct_set_attr(ct, ATTR_REPL_IPV6_SRC, &a);
	if (rdst) { /* translated */
		assert_int_equal(inet_pton(AF_INET6, rdst, &a), 1);
		nfct_set_attr(ct, ATTR_REPL_IPV6_DST, &a);
	}
	nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_TCP);
	nfct_set_attr_u8(ct, ATTR_REPL_L4PROTO, IPPROTO_TCP);
	nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(sport));
	nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(443));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(443));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, htons(sport));
	nfct_set_attr_u8(ct, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
	nfct_set_attr_u32(ct, ATTR_TIMEOUT, 600);
	nfct_set_attr_u32(ct, ATTR_MARK, mark);
	nfct_set_attr_u32(ct, ATTR_STATUS, IPS_SEEN_REPLY | IPS_ASSURED);
	if (nfct_query(h, NFCT_Q_CREATE, ct))
		fail_msg("create [%s]:%u: %s", src, sport, strerror(errno));
	nfct_destroy(ct);
}

static int count_ct(enum nf_conntrack_msg_type type, struct nf_conntrack *ct,
		    void *data)
{
	unsigned int *n = data;

	(void)type;
	*n += (nfct_get_attr_u32(ct, ATTR_MARK) & 0xff00) == 0x100;
	return NFCT_CB_CONTINUE;
}

/* How many connections of @family carry wan1's mark. */
static unsigned int wan1_conns(struct nfct_handle *h, uint32_t family)
{
	unsigned int n = 0;

	assert_int_equal(nfct_callback_register(h, NFCT_T_ALL, count_ct, &n),
			 0);
	assert_int_equal(nfct_query(h, NFCT_Q_DUMP, &family), 0);
	nfct_callback_unregister(h);
	return n;
}

/*
 * A link's IPv6 renumbered or down: only its IPv6 connections go, those
 * of the old address first; its IPv4 ones stay, with the same mark.
 */
static void test_live_ipv6(void **state)
{
	union inaddr old6;
	struct nfct_handle *h;
	unsigned int deleted = 99, v4;
	struct nl nl;

	(void)state;
	if (!live_netns())
		skip();
	h = nfct_open(CONNTRACK, 0);
	assert_non_null(h);
	v4 = wan1_conns(h, AF_INET);
	assert_true(v4 > 0); /* the IPv4 test's survivors */
	/* NAT66 to the old address, to the new one, the router's own */
	create6(h, "fd00:1::2", 40000, "2001:db8:ffff::1", "2001:db8:1::2",
		0x100);
	create6(h, "fd00:1::3", 40001, "2001:db8:ffff::1", "2001:db8:1::9",
		0x100);
	create6(h, "2001:db8:1::2", 40002, "2001:db8:ffff::1", NULL, 0x100);
	create6(h, "fd00:1::4", 40003, "2001:db8:ffff::1", "2001:db8:1::2",
		0x200);
	assert_int_equal(wan1_conns(h, AF_INET6), 3);

	assert_int_equal(nl_open(&nl, NETLINK_NETFILTER, 0), 0);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1::2", &old6.v6), 1);
	assert_int_equal(conntrack_delete_nat(&nl, FAM_IPV6, 0x100, 0xff00,
					      &old6, &deleted),
			 0);
	assert_int_equal(deleted, 2);
	assert_int_equal(wan1_conns(h, AF_INET6), 1);
	assert_int_equal(wan1_conns(h, AF_INET), v4);
	/* the IPv4 address of the same bytes is another: nothing of IPv4 */
	assert_int_equal(conntrack_delete_nat(&nl, FAM_IPV4, 0x100, 0xff00,
					      &old6, &deleted),
			 0);
	assert_int_equal(deleted, 0);

	/* its IPv6 path down: the rest of its IPv6 goes, IPv4 stays */
	assert_int_equal(conntrack_delete_mark(&nl, AF_INET6, 0x100, 0xff00),
			 0);
	assert_int_equal(wan1_conns(h, AF_INET6), 0);
	assert_int_equal(wan1_conns(h, AF_INET), v4);
	/* and the other way round */
	assert_int_equal(conntrack_delete_mark(&nl, AF_INET, 0x100, 0xff00), 0);
	assert_int_equal(wan1_conns(h, AF_INET), 0);
	nl_close(&nl);
	nfct_close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_delete_nat),
		cmocka_unit_test(test_live_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
