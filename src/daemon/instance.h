/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One flowpin per network namespace, whatever control socket each names:
 * two would fight over the same table, rules and routes. The lock is an
 * abstract unix socket, which belongs to the network namespace and goes
 * with its holder, however that ends (a kill -9 included).
 */
#ifndef FLOWPIN_DAEMON_INSTANCE_H
#define FLOWPIN_DAEMON_INSTANCE_H

#include <sys/types.h>

/*
 * Take the lock: its descriptor (kept open for the daemon's life), or
 * -EADDRINUSE with the holder's pid in @holder (0 when unknown), or -errno.
 */
int instance_lock(pid_t *holder);

/* The lock's descriptor is readable: close what other instances opened. */
void instance_answer(int fd);

#endif
