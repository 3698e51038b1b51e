// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's answers to a request: nl_parse_error on recorded and built
 * NLMSG_ERROR messages; then, as root, in a network namespace of the
 * test's own, nl_talk and the route and rule adapters against the kernel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/routing.h"
#include "kernel/nl.h"
#include "kernel/nlroute.h"
#include "kernel/nlrule.h"

#include "live.h"
#include "nlmsg.h"
#include "recorded.h"

#define GW_MSG "Nexthop has invalid gateway"

static in_addr_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static int perr(struct nlmsghdr *nlh, char *msg, size_t size)
{
	int ret;

	memset(msg, 'x', size);
	ret = nl_parse_error(nlh, msg, size);
	free(nlh);
	return ret;
}

/*
 * The kernel refused a route via a gateway on no link: ENETUNREACH, with
 * its reason. Capped (NETLINK_CAP_ACK): the request's header only comes
 * back; not capped: all of it, then the reason.
 */
static void test_error_recorded(void **state)
{
	char msg[NL_ERRMSG_MAX];
	struct nlmsghdr *nlh;

	(void)state;
	nlh = msg_rec(rec_err_capped);
	assert_true(nlh->nlmsg_flags & NLM_F_CAPPED);
	assert_true(nlh->nlmsg_flags & NLM_F_ACK_TLVS);
	assert_int_equal(perr(nlh, msg, sizeof(msg)), -ENETUNREACH);
	assert_string_equal(msg, GW_MSG);

	nlh = msg_rec(rec_err_full);
	assert_false(nlh->nlmsg_flags & NLM_F_CAPPED);
	assert_true(nlh->nlmsg_flags & NLM_F_ACK_TLVS);
	assert_int_equal(perr(nlh, msg, sizeof(msg)), -ENETUNREACH);
	assert_string_equal(msg, GW_MSG);

	/* a short buffer takes what fits */
	assert_int_equal(perr(msg_rec(rec_err_full), msg, 8), -ENETUNREACH);
	assert_string_equal(msg, "Nexthop");
}

static void test_ack_recorded(void **state)
{
	char msg[NL_ERRMSG_MAX];

	(void)state;
	assert_int_equal(perr(msg_rec(rec_ack), msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
}

/*
 * An NLMSG_ERROR of @err for a request of @req_len payload bytes, echoed
 * unless @capped, with @text as NLMSGERR_ATTR_MSG (NULL: none) of
 * @text_len bytes (0: with its NUL).
 */
static struct nlmsghdr *error_msg(int err, bool capped, size_t req_len,
				  const char *text, size_t text_len)
{
	struct nlmsgerr e = { .error = err };
	uint16_t flags = (capped ? NLM_F_CAPPED : 0) |
			 (text ? NLM_F_ACK_TLVS : 0);
	struct nlmsghdr *nlh = msg_start(NLMSG_ERROR, flags, &e, sizeof(e));
	struct nlmsgerr *pe = mnl_nlmsg_get_payload(nlh);

	pe->msg.nlmsg_len = (uint32_t)(sizeof(struct nlmsghdr) + req_len);
	pe->msg.nlmsg_type = RTM_NEWROUTE;
	pe->msg.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (!capped) {
		/* the echoed request's payload, padded like a message */
		char *p = mnl_nlmsg_put_extra_header(nlh, req_len);

		memset(p, 0xa5, req_len);
	}
	if (text && !text_len)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	else if (text)
		mnl_attr_put(nlh, NLMSGERR_ATTR_MSG, text_len, text);
	if (text)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
	return msg_done(nlh);
}

static void test_error_built(void **state)
{
	char msg[NL_ERRMSG_MAX];

	(void)state;
	assert_int_equal(perr(error_msg(-EINVAL, true, 0, GW_MSG, 0), msg,
			      sizeof(msg)),
			 -EINVAL);
	assert_string_equal(msg, GW_MSG);
	assert_int_equal(perr(error_msg(-EINVAL, false, 44, GW_MSG, 0), msg,
			      sizeof(msg)),
			 -EINVAL);
	assert_string_equal(msg, GW_MSG);
	/* a request whose length is no multiple of 4: the attributes follow
	 * its padding */
	assert_int_equal(perr(error_msg(-EINVAL, false, 17, GW_MSG, 0), msg,
			      sizeof(msg)),
			 -EINVAL);
	assert_string_equal(msg, GW_MSG);
	/* no NLM_F_ACK_TLVS: no text */
	assert_int_equal(perr(error_msg(-EEXIST, false, 44, NULL, 0), msg,
			      sizeof(msg)),
			 -EEXIST);
	assert_string_equal(msg, "");
	/* a text without its NUL is no text */
	assert_int_equal(perr(error_msg(-EINVAL, true, 0, GW_MSG, 7), msg,
			      sizeof(msg)),
			 -EINVAL);
	assert_string_equal(msg, "");
	/* an acknowledgement, with the request echoed */
	assert_int_equal(perr(error_msg(0, false, 44, NULL, 0), msg,
			      sizeof(msg)),
			 0);
	assert_string_equal(msg, "");
}

static void test_error_truncated(void **state)
{
	char msg[NL_ERRMSG_MAX];

	(void)state;
	/* shorter than a struct nlmsgerr */
	assert_int_equal(perr(msg_cut(rec_err_capped, 16 + 16), msg,
			      sizeof(msg)),
			 -EBADMSG);
	assert_string_equal(msg, "");
	assert_int_equal(perr(msg_cut(rec_ack, 16), msg, sizeof(msg)),
			 -EBADMSG);
	/* cut in its reason: the error without the reason */
	assert_int_equal(perr(msg_cut(rec_err_capped, 16 + 20 + 4 + 8), msg,
			      sizeof(msg)),
			 -ENETUNREACH);
	assert_string_equal(msg, "");
	/* an echoed request that claims more than the message holds */
	assert_int_equal(perr(msg_cut(rec_err_full, 16 + 20 + 12), msg,
			      sizeof(msg)),
			 -ENETUNREACH);
	assert_string_equal(msg, "");
}

/* Live (live.h), with the socket open. */
static void live_open(struct nl *nl)
{
	if (!live_netns())
		skip();
	assert_int_equal(nl_open(nl, NETLINK_ROUTE, 0), 0);
}

/* lo up, its addresses with it */
static void lo_up(struct nl *nl)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)if_nametoindex("lo");
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	assert_int_not_equal(ifi->ifi_index, 0);
	assert_int_equal(nl_talk(nl, nlh, NULL, NULL), 0);
}

struct found {
	unsigned int n;
	struct route route;
	struct rule rules[8];
};

static int on_route(const struct route *r, void *data)
{
	struct found *f = data;

	f->route = *r;
	f->n++;
	return 0;
}

/*
 * nl_talk with the kernel's reason in nl->errmsg and nl_strerror; and a
 * request that succeeds after it leaves no reason behind.
 */
static void test_live_errmsg(void **state)
{
	struct route r = { .table = 1000,
			   .dst_len = 24,
			   .protocol = RTPROT_FLOWPIN };
	struct found f = { 0 };
	struct nl nl;
	int ret;

	(void)state;
	live_open(&nl);
	r.dst.v4.s_addr = ip("10.9.0.0");
	r.gw.v4.s_addr = ip("198.18.0.1");
	ret = nlroute_replace(&nl, &r);
	assert_int_equal(ret, -ENETUNREACH);
	assert_string_equal(nl.errmsg, GW_MSG);
	assert_non_null(strstr(nl_strerror(&nl, ret), GW_MSG));
	assert_non_null(strstr(nl_strerror(&nl, ret), strerror(-ret)));

	/* a dump after it, which ends in NLMSG_DONE: no reason left */
	assert_int_equal(nlroute_list(&nl, FAM_IPV4, 1000, on_route, &f), 0);
	assert_int_equal(f.n, 0);
	assert_string_equal(nl.errmsg, "");
	assert_string_equal(nl_strerror(&nl, -EINVAL), strerror(EINVAL));

	/* an acknowledgement after another failure: none left either */
	assert_int_equal(nlroute_replace(&nl, &r), -ENETUNREACH);
	assert_string_equal(nl.errmsg, GW_MSG);
	lo_up(&nl);
	assert_string_equal(nl.errmsg, "");
	nl_close(&nl);
}

static int on_rule(const struct rule *r, void *data)
{
	struct found *f = data;

	if (r->protocol == RTPROT_FLOWPIN && f->n < 8)
		f->rules[f->n++] = *r;
	return 0;
}

/* What the adapters write, the kernel lists back equal: no churn. */
static void test_live_route_round_trip(void **state)
{
	struct route r = { .table = 1000,
			   .dst_len = 24,
			   .scope = RT_SCOPE_LINK,
			   .protocol = RTPROT_FLOWPIN };
	struct found f = { 0 };
	struct nl nl;

	(void)state;
	live_open(&nl);
	lo_up(&nl);
	r.dst.v4.s_addr = ip("198.51.100.0");
	r.oif = (int)if_nametoindex("lo");
	r.prefsrc.v4.s_addr = ip("127.0.0.1");
	assert_int_equal(nlroute_replace(&nl, &r), 0);
	assert_int_equal(nlroute_list(&nl, FAM_IPV4, 1000, on_route, &f), 0);
	assert_int_equal(f.n, 1);
	assert_true(route_equal(&f.route, &r));
	/* another table's routes are not listed */
	f.n = 0;
	assert_int_equal(nlroute_list(&nl, FAM_IPV4, 1001, on_route, &f), 0);
	assert_int_equal(f.n, 0);
	/* deleted, then gone */
	assert_int_equal(nlroute_delete(&nl, &r), 0);
	assert_int_equal(nlroute_delete(&nl, &r), -ESRCH);
	assert_int_equal(nlroute_list(&nl, FAM_IPV4, 1000, on_route, &f), 0);
	assert_int_equal(f.n, 0);
	nl_close(&nl);
}

static void test_live_rule_round_trip(void **state)
{
	const struct rule want[] = {
		{ .priority = 999,
		  .table = RT_TABLE_MAIN,
		  .suppress_default = true,
		  .protocol = RTPROT_FLOWPIN },
		{ .priority = 1000,
		  .table = 1000,
		  .fwmark = 0x100,
		  .fwmask = 0xff00,
		  .protocol = RTPROT_FLOWPIN },
		{ .priority = 1001,
		  .table = 1001,
		  .iifname = "lan0",
		  .protocol = RTPROT_FLOWPIN },
	};
	struct found f = { 0 };
	struct nl nl;

	(void)state;
	live_open(&nl);
	for (int i = 0; i < 3; i++)
		assert_int_equal(nlrule_add(&nl, &want[i]), 0);
	assert_int_equal(nlrule_add(&nl, &want[1]), -EEXIST);
	assert_int_equal(nlrule_list(&nl, FAM_IPV4, on_rule, &f), 0);
	assert_int_equal(f.n, 3);
	for (int i = 0; i < 3; i++)
		assert_true(rule_equal(&f.rules[i], &want[i]));
	for (int i = 0; i < 3; i++)
		assert_int_equal(nlrule_delete(&nl, &want[i]), 0);
	f.n = 0;
	assert_int_equal(nlrule_list(&nl, FAM_IPV4, on_rule, &f), 0);
	assert_int_equal(f.n, 0);
	nl_close(&nl);
}

/*
 * IPv6 as the adapters write it, listed back equal: a prefix route with
 * its source and the metric the kernel gives IPv6 routes, a link's
 * blackhole while it waits (the kernel lends it the loopback device,
 * which the parser drops), and the rules; none of them in IPv4's lists.
 */
static void test_live_ipv6_round_trip(void **state)
{
	struct route r = routing_hold_route(FAM_IPV6, 1000);
	struct route p = { .fam = FAM_IPV6,
			   .table = 1000,
			   .dst_len = 64,
			   .protocol = RTPROT_FLOWPIN,
			   .metric = ROUTE_METRIC6 };
	struct rule want[ROUTING_RULES_MAX];
	struct link_config links[1] = { 0 };
	struct config c = { .nlinks = 1,
			    .links = links,
			    .mark_mask = 0xff00,
			    .table = 1000,
			    .priority = 900 };
	uint32_t marks[] = { 0x100 }, tables[] = { 1001 };
	struct found f = { 0 };
	unsigned int n;
	struct nl nl;

	(void)state;
	live_open(&nl);
	lo_up(&nl);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:5::", &p.dst.v6), 1);
	assert_int_equal(inet_pton(AF_INET6, "::1", &p.prefsrc.v6), 1);
	p.oif = (int)if_nametoindex("lo");
	assert_int_equal(nlroute_replace(&nl, &r), 0);
	assert_int_equal(nlroute_list(&nl, FAM_IPV6, 1000, on_route, &f), 0);
	assert_int_equal(f.n, 1);
	assert_true(route_equal(&f.route, &r));
	assert_int_equal(nlroute_delete(&nl, &r), 0);
	f.n = 0;
	assert_int_equal(nlroute_replace(&nl, &p), 0);
	assert_int_equal(nlroute_list(&nl, FAM_IPV6, 1000, on_route, &f), 0);
	assert_int_equal(f.n, 1);
	assert_true(route_equal(&f.route, &p));
	f.n = 0;
	assert_int_equal(nlroute_list(&nl, FAM_IPV4, 1000, on_route, &f), 0);
	assert_int_equal(f.n, 0);
	assert_int_equal(nlroute_delete(&nl, &p), 0);

	n = routing_rules(&c, marks, tables, want);
	assert_int_equal(n, 6);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(nlrule_add(&nl, &want[i]), 0);
	for (enum fam fam = 0; fam < FAM_MAX; fam++) {
		f.n = 0;
		assert_int_equal(nlrule_list(&nl, fam, on_rule, &f), 0);
		assert_int_equal(f.n, 3);
		for (unsigned int i = 0; i < 3; i++)
			assert_true(
				rule_equal(&f.rules[i], &want[3 * fam + i]));
	}
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(nlrule_delete(&nl, &want[i]), 0);
	nl_close(&nl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_recorded),
		cmocka_unit_test(test_ack_recorded),
		cmocka_unit_test(test_error_built),
		cmocka_unit_test(test_error_truncated),
		cmocka_unit_test(test_live_errmsg),
		cmocka_unit_test(test_live_route_round_trip),
		cmocka_unit_test(test_live_rule_round_trip),
		cmocka_unit_test(test_live_ipv6_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
