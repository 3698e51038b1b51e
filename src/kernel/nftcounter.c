// SPDX-License-Identifier: GPL-2.0-or-later
#include <endian.h>
#include <netinet/in.h> /* before the kernel's headers: glibc's in.h last fails */
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "core/ruleset.h"
#include "kernel/nftcounter.h"

struct counters {
	const struct config *c;
	uint64_t *packets, *bytes;
};

static int obj_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type <= NFTA_OBJ_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static int counter_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type <= NFTA_COUNTER_MAX && mnl_attr_validate(a, MNL_TYPE_U64) == 0)
		tb[type] = a;
	return MNL_CB_OK;
}

/* One counter object of the dump: a link's, by its name. */
static int on_obj(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NFTA_OBJ_MAX + 1] = { 0 };
	const struct nlattr *ctr[NFTA_COUNTER_MAX + 1] = { 0 };
	struct counters *cs = data;
	const char *name;
	int i;

	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), obj_attr, tb) < 0 ||
	    !tb[NFTA_OBJ_NAME] || !tb[NFTA_OBJ_DATA] ||
	    mnl_attr_validate(tb[NFTA_OBJ_NAME], MNL_TYPE_NUL_STRING) < 0 ||
	    mnl_attr_parse_nested(tb[NFTA_OBJ_DATA], counter_attr, ctr) < 0)
		return MNL_CB_OK;
	name = mnl_attr_get_str(tb[NFTA_OBJ_NAME]);
	if (!strncmp(name, "rule.", 5)) {
		for (i = 0; i < (int)cs->c->nrules; i++)
			if (!strcmp(cs->c->rules[i].name, name + 5))
				break;
		if (i == (int)cs->c->nrules)
			return MNL_CB_OK;
		i += (int)cs->c->nlinks;
	} else {
		i = config_find_link(cs->c, name);
	}
	if (i < 0)
		return MNL_CB_OK;
	if (ctr[NFTA_COUNTER_PACKETS])
		cs->packets[i] =
			be64toh(mnl_attr_get_u64(ctr[NFTA_COUNTER_PACKETS]));
	if (ctr[NFTA_COUNTER_BYTES])
		cs->bytes[i] =
			be64toh(mnl_attr_get_u64(ctr[NFTA_COUNTER_BYTES]));
	return MNL_CB_OK;
}

int nftcounter_read(struct nl *nl, const struct config *c, uint64_t *packets,
		    uint64_t *bytes)
{
	struct counters cs = { c, packets, bytes };
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	for (unsigned int i = 0; i < c->nlinks + c->nrules; i++)
		packets[i] = bytes[i] = 0;
	nlh = nl_msg(nl, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETOBJ,
		     NLM_F_DUMP);
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = NFPROTO_INET;
	nfg->version = NFNETLINK_V0;
	/* the kernel filters the dump by table and object type */
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, RULESET_TABLE);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htobe32(NFT_OBJECT_COUNTER));
	return nl_talk(nl, nlh, on_obj, &cs);
}
