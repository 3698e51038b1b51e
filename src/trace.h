/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A capture file, opened for one fast sequential read by libpcap. */
#ifndef FLOWPIN_TRACE_H
#define FLOWPIN_TRACE_H

#include <pcap/pcap.h>

/*
 * Like pcap_open_offline(), with microsecond timestamps, but the FILE is
 * read in 1 MiB blocks and without stdio's per-call locking: libpcap
 * calls fread() twice a packet, and the lock costs a third of the read.
 */
pcap_t *trace_open(const char *path, char *errbuf);

#endif
