/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A capture file, opened for one fast sequential read by libpcap. */
#ifndef FLOWPIN_TRACE_H
#define FLOWPIN_TRACE_H

#include <pcap/pcap.h>
#include <stdint.h>

/*
 * Like pcap_open_offline(), with microsecond timestamps, but the FILE is
 * read in 1 MiB blocks and without stdio's per-call locking: libpcap
 * calls fread() twice a packet, and the lock costs a third of the read.
 */
pcap_t *trace_open(const char *path, char *errbuf);

struct decoder;
struct sim;

/*
 * Every packet of @pc, decoded by @d and replayed into @s, which is then
 * flushed; without @s, only read. The packets read go to @packets if set.
 * Returns pcap_next_ex()'s last result: -2 at the end, -1 on an error.
 */
int trace_replay(pcap_t *pc, struct decoder *d, struct sim *s,
		 uint64_t *packets);

#endif
