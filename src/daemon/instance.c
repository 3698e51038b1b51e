// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/instance.h"

/* Abstract: no file, scoped to the network namespace. */
#define INSTANCE_NAME "flowpin/instance"

static socklen_t instance_addr(struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path + 1, INSTANCE_NAME, strlen(INSTANCE_NAME));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   strlen(INSTANCE_NAME));
}

/* Who holds it: the credentials the holder's listening socket has. */
static pid_t instance_holder(void)
{
	struct sockaddr_un sun;
	socklen_t len = instance_addr(&sun), clen;
	struct ucred cred = { 0 };
	/* never waits: with the holder's backlog full, the pid is unknown */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return 0;
	clen = sizeof(cred);
	if (connect(fd, (struct sockaddr *)&sun, len) ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen))
		cred.pid = 0;
	close(fd);
	return cred.pid;
}

int instance_lock(pid_t *holder)
{
	struct sockaddr_un sun;
	socklen_t len = instance_addr(&sun);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0),
	    ret;

	*holder = 0;
	if (fd < 0)
		return -errno;
	/* listening, so that a second one can ask who holds it */
	if (bind(fd, (struct sockaddr *)&sun, len) || listen(fd, 1)) {
		ret = -errno;
		close(fd);
		if (ret == -EADDRINUSE)
			*holder = instance_holder();
		return ret;
	}
	return fd;
}

void instance_answer(int fd)
{
	int c;

	/* the asker has the credentials already: its connection can go */
	while ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		close(c);
}
