// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>

#include "sim/decoder.h"
#include "sim/sim.h"
#include "sim/trace.h"

#define TRACE_BUFFER (1 << 20)

pcap_t *trace_open(const char *path, char *errbuf)
{
	FILE *f = fopen(path, "r");
	pcap_t *pc;

	if (!f) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s: %s", path,
			 strerror(errno));
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, TRACE_BUFFER);
	__fsetlocking(f, FSETLOCKING_BYCALLER); /* one thread reads it */
	/* pcap_close() closes @f; a failed open leaves it to us */
	pc = pcap_fopen_offline_with_tstamp_precision(
		f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!pc)
		fclose(f);
	return pc;
}

int trace_replay(pcap_t *pc, struct decoder *d, struct sim *s,
		 uint64_t *packets)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t n = 0;
	int r;

	while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
		struct pkt p;
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000 +
			      (uint64_t)h->ts.tv_usec;

		n++;
		if (s &&
		    decoder_decode(d, ts, data, h->caplen, &p) == DECODE_PACKET)
			sim_packet(s, &p);
	}
	if (s)
		sim_flush(s);
	if (packets)
		*packets = n;
	return r;
}
