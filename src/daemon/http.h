/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics = ADDRESS:PORT: GET /metrics over HTTP, served by libmicrohttpd
 * from the daemon's own loop (its external mode: its epoll descriptor is
 * one registration, its timeouts one timer; no thread of its own). At
 * most HTTP_CLIENTS_MAX clients at once (more wait in the listen backlog),
 * each closed after HTTP_CLIENT_TIMEOUT_S idle seconds. Only GET (and HEAD) of
 * /metrics: 404 for another path, 405 for another method.
 */
#ifndef FLOWPIN_DAEMON_HTTP_H
#define FLOWPIN_DAEMON_HTTP_H

#include <stdbool.h>

#include "daemon/loop.h"

#define HTTP_CLIENTS_MAX 8
#define HTTP_CLIENT_TIMEOUT_S 5

struct MHD_Daemon;
struct daemon;

struct http_server {
	struct MHD_Daemon *mhd; /* NULL: no endpoint */
	struct daemon *d;
	struct loop_watch w; /* libmicrohttpd's epoll descriptor */
	struct loop_timer timer; /* its next timeout */
};

/*
 * Listen where the configuration's metrics key says, if it says; 0 or
 * -errno (logged).
 */
int http_open(struct daemon *d);
void http_close(struct daemon *d);
/* Whether two configurations have the same metrics key (a reload). */
struct config;
bool http_config_equal(const struct config *a, const struct config *b);

#endif
