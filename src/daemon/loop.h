/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's one event loop: registrations of file descriptors, each
 * with its callback and data, and one list of timers behind one timerfd.
 * In each cycle every ready descriptor is served first, then the timers
 * that are due, so that what arrived is taken in before a timer judges it.
 * A cycle that takes longer than LOOP_SLOW_US is logged.
 */
#ifndef FLOWPIN_DAEMON_LOOP_H
#define FLOWPIN_DAEMON_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#define LOOP_SLOW_US 100000

struct loop;
struct loop_watch;
typedef void (*loop_fd_cb)(struct loop *l, struct loop_watch *w,
			   uint32_t events);
typedef void (*loop_timer_cb)(struct loop *l, void *data, uint64_t now_us);

/* A registration; its storage is the caller's, as long as it is added. */
struct loop_watch {
	int fd; /* -1: not registered */
	loop_fd_cb cb;
	void *data;
};

struct loop_timer {
	uint64_t when_us; /* CLOCK_MONOTONIC; 0: not armed */
	loop_timer_cb cb;
	void *data;
	struct loop_timer *next; /* in the loop's list, soonest first */
	uint64_t pass; /* of run_timers when it was set */
};

struct loop {
	int epfd, timerfd;
	struct loop_watch timer_watch;
	struct loop_timer *timers;
	uint64_t armed_us; /* what timerfd is set to, 0: disarmed */
	bool changed; /* a registration went: end the cycle's batch */
	uint64_t pass; /* run_timers passes so far */
	bool stop;
};

int loop_init(struct loop *l);
void loop_free(struct loop *l);

/* Watch @fd for @events (EPOLLIN, EPOLLOUT) with @cb(data). */
int loop_add(struct loop *l, struct loop_watch *w, int fd, uint32_t events,
	     loop_fd_cb cb, void *data);
int loop_mod(struct loop *l, struct loop_watch *w, uint32_t events);
/*
 * Forget @w, before its fd is closed or its storage freed. The rest of the
 * cycle's events are left to the next cycle (level-triggered, nothing is
 * lost), so that none of them reaches a registration freed meanwhile.
 */
void loop_del(struct loop *l, struct loop_watch *w);

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *data);
/* (Re)arm @t for @when_us; 0 disarms it. */
void loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t when_us);

/* Serve until loop_stop(). */
void loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
