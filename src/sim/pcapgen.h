/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A synthetic capture on a router's LAN side, for flowpin sim without
 * downloaded traces: LAN hosts open connections to servers over time, TCP
 * with handshake and close, UDP with some fragmented datagrams and ICMP
 * port-unreachable answers, ICMP echo, a little GRE; a tenth over IPv6.
 * Heavy-tailed connection sizes. The same seed gives the same file.
 */
#ifndef FLOWPIN_PCAPGEN_H
#define FLOWPIN_PCAPGEN_H

#include <stdint.h>

struct pcapgen {
	const char *path;
	uint32_t flows; /* connections */
	double duration; /* seconds over which they start */
	uint32_t seed;
	int linktype; /* LT_ETHERNET, LT_LINUX_SLL or LT_RAW */
};

/* Write the capture; 0 and the packet count, or -errno with a message. */
int pcapgen_write(const struct pcapgen *g, uint64_t *packets, char *err,
		  size_t errlen);

#endif
