/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A libmnl netlink socket and the request/acknowledge cycle around it.
 * Opened as iproute2 opens its sockets: extended acknowledgements on, so
 * that the kernel says in words why it refused a request, and strict
 * checking of dump requests, so that a dump filtered by table or family
 * is filtered by the kernel.
 */
#ifndef FLOWPIN_KERNEL_NL_H
#define FLOWPIN_KERNEL_NL_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stdint.h>

#define NL_ERRMSG_MAX 256

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	char *buf; /* MNL_SOCKET_BUFFER_SIZE, for requests and replies */
	char errmsg[NL_ERRMSG_MAX]; /* the kernel's words on the last error */
};

int nl_open(struct nl *nl, int bus, unsigned int groups);
void nl_close(struct nl *nl);
int nl_fd(const struct nl *nl);

/* A fresh request in nl->buf. */
struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags);

/*
 * Send the request in nl->buf and read replies until its acknowledgement
 * or the end of its dump, passing each message to @cb. Returns 0 or -errno
 * (the kernel's error for the request); then nl->errmsg holds the kernel's
 * extended acknowledgement message, or "" when it sent none.
 */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/*
 * Read every notification queued on the non-blocking socket @fd, passing
 * each message to @cb. True when the kernel dropped some (ENOBUFS): the
 * caller lists afresh what it follows.
 */
typedef void (*nl_notify_cb)(const struct nlmsghdr *nlh, void *data);
bool nl_drain(int fd, nl_notify_cb cb, void *data);

/*
 * strerror(-err), followed by the kernel's own message when it gave one:
 * "Invalid argument (Nexthop has invalid gateway)". In a static buffer.
 */
const char *nl_strerror(const struct nl *nl, int err);

/*
 * The error of an NLMSG_ERROR message (0 for an acknowledgement) and its
 * extended acknowledgement text, copied to @msg ("" when none).
 */
int nl_parse_error(const struct nlmsghdr *nlh, char *msg, size_t size);

#endif
