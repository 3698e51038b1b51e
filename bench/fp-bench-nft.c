// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fp-bench-nft: the nftables transactions flowpin makes, timed.
 *
 *   fp-bench-nft -c CONFIG [-n RUNS]
 *
 * Prints the median of RUNS of: a baseline transaction (add and delete an
 * empty table), loading flowpin's whole table for CONFIG, and a table
 * change (one link down, then back: its buckets move). Run it in a
 * network namespace of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/config_file.h"
#include "kernel/nftables.h"
#include "core/ruleset.h"
#include "daemon/config_file.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

static double run(struct nft_ctx *ctx, const char *script)
{
	char *err = NULL;
	double t0 = now_ms();

	if (nftables_run(ctx, script, false, &err)) {
		fprintf(stderr, "fp-bench-nft: %s\n",
			err ? err : "nftables failed");
		exit(1);
	}
	return now_ms() - t0;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int runs = 50, opt;
	struct config c;
	struct bucket_table t;
	struct ruleset_link rl[SLOTS_MAX];
	uint32_t w[SLOTS_MAX];
	struct nft_ctx *ctx;

	while ((opt = getopt(argc, argv, "c:n:")) != -1) {
		if (opt == 'c')
			path = optarg;
		else if (opt == 'n')
			runs = atoi(optarg);
	}
	if (!path || runs < 1 ||
	    config_load(&c, path, CONFIG_DIAG_FILE(stderr)))
		return 2;
	ctx = nftables_open();
	if (!ctx || bucket_table_init(&t, c.buckets))
		return 1;
	for (unsigned int i = 0; i < c.nlinks; i++) {
		rl[i].mark = config_slot_mark(&c, i + 1);
		rl[i].packets = rl[i].bytes = 0;
		w[i] = c.links[i].weight;
	}
	bucket_table_balance(&t, w, c.nlinks);
	struct ruleset rs = { .cfg = &c, .links = rl, .buckets = &t };
	double base[runs], table[runs], change[runs];
	char *full = ruleset_table(&rs);

	for (int r = 0; r < runs; r++) {
		base[r] = run(ctx, "add table inet fpbench\n"
				   "delete table inet fpbench\n");
		table[r] = run(ctx, full);

		unsigned int k = (unsigned int)r % c.nlinks;
		int16_t before[t.size];
		uint32_t keep = w[k];
		char *s;

		/* link k down: its buckets move, sent as a difference */
		memcpy(before, t.owner, sizeof(before));
		w[k] = 0;
		bucket_table_balance(&t, w, c.nlinks);
		s = ruleset_buckets(&rs, before);
		change[r] = run(ctx, s);
		free(s);
		memcpy(before, t.owner, sizeof(before));
		w[k] = keep;
		bucket_table_balance(&t, w, c.nlinks);
		s = ruleset_buckets(&rs, before);
		run(ctx, s);
		free(s);
	}
	double b = median(base, runs), tb = median(table, runs),
	       ch = median(change, runs);

	printf("baseline (empty transaction)   %7.2f ms\n", b);
	printf("load table, %2u links, %5u buckets %7.2f ms  (%.1fx baseline)\n",
	       c.nlinks, c.buckets, tb, tb / b);
	printf("table change (one link down)   %7.2f ms  (%.1fx baseline)\n",
	       ch, ch / b);
	run(ctx, "delete table inet flowpin\n");
	free(full);
	nftables_close(ctx);
	bucket_table_free(&t);
	config_free(&c);
	return 0;
}
