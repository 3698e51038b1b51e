// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/control.h"

#define CALL_TIMEOUT_MS 5000

int control_unix_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

int control_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd, ret;

	ret = control_unix_addr(path, &sun);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int control_alive(const char *path)
{
	int fd = control_connect(path);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static int wait_for(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, CALL_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	return r == 1 ? 0 : r == 0 ? -ETIMEDOUT : -errno;
}

int control_call(const char *path, const char *request, char **reply)
{
	size_t len = strlen(request), size = 0, cap = 0;
	char *buf = NULL;
	int fd, ret = 0;

	*reply = NULL;
	fd = control_connect(path);
	if (fd < 0)
		return fd;
	if (write(fd, request, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (size + 1 >= cap) {
			char *p = realloc(buf, cap = cap ? 2 * cap : 8192);

			if (!p) {
				ret = -ENOMEM;
				goto out;
			}
			buf = p;
		}
		ret = wait_for(fd, POLLIN);
		if (ret)
			goto out;
		n = read(fd, buf + size, cap - size - 1);
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		size += (size_t)n;
	}
	buf[size] = '\0';
	*reply = buf;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return ret;
}
