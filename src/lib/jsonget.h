/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading members of json-c objects, with defaults for absent ones. */
#ifndef FLOWPIN_JSONGET_H
#define FLOWPIN_JSONGET_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

static inline const char *json_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
		       json_object_get_string(v) :
		       NULL;
}

static inline uint64_t json_u64(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
		       (uint64_t)json_object_get_int64(v) :
		       0;
}

static inline double json_dbl(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
		       json_object_get_double(v) :
		       0;
}

static inline bool json_flag(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	       json_object_get_boolean(v);
}

#endif
