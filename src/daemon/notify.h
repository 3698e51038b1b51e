/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the service manager is told (sd_notify, Type=notify): ready once
 * the kernel is programmed, reloading and ready again around a SIGHUP,
 * stopping, and the watchdog's keep-alive from the event loop itself, so
 * that a loop that hangs is noticed. Without NOTIFY_SOCKET (not started
 * by systemd) each call does nothing.
 */
#ifndef FLOWPIN_DAEMON_NOTIFY_H
#define FLOWPIN_DAEMON_NOTIFY_H

struct daemon;

/* READY=1 with a STATUS line; the watchdog starts when WatchdogSec asks. */
void notify_ready(struct daemon *d);
/* RELOADING=1 (with MONOTONIC_USEC, as systemd 253 on wants). */
void notify_reloading(void);
void notify_stopping(void);

#endif
