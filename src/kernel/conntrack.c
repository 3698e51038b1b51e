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
#include "lib/array.h"

/* Enough for a burst of some 100k events between two reads. */
#define EVENT_RCVBUF (32 << 20)
#define EVENT_BATCH 64
#define EVENT_SIZE 8192 /* an event is some 300 bytes */
#define EVENT_ROUNDS 64
/* an IPv4 original tuple, with ports or ICMP fields and zone, is < 80 */
#define TUPLE_MAX 256

static int conntrack_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, CTA_MAX) <= 0)
		return MNL_CB_OK;
	/* those read: anything malformed leaves them unset */
	if ((type == CTA_ZONE && mnl_attr_validate(a, MNL_TYPE_U16) < 0) ||
	    (type == CTA_MARK && mnl_attr_validate(a, MNL_TYPE_U32) < 0) ||
	    (type == CTA_ID && mnl_attr_validate(a, MNL_TYPE_U32) < 0) ||
	    ((type == CTA_TUPLE_ORIG || type == CTA_TUPLE_REPLY) &&
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
int conntrack_parse(const struct nlmsghdr *nlh, uint64_t *key, uint32_t *mark,
		    int *af)
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
	*af = ((const struct nfgenmsg *)mnl_nlmsg_get_payload(nlh))
		      ->nfgen_family;
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
	/* not a hook's to inherit, as every other socket of the daemon */
	fcntl(ev->fd, F_SETFD, FD_CLOEXEC);
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
	int type = NFNL_MSG_TYPE(nlh->nlmsg_type), af;
	uint32_t mark;
	uint64_t key;

	if (type != IPCTNL_MSG_CT_NEW && type != IPCTNL_MSG_CT_DELETE)
		return;
	if (!conntrack_parse(nlh, &key, &mark, &af))
		ev->cb(ev->data, type == IPCTNL_MSG_CT_DELETE, key, mark, af);
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
				     uint16_t flags, int af, uint32_t value,
				     uint32_t mask)
{
	struct nlmsghdr *nlh =
		nl_msg(nl, NFNL_SUBSYS_CTNETLINK << 8 | msg, flags);
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));

	/*
	 * The family filters dumps; a flush only with version 1, as version
	 * 0 is what conntrack -F sends for every family (AF_INET, at that).
	 */
	nfg->nfgen_family = (uint8_t)af;
	nfg->version = af == AF_UNSPEC ? NFNETLINK_V0 : 1;
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
	int af;

	if (!conntrack_parse(nlh, &key, &mark, &af))
		ctx->cb(ctx->data, false, key, mark, af);
	return MNL_CB_OK;
}

/* The kernel filters the dump by mark: only ours cross. */
int conntrack_dump_mark(struct nl *nl, uint32_t value, uint32_t mask,
			conntrack_cb cb, void *data)
{
	struct dump_ctx ctx = { cb, data };

	return nl_talk(nl,
		       mark_request(nl, IPCTNL_MSG_CT_GET, NLM_F_DUMP,
				    AF_UNSPEC, value, mask),
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
int conntrack_delete_mark(struct nl *nl, int af, uint32_t value, uint32_t mask)
{
	return nl_talk(nl,
		       mark_request(nl, IPCTNL_MSG_CT_DELETE, 0, af, value,
				    mask),
		       NULL, NULL);
}

/* A connection to delete, as the dump wrote it. */
struct nat_conn {
	uint8_t family;
	bool has_zone, has_id;
	uint16_t zone; /* CTA_ZONE and CTA_ID as written: network order */
	uint32_t id;
	uint16_t orig_len;
	unsigned char orig[TUPLE_MAX]; /* CTA_TUPLE_ORIG's payload */
};

struct nat_ctx {
	enum fam fam;
	bool any; /* every connection of the dump, whatever its addresses */
	union inaddr old;
	struct nat_conn *conns;
	unsigned int n, cap;
};

/* The attribute of @type in @nest, or NULL. */
static const struct nlattr *conntrack_nested(const struct nlattr *nest,
					     uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

/* A tuple's CTA_TUPLE_IP -> CTA_IP_V4_DST or _V6_DST is @addr. */
static bool conntrack_dst_is(const struct nlattr *tuple, enum fam fam,
			     const union inaddr *addr)
{
	const struct nlattr *ip, *dst;

	ip = tuple ? conntrack_nested(tuple, CTA_TUPLE_IP) : NULL;
	if (!ip || mnl_attr_validate(ip, MNL_TYPE_NESTED) < 0)
		return false;
	dst = conntrack_nested(ip,
			       fam == FAM_IPV6 ? CTA_IP_V6_DST : CTA_IP_V4_DST);
	return dst && mnl_attr_get_payload_len(dst) == inaddr_len(fam) &&
	       !memcmp(mnl_attr_get_payload(dst), addr, inaddr_len(fam));
}

/*
 * One connection of the dump: kept when its reply goes to the old address
 * (translated to it, or the router's own from it), or it came in to it.
 */
static int nat_msg(const struct nlmsghdr *nlh, void *data)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[CTA_MAX + 1] = { 0 };
	struct nat_ctx *ctx = data;
	const struct nlattr *orig;
	struct nat_conn c = { 0 };

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*nfg)) ||
	    mnl_attr_parse(nlh, sizeof(*nfg), conntrack_attr, tb) < 0)
		return MNL_CB_OK;
	orig = tb[CTA_TUPLE_ORIG];
	if (!orig ||
	    !(ctx->any ||
	      conntrack_dst_is(tb[CTA_TUPLE_REPLY], ctx->fam, &ctx->old) ||
	      conntrack_dst_is(orig, ctx->fam, &ctx->old)))
		return MNL_CB_OK;
	if (mnl_attr_get_payload_len(orig) > sizeof(c.orig)) {
		errno = EMSGSIZE;
		return MNL_CB_ERROR;
	}
	c.family = nfg->nfgen_family;
	c.orig_len = mnl_attr_get_payload_len(orig);
	memcpy(c.orig, mnl_attr_get_payload(orig), c.orig_len);
	if (tb[CTA_ZONE]) {
		c.has_zone = true;
		c.zone = mnl_attr_get_u16(tb[CTA_ZONE]);
	}
	if (tb[CTA_ID]) {
		c.has_id = true;
		c.id = mnl_attr_get_u32(tb[CTA_ID]);
	}
	if (array_push(&ctx->conns, &ctx->n, &ctx->cap, &c, sizeof(c))) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/*
 * The kernel filters by mark; the reply's destination is read here. A
 * socket takes no request while its dump runs: the connections are
 * collected first, then deleted one by one by their original tuple, and
 * by their id too, so that one that ended meanwhile and a new one with
 * the same tuple (translated to the new address) is not deleted in its
 * place: both are ENOENT, which is no error.
 */
/* A request @msg about connection @c, by its tuple (and id). */
static struct nlmsghdr *conn_request(struct nl *nl, uint16_t msg,
				     const struct nat_conn *c)
{
	struct nlmsghdr *nlh = nl_msg(nl, NFNL_SUBSYS_CTNETLINK << 8 | msg, 0);
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));

	nfg->nfgen_family = c->family;
	nfg->version = NFNETLINK_V0;
	mnl_attr_put(nlh, CTA_TUPLE_ORIG | NLA_F_NESTED, c->orig_len, c->orig);
	if (c->has_zone)
		mnl_attr_put_u16(nlh, CTA_ZONE, c->zone);
	if (c->has_id)
		mnl_attr_put_u32(nlh, CTA_ID, c->id);
	return nlh;
}

/*
 * @mark set (under @mask, the other bits kept) on each connection of
 * @ctx, or with @del each deleted; ENOENT (ended meanwhile) is no error.
 */
static int conns_apply(struct nl *nl, const struct nat_ctx *ctx, bool del,
		       uint32_t mark, uint32_t mask, unsigned int *done)
{
	int ret = 0;

	for (unsigned int i = 0; !ret && i < ctx->n; i++) {
		struct nlmsghdr *nlh = conn_request(nl,
						    del ? IPCTNL_MSG_CT_DELETE :
							  IPCTNL_MSG_CT_NEW,
						    &ctx->conns[i]);

		/* no NLM_F_CREATE: an update of the entry, if it is there */
		if (!del) {
			mnl_attr_put_u32(nlh, CTA_MARK, htonl(mark));
			mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(mask));
		}
		ret = nl_talk(nl, nlh, NULL, NULL);
		if (!ret)
			(*done)++;
		else if (ret == -ENOENT)
			ret = 0;
	}
	return ret;
}

int conntrack_delete_nat(struct nl *nl, enum fam fam, uint32_t value,
			 uint32_t mask, const union inaddr *old,
			 unsigned int *deleted)
{
	struct nat_ctx ctx = { .fam = fam, .old = *old };
	int ret;

	*deleted = 0;
	ret = nl_talk(nl,
		      mark_request(nl, IPCTNL_MSG_CT_GET, NLM_F_DUMP,
				   fam_af(fam), value, mask),
		      nat_msg, &ctx);
	if (!ret)
		ret = conns_apply(nl, &ctx, true, 0, 0, deleted);
	free(ctx.conns);
	return ret;
}

int conntrack_remark(struct nl *nl, uint32_t value, uint32_t mask, uint32_t to,
		     unsigned int *moved)
{
	struct nat_ctx ctx = { .any = true };
	int ret;

	*moved = 0;
	ret = nl_talk(nl,
		      mark_request(nl, IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC,
				   value, mask),
		      nat_msg, &ctx);
	if (!ret)
		ret = conns_apply(nl, &ctx, false, to, mask, moved);
	free(ctx.conns);
	return ret;
}
