/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One print path for people and for programs, in iproute2's manner: each
 * call names a JSON key and a text format; the mode chosen at
 * print_begin() decides which one is used.
 */
#ifndef FLOWPIN_PRINT_H
#define FLOWPIN_PRINT_H

#include <stdbool.h>
#include <stdint.h>

enum print_to {
	PRINT_ANY, /* text and JSON */
	PRINT_TEXT, /* text only */
	PRINT_JSON, /* JSON only */
};

void print_begin(bool json, bool pretty);
/* Write the JSON document, if any; returns 0 or -errno. */
int print_end(void);
bool print_is_json(void);

void print_open_object(const char *key); /* key NULL inside arrays */
void print_close_object(void);
void print_open_array(const char *key);
void print_close_array(void);

void print_string(enum print_to to, const char *key, const char *fmt,
		  const char *value);
void print_u64(enum print_to to, const char *key, const char *fmt,
	       uint64_t value);
void print_double(enum print_to to, const char *key, const char *fmt,
		  double value);
void print_null(const char *key); /* JSON null; no text */
/* Text only: separators, newlines, headings. */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
