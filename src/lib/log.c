// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One line per event, in one of three ways, chosen at log_open:
 *   journald (JOURNAL_STREAM names our stderr): "<PRIO>message" on
 *     stderr and nothing else, the journal adding time and name;
 *   a terminal: "2026-12-02T01:23:45.678+00:00 flowpin: ..." on stderr;
 *   anything else (a file, a pipe, /dev/null under an init script): the
 *     same on stderr, and to syslog, which may be the only record kept.
 * Commands (not the daemon) print "flowpin: message" on stderr alone.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

static enum { LOG_PLAIN, LOG_JOURNAL, LOG_DATED } mode;
static bool use_syslog;

/* Whether stderr is the stream journald gave us ("DEVICE:INODE"). */
static bool log_to_journal(void)
{
	const char *s = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return s && sscanf(s, "%llu:%llu", &dev, &ino) == 2 &&
	       fstat(STDERR_FILENO, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void log_open(const char *ident, bool daemon)
{
	mode = !daemon ? LOG_PLAIN : log_to_journal() ? LOG_JOURNAL : LOG_DATED;
	use_syslog = mode == LOG_DATED && !isatty(STDERR_FILENO);
	if (use_syslog)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

/* ISO 8601, local time, milliseconds and the offset: "...T01:23:45.678+01:00"
 */
static void log_stamp(FILE *f)
{
	struct timespec ts;
	char date[32], zone[8];
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm); /* +0100 */
	fprintf(f, "%s.%03ld%.3s:%s ", date, ts.tv_nsec / 1000000, zone,
		zone + 3);
}

void log_msg(int prio, const char *fmt, ...)
{
	static const char *const level[] = {
		[LOG_ERR] = "error: ",
		[LOG_WARNING] = "warning: ",
		[LOG_INFO] = "",
	};
	const char *word = prio <= LOG_INFO && level[prio] ? level[prio] : "";
	va_list ap;

	if (mode == LOG_JOURNAL)
		fprintf(stderr, "<%d>%s", prio, word);
	else if (mode == LOG_DATED)
		log_stamp(stderr);
	if (mode != LOG_JOURNAL)
		fprintf(stderr, "flowpin: %s", word);
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
