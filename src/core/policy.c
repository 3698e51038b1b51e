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

void policy_links(const struct config *cfg, unsigned int p,
		  const struct policy_link *state, struct policy_link *out)
{
	const struct policy_config *pc = &cfg->policies[p];
	bool up_in = false, up_out = false;

	for (unsigned int i = 0; i < cfg->nlinks; i++) {
		out[i] = (struct policy_link){ .weight = pc->weight[i],
					       .tier = pc->tier[i],
					       .up = state[i].up,
					       .usable = state[i].usable };
		if (pc->weight[i])
			up_in |= state[i].up;
		else
			up_out |= state[i].up;
	}
	if (up_in || !up_out)
		return;
	for (unsigned int i = 0; i < cfg->nlinks; i++)
		if (pc->weight[i])
			out[i].usable = false;
}
