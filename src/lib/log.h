/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FLOWPIN_LOG_H
#define FLOWPIN_LOG_H

#include <stdbool.h>
#include <syslog.h>

/*
 * One line per event: under journald with priority prefixes, else dated,
 * and to syslog when stderr is neither the journal nor a terminal.
 */
void log_open(const char *ident, bool daemon);
void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)

#endif
