// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/nlroute.h"

static struct nlmsghdr *nlroute_msg(struct nl *nl, uint16_t type,
				    uint16_t flags, const struct route *r)
{
	struct nlmsghdr *nlh = nl_msg(nl, type, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	size_t alen = inaddr_len(r->fam);

	rtm->rtm_family = (unsigned char)fam_af(r->fam);
	rtm->rtm_dst_len = r->dst_len;
	rtm->rtm_table = r->table < 256 ? (unsigned char)r->table :
					  RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->protocol;
	rtm->rtm_scope = r->scope;
	rtm->rtm_type = r->type ? r->type : RTN_UNICAST;
	if (r->onlink)
		rtm->rtm_flags |= RTNH_F_ONLINK;
	mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	if (r->dst_len)
		mnl_attr_put(nlh, RTA_DST, alen, &r->dst);
	if (!inaddr_is_zero(r->fam, &r->gw))
		mnl_attr_put(nlh, RTA_GATEWAY, alen, &r->gw);
	if (r->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
	if (!inaddr_is_zero(r->fam, &r->prefsrc))
		mnl_attr_put(nlh, RTA_PREFSRC, alen, &r->prefsrc);
	if (r->metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	return nlh;
}

int nlroute_replace(struct nl *nl, const struct route *r)
{
	return nl_talk(nl,
		       nlroute_msg(nl, RTM_NEWROUTE,
				   NLM_F_CREATE | NLM_F_REPLACE, r),
		       NULL, NULL);
}

int nlroute_delete(struct nl *nl, const struct route *r)
{
	return nl_talk(nl, nlroute_msg(nl, RTM_DELROUTE, 0, r), NULL, NULL);
}

int nlroute_parse(const struct nlmsghdr *nlh, struct route *r)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return -EINVAL;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)))
		return -EINVAL;
	int fam = fam_of_af(rtm->rtm_family);
	size_t alen;

	if (fam < 0)
		return -EAFNOSUPPORT;
	alen = inaddr_len((enum fam)fam);
	*r = (struct route){
		.fam = (enum fam)fam,
		.table = rtm->rtm_table,
		.dst_len = rtm->rtm_dst_len,
		.scope = rtm->rtm_scope,
		.protocol = rtm->rtm_protocol,
		.type = rtm->rtm_type == RTN_UNICAST ? 0 : rtm->rtm_type,
		.onlink = (rtm->rtm_flags & RTNH_F_ONLINK) != 0,
	};
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		const void *p = mnl_attr_get_payload(attr);
		uint16_t len = mnl_attr_get_payload_len(attr);

		switch (mnl_attr_get_type(attr)) {
		case RTA_TABLE:
			if (len == 4)
				r->table = mnl_attr_get_u32(attr);
			break;
		case RTA_DST:
			if (len == alen)
				memcpy(&r->dst, p, alen);
			break;
		case RTA_GATEWAY:
			if (len == alen)
				memcpy(&r->gw, p, alen);
			break;
		case RTA_OIF:
			if (len == 4)
				r->oif = (int)mnl_attr_get_u32(attr);
			break;
		case RTA_PREFSRC:
			if (len == alen)
				memcpy(&r->prefsrc, p, alen);
			break;
		case RTA_PRIORITY:
			if (len == 4)
				r->metric = mnl_attr_get_u32(attr);
			break;
		}
	}
	/* IPv6 lends its non-unicast routes the loopback device */
	if (r->type && r->type != RTN_UNICAST)
		r->oif = 0;
	return 0;
}

struct list_ctx {
	enum fam fam;
	uint32_t table; /* 0: every table */
	nlroute_cb cb;
	void *data;
	int err;
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct list_ctx *ctx = data;
	struct route r;

	/*
	 * Of the family asked for only: a kernel without IPv6 answers an
	 * IPv6 dump with every family's routes.
	 */
	if (nlroute_parse(nlh, &r) || r.fam != ctx->fam ||
	    (ctx->table && r.table != ctx->table) || ctx->err)
		return MNL_CB_OK;
	ctx->err = ctx->cb(&r, ctx->data);
	return MNL_CB_OK;
}

int nlroute_list(struct nl *nl, enum fam fam, uint32_t table, nlroute_cb cb,
		 void *data)
{
	struct list_ctx ctx = { fam, table, cb, data, 0 };
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	int ret;

	/* strict checking (set at open) lets the kernel dump just this table */
	rtm->rtm_family = (unsigned char)fam_af(fam);
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	ret = nl_talk(nl, nlh, list_cb, &ctx);
	/* strictly checked, a table the kernel has not made yet is ENOENT */
	if (ret == -ENOENT)
		ret = 0;
	return ret ? ret : ctx.err;
}

int nlroute_list_oif(struct nl *nl, enum fam fam, int oif, nlroute_cb cb,
		     void *data)
{
	struct list_ctx ctx = { fam, 0, cb, data, 0 };
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	int ret;

	/* strictly checked, the kernel filters by device, over every table */
	rtm->rtm_family = (unsigned char)fam_af(fam);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	ret = nl_talk(nl, nlh, list_cb, &ctx);
	return ret ? ret : ctx.err;
}
