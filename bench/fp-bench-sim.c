// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fp-bench-sim: replay speed against merely reading the trace.
 *
 *   fp-bench-sim -c CONFIG TRACE.pcap [-n RUNS]
 *
 * Median (and best, the host's other load aside) of RUNS: a libpcap read
 * loop over the trace (the baseline), and
 * the same loop decoding and replaying every packet as flowpin sim does;
 * both open the trace as flowpin sim does (trace_open()).
 * Also the replay's connection table at its largest, in memory.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "daemon/config_file.h"
#include "daemon/config_file.h"
#include "sim/decoder.h"
#include "sim/sim.h"
#include "sim/trace.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One pass; with @s, decoded and replayed. Returns the packets read. */
static uint64_t pass(const char *path, struct sim *s, struct decoder *d)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	uint64_t n;
	pcap_t *pc = trace_open(path, errbuf);

	if (!pc) {
		fprintf(stderr, "fp-bench-sim: %s\n", errbuf);
		exit(1);
	}
	if (d)
		decoder_init(d, pcap_datalink(pc));
	trace_replay(pc, d, s, &n);
	pcap_close(pc);
	return n;
}

int main(int argc, char **argv)
{
	const char *conf = NULL;
	int runs = 3, opt;
	struct config c;

	while ((opt = getopt(argc, argv, "c:n:")) != -1) {
		if (opt == 'c')
			conf = optarg;
		else if (opt == 'n')
			runs = atoi(optarg);
	}
	if (!conf || optind != argc - 1 || runs < 1 ||
	    config_load(&c, conf, CONFIG_DIAG_FILE(stderr)))
		return 2;

	const char *path = argv[optind];
	double read_t[runs], sim_t[runs];
	struct decoder *d = malloc(sizeof(*d));
	uint64_t packets = 0, table_bytes = 0, live = 0;

	pass(path, NULL, NULL); /* into the page cache */
	for (int r = 0; r < runs; r++) {
		struct sim s;
		double t0 = now_s();

		packets = pass(path, NULL, NULL);
		read_t[r] = now_s() - t0;
		sim_init(&s, &c, NULL, 0);
		t0 = now_s();
		pass(path, &s, d);
		sim_t[r] = now_s() - t0;
		live = s.table.max_live;
		table_bytes =
			(uint64_t)s.table.conn_cap * sizeof(struct sim_conn) +
			(uint64_t)s.table.cap * sizeof(*s.table.index);
		sim_free(&s);
	}
	qsort(read_t, (size_t)runs, sizeof(double), cmp);
	qsort(sim_t, (size_t)runs, sizeof(double), cmp);
	double rt = read_t[runs / 2], st = sim_t[runs / 2];

	printf("read only (libpcap, baseline)  %6.3f s  %5.1f Mpps  (best %.1f)\n",
	       rt, (double)packets / rt / 1e6,
	       (double)packets / read_t[0] / 1e6);
	printf("replay, 4 policies             %6.3f s  %5.1f Mpps  (best %.1f; %.1fx baseline)\n",
	       st, (double)packets / st / 1e6, (double)packets / sim_t[0] / 1e6,
	       st / rt);
	printf("connection table at its largest: %" PRIu64 " live, %.1f MiB\n",
	       live, (double)table_bytes / (1 << 20));
	free(d);
	config_free(&c);
	return 0;
}
