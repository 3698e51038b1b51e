// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fp-tunlink: a point-to-point link between two network namespaces, for the
 * system tests; a PPP session without PPP, which this kernel may lack.
 *
 *   fp-tunlink NETNS_A IFNAME_A NETNS_B IFNAME_B
 *	Creates the TUN device IFNAME_A in the namespace NETNS_A (as named in
 *	/run/netns by ip netns) and IFNAME_B in NETNS_B, prints "ready", then
 *	copies every packet of one to the other until SIGTERM or SIGINT. The
 *	devices are POINTOPOINT and NOARP, as ppp0 is, down and without an
 *	address: the caller configures them. When fp-tunlink exits they
 *	vanish, as a PPP session's interface does when pppd exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* A TUN device @name in the namespace @netns; -1 when it cannot be made. */
static int tun_open(const char *netns, const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI };
	char path[4096];
	int nsfd, fd;

	if (strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "fp-tunlink: %s: name too long (%d at most)\n",
			name, IFNAMSIZ - 1);
		return -1;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "fp-tunlink: %s: %s: %s\n", netns, path,
			strerror(errno));
		if (nsfd >= 0)
			close(nsfd);
		return -1;
	}
	close(nsfd);
	/* the device lives in the namespace the descriptor was opened in */
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "fp-tunlink: %s: /dev/net/tun: %s\n", name,
			strerror(errno));
		return -1;
	}
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "fp-tunlink: %s in %s: %s\n", name, netns,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Copy what @from (the device @name) has queued to @to. A packet the other
 * side cannot take (its device down) is dropped, as on a wire. 0, or -1
 * when @from fails.
 */
static int copy(int from, int to, const char *name)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(from, buf, sizeof(buf));

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			fprintf(stderr, "fp-tunlink: %s: %s\n", name,
				n ? strerror(errno) : "gone");
			return -1;
		}
		ssize_t w = write(to, buf, (size_t)n);

		(void)w; /* not taken: dropped */
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, unblocked;
	struct pollfd p[2];

	if (argc != 5) {
		fprintf(stderr,
			"usage: fp-tunlink NETNS_A IFNAME_A NETNS_B IFNAME_B\n");
		return 2;
	}
	/* the signals come only in ppoll, so none is missed */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	p[0] = (struct pollfd){ tun_open(argv[1], argv[2]), POLLIN, 0 };
	if (p[0].fd < 0)
		return 1;
	p[1] = (struct pollfd){ tun_open(argv[3], argv[4]), POLLIN, 0 };
	if (p[1].fd < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);

	while (!stop) {
		if (ppoll(p, 2, NULL, &unblocked) < 0) {
			if (errno == EINTR)
				continue;
			perror("fp-tunlink: ppoll");
			return 1;
		}
		for (int i = 0; i < 2; i++) {
			if (!p[i].revents)
				continue;
			if (copy(p[i].fd, p[1 - i].fd, argv[2 + 2 * i]) < 0)
				return 1;
		}
	}
	return 0;
}
