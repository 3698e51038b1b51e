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

/*
 * One value, under @key in JSON, through @fmt in text. The compiler checks
 * @fmt against the value; these macros fix the value's type first, so that
 * the format must be "%s", "%" PRIu64 (or PRIx64) and "%f" alike, and JSON
 * reads back what was passed. JSON-only calls pass such a format too.
 */
#define print_string(to, key, fmt, value) \
	print_fmt_string(to, key, fmt, print_arg_string(value))
#define print_u64(to, key, fmt, value) \
	print_fmt_u64(to, key, fmt, print_arg_u64(value))
#define print_double(to, key, fmt, value) \
	print_fmt_double(to, key, fmt, print_arg_double(value))

void print_fmt_string(enum print_to to, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void print_fmt_u64(enum print_to to, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void print_fmt_double(enum print_to to, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline const char *print_arg_string(const char *v)
{
	return v;
}

static inline uint64_t print_arg_u64(uint64_t v)
{
	return v;
}

static inline double print_arg_double(double v)
{
	return v;
}

void print_null(const char *key); /* JSON null; no text */
void print_bool(const char *key, bool value); /* JSON true/false; no text */
/* Text only: separators, newlines, headings. */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
