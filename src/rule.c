// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "rule.h"

bool rule_equal(const struct rule *a, const struct rule *b)
{
	return a->priority == b->priority && a->table == b->table &&
	       a->fwmark == b->fwmark && a->fwmask == b->fwmask &&
	       a->suppress_default == b->suppress_default &&
	       !strcmp(a->iifname, b->iifname) && a->protocol == b->protocol;
}

static struct nlmsghdr *rule_msg(struct nl *nl, uint16_t type, uint16_t flags,
				 const struct rule *r)
{
	struct nlmsghdr *nlh = nl_msg(nl, type, flags);
	struct fib_rule_hdr *frh =
		mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));

	frh->family = AF_INET;
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

int rule_add(struct nl *nl, const struct rule *r)
{
	return nl_talk(nl,
		       rule_msg(nl, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r),
		       NULL, NULL);
}

int rule_delete(struct nl *nl, const struct rule *r)
{
	return nl_talk(nl, rule_msg(nl, RTM_DELRULE, 0, r), NULL, NULL);
}

struct list_ctx {
	rule_cb cb;
	void *data;
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	struct list_ctx *ctx = data;
	struct rule r = { .table = frh->table };
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWRULE || frh->family != AF_INET ||
	    frh->action != FR_ACT_TO_TBL)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*frh)) {
		switch (mnl_attr_get_type(attr)) {
		case FRA_PRIORITY:
			r.priority = mnl_attr_get_u32(attr);
			break;
		case FRA_TABLE:
			r.table = mnl_attr_get_u32(attr);
			break;
		case FRA_FWMARK:
			r.fwmark = mnl_attr_get_u32(attr);
			break;
		case FRA_FWMASK:
			r.fwmask = mnl_attr_get_u32(attr);
			break;
		case FRA_SUPPRESS_PREFIXLEN:
			r.suppress_default = mnl_attr_get_u32(attr) == 0;
			break;
		case FRA_IIFNAME:
			snprintf(r.iifname, sizeof(r.iifname), "%s",
				 mnl_attr_get_str(attr));
			break;
		case FRA_PROTOCOL:
			r.protocol = mnl_attr_get_u8(attr);
			break;
		}
	}
	ctx->cb(&r, ctx->data);
	return MNL_CB_OK;
}

int rule_list(struct nl *nl, rule_cb cb, void *data)
{
	struct list_ctx ctx = { cb, data };
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETRULE, NLM_F_DUMP);
	struct fib_rule_hdr *frh =
		mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));

	frh->family = AF_INET;
	return nl_talk(nl, nlh, list_cb, &ctx);
}

struct sync_ctx {
	struct rule *have;
	unsigned int n, cap;
	unsigned char protocol;
	int err;
};

static void collect(const struct rule *r, void *data)
{
	struct sync_ctx *s = data;

	if (r->protocol == s->protocol && !s->err)
		s->err = array_push(&s->have, &s->n, &s->cap, r, sizeof(*r));
}

int rule_sync(struct nl *nl, const struct rule *want, unsigned int n,
	      unsigned char protocol)
{
	struct sync_ctx s = { .protocol = protocol };
	int ret;

	ret = rule_list(nl, collect, &s);
	if (!ret)
		ret = s.err;
	for (unsigned int i = 0; i < s.n && !ret; i++) {
		bool wanted = false;

		for (unsigned int j = 0; j < n; j++)
			wanted |= rule_equal(&s.have[i], &want[j]);
		if (!wanted)
			ret = rule_delete(nl, &s.have[i]);
	}
	for (unsigned int j = 0; j < n && !ret; j++) {
		bool present = false;

		for (unsigned int i = 0; i < s.n; i++)
			present |= rule_equal(&s.have[i], &want[j]);
		if (!present)
			ret = rule_add(nl, &want[j]);
	}
	free(s.have);
	return ret;
}
