/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Netlink messages for the kernel adapters' tests, recorded or built here,
 * each handed to the parser in a heap block of its exact length: ASan
 * then sees a parser that reads past the end of a message. The recorded
 * arrays are bytes, without alignment; the copies are aligned.
 */
#ifndef FLOWPIN_TESTS_NLMSG_H
#define FLOWPIN_TESTS_NLMSG_H

#include <libmnl/libmnl.h>
#include <stdlib.h>
#include <string.h>

#define MSG_MAX 8192

/* @len bytes of @bytes, unchanged. */
static inline struct nlmsghdr *msg_copy(const void *bytes, size_t len)
{
	struct nlmsghdr *nlh = malloc(len ? len : 1);

	assert_non_null(nlh);
	memcpy(nlh, bytes, len);
	return nlh;
}

/*
 * The first @len bytes of message @bytes, as a message of that length.
 * libmnl reads the attributes up to the aligned end of a message, as the
 * kernel pads every message: so must a cut.
 */
static inline struct nlmsghdr *msg_cut(const void *bytes, size_t len)
{
	struct nlmsghdr *nlh = msg_copy(bytes, len);

	assert_true(len >= sizeof(*nlh) && len == MNL_ALIGN(len));
	nlh->nlmsg_len = (uint32_t)len;
	return nlh;
}

/* A recorded message, whole: the array is as long as its header says. */
#define msg_rec(array) msg_whole(array, sizeof(array))

static inline struct nlmsghdr *msg_whole(const void *bytes, size_t len)
{
	struct nlmsghdr *nlh = msg_copy(bytes, len);

	assert_int_equal(nlh->nlmsg_len, len);
	assert_int_equal(len, MNL_ALIGN(len));
	return nlh;
}

/* A message being built, in a buffer of the tests' own. */
static union {
	struct nlmsghdr nlh;
	char bytes[MSG_MAX];
} msg_buf;

static inline struct nlmsghdr *msg_start(uint16_t type, uint16_t flags,
					 const void *hdr, size_t hdr_len)
{
	struct nlmsghdr *nlh;

	memset(&msg_buf, 0, sizeof(msg_buf));
	nlh = mnl_nlmsg_put_header(msg_buf.bytes);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = 1;
	memcpy(mnl_nlmsg_put_extra_header(nlh, hdr_len), hdr, hdr_len);
	return nlh;
}

/* The message built, copied out to a block of its (aligned) length. */
static inline struct nlmsghdr *msg_done(const struct nlmsghdr *nlh)
{
	return msg_copy(nlh, nlh->nlmsg_len);
}

#endif
