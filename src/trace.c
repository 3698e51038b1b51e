// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>

#include "trace.h"

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
	/* pcap_close() closes @f, also when the open fails */
	pc = pcap_fopen_offline_with_tstamp_precision(
		f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	return pc;
}
