// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "nl.h"

int nl_open(struct nl *nl, int bus, unsigned int groups)
{
	int ret;

	nl->buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	nl->sock = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->buf || !nl->sock) {
		ret = nl->sock ? -ENOMEM : -errno;
		goto err;
	}
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

struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

/* Read and drop the replies to @seq up to the end of its dump. */
static void drain(struct nl *nl, uint32_t seq)
{
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl->sock), nl->buf,
				 MNL_SOCKET_BUFFER_SIZE, MSG_DONTWAIT);
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

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	int ret;

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
		ret = mnl_cb_run(nl->buf, (size_t)n, seq, nl->portid, cb, data);
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
