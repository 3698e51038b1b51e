/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A libmnl netlink socket and the request/acknowledge cycle around it. */
#ifndef FLOWPIN_NL_H
#define FLOWPIN_NL_H

#include <libmnl/libmnl.h>
#include <stdint.h>

/* The routing protocol number that marks flowpin's routes and rules. */
#define RTPROT_FLOWPIN 0xf1

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	char *buf; /* MNL_SOCKET_BUFFER_SIZE, for requests and replies */
};

int nl_open(struct nl *nl, int bus, unsigned int groups);
void nl_close(struct nl *nl);

/* A fresh request in nl->buf. */
struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags);

/*
 * Send the request in nl->buf and read replies until its acknowledgement
 * or the end of its dump, passing each message to @cb. Returns 0 or -errno
 * (the kernel's error for the request).
 */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

#endif
