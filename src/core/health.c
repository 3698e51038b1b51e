// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "core/health.h"

void health_init(struct health *h, uint32_t down, uint32_t up, bool is_up,
		 uint64_t now_ms)
{
	memset(h, 0, sizeof(*h));
	h->down = down;
	h->up = up;
	h->is_up = is_up;
	h->penalty = 1;
	/* a link that starts up has not just recovered: no flap if it fails */
	h->since_ms = is_up ? now_ms - FLAP_WINDOW_MS : now_ms;
	h->rtt_ms = -1;
}

uint32_t health_needed(const struct health *h)
{
	return h->up * h->penalty;
}

static void record(struct health *h, bool lost)
{
	if (h->nhistory == HEALTH_HISTORY)
		h->lost -= h->history[h->next];
	else
		h->nhistory++;
	h->history[h->next] = lost;
	h->lost += lost;
	h->next = (h->next + 1) % HEALTH_HISTORY;
}

static void go_down(struct health *h, uint64_t now_ms)
{
	/* flapping: recovered less than a window ago */
	if (now_ms - h->since_ms < FLAP_WINDOW_MS) {
		if (h->penalty < PENALTY_MAX)
			h->penalty *= 2;
	} else {
		h->penalty = 1;
	}
	h->is_up = false;
	h->run = 0;
	h->since_ms = now_ms;
}

bool health_probe(struct health *h, bool answered, double rtt_ms,
		  uint64_t now_ms)
{
	record(h, !answered);
	if (answered)
		h->rtt_ms = rtt_ms;

	if (h->is_up) {
		h->run = answered ? 0 : h->run + 1;
		if (h->run < h->down)
			return false;
		go_down(h, now_ms);
		return true;
	}
	h->run = answered ? h->run + 1 : 0;
	if (h->run < health_needed(h))
		return false;
	h->is_up = true;
	h->run = 0;
	h->since_ms = now_ms;
	return true;
}

bool health_force_down(struct health *h, uint64_t now_ms)
{
	if (!h->is_up) {
		h->run = 0; /* start proving itself again */
		return false;
	}
	go_down(h, now_ms);
	return true;
}

double health_loss(const struct health *h)
{
	return h->nhistory ? 100.0 * h->lost / h->nhistory : 0;
}
