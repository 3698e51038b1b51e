// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A fuzz target without libFuzzer: every file named, and every file of
 * every directory named (in name order, dot files left out), is given to
 * LLVMFuzzerTestOneInput once, in a buffer of exactly its size so that
 * ASan sees a read past its end. The regression run of make check: the
 * committed corpora and the crashes found so far, with gcc, no time limit.
 *
 *   fuzz_NAME DIR|FILE...
 *
 * Each input is named on stderr before it runs: a sanitizer's report or a
 * broken invariant follows the name of the input that caused it.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	buf = malloc(size ? (size_t)size : 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "%s: cannot read it\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	fprintf(stderr, "input: %s\n", path);
	LLVMFuzzerTestOneInput(buf, (size_t)size);
	free(buf);
	return 0;
}

static int only_visible(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	unsigned long n = 0;
	int first = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int a = first; a < argc; a++) {
		struct dirent **names;
		struct stat st;
		int k;

		if (stat(argv[a], &st)) {
			fprintf(stderr, "%s: %s\n", argv[a], strerror(errno));
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[a]))
				return 1;
			n++;
			continue;
		}
		k = scandir(argv[a], &names, only_visible, alphasort);
		if (k < 0) {
			fprintf(stderr, "%s: %s\n", argv[a], strerror(errno));
			return 1;
		}
		for (int i = 0; i < k; i++) {
			char path[4096];
			int bad = 0;

			snprintf(path, sizeof(path), "%s/%s", argv[a],
				 names[i]->d_name);
			if (!stat(path, &st) && S_ISREG(st.st_mode)) {
				bad = run_file(path);
				n++;
			}
			free(names[i]);
			if (bad)
				return 1;
		}
		free(names);
	}
	printf("%lu inputs\n", n);
	return 0;
}
