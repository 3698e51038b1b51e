/* SPDX-License-Identifier: GPL-2.0-or-later */
/* answer_policy.c: the policies and rules of the control answers. */
#ifndef FLOWPIN_DAEMON_ANSWER_H
#define FLOWPIN_DAEMON_ANSWER_H

#include <json-c/json.h>
#include <stdint.h>

#include "core/config.h"

struct daemon;

/*
 * A figure with the decimals it means (json-c prints a double's 17
 * digits: "rtt":0.26600000000000001).
 */
json_object *answer_figure(double v, int decimals);
/* Status: every policy, its links and their shares, per family. */
json_object *answer_policies(const struct daemon *d);
/* Status: every rule, with the connections its counter saw (@packets). */
json_object *answer_rules(const struct daemon *d, const uint64_t *packets);
/* The table answer's "policies", "config", "owners" and "owners6". */
void answer_table_policies(const struct daemon *d, json_object *o);

#endif
