// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The metrics endpoint: libmicrohttpd parses HTTP; the daemon's loop runs
 * it. MHD_USE_EPOLL without an internal thread gives one epoll descriptor
 * that is readable whenever MHD has something to do (a connection to
 * accept, a socket to read or write); MHD_run does it without blocking,
 * and MHD_get_timeout says when MHD must run again regardless (a client
 * idle too long, or work it left for the next turn).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/http.h"
#include "daemon/metrics.h"
#include "lib/log.h"
#include "lib/monotonic.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned int status,
			       char *text, bool owned)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), text,
					    owned ? MHD_RESPMEM_MUST_FREE :
						    MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (owned)
			free(text);
		return MHD_NO; /* MHD closes the connection */
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				owned ? CONTENT_TYPE :
					"text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * Each request. Another method is answered at once (MHD then reads no
 * body and closes the connection); GET and HEAD once the request is
 * whole (MHD calls again with no more data), so that the connection can
 * stay open for the next scrape.
 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct http_server *h = cls;
	char *text;

	(void)version;
	(void)upload;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			       (char *)"only GET /metrics\n", false);
	if (!*req_cls || *upload_size) {
		*req_cls = h; /* the headers are in */
		*upload_size = 0; /* a body of a GET: ignored */
		return MHD_YES;
	}
	if (strcmp(url, "/metrics"))
		return respond(conn, MHD_HTTP_NOT_FOUND,
			       (char *)"not found: GET /metrics\n", false);
	flows_catch_up(h->d); /* as a control request is answered */
	text = metrics_text(h->d);
	if (!text)
		return respond(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
			       (char *)"out of memory\n", false);
	return respond(conn, MHD_HTTP_OK, text, true);
}

/* What MHD still has to do without an event: its timer follows. */
static void rearm(struct http_server *h)
{
	struct daemon *d = h->d;
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(h->mhd, &ms) == MHD_YES)
		loop_timer_set(&d->loop, &h->timer, monotonic_us() + ms * 1000);
	else
		loop_timer_set(&d->loop, &h->timer, 0);
}

static unsigned int clients(struct http_server *h)
{
	const union MHD_DaemonInfo *i =
		MHD_get_daemon_info(h->mhd,
				    MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return i ? i->num_connections : 0;
}

/*
 * MHD takes its listening socket out of its epoll set at the client limit
 * and puts it back only as a run starts: a run that closed clients is
 * followed by another, or the clients waiting in the backlog would wait
 * for an event that cannot come.
 */
static void run(struct http_server *h)
{
	unsigned int n = clients(h), before;

	do {
		before = n;
		MHD_run(h->mhd);
		n = clients(h);
	} while (n < before);
	rearm(h);
}

static void on_events(struct loop *l, struct loop_watch *w, uint32_t events)
{
	(void)l;
	(void)events;
	run(w->data);
}

static void on_timer(struct loop *l, void *data, uint64_t now_us)
{
	(void)l;
	(void)now_us;
	run(data);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warn("metrics: %s", msg);
}

/* The listening socket, made here so that its error is exact. */
static int listen_on(const struct config *c)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} sa = { 0 };
	socklen_t len;
	int fd, ret, one = 1;

	if (c->metrics_fam == FAM_IPV6) {
		sa.in6.sin6_family = AF_INET6;
		sa.in6.sin6_addr = c->metrics_addr.v6;
		sa.in6.sin6_port = htons(c->metrics_port);
		len = sizeof(sa.in6);
	} else {
		sa.in.sin_family = AF_INET;
		sa.in.sin_addr = c->metrics_addr.v4;
		sa.in.sin_port = htons(c->metrics_port);
		len = sizeof(sa.in);
	}
	fd = socket(sa.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, &sa.sa, len) || listen(fd, HTTP_CLIENTS_MAX)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* ADDRESS:PORT, [ADDRESS]:PORT */
static void where(const struct config *c, char *buf, size_t size)
{
	char a[INADDR_STRLEN];

	inaddr_str(c->metrics_fam, &c->metrics_addr, a);
	snprintf(buf, size, c->metrics_fam == FAM_IPV6 ? "[%s]:%u" : "%s:%u", a,
		 c->metrics_port);
}

int http_open(struct daemon *d)
{
	const struct config *c = &d->m.cfg;
	struct http_server *h = &d->http;
	const union MHD_DaemonInfo *info;
	char addr[INADDR_STRLEN + 8];
	int fd, ret;

	*h = (struct http_server){ .d = d, .w = { .fd = -1 } };
	loop_timer_init(&h->timer, on_timer, h);
	if (!c->metrics_port)
		return 0;
	where(c, addr, sizeof(addr));
	fd = listen_on(c);
	if (fd < 0) {
		log_err("metrics: listening on %s: %s", addr, strerror(-fd));
		return fd;
	}
	/* no MHD_USE_INTERNAL_POLLING_THREAD: MHD runs when the loop says */
	h->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL,
				  NULL, on_request, h,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
				  MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				  MHD_OPTION_CONNECTION_LIMIT,
				  (unsigned int)HTTP_CLIENTS_MAX,
				  MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned int)HTTP_CLIENT_TIMEOUT_S,
				  MHD_OPTION_END);
	info = h->mhd ? MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD) :
			NULL;
	ret = info ? loop_add(&d->loop, &h->w, info->epoll_fd, EPOLLIN,
			      on_events, h) :
		     -ENOMEM;
	if (ret) {
		log_err("metrics: libmicrohttpd: %s",
			h->mhd ? strerror(-ret) : "cannot start its server");
		if (!h->mhd && fcntl(fd, F_GETFD) >= 0)
			close(fd); /* not MHD's yet */
		http_close(d);
		return ret;
	}
	rearm(h);
	log_info("metrics: serving http://%s/metrics", addr);
	return 0;
}

bool http_config_equal(const struct config *a, const struct config *b)
{
	return a->metrics_port == b->metrics_port &&
	       (!a->metrics_port ||
		(a->metrics_fam == b->metrics_fam &&
		 inaddr_equal(a->metrics_fam, &a->metrics_addr,
			      &b->metrics_addr)));
}

void http_close(struct daemon *d)
{
	struct http_server *h = &d->http;

	if (!h->mhd)
		return;
	loop_del(&d->loop, &h->w);
	loop_timer_set(&d->loop, &h->timer, 0);
	MHD_stop_daemon(h->mhd); /* closes its clients and socket */
	h->mhd = NULL;
}
