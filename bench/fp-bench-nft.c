// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fp-bench-nft: the nftables transactions flowpin makes, timed.
 *
 *   fp-bench-nft -c CONFIG [-n RUNS]
 *
 * Prints the median of RUNS of: a baseline transaction (add and delete an
 * empty table), loading flowpin's whole table for CONFIG, and a table
 * change (one link down, then back: its buckets move, sent as the daemon
 * sends them: netlink messages of its own, kernel/nftset.c). Run it in a
 * network namespace of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "core/ruleset.h"
#include "daemon/config_file.h"
#include "kernel/nftables.h"
#include "kernel/nftset.h"

/* The default policy's buckets from @before to the table's, timed. */
static double change_ms(struct nl *nl, const struct ruleset *rs,
			const int16_t *before)
{
	struct ruleset_change ch[BUCKETS_MAX];
	struct nftset_map map = { .name = "buckets", .changes = ch };
	struct timespec a, b;
	int ret;

	map.n = ruleset_bucket_changes(rs, POLICY_DEFAULT, FAM_IPV4, before,
				       ch);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ret = nftset_apply(nl, rs, &map, 1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (ret) {
		fprintf(stderr, "fp-bench-nft: bucket change: %s\n",
			nl_strerror(nl, ret));
		exit(1);
	}
	return (double)(b.tv_sec - a.tv_sec) * 1e3 +
	       (double)(b.tv_nsec - a.tv_nsec) / 1e6;
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
	struct nl nl;

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
	if (!ctx || nl_open(&nl, NETLINK_NETFILTER, 0))
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

		/* link k down: its buckets move, sent as a difference */
		memcpy(before, t.owner, sizeof(before));
		w[k] = 0;
		bucket_table_balance(&t, w, c.nlinks);
		change[r] = change_ms(&nl, &rs, before);
		memcpy(before, t.owner, sizeof(before));
		w[k] = keep;
		bucket_table_balance(&t, w, c.nlinks);
		change_ms(&nl, &rs, before);
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
	nl_close(&nl);
	bucket_table_free(&t);
	config_free(&c);
	return 0;
}
