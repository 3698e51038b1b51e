// SPDX-License-Identifier: GPL-2.0-or-later
#include <inttypes.h>
#include <stdbool.h>
#include <systemd/sd-daemon.h>

#include "daemon/daemon.h"
#include "daemon/notify.h"
#include "lib/log.h"
#include "lib/monotonic.h"

/* Twice per watchdog interval, as sd_watchdog_enabled(3) advises. */
static void on_watchdog(struct loop *l, void *data, uint64_t now_us)
{
	struct daemon *d = data;

	sd_notify(0, "WATCHDOG=1");
	loop_timer_set(l, &d->watchdog, now_us + d->watchdog_us / 2);
}

void notify_ready(struct daemon *d)
{
	uint64_t usec = 0;

	sd_notifyf(0, "READY=1\nSTATUS=%u links from %s", d->m.cfg.nlinks,
		   d->m.cfg.path);
	if (d->watchdog_us || sd_watchdog_enabled(0, &usec) <= 0)
		return;
	d->watchdog_us = usec;
	loop_timer_init(&d->watchdog, on_watchdog, d);
	loop_timer_set(&d->loop, &d->watchdog, monotonic_us() + usec / 2);
	log_info("watchdog: a keep-alive every %" PRIu64 " ms", usec / 2000);
}

void notify_reloading(void)
{
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, monotonic_us());
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}
