/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flowpin's nftables table through libnftables: load, read back, remove. */
#ifndef FLOWPIN_NFTABLES_H
#define FLOWPIN_NFTABLES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/takeover.h"

struct nft_ctx;

struct nft_ctx *nftables_open(void);
void nftables_close(struct nft_ctx *ctx);

/*
 * Run @script as one transaction (or only check it, with @dry_run).
 * On failure returns -errno and, when @err is given, a malloc'd message.
 */
int nftables_run(struct nft_ctx *ctx, const char *script, bool dry_run,
		 char **err);

/* Read flowpin's table, if any. */
int nftables_read_state(struct nft_ctx *ctx, struct table_state *st);
/* The same from the JSON of "nft -j list table inet flowpin". */
int nftables_parse_state(const char *json, struct table_state *st);

/* Remove flowpin's table; 0 also when there is none. */
int nftables_delete_table(struct nft_ctx *ctx);

/*
 * Whether the table can be owned and persistent: the kernel (Linux 6.9)
 * and libnftables (1.1) both know NFT_TABLE_F_PERSIST. Asked in a dry run.
 */
bool nftables_can_own(struct nft_ctx *ctx);

#endif
