/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The nftables monitor: the kernel's notifications of nftables objects
 * added or deleted, and of the end of each transaction with the process
 * that committed it, each parsed into one typed event. With them the
 * daemon tells its own transactions (pid == getpid()) from others', and
 * sees when someone else changes or deletes its table.
 */
#ifndef FLOWPIN_KERNEL_NFTMON_H
#define FLOWPIN_KERNEL_NFTMON_H

#include <linux/netfilter/nf_tables.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/nl.h"

enum nftmon_kind {
	NFTMON_OTHER, /* nothing flowpin follows */
	/* a table, chain, rule, set, set element, object or flowtable was
	 * added or deleted */
	NFTMON_OBJECT,
	/* NFT_MSG_NEWGEN: the end of one transaction, after its objects */
	NFTMON_GEN,
};

struct nftmon_event {
	enum nftmon_kind kind;
	bool deleted; /* a DEL* (or DESTROY*) message */
	uint16_t type; /* NFT_MSG_* */
	uint8_t family; /* nfgen_family: NFPROTO_INET, ... */
	char table[NFT_TABLE_MAXNAMELEN]; /* NFTMON_OBJECT: its table */
	/* NFTMON_GEN: the new generation, and who committed it; pid is the
	 * committing thread's id in the initial pid namespace, 0 and ""
	 * from a kernel that does not say */
	uint32_t gen_id;
	uint32_t pid;
	char comm[16];
};

/*
 * A NETLINK_NETFILTER socket in the nftables group, non-blocking, with a
 * large receive buffer: a flush of a big ruleset is a burst. A read that
 * fails with ENOBUFS lost notifications: list the table again.
 */
int nftmon_open(struct nl *nl);

/*
 * One notification. 0 (NFTMON_OTHER for another netfilter subsystem's
 * message or one flowpin does not follow), or -EINVAL when it cannot be
 * read (NFTMON_OTHER).
 */
int nftmon_parse(const struct nlmsghdr *nlh, struct nftmon_event *ev);

#endif
