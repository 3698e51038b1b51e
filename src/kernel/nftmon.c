// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter/nfnetlink.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel/nftmon.h"

/* A flush of a big ruleset comes at once: a notification per rule, set
 * and chain, queued before the loop reads any. */
#define NFTMON_RCVBUF (16 << 20)

/*
 * The messages of objects: the attribute naming their table (0: none).
 * The kernel notifies a DESTROY* request (Linux 6.3) as its DEL*.
 */
static const struct {
	uint16_t table_attr;
	bool deleted;
} nftmon_objects[] = {
	[NFT_MSG_NEWTABLE] = { NFTA_TABLE_NAME, false },
	[NFT_MSG_DELTABLE] = { NFTA_TABLE_NAME, true },
	[NFT_MSG_NEWCHAIN] = { NFTA_CHAIN_TABLE, false },
	[NFT_MSG_DELCHAIN] = { NFTA_CHAIN_TABLE, true },
	[NFT_MSG_NEWRULE] = { NFTA_RULE_TABLE, false },
	[NFT_MSG_DELRULE] = { NFTA_RULE_TABLE, true },
	[NFT_MSG_NEWSET] = { NFTA_SET_TABLE, false },
	[NFT_MSG_DELSET] = { NFTA_SET_TABLE, true },
	[NFT_MSG_NEWSETELEM] = { NFTA_SET_ELEM_LIST_TABLE, false },
	[NFT_MSG_DELSETELEM] = { NFTA_SET_ELEM_LIST_TABLE, true },
	[NFT_MSG_NEWOBJ] = { NFTA_OBJ_TABLE, false },
	[NFT_MSG_DELOBJ] = { NFTA_OBJ_TABLE, true },
	[NFT_MSG_NEWFLOWTABLE] = { NFTA_FLOWTABLE_TABLE, false },
	[NFT_MSG_DELFLOWTABLE] = { NFTA_FLOWTABLE_TABLE, true },
};

int nftmon_open(struct nl *nl)
{
	int size = NFTMON_RCVBUF, flags, fd, ret;

	ret = nl_open(nl, NETLINK_NETFILTER, 1u << (NFNLGRP_NFTABLES - 1));
	if (ret)
		return ret;
	fd = nl_fd(nl);
	/* past net.core.rmem_max needs CAP_NET_ADMIN; else what it allows */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size))) {
		ret = -errno;
		goto err;
	}
	/* the loop reads it until EAGAIN; it sends no requests */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		ret = -errno;
		goto err;
	}
	return 0;
err:
	nl_close(nl);
	return ret;
}

struct nftmon_attrs {
	const struct nlattr *tb[NFTA_GEN_MAX + 1]; /* the types read */
	const char *end; /* where the last attribute ended */
};

static int nftmon_attr(const struct nlattr *a, void *data)
{
	struct nftmon_attrs *at = data;
	uint16_t type = mnl_attr_get_type(a);

	at->end = (const char *)a + MNL_ALIGN(a->nla_len);
	if (type < sizeof(at->tb) / sizeof(at->tb[0]))
		at->tb[type] = a;
	return MNL_CB_OK;
}

/* A NUL-terminated string attribute that fits @size, copied; or -EINVAL. */
static int nftmon_str(const struct nlattr *a, char *s, size_t size)
{
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
	    mnl_attr_get_payload_len(a) > size)
		return -EINVAL;
	memcpy(s, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
	return 0;
}

static int nftmon_u32(const struct nlattr *a, uint32_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -EINVAL;
	*v = ntohl(mnl_attr_get_u32(a));
	return 0;
}

static int nftmon_gen(const struct nftmon_attrs *at, struct nftmon_event *ev)
{
	/* the generation must be there; its process, older kernels left out */
	if (!at->tb[NFTA_GEN_ID] ||
	    nftmon_u32(at->tb[NFTA_GEN_ID], &ev->gen_id))
		return -EINVAL;
	if (at->tb[NFTA_GEN_PROC_PID] &&
	    nftmon_u32(at->tb[NFTA_GEN_PROC_PID], &ev->pid))
		return -EINVAL;
	if (at->tb[NFTA_GEN_PROC_NAME] &&
	    nftmon_str(at->tb[NFTA_GEN_PROC_NAME], ev->comm, sizeof(ev->comm)))
		return -EINVAL;
	ev->kind = NFTMON_GEN;
	return 0;
}

int nftmon_parse(const struct nlmsghdr *nlh, struct nftmon_event *ev)
{
	const size_t nobjects =
		sizeof(nftmon_objects) / sizeof(nftmon_objects[0]);
	struct nftmon_attrs at = { 0 };
	const struct nfgenmsg *nfg;
	uint16_t table_attr = 0;
	int ret = -EINVAL;

	memset(ev, 0, sizeof(*ev));
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
		return 0;
	ev->type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	if (ev->type < nobjects)
		table_attr = nftmon_objects[ev->type].table_attr;
	if (!table_attr && ev->type != NFT_MSG_NEWGEN)
		return 0; /* GET* answers, traces: nothing followed */
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*nfg)))
		goto out;
	nfg = mnl_nlmsg_get_payload(nlh);
	ev->family = nfg->nfgen_family;
	/* mnl_attr_parse stops quietly at a cut attribute: so the attributes
	 * read must end where the message does */
	at.end = mnl_nlmsg_get_payload_offset(nlh, sizeof(*nfg));
	if (mnl_attr_parse(nlh, sizeof(*nfg), nftmon_attr, &at) < 0 ||
	    at.end != (const char *)mnl_nlmsg_get_payload_tail(nlh))
		goto out;
	if (!table_attr) {
		ret = nftmon_gen(&at, ev);
		goto out;
	}
	if (!at.tb[table_attr] ||
	    nftmon_str(at.tb[table_attr], ev->table, sizeof(ev->table)))
		goto out;
	ev->kind = NFTMON_OBJECT;
	ev->deleted = nftmon_objects[ev->type].deleted;
	ret = 0;
out:
	if (ret) {
		ev->kind = NFTMON_OTHER;
		ev->deleted = false;
	}
	return ret;
}
