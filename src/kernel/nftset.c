// SPDX-License-Identifier: GPL-2.0-or-later
#include <endian.h>
#include <errno.h>
#include <netinet/in.h> /* before the kernel's headers: glibc's in.h last fails */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "kernel/nftset.h"

/* Elements per message: each well under a page's worth of attributes. */
#define NFTSET_CHUNK 512
/* The most one element takes: key, verdict, a chain name, nesting. */
#define NFTSET_ELEM_MAX (64 + RULESET_NAME_MAX)
#define NFTSET_MSG_MAX 256 /* a message's header and its set's names */

struct batch {
	char *buf;
	size_t len, size;
	uint32_t seq, first; /* sequence numbers: next, first of the batch */
	unsigned int acks; /* replies the messages asked for */
};

static struct nlmsghdr *batch_msg(struct batch *b, uint16_t type,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b->buf + b->len);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = b->seq++;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = NFPROTO_INET;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

static void batch_end_msg(struct batch *b, struct nlmsghdr *nlh)
{
	b->len += nlh->nlmsg_len;
	if (nlh->nlmsg_flags & NLM_F_ACK)
		b->acks++;
}

/* BEGIN and END of a batch of the nftables subsystem. */
static void batch_mark(struct batch *b, uint16_t type)
{
	struct nlmsghdr *nlh = batch_msg(b, type, 0);
	struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);

	nfg->nfgen_family = AF_UNSPEC;
	nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
	batch_end_msg(b, nlh);
}

/* Elements [from, to) of @m: deleted (@add false) or added. */
static void put_elems(struct batch *b, const struct ruleset *rs,
		      const struct nftset_map *m, uint32_t from, uint32_t to,
		      bool add)
{
	struct nlmsghdr *nlh = batch_msg(b,
					 NFNL_SUBSYS_NFTABLES << 8 |
						 (add ? NFT_MSG_NEWSETELEM :
							NFT_MSG_DELSETELEM),
					 NLM_F_ACK | (add ? NLM_F_CREATE : 0));
	struct nlattr *list;

	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, RULESET_TABLE);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, m->name);
	list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
	for (uint32_t k = from; k < to; k++) {
		const struct ruleset_change *c = &m->changes[k];
		char chain[RULESET_NAME_MAX];
		struct nlattr *e, *key, *data, *v;

		if (add ? c->owner == BUCKET_NONE : !c->del)
			continue;
		e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
		key = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
		/* the hash's register: host byte order, as nft keys it */
		mnl_attr_put(nlh, NFTA_DATA_VALUE, sizeof(c->bucket),
			     &c->bucket);
		mnl_attr_nest_end(nlh, key);
		if (add) {
			data = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
			v = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
			mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE,
					 htonl((uint32_t)NFT_GOTO));
			mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN,
					  ruleset_pin_chain(rs, m->policy,
							    (unsigned int)
								    c->owner,
							    chain));
			mnl_attr_nest_end(nlh, v);
			mnl_attr_nest_end(nlh, data);
		}
		mnl_attr_nest_end(nlh, e);
	}
	mnl_attr_nest_end(nlh, list);
	batch_end_msg(b, nlh);
}

/* Whether elements [from, to) of @m hold any to delete (add) or add. */
static bool any(const struct nftset_map *m, uint32_t from, uint32_t to,
		bool add)
{
	for (uint32_t k = from; k < to; k++)
		if (add ? m->changes[k].owner != BUCKET_NONE :
			  m->changes[k].del)
			return true;
	return false;
}

/*
 * The replies: nfnetlink handles a batch within the send, so they are
 * all queued by now; one for each message that asked, the first error
 * (the kernel then aborted the transaction) is the result.
 */
static int read_replies(struct nl *nl, const struct batch *b)
{
	unsigned int seen = 0;
	int ret = 0;

	while (seen < b->acks) {
		ssize_t n = recv(nl_fd(nl), nl->buf, MNL_SOCKET_BUFFER_SIZE,
				 MSG_DONTWAIT);
		const struct nlmsghdr *m = (const struct nlmsghdr *)nl->buf;
		int len = (int)n;

		if (n < 0)
			return ret ? ret : errno == EAGAIN ? -EPROTO : -errno;
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			char msg[NL_ERRMSG_MAX];
			int err;

			if (m->nlmsg_type != NLMSG_ERROR ||
			    m->nlmsg_seq < b->first || m->nlmsg_seq >= b->seq)
				continue;
			seen++;
			err = nl_parse_error(m, msg, sizeof(msg));
			if (err && !ret) {
				ret = err;
				memcpy(nl->errmsg, msg, sizeof(nl->errmsg));
			}
		}
	}
	return ret;
}

int nftset_apply(struct nl *nl, const struct ruleset *rs,
		 const struct nftset_map *maps, unsigned int nmaps)
{
	struct batch b = { .seq = nl->seq + 1 };
	int ret = 0, big = 1 << 24;

	for (unsigned int i = 0; i < nmaps; i++)
		b.size += 2 * ((size_t)maps[i].n * NFTSET_ELEM_MAX +
			       (maps[i].n / NFTSET_CHUNK + 1) * NFTSET_MSG_MAX);
	b.size += 2 * NFTSET_MSG_MAX;
	b.buf = calloc(1, b.size);
	if (!b.buf)
		return -ENOMEM;
	b.first = b.seq;
	nl->errmsg[0] = '\0';
	batch_mark(&b, NFNL_MSG_BATCH_BEGIN);
	/* a changed element is deleted and added in one transaction */
	for (int add = 0; add < 2; add++)
		for (unsigned int i = 0; i < nmaps; i++)
			for (uint32_t k = 0; k < maps[i].n; k += NFTSET_CHUNK) {
				uint32_t to = k + NFTSET_CHUNK < maps[i].n ?
						      k + NFTSET_CHUNK :
						      maps[i].n;

				if (any(&maps[i], k, to, add))
					put_elems(&b, rs, &maps[i], k, to, add);
			}
	batch_mark(&b, NFNL_MSG_BATCH_END);
	nl->seq = b.seq;
	if (!b.acks)
		goto out;
	/* a batch goes in one send: room for the largest */
	setsockopt(nl_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	if (mnl_socket_sendto(nl->sock, b.buf, b.len) < 0)
		ret = -errno;
	else
		ret = read_replies(nl, &b);
out:
	free(b.buf);
	return ret;
}
