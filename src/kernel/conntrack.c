// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <libmnl/libmnl.h>
#include <libnfnetlink/libnfnetlink.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "kernel/conntrack.h"
#include "core/flowhash.h"
#include "kernel/nl.h"

/* Enough for a burst of some 100k events between two reads. */
#define EVENT_RCVBUF (32 << 20)
#define EVENT_BATCH 64
#define EVENT_SIZE 8192 /* an event is some 300 bytes */
#define EVENT_ROUNDS 64

static int conntrack_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, CTA_MAX) <= 0)
		return MNL_CB_OK;
	/* the three read: anything malformed leaves them unset */
	if ((type == CTA_ZONE && mnl_attr_validate(a, MNL_TYPE_U16) < 0) ||
	    (type == CTA_MARK && mnl_attr_validate(a, MNL_TYPE_U32) < 0) ||
	    (type == CTA_TUPLE_ORIG &&
	     mnl_attr_validate(a, MNL_TYPE_NESTED) < 0))
		return MNL_CB_OK;
	tb[type] = a;
	return MNL_CB_OK;
}

/*
 * A connection's identity and mark, from ctnetlink's message about it.
 * The identity is a digest of the original tuple as the kernel wrote it
 * (its addresses, protocol, ports or ICMP id, and a directional zone)
 * and of the zone: events and dumps write both with the same code, so a
 * connection has one key whichever told of it. Reading two attributes
 * rather than the whole message costs a fraction of the full parse, and
 * this runs twice for every connection the router forwards.
 */
int conntrack_parse(const struct nlmsghdr *nlh, uint64_t *key, uint32_t *mark)
{
	const struct nlattr *tb[CTA_MAX + 1] = { 0 };
	const struct nlattr *t;
	uint32_t zone = 0, len;
	const void *p;

	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), conntrack_attr, tb) <
	    0)
		return -EINVAL;
	t = tb[CTA_TUPLE_ORIG];
	if (!t)
		return -EINVAL;
	if (tb[CTA_ZONE])
		zone = mnl_attr_get_u16(tb[CTA_ZONE]);
	*mark = tb[CTA_MARK] ? ntohl(mnl_attr_get_u32(tb[CTA_MARK])) : 0;
	p = mnl_attr_get_payload(t);
	len = mnl_attr_get_payload_len(t);
	*key = (uint64_t)kernel_jhash(p, len, 0x666c6f77 ^ zone) << 32 |
	       kernel_jhash(p, len, 0x70696e21 ^ zone);
	return 0;
}

int conntrack_events_open(struct conntrack_events *ev, uint32_t mask,
			  conntrack_cb cb, void *data)
{
	struct nfct_filter_dump_mark zero = { .val = 0, .mask = mask };
	struct nfct_filter *filter = NULL;
	int ret = 0;

	memset(ev, 0, sizeof(*ev));
	ev->h = nfct_open(CONNTRACK, NF_NETLINK_CONNTRACK_NEW |
					     NF_NETLINK_CONNTRACK_DESTROY);
	if (!ev->h)
		return -errno;
	ev->fd = nfct_fd(ev->h);
	ev->cb = cb;
	ev->data = data;
	nfnl_rcvbufsiz(nfct_nfnlh(ev->h), EVENT_RCVBUF);
	fcntl(ev->fd, F_SETFL, fcntl(ev->fd, F_GETFL) | O_NONBLOCK);

	/* In the kernel: only connections with some bit of ours set. */
	filter = nfct_filter_create();
	if (!filter) {
		ret = -ENOMEM;
		goto err;
	}
	nfct_filter_add_attr(filter, NFCT_FILTER_MARK, &zero);
	nfct_filter_set_logic(filter, NFCT_FILTER_MARK,
			      NFCT_FILTER_LOGIC_NEGATIVE);
	if (nfct_filter_attach(ev->fd, filter) < 0) {
		ret = -errno;
		goto err;
	}
	nfct_filter_destroy(filter);
	filter = NULL;
	return 0;
err:
	if (filter)
		nfct_filter_destroy(filter);
	nfct_close(ev->h);
	ev->h = NULL;
	return ret;
}

void conntrack_events_close(struct conntrack_events *ev)
{
	if (!ev->h)
		return;
	nfct_close(ev->h);
	ev->h = NULL;
}

static void event_msg(struct conntrack_events *ev, const struct nlmsghdr *nlh)
{
	int type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	uint32_t mark;
	uint64_t key;

	if (type != IPCTNL_MSG_CT_NEW && type != IPCTNL_MSG_CT_DELETE)
		return;
	if (!conntrack_parse(nlh, &key, &mark))
		ev->cb(ev->data, type == IPCTNL_MSG_CT_DELETE, key, mark);
}

/*
 * Events come one per datagram: take up to EVENT_BATCH per system call
 * (libnetfilter_conntrack's nfct_catch takes one per call), and at most
 * EVENT_ROUNDS calls, so that a flood of events cannot starve the probes;
 * the rest stay queued for the next call. -ENOBUFS: events were lost.
 */
int conntrack_events_read(struct conntrack_events *ev)
{
	static char bufs[EVENT_BATCH][EVENT_SIZE];
	struct sockaddr_nl from[EVENT_BATCH];
	struct mmsghdr m[EVENT_BATCH];
	struct iovec iov[EVENT_BATCH];
	int n = 0, ret = 0;

	for (int round = 0; round < EVENT_ROUNDS; round++) {
		for (int i = 0; i < EVENT_BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
			m[i] = (struct mmsghdr){
				.msg_hdr = { .msg_name = &from[i],
					     .msg_namelen = sizeof(from[i]),
					     .msg_iov = &iov[i],
					     .msg_iovlen = 1 }
			};
		}
		n = recvmmsg(ev->fd, m, EVENT_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			const struct nlmsghdr *nlh = (void *)bufs[i];
			int len = (int)m[i].msg_len;

			if (m[i].msg_hdr.msg_flags & MSG_TRUNC)
				ret = -ENOBUFS;
			if (from[i].nl_pid) /* from the kernel only */
				continue;
			for (; mnl_nlmsg_ok(nlh, len);
			     nlh = mnl_nlmsg_next(nlh, &len))
				event_msg(ev, nlh);
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		ret = -errno;
	return ret;
}

int conntrack_events_destroy_group(struct conntrack_events *ev, bool member)
{
	int group = NFNLGRP_CONNTRACK_DESTROY;

	return setsockopt(ev->fd, SOL_NETLINK,
			  member ? NETLINK_ADD_MEMBERSHIP :
				   NETLINK_DROP_MEMBERSHIP,
			  &group, sizeof(group)) ?
		       -errno :
		       0;
}

void conntrack_events_discard(struct conntrack_events *ev)
{
	char buf[8192];

	while (recv(ev->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0 ||
	       errno == ENOBUFS)
		;
}

/* A ctnetlink request @msg for the connections with (mark & @mask) == @value.
 */
static struct nlmsghdr *mark_request(struct nl *nl, uint16_t msg,
				     uint16_t flags, uint32_t value,
				     uint32_t mask)
{
	struct nlmsghdr *nlh =
		nl_msg(nl, NFNL_SUBSYS_CTNETLINK << 8 | msg, flags);
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));

	nfg->nfgen_family = AF_UNSPEC; /* with version 0: every family */
	nfg->version = NFNETLINK_V0;
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(value));
	mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(mask));
	return nlh;
}

struct dump_ctx {
	conntrack_cb cb;
	void *data;
};

static int dump_msg(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *ctx = data;
	uint32_t mark;
	uint64_t key;

	if (!conntrack_parse(nlh, &key, &mark))
		ctx->cb(ctx->data, false, key, mark);
	return MNL_CB_OK;
}

/* The kernel filters the dump by mark: only ours cross. */
int conntrack_dump_mark(struct nl *nl, uint32_t value, uint32_t mask,
			conntrack_cb cb, void *data)
{
	struct dump_ctx ctx = { cb, data };

	return nl_talk(nl,
		       mark_request(nl, IPCTNL_MSG_CT_GET, NLM_F_DUMP, value,
				    mask),
		       dump_msg, &ctx);
}

/*
 * One IPCTNL_MSG_CT_DELETE without a tuple: the kernel flushes the entries
 * that match CTA_MARK/CTA_MARK_MASK. Built here because
 * libnetfilter_conntrack 1.0.9 (Debian 12) sends NFCT_Q_FLUSH_FILTER
 * without its filter, and the kernel then flushes every connection. The
 * socket is the caller's, open for good: closing a netfilter netlink
 * socket costs some 17 ms, more than the deletion itself.
 */
int conntrack_delete_mark(struct nl *nl, uint32_t value, uint32_t mask)
{
	return nl_talk(nl,
		       mark_request(nl, IPCTNL_MSG_CT_DELETE, 0, value, mask),
		       NULL, NULL);
}
