// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli/print.h"

#define DEPTH_MAX 16

static bool json_mode, json_pretty;
static json_object *stack[DEPTH_MAX];
static int depth = -1;

void print_begin(bool json, bool pretty)
{
	json_mode = json;
	json_pretty = pretty;
	if (json_mode) {
		stack[0] = json_object_new_object();
		depth = 0;
	}
}

bool print_is_json(void)
{
	return json_mode;
}

int print_end(void)
{
	/* no "\/": paths stay readable */
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (json_pretty ?
			     JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			     JSON_C_TO_STRING_PLAIN);
	int ret = 0;

	if (!json_mode || depth < 0)
		return 0;
	if (printf("%s\n", json_object_to_json_string_ext(stack[0], flags)) < 0)
		ret = -EIO;
	json_object_put(stack[0]);
	depth = -1;
	return ret;
}

/* Attach @v to the innermost container. */
static void add(const char *key, json_object *v)
{
	json_object *top = stack[depth];

	if (json_object_is_type(top, json_type_array))
		json_object_array_add(top, v);
	else
		json_object_object_add(top, key, v);
}

static void push(const char *key, json_object *v)
{
	if (!json_mode)
		return;
	add(key, v);
	if (depth + 1 < DEPTH_MAX)
		stack[++depth] = v;
}

static void pop(void)
{
	if (json_mode && depth > 0)
		depth--;
}

void print_open_object(const char *key)
{
	push(key, json_mode ? json_object_new_object() : NULL);
}

void print_close_object(void)
{
	pop();
}

void print_open_array(const char *key)
{
	push(key, json_mode ? json_object_new_array() : NULL);
}

void print_close_array(void)
{
	pop();
}

static bool to_json(enum print_to to)
{
	return json_mode && to != PRINT_TEXT;
}

static bool to_text(enum print_to to)
{
	return !json_mode && to != PRINT_JSON;
}

void print_fmt_string(enum print_to to, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (to_json(to))
		add(key, json_object_new_string(va_arg(ap, const char *)));
	else if (to_text(to))
		vprintf(fmt, ap);
	va_end(ap);
}

void print_fmt_u64(enum print_to to, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (to_json(to))
		add(key, json_object_new_uint64(va_arg(ap, uint64_t)));
	else if (to_text(to))
		vprintf(fmt, ap);
	va_end(ap);
}

void print_fmt_double(enum print_to to, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (to_json(to)) {
		double v = va_arg(ap, double);
		char text[32];

		/*
		 * 15 significant digits: what the figure says (0.266), not
		 * the binary double's 17 (0.26600000000000001)
		 */
		snprintf(text, sizeof(text), "%.15g", v);
		add(key, json_object_new_double_s(v, text));
	} else if (to_text(to))
		vprintf(fmt, ap);
	va_end(ap);
}

void print_null(const char *key)
{
	if (json_mode)
		add(key, NULL);
}

void print_bool(const char *key, bool value)
{
	if (json_mode)
		add(key, json_object_new_boolean(value));
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (json_mode)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
