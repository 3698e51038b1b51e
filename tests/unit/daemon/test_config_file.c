// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/config_file.h"

static char errbuf[1024];

static void test_load_missing_file(void **state)
{
	struct config c;
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");

	(void)state;
	assert_int_equal(config_load(&c, "/nonexistent/flowpin.conf",
				     CONFIG_DIAG_FILE(err)),
			 -ENOENT);
	fclose(err);
	assert_non_null(
		strstr(errbuf, "/nonexistent/flowpin.conf: No such file"));
}

static int last_line = -1;
static char last_msg[128];

static void remember(void *ctx, const char *file, int line, const char *msg)
{
	(void)ctx;
	assert_string_equal(file, "/nonexistent/flowpin.conf");
	last_line = line;
	snprintf(last_msg, sizeof(last_msg), "%s", msg);
}

/* A file that cannot be read is no line's problem: line 0. */
static void test_load_missing_file_diag(void **state)
{
	const struct config_diag diag = { .report = remember };
	struct config c;

	(void)state;
	assert_int_equal(config_load(&c, "/nonexistent/flowpin.conf", &diag),
			 -ENOENT);
	assert_int_equal(last_line, 0);
	assert_string_equal(last_msg, "No such file or directory");
}

static void test_control_path(void **state)
{
	char path[] = "/tmp/fp-test-control-XXXXXX", out[CONTROL_PATH_MAX];
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	(void)state;
	/* a file with errors still names its control socket */
	fputs("[global]\nlan = lan0\ncontrol = /tmp/x.sock\nbogus\n"
	      "[link a]\nweight = many\n",
	      f);
	fclose(f);
	assert_int_equal(config_control_path(path, out, sizeof(out)), 0);
	assert_string_equal(out, "/tmp/x.sock");
	unlink(path);
	assert_int_equal(config_control_path(path, out, sizeof(out)), -ENOENT);
	assert_string_equal(out, DEFAULT_CONTROL);
}

/*
 * The CLI reads the socket as the daemon does: an inline comment, a
 * spaced section header, a key in another section or after a
 * continuation-like indented line are what the daemon's parser makes of
 * them (the INI library's defaults read other sockets from these).
 */
static void test_control_path_as_daemon(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[global]\ncontrol = /tmp/a.sock # note\n", "/tmp/a.sock" },
		{ "[global]\ncontrol = /tmp/a.sock ; note\n", "/tmp/a.sock" },
		{ "[ global ]\ncontrol = /tmp/b.sock\n", "/tmp/b.sock" },
		{ "[global]\nlan = lan0\n  control = /tmp/c.sock\n",
		  "/tmp/c.sock" },
		{ "[link a]\ncontrol = /tmp/d.sock\n", DEFAULT_CONTROL },
		{ "\xef\xbb\xbf[global]\ncontrol = /tmp/e.sock\n",
		  "/tmp/e.sock" },
	};
	char path[] = "/tmp/fp-test-control-XXXXXX", out[CONTROL_PATH_MAX];
	int fd = mkstemp(path);

	(void)state;
	close(fd);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fopen(path, "w");
		struct config c;

		fputs(cases[i].text, f);
		fclose(f);
		assert_int_equal(config_control_path(path, out, sizeof(out)),
				 0);
		if (strcmp(out, cases[i].want))
			fail_msg("case %zu: want %s, got %s", i, cases[i].want,
				 out);
		/* and the daemon's load agrees, errors or not */
		config_parse_string(&c, path, cases[i].text, NULL);
		assert_string_equal(out, c.control);
		config_free(&c);
	}
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_missing_file_diag),
		cmocka_unit_test(test_control_path),
		cmocka_unit_test(test_control_path_as_daemon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
