/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The parser's state while it reads flowpin.conf: internal to the core's
 * config*.c, shared by config.c (the reader, [global], [link]) and
 * config_policy.c ([policy], [rule]).
 */
#ifndef FLOWPIN_CORE_CONFIG_PARSER_H
#define FLOWPIN_CORE_CONFIG_PARSER_H

#include <stdarg.h>
#include <stdbool.h>

#include "core/config.h"

enum section_kind {
	SEC_NONE, /* before the first header */
	SEC_GLOBAL,
	SEC_LINK,
	SEC_POLICY,
	SEC_RULE,
	SEC_UNKNOWN, /* reported once at its header, its keys are skipped */
};

enum line_kind {
	LINE_OTHER, /* blank, comment or section header */
	LINE_PAIR, /* inih must call the handler for it */
};

struct config_policy_state; /* config_policy.c's */

struct parser {
	struct config *c;
	const char *name;
	const struct config_diag *diag;
	int errors;

	const char *next; /* rest of the text to hand to inih */
	int line;
	enum line_kind kind;
	bool handled; /* the handler saw the current line */

	enum section_kind section;
	int section_line;
	struct link_config *link; /* SEC_LINK */
	unsigned int policy, rule; /* SEC_POLICY, SEC_RULE: their index */
	unsigned int seen; /* keys seen in this section, by index */
	int global_line; /* 0: no [global] yet */

	/* what [policy] and [rule] keep until the whole file is read */
	struct config_policy_state *ps;
};

struct key {
	const char *name;
	int (*parse)(struct parser *p, const char *value);
};

/* An error at @line: counted, and said through the sink. */
void config_vreport(struct parser *p, int line, const char *fmt, va_list ap);
/* The names of links, policies and rules: letters, digits, '-', '_'. */
bool config_valid_name(const char *s);

#endif
