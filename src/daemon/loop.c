// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "daemon/loop.h"
#include "lib/log.h"
#include "lib/monotonic.h"

#define EVENTS_MAX 32

static void on_timerfd(struct loop *l, struct loop_watch *w, uint32_t events)
{
	uint64_t expirations;

	(void)w;
	(void)events;
	/* drained: the timers run after the cycle's descriptors */
	(void)!read(l->timerfd, &expirations, sizeof(expirations));
	l->armed_us = 0;
}

int loop_init(struct loop *l)
{
	*l = (struct loop){ .epfd = -1,
			    .timerfd = -1,
			    .timer_watch = { .fd = -1 } };
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->timerfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->epfd < 0 || l->timerfd < 0) {
		int ret = -errno;

		loop_free(l);
		return ret;
	}
	return loop_add(l, &l->timer_watch, l->timerfd, EPOLLIN, on_timerfd,
			NULL);
}

void loop_free(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->timerfd >= 0)
		close(l->timerfd);
	l->epfd = l->timerfd = -1;
	l->timers = NULL;
}

int loop_add(struct loop *l, struct loop_watch *w, int fd, uint32_t events,
	     loop_fd_cb cb, void *data)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	w->fd = fd;
	w->cb = cb;
	w->data = data;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		w->fd = -1;
		return -errno;
	}
	return 0;
}

int loop_mod(struct loop *l, struct loop_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) ? -errno : 0;
}

void loop_del(struct loop *l, struct loop_watch *w)
{
	if (w->fd < 0)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->fd = -1;
	l->changed = true;
}

void loop_timer_init(struct loop_timer *t, loop_timer_cb cb, void *data)
{
	*t = (struct loop_timer){ .cb = cb, .data = data };
}

static void unlink_timer(struct loop *l, struct loop_timer *t)
{
	for (struct loop_timer **p = &l->timers; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	t->next = NULL;
}

/* The timerfd follows the soonest timer; re-armed only when that moves. */
static void arm(struct loop *l)
{
	uint64_t next = l->timers ? l->timers->when_us : 0;
	struct itimerspec its = { 0 };

	if (next == l->armed_us)
		return;
	its.it_value.tv_sec = (time_t)(next / 1000000);
	its.it_value.tv_nsec = (long)(next % 1000000) * 1000;
	timerfd_settime(l->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
	l->armed_us = next;
}

void loop_timer_set(struct loop *l, struct loop_timer *t, uint64_t when_us)
{
	struct loop_timer **p;

	if (t->when_us)
		unlink_timer(l, t);
	t->when_us = when_us;
	t->pass = l->pass;
	if (when_us) {
		for (p = &l->timers; *p && (*p)->when_us <= when_us;
		     p = &(*p)->next)
			;
		t->next = *p;
		*p = t;
	}
	arm(l);
}

/*
 * The timers due, each once: one that sets itself again for a time
 * already past runs in the next cycle (the timerfd fires at once), so a
 * timer can never keep the loop from its descriptors.
 */
static void run_timers(struct loop *l)
{
	uint64_t now = monotonic_us();

	l->pass++;
	while (l->timers && l->timers->when_us <= now &&
	       l->timers->pass != l->pass && !l->stop) {
		struct loop_timer *t = l->timers;

		l->timers = t->next;
		t->next = NULL;
		t->when_us = 0;
		t->cb(l, t->data, now); /* may set itself again */
	}
	arm(l);
}

void loop_run(struct loop *l)
{
	while (!l->stop) {
		struct epoll_event evs[EVENTS_MAX];
		int n = epoll_wait(l->epfd, evs, EVENTS_MAX, -1);
		uint64_t t0 = monotonic_us(), took;

		l->changed = false;
		for (int k = 0; k < n && !l->stop && !l->changed; k++) {
			struct loop_watch *w = evs[k].data.ptr;

			w->cb(l, w, evs[k].events);
		}
		run_timers(l);
		took = monotonic_us() - t0;
		if (took > LOOP_SLOW_US)
			log_warn("event loop: one cycle took %llu.%03llu ms (%d events)",
				 (unsigned long long)(took / 1000),
				 (unsigned long long)(took % 1000), n);
	}
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}
