// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "route.h"

bool route_equal(const struct route *a, const struct route *b)
{
	return a->table == b->table && a->dst.s_addr == b->dst.s_addr &&
	       a->dst_len == b->dst_len && a->gw.s_addr == b->gw.s_addr &&
	       a->oif == b->oif && a->prefsrc.s_addr == b->prefsrc.s_addr &&
	       a->scope == b->scope && a->protocol == b->protocol;
}

static struct nlmsghdr *route_msg(struct nl *nl, uint16_t type, uint16_t flags,
				  const struct route *r)
{
	struct nlmsghdr *nlh = nl_msg(nl, type, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = r->dst_len;
	rtm->rtm_table = r->table < 256 ? (unsigned char)r->table :
					  RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->protocol;
	rtm->rtm_scope = r->scope;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	if (r->dst_len)
		mnl_attr_put(nlh, RTA_DST, 4, &r->dst);
	if (r->gw.s_addr)
		mnl_attr_put(nlh, RTA_GATEWAY, 4, &r->gw);
	if (r->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
	if (r->prefsrc.s_addr)
		mnl_attr_put(nlh, RTA_PREFSRC, 4, &r->prefsrc);
	return nlh;
}

int route_replace(struct nl *nl, const struct route *r)
{
	return nl_talk(nl,
		       route_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE,
				 r),
		       NULL, NULL);
}

int route_delete(struct nl *nl, const struct route *r)
{
	return nl_talk(nl, route_msg(nl, RTM_DELROUTE, 0, r), NULL, NULL);
}

struct list_ctx {
	uint32_t table;
	route_cb cb;
	void *data;
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct list_ctx *ctx = data;
	struct route r = {
		.table = rtm->rtm_table,
		.dst_len = rtm->rtm_dst_len,
		.scope = rtm->rtm_scope,
		.protocol = rtm->rtm_protocol,
	};
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		const void *p = mnl_attr_get_payload(attr);

		switch (mnl_attr_get_type(attr)) {
		case RTA_TABLE:
			r.table = mnl_attr_get_u32(attr);
			break;
		case RTA_DST:
			memcpy(&r.dst, p, 4);
			break;
		case RTA_GATEWAY:
			memcpy(&r.gw, p, 4);
			break;
		case RTA_OIF:
			r.oif = (int)mnl_attr_get_u32(attr);
			break;
		case RTA_PREFSRC:
			memcpy(&r.prefsrc, p, 4);
			break;
		}
	}
	if (r.table == ctx->table)
		ctx->cb(&r, ctx->data);
	return MNL_CB_OK;
}

int route_list(struct nl *nl, uint32_t table, route_cb cb, void *data)
{
	struct list_ctx ctx = { table, cb, data };
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	int one = 1;

	/* Strict checking lets the kernel dump just this table. */
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_NETLINK,
		   NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	rtm->rtm_family = AF_INET;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	return nl_talk(nl, nlh, list_cb, &ctx);
}

struct sync_ctx {
	struct route *have;
	unsigned int n, cap;
	unsigned char protocol;
	int err;
};

static void collect(const struct route *r, void *data)
{
	struct sync_ctx *s = data;

	if (r->protocol == s->protocol && !s->err)
		s->err = array_push(&s->have, &s->n, &s->cap, r, sizeof(*r));
}

int route_sync(struct nl *nl, uint32_t table, const struct route *want,
	       unsigned int n, unsigned char protocol)
{
	struct sync_ctx s = { .protocol = protocol };
	int ret;

	ret = route_list(nl, table, collect, &s);
	if (!ret)
		ret = s.err;
	for (unsigned int i = 0; i < s.n && !ret; i++) {
		bool wanted = false;

		for (unsigned int j = 0; j < n; j++)
			wanted |= route_equal(&s.have[i], &want[j]);
		/* gone already: the kernel drops routes of downed links */
		if (!wanted) {
			ret = route_delete(nl, &s.have[i]);
			if (ret == -ESRCH)
				ret = 0;
		}
	}
	for (unsigned int j = 0; j < n && !ret; j++) {
		bool present = false;

		for (unsigned int i = 0; i < s.n; i++)
			present |= route_equal(&s.have[i], &want[j]);
		if (!present)
			ret = route_replace(nl, &want[j]);
	}
	free(s.have);
	return ret;
}
