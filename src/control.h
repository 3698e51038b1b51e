/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket: a Unix stream socket, one JSON request line per
 * connection, answered with one JSON document before the daemon closes it.
 */
#ifndef FLOWPIN_CONTROL_H
#define FLOWPIN_CONTROL_H

#define CONTROL_REQUEST_MAX 4096

/* True when a daemon answers on @path. */
int control_alive(const char *path);

/* Listen on @path (mode 0600); a stale socket file is replaced. */
int control_listen(const char *path);

/* Send @request, return the daemon's reply (malloc'd) in @reply. */
int control_call(const char *path, const char *request, char **reply);

#endif
