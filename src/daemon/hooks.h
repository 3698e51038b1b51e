/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hook: the program that `hook` names, run on every event (a link's
 * path up or down, a failover applied, a reload, start, stop) with the
 * facts in its environment (flowpin.conf(5) lists them). The loop never
 * waits for one: each runs in a process of its own, one at a time, in
 * the order of the events, killed when it outlives hook_timeout; what it
 * prints goes to the log line by line, its exit status too when not 0.
 * A hook that hangs or fails changes nothing else.
 */
#ifndef FLOWPIN_DAEMON_HOOKS_H
#define FLOWPIN_DAEMON_HOOKS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/loop.h"

#define HOOKS_QUEUE_MAX 64 /* events waiting for the hook; more: dropped */
#define HOOKS_VARS_MAX 16 /* variables an event sets */
#define HOOKS_OUTPUT_MAX 4096 /* bytes of one output line logged */
#define HOOKS_LINES_MAX 100 /* lines of one run logged; the rest dropped */

/* One event: FLOWPIN_EVENT and the rest of its variables, "NAME=value". */
struct hook_event {
	char *vars[HOOKS_VARS_MAX];
	unsigned int nvars;
};

struct hooks {
	struct loop *loop;
	char path[256]; /* "": no hook */
	uint32_t timeout_ms;
	/* the events waiting, oldest first */
	struct hook_event queue[HOOKS_QUEUE_MAX];
	unsigned int head, count;
	uint64_t dropped;
	/* the one running */
	pid_t pid; /* 0: none */
	char event[32];
	struct loop_watch proc; /* its pidfd: readable when it exits */
	struct loop_watch out; /* its stdout and stderr */
	struct loop_timer deadline;
	bool killed;
	char line[HOOKS_OUTPUT_MAX];
	size_t len;
	unsigned int lines; /* of this run, logged or not */
};

void hooks_init(struct hooks *h, struct loop *loop);
/* The hook and timeout of a (re)loaded configuration. */
void hooks_configure(struct hooks *h, const char *path, uint32_t timeout_ms);
/*
 * Queue event @name with @nvars "NAME=value" strings (copied); the hook
 * runs when those before it are done. Nothing without a hook.
 */
void hooks_event(struct hooks *h, const char *name, const char *const *vars,
		 unsigned int nvars);
/*
 * At stop: the running hook, then the last event queued (stop), within
 * the timeout each; the events between them are dropped.
 */
void hooks_drain(struct hooks *h);
void hooks_close(struct hooks *h);

#endif
