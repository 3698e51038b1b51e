/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket, as a client sees it: a Unix stream socket, one JSON
 * request line per connection, answered with one JSON document before the
 * daemon closes it. Nothing on it changes the daemon's state.
 */
#ifndef FLOWPIN_LIB_CONTROL_H
#define FLOWPIN_LIB_CONTROL_H

#define CONTROL_REQUEST_MAX 4096

/* @path as a Unix socket address; -ENAMETOOLONG. */
struct sockaddr_un;
int control_unix_addr(const char *path, struct sockaddr_un *sun);

/* A connected socket to @path, or -errno. */
int control_connect(const char *path);

/* True when a daemon answers on @path. */
int control_alive(const char *path);

/* Send @request, return the daemon's reply (malloc'd) in @reply. */
int control_call(const char *path, const char *request, char **reply);

#endif
