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

#include "bench.h"
#include "kernel/nftables.h"
#include "core/ruleset.h"
#include "daemon/config_file.h"

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
	if (!ctx)
		return 1;
	uint32_t slot_marks[TAKEOVER_SLOTS(&c) + 1];
	struct ruleset rs;

	bench_ruleset(&c, &t, rl, slot_marks, &rs);
	for (unsigned int i = 0; i < c.nlinks; i++)
		w[i] = c.links[i].weight;
	double base[runs], table[runs], change[runs];
	char *full = ruleset_table(&rs);

	for (int r = 0; r < runs; r++) {
		base[r] = bench_nft_ms(ctx,
				       "add table inet fpbench\n"
				       "delete table inet fpbench\n",
				       "fp-bench-nft");
		table[r] = bench_nft_ms(ctx, full, "fp-bench-nft");

		unsigned int k = (unsigned int)r % c.nlinks;
		int16_t before[t.size];
		uint32_t keep = w[k];
		char *s;

		/* link k down: its buckets move, sent as a difference */
		memcpy(before, t.owner, sizeof(before));
		w[k] = 0;
		bucket_table_balance(&t, w, c.nlinks);
		s = ruleset_buckets(&rs, POLICY_DEFAULT, FAM_IPV4, before);
		change[r] = bench_nft_ms(ctx, s, "fp-bench-nft");
		free(s);
		memcpy(before, t.owner, sizeof(before));
		w[k] = keep;
		bucket_table_balance(&t, w, c.nlinks);
		s = ruleset_buckets(&rs, POLICY_DEFAULT, FAM_IPV4, before);
		bench_nft_ms(ctx, s, "fp-bench-nft");
		free(s);
	}
	double b = bench_median(base, runs), tb = bench_median(table, runs),
	       ch = bench_median(change, runs);

	printf("baseline (empty transaction)   %7.2f ms\n", b);
	printf("load table, %2u links, %5u buckets %7.2f ms  (%.1fx baseline)\n",
	       c.nlinks, c.buckets, tb, tb / b);
	printf("table change (one link down)   %7.2f ms  (%.1fx baseline)\n",
	       ch, ch / b);
	bench_nft_ms(ctx, "delete table inet flowpin\n", "fp-bench-nft");
	free(full);
	nftables_close(ctx);
	bucket_table_free(&t);
	config_free(&c);
	return 0;
}
