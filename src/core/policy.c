// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/config.h"
#include "core/policy.h"

/*
 * The links of the lowest tier among those @on (with a weight) keep their
 * weight, every other link gets 0. False when no link is on.
 */
static bool tiered(const struct policy_link *l, unsigned int n, const bool *on,
		   uint32_t *eff)
{
	uint32_t best = 0;

	for (unsigned int i = 0; i < n; i++)
		if (on[i] && l[i].weight > 0 && (!best || l[i].tier < best))
			best = l[i].tier;
	for (unsigned int i = 0; i < n; i++)
		eff[i] = on[i] && l[i].tier == best ? l[i].weight : 0;
	return best != 0;
}

enum policy_mode policy_weights(const struct policy_link *l, unsigned int n,
				uint32_t *eff)
{
	bool on[SLOTS_MAX] = { false };

	for (unsigned int i = 0; i < n; i++)
		on[i] = l[i].up;
	if (tiered(l, n, on, eff))
		return POLICY_UP;
	for (unsigned int i = 0; i < n; i++)
		on[i] = l[i].usable;
	return tiered(l, n, on, eff) ? POLICY_DEGRADED : POLICY_NONE;
}

uint32_t policy_balance(struct bucket_table *t, const struct policy_link *l,
			unsigned int n, enum policy_mode *mode)
{
	uint32_t eff[SLOTS_MAX];

	*mode = policy_weights(l, n, eff);
	return bucket_table_balance(t, eff, n);
}
