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
#include "core/config.h"

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

/*
 * Policy @p of @cfg as it sees the links whose states @state holds
 * (up, usable; their weights are not read): its own weights and tiers,
 * weight 0 for links it does not use. While some link outside it is up
 * and none of its own is, its links count as unusable: the probes
 * answer elsewhere, so its links are down indeed, and its last resort
 * decides rather than a degraded guess.
 */
void policy_links(const struct config *cfg, unsigned int p,
		  const struct policy_link *state, struct policy_link *out);

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
