/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A configuration against the system, changing nothing: the checks that
 * flowpin check and flowpin run share, so that they agree on every error.
 * Errors are what no change at run time can fix; what is only true of
 * this moment (an interface missing, no address or gateway yet) is a
 * warning, and the link is down until it changes.
 */
#ifndef FLOWPIN_DAEMON_PREFLIGHT_H
#define FLOWPIN_DAEMON_PREFLIGHT_H

#include "core/config.h"
#include "core/controller.h"
#include "kernel/nl.h"

/*
 * The lan interfaces and the links, with what is seen of each link in
 * @seen (FAM_MAX per link: seen[i * FAM_MAX + family]). 0, -EINVAL after
 * errors, or the netlink error.
 */
int preflight_links(struct nl *nl, const struct config *c,
		    struct link_seen *seen, const struct config_diag *diag);

/*
 * The routing tables flowpin would fill (the fallback table and @tables,
 * n of them; NULL: the tables of a first start) hold none but flowpin's
 * routes. 0, -EEXIST, or the netlink error.
 */
int preflight_tables(struct nl *nl, const struct config *c,
		     const uint32_t *tables, unsigned int n,
		     const struct config_diag *diag);

/*
 * The nftables table of a first start loads here: a dry run, which the
 * kernel checks (CAP_NET_ADMIN). 0, or -errno with the error reported.
 */
struct nft_ctx;
int preflight_table(struct nft_ctx *nft, const struct config *c,
		    const struct config_diag *diag);

/*
 * The control socket's directory exists, and nothing but a socket is at
 * its path. 0, or -ENOENT / -ENOTSOCK reported.
 */
int preflight_control(const struct config *c, const struct config_diag *diag);

/* Settings that quietly break a multi-uplink router: warnings. */
void preflight_sysctls(const struct config *c, const struct config_diag *diag);

/* A hook that cannot be run (yet): a warning. */
void preflight_hook(const struct config *c, const struct config_diag *diag);

#endif
