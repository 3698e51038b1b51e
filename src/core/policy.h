/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which links take new connections, and how many: weights and tiers over
 * the links' states, into the bucket table. The daemon, explain and sim
 * all decide through here, so that they decide alike.
 *
 * The links of the lowest tier that has a link up share the buckets by
 * weight. When no link is up but some are usable (their probes fail,
 * their interfaces and gateways do not), those share them: probe targets
 * that stop answering on every link at once more likely failed
 * themselves, and a router that drops everything helps nobody.
 */
#ifndef FLOWPIN_CORE_POLICY_H
#define FLOWPIN_CORE_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bucket.h"

struct policy_link {
	uint32_t weight, tier;
	bool up; /* takes new connections */
	bool usable; /* could carry traffic, up or not */
};

enum policy_mode {
	POLICY_UP, /* the up links of the lowest such tier */
	POLICY_DEGRADED, /* none up: every usable link of the lowest tier */
	POLICY_NONE, /* nothing usable: the main routing table decides */
};

/* The effective weights of @n links (0: no new connections). */
enum policy_mode policy_weights(const struct policy_link *l, unsigned int n,
				uint32_t *eff);

/*
 * Rebalance @t for @n links, moving the fewest buckets; returns how many
 * moved, and the mode in @mode.
 */
uint32_t policy_balance(struct bucket_table *t, const struct policy_link *l,
			unsigned int n, enum policy_mode *mode);

#endif
