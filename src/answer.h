/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's answers on its control socket. */
#ifndef FLOWPIN_ANSWER_H
#define FLOWPIN_ANSWER_H

struct daemon;

/*
 * Answer one request line, {"command":"status"}: a malloc'd JSON document,
 * {"error":"..."} when the request is bad.
 */
char *answer_request(struct daemon *d, const char *request);

#endif
