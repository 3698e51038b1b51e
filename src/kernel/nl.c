// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "kernel/nl.h"

int nl_open(struct nl *nl, int bus, unsigned int groups)
{
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	nl->sock = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->buf || !nl->sock) {
		ret = nl->sock ? -ENOMEM : -errno;
		goto err;
	}
	/*
	 * Hints, all: a kernel without them still answers. An error need
	 * not carry the request back (a batch's message may be large).
	 */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_GET_STRICT_CHK, &one,
			      sizeof(one));
	if (mnl_socket_bind(nl->sock, groups, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto err;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
err:
	nl_close(nl);
	return ret;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	nl->sock = NULL;
	nl->buf = NULL;
}

int nl_fd(const struct nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

static int ext_ack_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **msg = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		*msg = a;
	return MNL_CB_OK;
}

int nl_parse_error(const struct nlmsghdr *nlh, char *msg, size_t size)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *text = NULL;
	size_t off = sizeof(*e);

	msg[0] = '\0';
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return -EBADMSG;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return e->error;
	/* the request comes back whole unless the kernel capped it */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
		mnl_attr_parse(nlh, (unsigned int)off, ext_ack_attr, &text);
	if (text)
		snprintf(msg, size, "%s", mnl_attr_get_str(text));
	return e->error;
}

/* Read and drop the replies to @seq up to the end of its dump. */
static void drain(struct nl *nl, uint32_t seq)
{
	for (;;) {
		ssize_t n = recv(nl_fd(nl), nl->buf, MNL_SOCKET_BUFFER_SIZE,
				 MSG_DONTWAIT);
		const struct nlmsghdr *m = (const struct nlmsghdr *)nl->buf;
		int len = (int)n;

		if (n <= 0)
			return;
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len))
			if (m->nlmsg_seq == seq &&
			    (m->nlmsg_type == NLMSG_DONE ||
			     m->nlmsg_type == NLMSG_ERROR))
				return;
	}
}

/* mnl hands the data callback and the control ones the same pointer */
struct talk {
	struct nl *nl;
	mnl_cb_t cb;
	void *data;
};

static int on_data(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

static int on_error(const struct nlmsghdr *nlh, void *data)
{
	struct talk *t = data;
	int err = nl_parse_error(nlh, t->nl->errmsg, sizeof(t->nl->errmsg));

	if (err == 0)
		return MNL_CB_STOP; /* the acknowledgement */
	errno = err < 0 ? -err : EBADMSG;
	return MNL_CB_ERROR;
}

/* The end of a dump; a dump that failed says so here. */
static int on_done(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int err = *(const int *)mnl_nlmsg_get_payload(nlh);

		if (err < 0) {
			errno = -err;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

static int on_noop(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int on_overrun(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

/* with a control array, libmnl has no defaults: every type is here
 * (not const: mnl_cb_run2 takes a mutable array) */
static mnl_cb_t control_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = on_noop,
	[NLMSG_ERROR] = on_error,
	[NLMSG_DONE] = on_done,
	[NLMSG_OVERRUN] = on_overrun,
};

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct talk t = { nl, cb, data };
	uint32_t seq = nlh->nlmsg_seq;
	int ret;

	nl->errmsg[0] = '\0';
	/* NLM_F_DUMP is two bits, each reused by NEW requests (EXCL, REPLACE)
	 */
	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf,
						MNL_SOCKET_BUFFER_SIZE);

		if (n < 0)
			return -errno;
		ret = mnl_cb_run2(nl->buf, (size_t)n, seq, nl->portid, on_data,
				  &t, control_cbs, NLMSG_MIN_TYPE);
	} while (ret > 0);
	if (ret < 0) {
		int err = errno;

		/* a dump that failed midway still sends the rest: drop it,
		 * or the next request would take it for its own replies */
		if ((nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
			drain(nl, seq);
		return -err;
	}
	return 0;
}

const char *nl_strerror(const struct nl *nl, int err)
{
	static char buf[NL_ERRMSG_MAX + 64];

	if (nl->errmsg[0])
		snprintf(buf, sizeof(buf), "%s (%s)", strerror(-err),
			 nl->errmsg);
	else
		snprintf(buf, sizeof(buf), "%s", strerror(-err));
	return buf;
}

bool nl_drain(int fd, nl_notify_cb cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool lost = false;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0 ||
	       (n < 0 && errno == ENOBUFS)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0) {
			lost = true;
			continue;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			cb(nlh, data);
	}
	return lost;
}
