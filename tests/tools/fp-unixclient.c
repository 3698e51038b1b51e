// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fp-unixclient: a control socket's unruly clients, for the tests.
 *
 *   fp-unixclient hold PATH N SECONDS   N connections that send nothing,
 *                                       held open; prints how many the
 *                                       server closed meanwhile
 *   fp-unixclient send PATH BYTES       one request of BYTES 'x's (no
 *                                       newline), prints the reply
 *   fp-unixclient notify PATH           a service manager's notification
 *                                       socket (NOTIFY_SOCKET) at PATH:
 *                                       each datagram on a line, its
 *                                       newlines as spaces, until killed
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* N idle connections for @secs; how many the server closed (EOF). */
static int hold(const char *path, int n, int secs)
{
	struct pollfd *p = calloc((size_t)n, sizeof(*p));
	int closed = 0, open_ = 0;
	time_t end = time(NULL) + secs;

	if (!p)
		return 1;
	for (int i = 0; i < n; i++) {
		p[i].fd = connect_to(path);
		p[i].events = POLLIN;
		open_ += p[i].fd >= 0;
	}
	while (time(NULL) < end) {
		if (poll(p, (nfds_t)n, 100) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			char c;

			if (p[i].fd >= 0 &&
			    (p[i].revents & (POLLIN | POLLHUP)) &&
			    read(p[i].fd, &c, 1) <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				closed++;
			}
		}
	}
	printf("connected %d closed %d\n", open_, closed);
	free(p);
	return 0;
}

/* One oversized request; the reply as the server wrote it. */
static int send_big(const char *path, size_t bytes)
{
	char *buf = malloc(bytes), reply[512];
	int fd = connect_to(path);
	size_t off = 0;
	ssize_t n;

	if (!buf || fd < 0) {
		fprintf(stderr, "fp-unixclient: connect %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	memset(buf, 'x', bytes);
	while (off < bytes) {
		n = write(fd, buf + off, bytes - off);
		if (n <= 0)
			break; /* the server may stop reading: its reply counts
				*/
		off += (size_t)n;
	}
	n = read(fd, reply, sizeof(reply) - 1);
	if (n < 0) {
		fprintf(stderr, "fp-unixclient: read: %s\n", strerror(errno));
		return 1;
	}
	reply[n] = '\0';
	fputs(reply, stdout);
	free(buf);
	close(fd);
	return 0;
}

/* What systemd's notification socket receives, one datagram a line. */
static int notify(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[4096];
	ssize_t n;

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return 1;
	strcpy(sa.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "fp-unixclient: bind %s: %s\n", path,
			strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) >= 0) {
		buf[n] = '\0';
		for (char *p = buf; *p; p++)
			if (*p == '\n')
				*p = ' ';
		puts(buf);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "notify"))
		return notify(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "hold"))
		return hold(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "send"))
		return send_big(argv[2], (size_t)strtoul(argv[3], NULL, 10));
	fprintf(stderr, "usage: fp-unixclient hold PATH N SECONDS\n"
			"       fp-unixclient send PATH BYTES\n"
			"       fp-unixclient notify PATH\n");
	return 2;
}
