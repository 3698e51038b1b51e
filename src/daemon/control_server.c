// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/control_server.h"
#include "lib/log.h"
#include "lib/monotonic.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static const char too_long[] = "{\"error\":\"request longer than " STR(
	CONTROL_REQUEST_MAX) " bytes\"}";

static void client_close(struct control_client *c)
{
	struct control_server *s = c->srv;

	int fd = c->w.fd;

	loop_timer_set(s->loop, &c->deadline, 0);
	loop_del(s->loop, &c->w);
	close(fd);
	free(c->reply);
	c->reply = NULL;
	/* a client slot is free again: take the next waiting connection */
	if (s->nclients-- == CONTROL_CLIENTS_MAX)
		loop_mod(s->loop, &s->w, EPOLLIN);
}

static void on_deadline(struct loop *l, void *data, uint64_t now_us)
{
	struct control_client *c = data;

	(void)l;
	(void)now_us;
	log_warn("control: a client %s in %u ms: closed",
		 c->reply ? "did not read its reply" : "sent no request",
		 CONTROL_CLIENT_TIMEOUT_US / 1000);
	client_close(c);
}

/* Write what the socket takes; close once all is written. */
static void client_write(struct control_client *c)
{
	while (c->off < c->rlen) {
		ssize_t n = write(c->w.fd, c->reply + c->off, c->rlen - c->off);

		if (n < 0 && errno == EAGAIN)
			return; /* EPOLLOUT brings us back */
		if (n <= 0) {
			log_warn("control: reply not sent: %s",
				 n < 0 ? strerror(errno) : "closed");
			break;
		}
		c->off += (size_t)n;
	}
	client_close(c);
}

/* @reply (malloc'd) to the client, or the answer to its request. */
static void client_answer(struct control_client *c, char *reply)
{
	struct control_server *s = c->srv;

	c->reply = reply ? reply : s->answer(s->ctx, c->buf);
	if (!c->reply) {
		client_close(c);
		return;
	}
	c->off = 0;
	c->rlen = strlen(c->reply);
	loop_mod(s->loop, &c->w, EPOLLOUT);
	client_write(c);
}

static void on_client(struct loop *l, struct loop_watch *w, uint32_t events)
{
	struct control_client *c = w->data;
	char *nl;
	ssize_t n;

	(void)l;
	if (c->reply) {
		client_write(c);
		return;
	}
	(void)events;
	n = read(w->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		client_close(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	nl = strchr(c->buf, '\n');
	if (nl)
		*nl = '\0';
	else if (n > 0 && c->len < sizeof(c->buf) - 1)
		return; /* more to come */
	if (!nl && n > 0) { /* full, and no end of line */
		client_answer(c, strdup(too_long));
		return;
	}
	client_answer(c, NULL);
}

static void on_accept(struct loop *l, struct loop_watch *w, uint32_t events)
{
	struct control_server *s = w->data;
	int fd;

	(void)events;
	while (s->nclients < CONTROL_CLIENTS_MAX &&
	       (fd = accept4(s->fd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct control_client *c = s->clients;

		while (c->w.fd >= 0)
			c++;
		c->len = 0;
		if (loop_add(l, &c->w, fd, EPOLLIN, on_client, c)) {
			close(fd);
			continue;
		}
		loop_timer_set(l, &c->deadline,
			       monotonic_us() + CONTROL_CLIENT_TIMEOUT_US);
		/* all taken: the rest wait in the backlog, not refused */
		if (++s->nclients == CONTROL_CLIENTS_MAX)
			loop_mod(l, &s->w, 0);
	}
}

/* A socket file there but nobody answering: a killed daemon's. */
static int listen_on(const char *path, gid_t group, struct stat *made)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd, ret;

	ret = control_unix_addr(path, &sun);
	if (ret)
		return ret;
	if (control_alive(path))
		return -EADDRINUSE;
	/* only a socket is replaced: never a file someone named by mistake */
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* 0600: root's, as the man page says; 0660 with control_group */
	old = umask(group != (gid_t)-1 ? 0117 : 0177);
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	/* the group's: lchown, never through a symbolic link put there */
	if (!ret && group != (gid_t)-1 &&
	    fchownat(AT_FDCWD, path, (uid_t)-1, group, AT_SYMLINK_NOFOLLOW)) {
		ret = -errno;
		close(fd);
		unlink(path);
		return ret;
	}
	if (ret || listen(fd, 128) || lstat(path, &st)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*made = st;
	return fd;
}

/* Remove the socket file, if it is still the one made here. */
static void unlink_ours(const struct control_server *s)
{
	struct stat st;

	if (lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == s->made.st_dev && st.st_ino == s->made.st_ino)
		unlink(s->path);
}

int control_group_lookup(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	size_t size = 4096;
	unsigned long n;
	char *buf = NULL, *end;
	int ret;

	errno = 0;
	n = strtoul(name, &end, 10);
	if (*name && !*end && !errno && n < (gid_t)-1) {
		*gid = (gid_t)n;
		return 0;
	}
	/* a group of many members needs more room: ERANGE says so */
	do {
		char *b = realloc(buf, size *= 2);

		if (!b) {
			ret = ENOMEM;
			break;
		}
		buf = b;
		ret = getgrnam_r(name, &gr, buf, size, &res);
	} while (ret == ERANGE && size < (1u << 24));
	if (!ret && res)
		*gid = gr.gr_gid;
	free(buf);
	return ret ? -ret : res ? 0 : -ENOENT;
}

int control_server_open(struct control_server *s, struct loop *loop,
			const char *path, gid_t group, control_answer answer,
			void *ctx)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->path = path;
	s->answer = answer;
	s->ctx = ctx;
	s->w.fd = -1;
	for (unsigned int i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		s->clients[i].srv = s;
		s->clients[i].w.fd = -1;
		loop_timer_init(&s->clients[i].deadline, on_deadline,
				&s->clients[i]);
	}
	s->fd = listen_on(path, group, &s->made);
	if (s->fd < 0)
		return s->fd;
	ret = loop_add(loop, &s->w, s->fd, EPOLLIN, on_accept, s);
	if (ret) {
		close(s->fd);
		unlink_ours(s);
		s->fd = -1;
	}
	return ret;
}

void control_server_close(struct control_server *s)
{
	if (!s->loop)
		return;
	for (unsigned int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		if (s->clients[i].w.fd >= 0)
			client_close(&s->clients[i]);
	if (s->fd >= 0) {
		loop_del(s->loop, &s->w);
		close(s->fd);
		unlink_ours(s);
		s->fd = -1;
	}
}
