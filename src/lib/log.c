// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

static bool use_syslog;
static bool timestamps;

void log_open(const char *ident, bool daemon)
{
	timestamps = daemon;
	use_syslog = daemon && !isatty(STDERR_FILENO);
	if (use_syslog)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

void log_msg(int prio, const char *fmt, ...)
{
	static const char *const level[] = {
		[LOG_ERR] = "error: ",
		[LOG_WARNING] = "warning: ",
		[LOG_INFO] = "",
	};
	va_list ap;

	if (timestamps) {
		struct timespec ts;
		struct tm tm;
		char buf[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld ", buf, ts.tv_nsec / 1000000);
	}
	fprintf(stderr, "flowpin: %s",
		prio <= LOG_INFO && level[prio] ? level[prio] : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);

	if (use_syslog) {
		va_start(ap, fmt);
		vsyslog(prio, fmt, ap);
		va_end(ap);
	}
}
