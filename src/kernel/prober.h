/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Probes through one link, of one family: ICMP or ICMPv6 echo, or a TCP
 * connect to a port, to the link's targets of that family in turn. Every
 * probe carries the link's mark and is bound to the link's interface and
 * its address of the family, so it leaves by that link whatever the main
 * table says, and cannot leave by another one when the link has no route.
 * A link probed over both families has two probers. Outcomes come out in
 * the order the probes were sent.
 */
#ifndef FLOWPIN_PROBE_H
#define FLOWPIN_PROBE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"

#define PROBE_RING 256 /* probes in flight per link, at most */

enum slot_state {
	SLOT_FREE,
	SLOT_WAIT,
	SLOT_ANSWERED,
	SLOT_LOST,
};

struct probe_slot {
	uint8_t state;
	uint16_t seq;
	int fd; /* TCP probes: the connecting socket, else -1 */
	uint64_t sent_us; /* CLOCK_MONOTONIC */
	uint64_t sent_rt_ns; /* CLOCK_REALTIME, as receive timestamps are */
	double rtt_ms;
};

struct prober {
	const struct link_config *cfg;
	enum fam fam; /* of the socket, the source and the targets probed */
	uint32_t mark;
	union inaddr src;
	int icmp_fd; /* ICMP probes: the link's raw socket of the family */
	uint16_t ident, seq;
	unsigned int next_target; /* in cfg->track, always one of fam */
	uint64_t next_send_us;
	struct probe_slot ring[PROBE_RING];
	unsigned int head, count; /* the probes in flight, oldest first */
	/* since prober_init: kept across prober_start and prober_stop */
	uint64_t sent, lost;
};

/* Called for every new TCP probe socket, to watch it for EPOLLOUT. */
typedef int (*probe_watch)(void *ctx, int fd, unsigned int slot);

/* An idle prober (no sockets). */
void prober_init(struct prober *p);
/*
 * Probe @l's targets of family @fam from @src, its address of @fam (a
 * global one for IPv6), with @mark. @ident tells this prober's echo
 * replies from those of others on the same address and family. 0,
 * -ENOENT when @l has no target of @fam, or -errno of a socket; the
 * prober is idle unless 0.
 */
int prober_start(struct prober *p, const struct link_config *l, enum fam fam,
		 uint32_t mark, const union inaddr *src, uint16_t ident,
		 uint64_t now_us);
void prober_stop(struct prober *p);
bool prober_running(const struct prober *p);

/* Send what is due at @now_us. */
void prober_send(struct prober *p, uint64_t now_us, probe_watch watch,
		 void *ctx);
/* The ICMP (ICMPv6) socket is readable. */
void prober_icmp_input(struct prober *p, uint64_t now_us);
/* TCP probe @slot's socket is writable or failed. */
void prober_tcp_input(struct prober *p, unsigned int slot, uint64_t now_us);

/*
 * The next outcome in send order, once known: true and its fields. A
 * probe past its timeout is judged only after its socket has been read.
 * RTTs are the kernel's: from its receive timestamp (ICMP) or its own
 * handshake measurement (TCP).
 */
bool prober_outcome(struct prober *p, uint64_t now_us, bool *answered,
		    double *rtt_ms);

/* When the prober next needs the loop: a send or a timeout (µs). */
uint64_t prober_deadline(const struct prober *p);

#endif
