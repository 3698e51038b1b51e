/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Live kernel tests, in a network namespace of the test's own, made by the
 * first live test: root only. The test process stays in it, and it goes
 * with it. Elsewhere the live tests say why they are skipped.
 */
#ifndef FLOWPIN_TESTS_LIVE_H
#define FLOWPIN_TESTS_LIVE_H

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

/* Whether the live tests can run; with cmocka.h included before. */
static inline bool live_netns(void)
{
	static int live = -1;

	if (live < 0) {
		live = 0;
		if (geteuid() != 0)
			print_message("live tests skipped: not root\n");
		else if (unshare(CLONE_NEWNET))
			print_message("live tests skipped: unshare: %s\n",
				      strerror(errno));
		else
			live = 1;
	}
	return live;
}

#endif
