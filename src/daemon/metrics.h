/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flowpin's metrics, in the Prometheus text exposition format (0.0.4),
 * from the daemon's model: what flowpin metrics prints (the control
 * request "metrics") and what GET /metrics serves (daemon/http.c). The
 * names, types and help are in flowpin(8).
 */
#ifndef FLOWPIN_DAEMON_METRICS_H
#define FLOWPIN_DAEMON_METRICS_H

#include <stdint.h>

#include "daemon/daemon.h"

/* The exposition text (malloc'd), or NULL without memory. */
char *metrics_text(struct daemon *d);

/* An answered probe's round trip, into its path's histogram. */
void metrics_observe_rtt(struct uplink_path *p, double rtt_ms);
/* A change of link states carried out for family @f in @us. */
void metrics_observe_apply(struct daemon *d, enum fam f, uint64_t us);

/*
 * A reload: what the counters of the links of @prev that @next still has
 * (by name) have counted goes on in @next, built but not started yet.
 */
void metrics_carry(struct model *next, const struct model *prev);

#endif
