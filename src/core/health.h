/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A link's health from its probes: pure, fed one outcome at a time in the
 * order the probes were sent.
 *
 * Up, a link goes down after `down` consecutive lost probes. Down, it comes
 * back after `up` consecutive answered probes, times a flap penalty: a link
 * that goes down again within FLAP_WINDOW_MS of coming up must prove itself
 * twice as long the next time (up to PENALTY_MAX times), and is forgiven
 * once it stays up for a whole window.
 */
#ifndef FLOWPIN_HEALTH_H
#define FLOWPIN_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#define FLAP_WINDOW_MS 30000
#define PENALTY_MAX 16
#define HEALTH_HISTORY 100 /* probes behind the "recent loss" figure */

struct health {
	uint32_t down, up; /* from the configuration */
	bool is_up;
	uint32_t run; /* consecutive losses (up) or answers (down) */
	uint32_t penalty; /* 1, 2, 4 ... PENALTY_MAX */
	uint64_t since_ms; /* when is_up last changed */

	uint8_t history[HEALTH_HISTORY]; /* 1: lost */
	uint32_t nhistory, next; /* filled entries, next to write */
	uint32_t lost; /* in history */
	double rtt_ms; /* of the last answered probe; < 0: none yet */
};

void health_init(struct health *h, uint32_t down, uint32_t up, bool is_up,
		 uint64_t now_ms);

/* One probe's outcome; true when the link changed state. */
bool health_probe(struct health *h, bool answered, double rtt_ms,
		  uint64_t now_ms);

/* Carrier lost, gateway unreachable: down now, and prove itself again. */
bool health_force_down(struct health *h, uint64_t now_ms);

/* Answered probes needed now to come back up. */
uint32_t health_needed(const struct health *h);

/* Lost share of the last HEALTH_HISTORY probes, in percent. */
double health_loss(const struct health *h);

#endif
