// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/nlrule.h"

static struct nlmsghdr *nlrule_msg(struct nl *nl, uint16_t type, uint16_t flags,
				   const struct rule *r)
{
	struct nlmsghdr *nlh = nl_msg(nl, type, flags);
	struct fib_rule_hdr *frh =
		mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));

	frh->family = (unsigned char)fam_af(r->fam);
	frh->action = FR_ACT_TO_TBL;
	frh->table = r->table < 256 ? (unsigned char)r->table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, r->priority);
	mnl_attr_put_u32(nlh, FRA_TABLE, r->table);
	if (r->fwmask) {
		mnl_attr_put_u32(nlh, FRA_FWMARK, r->fwmark);
		mnl_attr_put_u32(nlh, FRA_FWMASK, r->fwmask);
	}
	if (r->suppress_default)
		mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, 0);
	if (r->iifname[0])
		mnl_attr_put_strz(nlh, FRA_IIFNAME, r->iifname);
	mnl_attr_put_u8(nlh, FRA_PROTOCOL, r->protocol);
	return nlh;
}

int nlrule_add(struct nl *nl, const struct rule *r)
{
	return nl_talk(nl,
		       nlrule_msg(nl, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL,
				  r),
		       NULL, NULL);
}

int nlrule_delete(struct nl *nl, const struct rule *r)
{
	return nl_talk(nl, nlrule_msg(nl, RTM_DELRULE, 0, r), NULL, NULL);
}

int nlrule_parse(const struct nlmsghdr *nlh, struct rule *r)
{
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWRULE && nlh->nlmsg_type != RTM_DELRULE)
		return -EINVAL;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*frh)))
		return -EINVAL;
	if (fam_of_af(frh->family) < 0)
		return -EAFNOSUPPORT;
	if (frh->action != FR_ACT_TO_TBL)
		return -EOPNOTSUPP;
	*r = (struct rule){ .fam = (enum fam)fam_of_af(frh->family),
			    .table = frh->table };
	mnl_attr_for_each(attr, nlh, sizeof(*frh)) {
		uint16_t len = mnl_attr_get_payload_len(attr);

		switch (mnl_attr_get_type(attr)) {
		case FRA_PRIORITY:
			if (len == 4)
				r->priority = mnl_attr_get_u32(attr);
			break;
		case FRA_TABLE:
			if (len == 4)
				r->table = mnl_attr_get_u32(attr);
			break;
		case FRA_FWMARK:
			if (len == 4)
				r->fwmark = mnl_attr_get_u32(attr);
			break;
		case FRA_FWMASK:
			if (len == 4)
				r->fwmask = mnl_attr_get_u32(attr);
			break;
		case FRA_SUPPRESS_PREFIXLEN:
			if (len == 4)
				r->suppress_default = mnl_attr_get_u32(attr) ==
						      0;
			break;
		case FRA_IIFNAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				snprintf(r->iifname, sizeof(r->iifname), "%s",
					 mnl_attr_get_str(attr));
			break;
		case FRA_PROTOCOL:
			if (len == 1)
				r->protocol = mnl_attr_get_u8(attr);
			break;
		}
	}
	return 0;
}

struct list_ctx {
	enum fam fam;
	nlrule_cb cb;
	void *data;
	int err;
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct list_ctx *ctx = data;
	struct rule r;

	/* a kernel without IPv6 answers an IPv6 dump with every family's */
	if (nlrule_parse(nlh, &r) || r.fam != ctx->fam || ctx->err)
		return MNL_CB_OK;
	ctx->err = ctx->cb(&r, ctx->data);
	return MNL_CB_OK;
}

int nlrule_list(struct nl *nl, enum fam fam, nlrule_cb cb, void *data)
{
	struct list_ctx ctx = { fam, cb, data, 0 };
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETRULE, NLM_F_DUMP);
	struct fib_rule_hdr *frh =
		mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	int ret;

	frh->family = (unsigned char)fam_af(fam);
	ret = nl_talk(nl, nlh, list_cb, &ctx);
	return ret ? ret : ctx.err;
}
