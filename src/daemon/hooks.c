// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/hooks.h"
#include "lib/log.h"
#include "lib/monotonic.h"

static void start_next(struct hooks *h);
static void on_deadline(struct loop *l, void *data, uint64_t now_us);

static void event_free(struct hook_event *e)
{
	for (unsigned int i = 0; i < e->nvars; i++)
		free(e->vars[i]);
	e->nvars = 0;
}

void hooks_init(struct hooks *h, struct loop *loop)
{
	memset(h, 0, sizeof(*h));
	h->loop = loop;
	h->proc.fd = -1;
	h->out.fd = -1;
	h->timeout_ms = 10000;
	loop_timer_init(&h->deadline, on_deadline, h);
}

void hooks_configure(struct hooks *h, const char *path, uint32_t timeout_ms)
{
	snprintf(h->path, sizeof(h->path), "%s", path);
	h->timeout_ms = timeout_ms;
}

/* One line of the hook's output into the log. */
static void flush_line(struct hooks *h)
{
	if (!h->len)
		return;
	h->line[h->len] = '\0';
	if (h->lines < HOOKS_LINES_MAX)
		log_info("hook %s (%s): %s", h->path, h->event, h->line);
	else if (h->lines == HOOKS_LINES_MAX)
		log_warn("hook %s (%s): more output, not logged", h->path,
			 h->event);
	h->lines++;
	h->len = 0;
}

/*
 * What the hook wrote since the last look, 64 KiB at most: one that writes
 * without pause must not keep the loop (and its own timeout) waiting. Its
 * first HOOKS_LINES_MAX lines of a run are logged, the rest read and
 * dropped.
 */
static void read_output(struct hooks *h)
{
	char buf[4096];
	ssize_t n = 0;

	for (unsigned int k = 0; k < 16; k++) {
		n = read(h->out.fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				flush_line(h);
				continue;
			}
			/* a longer line goes out in pieces */
			if (h->len == sizeof(h->line) - 1)
				flush_line(h);
			h->line[h->len++] = buf[i];
		}
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		flush_line(h);
		loop_del(h->loop, &h->out);
		close(h->out.fd);
		h->out.fd = -1;
	}
}

static void on_output(struct loop *l, struct loop_watch *w, uint32_t events)
{
	(void)l;
	(void)events;
	read_output(w->data);
}

/* The hook ended: what it said last, how it ended, then the next one. */
static void reap(struct hooks *h)
{
	int status = 0;

	if (waitpid(h->pid, &status, 0) < 0)
		status = 0;
	if (h->out.fd >= 0)
		read_output(h);
	if (h->out.fd >= 0) { /* a child of its own still holds the pipe */
		flush_line(h);
		loop_del(h->loop, &h->out);
		close(h->out.fd);
		h->out.fd = -1;
	}
	loop_del(h->loop, &h->proc);
	close(h->proc.fd);
	h->proc.fd = -1;
	loop_timer_set(h->loop, &h->deadline, 0);
	if (h->killed)
		log_warn("hook %s (%s): killed after %u ms", h->path, h->event,
			 h->timeout_ms);
	else if (WIFEXITED(status) && WEXITSTATUS(status))
		log_warn("hook %s (%s): exit status %d", h->path, h->event,
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warn("hook %s (%s): killed by signal %d", h->path, h->event,
			 WTERMSIG(status));
	h->pid = 0;
	h->killed = false;
}

static void on_exit_(struct loop *l, struct loop_watch *w, uint32_t events)
{
	struct hooks *h = w->data;

	(void)l;
	(void)events;
	reap(h);
	start_next(h);
}

static void on_deadline(struct loop *l, void *data, uint64_t now_us)
{
	struct hooks *h = data;

	(void)l;
	(void)now_us;
	/* the whole process group: what it started goes with it */
	if (h->pid > 0 && kill(-h->pid, SIGKILL) && errno == ESRCH)
		kill(h->pid, SIGKILL);
	h->killed = true;
}

/* The child: a clean signal state, output to the pipe, then the hook. */
static void run_child(const struct hooks *h, const struct hook_event *e,
		      int out)
{
	const char *path = getenv("PATH");
	char *envp[HOOKS_VARS_MAX + 2], pathvar[512];
	char *argv[] = { (char *)h->path, (char *)h->event, NULL };
	sigset_t none;
	unsigned int n = 0;
	int null = open("/dev/null", O_RDONLY);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(out, STDERR_FILENO);
	snprintf(
		pathvar, sizeof(pathvar), "PATH=%s",
		path ? path :
		       "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	envp[n++] = pathvar;
	for (unsigned int i = 0; i < e->nvars; i++)
		envp[n++] = e->vars[i];
	envp[n] = NULL;
	execve(h->path, argv, envp);
	fprintf(stderr, "cannot run it: %s\n", strerror(errno));
	_exit(127);
}

static void start_next(struct hooks *h)
{
	struct hook_event *e;
	int pipefd[2], pidfd;
	pid_t pid;

	if (h->pid || !h->count)
		return;
	e = &h->queue[h->head];
	h->head = (h->head + 1) % HOOKS_QUEUE_MAX;
	h->count--;
	snprintf(h->event, sizeof(h->event), "%s",
		 e->nvars ? e->vars[0] + strlen("FLOWPIN_EVENT=") : "?");
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK)) {
		log_err("hook %s (%s): %s", h->path, h->event, strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		fcntl(pipefd[1], F_SETFL, 0); /* blocking for the child */
		run_child(h, e, pipefd[1]);
	}
	close(pipefd[1]);
	pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (pid < 0 || pidfd < 0) {
		log_err("hook %s (%s): %s", h->path, h->event, strerror(errno));
		close(pipefd[0]);
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		goto out;
	}
	h->pid = pid;
	h->killed = false;
	h->len = 0;
	h->lines = 0;
	if (loop_add(h->loop, &h->proc, pidfd, EPOLLIN, on_exit_, h)) {
		/* no loop to hear it end: it is not let run */
		log_err("hook %s (%s): cannot watch it", h->path, h->event);
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(pidfd);
		close(pipefd[0]);
		h->pid = 0;
		goto out;
	}
	if (loop_add(h->loop, &h->out, pipefd[0], EPOLLIN, on_output, h)) {
		close(pipefd[0]); /* its output is lost, not the rest */
		h->out.fd = -1;
	}
	loop_timer_set(h->loop, &h->deadline,
		       monotonic_us() + (uint64_t)h->timeout_ms * 1000);
out:
	event_free(e);
}

void hooks_event(struct hooks *h, const char *name, const char *const *vars,
		 unsigned int nvars)
{
	struct hook_event *e;

	if (!h->path[0])
		return;
	if (h->count == HOOKS_QUEUE_MAX) {
		/* a hook far behind the events: the oldest waiting goes */
		event_free(&h->queue[h->head]);
		h->head = (h->head + 1) % HOOKS_QUEUE_MAX;
		h->count--;
		if (!h->dropped++)
			log_warn("hook %s: %d events waiting for it: the oldest are dropped",
				 h->path, HOOKS_QUEUE_MAX);
	}
	e = &h->queue[(h->head + h->count) % HOOKS_QUEUE_MAX];
	e->nvars = 0;
	if (asprintf(&e->vars[e->nvars], "FLOWPIN_EVENT=%s", name) < 0)
		return;
	e->nvars++;
	for (unsigned int i = 0; i < nvars && e->nvars < HOOKS_VARS_MAX; i++) {
		e->vars[e->nvars] = strdup(vars[i]);
		if (e->vars[e->nvars])
			e->nvars++;
	}
	h->count++;
	start_next(h);
}

void hooks_drain(struct hooks *h)
{
	/*
	 * Stopping: the hook running, then the last event queued (stop),
	 * each within the timeout; what waited between them goes, so that a
	 * slow hook cannot hold the stop beyond twice the timeout.
	 */
	while (h->count > 1) {
		event_free(&h->queue[h->head]);
		h->head = (h->head + 1) % HOOKS_QUEUE_MAX;
		h->count--;
		h->dropped++;
	}
	while (h->pid || h->count) {
		struct pollfd p[2];
		uint64_t end;

		start_next(h);
		if (!h->pid)
			continue;
		end = monotonic_us() + (uint64_t)h->timeout_ms * 1000;
		for (;;) {
			uint64_t now = monotonic_us();
			int n = 0, left;

			p[n++] = (struct pollfd){ .fd = h->proc.fd,
						  .events = POLLIN };
			if (h->out.fd >= 0)
				p[n++] = (struct pollfd){ .fd = h->out.fd,
							  .events = POLLIN };
			left = h->killed ? -1 : /* SIGKILL is not refused */
				       now < end ?
					   (int)((end - now) / 1000) + 1 :
					   0;
			if (!left) {
				on_deadline(h->loop, h, now);
				left = -1;
			}
			if (poll(p, (nfds_t)n, left) < 0 && errno != EINTR)
				break;
			if (n > 1 && p[1].revents)
				read_output(h);
			if (p[0].revents)
				break;
		}
		reap(h);
	}
}

void hooks_close(struct hooks *h)
{
	if (h->pid) {
		kill(-h->pid, SIGKILL);
		reap(h);
	}
	while (h->count) {
		event_free(&h->queue[h->head]);
		h->head = (h->head + 1) % HOOKS_QUEUE_MAX;
		h->count--;
	}
}
