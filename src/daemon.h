/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flowpin run: the daemon's state and its one event loop. */
#ifndef FLOWPIN_DAEMON_H
#define FLOWPIN_DAEMON_H

#include <stdbool.h>
#include <time.h>

#include "bucket.h"
#include "config.h"
#include "conntrack.h"
#include "flowcount.h"
#include "iface.h"
#include "nl.h"

struct nft_ctx;

struct uplink {
	unsigned int slot; /* its mark is slot << shift(mark_mask) */
	uint32_t mark, table;
	struct iface ifc;
	bool usable; /* interface up, carrier, address, gateway reachable */
	bool up; /* carries new connections */
	char why[96]; /* when down: why */
	time_t since; /* of the last change of up */
};

#define CLIENTS_MAX 8

struct client {
	int fd;
	size_t len;
	char buf[1024];
};

struct daemon {
	struct config cfg;
	struct uplink *links; /* parallel to cfg.links */
	struct bucket_table buckets;
	int16_t *applied; /* the bucket owners the kernel has */
	uint32_t *stale_tables; /* tables of links a previous run had */
	unsigned int nstale;
	bool takeover; /* a previous flowpin's state was in the kernel */

	struct nl nl; /* requests */
	struct nl mon; /* rtnetlink notifications */
	struct nft_ctx *nft;
	struct ct_events ct;
	struct flowcount flows;

	int epfd, sigfd, ctlfd;
	struct client clients[CLIENTS_MAX];
	bool stop;
};

/* Run the daemon on @config_path until SIGTERM/SIGINT; the exit status. */
int daemon_main(const char *config_path);

#endif
