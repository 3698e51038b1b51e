/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flowpin explain's tables: every policy's bucket tables of both
 * families, the links' names and prefix6, and the rules that pick a
 * policy. The running daemon's, or those a fresh daemon would start with.
 */
#ifndef FLOWPIN_CLI_EXPLAIN_TABLE_H
#define FLOWPIN_CLI_EXPLAIN_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bucket.h"
#include "core/config.h"

/* One policy's tables. */
struct explain_policy {
	char name[LINK_NAME_MAX];
	enum hash_mode hash;
	enum last_resort last_resort;
	/* per family; IPv6 of size 0: a daemon that does not balance it */
	struct bucket_table buckets[FAM_MAX];
};

struct explain_table {
	/*
	 * The rules and the lan interfaces: the file's, or the daemon's
	 * own; none known (a daemon of before rules): the default decides
	 */
	struct config cfg;
	bool has_cfg;
	uint32_t seed;
	struct explain_policy *pol; /* in the configuration's order */
	unsigned int npol;
	struct inprefix *prefix6; /* per link; length 0: none */
	char (*names)[LINK_NAME_MAX];
	unsigned int nlinks;
	bool live; /* the daemon's */
};

/*
 * The running daemon's tables on the control socket @path, its rules
 * from the configuration it loaded (a daemon of before rules: the
 * default alone); -errno when there is none to ask.
 */
int explain_table_from_daemon(const char *path, struct explain_table *t);
/*
 * The tables of the configuration @path with every link up, for IPv6
 * those that may balance it: what a fresh daemon starts with.
 */
int explain_table_from_config(const char *path, struct explain_table *t);
/* After either, whatever it returned. */
void explain_table_free(struct explain_table *t);

#endif
