/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket's server, served from the event loop without ever
 * blocking it: non-blocking reads and writes, a buffer per client, a
 * bounded number of clients (more wait in the listen backlog rather than
 * being refused), and a deadline for each.
 */
#ifndef FLOWPIN_DAEMON_CONTROL_SERVER_H
#define FLOWPIN_DAEMON_CONTROL_SERVER_H

#include <stddef.h>
#include <sys/stat.h>

#include "daemon/loop.h"
#include "lib/control.h"

#define CONTROL_CLIENTS_MAX 32
#define CONTROL_CLIENT_TIMEOUT_US 2000000

/* The reply to one request line (malloc'd), or NULL. */
typedef char *(*control_answer)(void *ctx, const char *request);

struct control_client {
	struct control_server *srv;
	struct loop_watch w;
	struct loop_timer deadline;
	size_t len;
	char buf[CONTROL_REQUEST_MAX + 1];
	char *reply; /* being written; NULL while reading */
	size_t off, rlen;
};

struct control_server {
	struct loop *loop;
	const char *path;
	struct stat made; /* the socket file it made: the one it removes */
	int fd;
	struct loop_watch w;
	control_answer answer;
	void *ctx;
	unsigned int nclients;
	struct control_client clients[CONTROL_CLIENTS_MAX];
};

/*
 * Listen on @path (mode 0600, or 0660 of @group when it is not -1; a
 * stale socket file is replaced) and serve from @loop. -EADDRINUSE when a
 * daemon answers there already, -ENOTSOCK when a file that is not a socket is
 * there (it is left alone).
 */
int control_server_open(struct control_server *s, struct loop *loop,
			const char *path, gid_t group, control_answer answer,
			void *ctx);
/* A group by name or number, as control_group names it: 0 or -ENOENT. */
int control_group_lookup(const char *name, gid_t *gid);
/* Close every client and the socket, and remove the socket file. */
void control_server_close(struct control_server *s);

#endif
