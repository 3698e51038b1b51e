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
#include "health.h"
#include "iface.h"
#include "nl.h"
#include "probe.h"

struct nft_ctx;

/* epoll tags: the high 32 bits of the event data */
enum {
	EV_SIGNAL = 1,
	EV_TIMER,
	EV_PROBE, /* low bits: link << 16 | slot (0xffff: the ICMP socket) */
	EV_RTNL,
	EV_CONNTRACK,
	EV_CONTROL,
	EV_CLIENT, /* EV_CLIENT + i */
};

struct uplink {
	unsigned int slot; /* its mark is slot << shift(mark_mask) */
	uint32_t mark, table;
	struct iface ifc;
	bool usable; /* interface up, carrier, address, gateway on its net */
	bool neigh_failed; /* the gateway's neighbour entry is FAILED */
	uint64_t neigh_retry_us; /* when to ask for its resolution again */
	struct health health; /* from probes, when the link has targets */
	struct prober probe;
	bool up; /* carries new connections */
	bool flushed; /* its connections were deleted since it went down */
	char why[128]; /* when down: why */
	time_t since; /* of the last change of up */
};

/* Everything derived from one configuration: rebuilt on reload. */
struct model {
	struct config cfg;
	struct uplink *links; /* parallel to cfg.links */
	struct bucket_table buckets;
	int16_t *applied; /* the bucket owners the kernel has */
	uint32_t *gone; /* marks of links a previous run had, now gone */
	unsigned int ngone;
	char *shape; /* the table as last loaded, without counters or buckets */
	bool degraded; /* every link failed its probes: using the usable ones */
};

#define CLIENTS_MAX 8

struct client {
	int fd;
	size_t len;
	char buf[1024];
};

struct daemon {
	const char *config_path;
	struct model m;
	bool takeover; /* a previous flowpin's state was in the kernel */

	struct nl nl; /* requests */
	struct nl mon; /* rtnetlink notifications */
	struct nl nfnl; /* conntrack requests (netfilter netlink) */
	struct nft_ctx *nft;
	struct ct_events ct;
	struct flowcount flows;
	uint64_t recount_us; /* when to count the connections again, or 0 */
	uint64_t ct_resume_us; /* conntrack events paused until then, or 0 */

	int epfd, sigfd, ctlfd, timerfd;
	uint64_t timer_us; /* the deadline timerfd is armed for, 0: none */
	struct client clients[CLIENTS_MAX];
	bool stop;
};

/* Run the daemon on @config_path until SIGTERM/SIGINT; the exit status. */
int daemon_main(const char *config_path);

/* Count the pinned connections afresh from conntrack. */
void flows_resync(struct daemon *d);
void flows_catch_up(struct daemon *d);

/* links.c: the links' state, and what follows from it */
uint64_t monotonic_us(void);
int links_refresh(struct daemon *d);
void links_neighbour(struct daemon *d, const struct nlmsghdr *nlh);
void links_probe_tick(struct daemon *d);
void links_probe_input(struct daemon *d, unsigned int link, int slot);
int links_evaluate(struct daemon *d);
/* Why link @i is down, for status. */
void links_why_down(const struct daemon *d, unsigned int i, char *buf,
		    size_t size);
uint32_t links_rebalance(struct model *m);
int links_apply_buckets(struct daemon *d);
int links_sync_routes(struct daemon *d, unsigned int i);
int links_sync_fallback(struct daemon *d);
void links_arm_timer(struct daemon *d);
int links_watch_probe(void *ctx, int fd, unsigned int slot);

#endif
