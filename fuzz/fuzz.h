/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every fuzz target shares. A target defines LLVMFuzzerTestOneInput
 * (and, when it builds something once, LLVMFuzzerInitialize); linked with
 * clang's -fsanitize=fuzzer it is a libFuzzer binary (make fuzz), linked
 * with driver.c it runs each file of the directories it is given once,
 * under gcc's ASan and UBSan (make check).
 */
#ifndef FLOWPIN_FUZZ_H
#define FLOWPIN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant: when it does not hold, say which and abort (a crash). */
#define FUZZ_CHECK(cond, ...)                                                 \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr,                                       \
				"%s:%d: invariant \"%s\" broken: ", __FILE__, \
				__LINE__, #cond);                             \
			fprintf(stderr, __VA_ARGS__);                         \
			fputc('\n', stderr);                                  \
			abort();                                              \
		}                                                             \
	} while (0)

/* @data as a C string (cut at its first NUL): malloc'd, never NULL. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
