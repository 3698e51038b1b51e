// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/reconcile.h"
#include "daemon/sync.h"
#include "kernel/nlroute.h"
#include "kernel/nlrule.h"
#include "lib/array.h"

/* One kind of kernel object, as the generic sync sees it. */
struct sync_kind {
	size_t size;
	reconcile_equal equal;
	int (*del)(struct nl *nl, const void *obj);
	int (*add)(struct nl *nl, const void *obj);
	/* an add replaces what has the same key (NULL: it never does) */
	reconcile_equal same_key;
};

/* What the kernel has of flowpin's, collected by a listing. */
struct have {
	void *items;
	unsigned int n, cap;
};

static int apply(struct nl *nl, const struct sync_kind *k, const struct have *h,
		 const void *want, unsigned int n, unsigned int *added)
{
	bool *del = calloc(h->n + 1, sizeof(*del));
	bool *add = calloc(n + 1, sizeof(*add));
	int ret = 0;

	if (!del || !add) {
		ret = -ENOMEM;
		goto out;
	}
	reconcile(h->items, h->n, want, n, k->size, k->equal, del, add);
	/*
	 * What is wanted first: a route replaced (a new gateway, a blackhole
	 * while a link waits for its address) never leaves a moment without
	 * one. The add replaced an old one of the same key: deleting that
	 * again could take the new one along (the kernel does not tell them
	 * apart by every attribute), so it is left alone.
	 */
	for (unsigned int j = 0; j < n && !ret; j++) {
		if (!add[j])
			continue;
		ret = k->add(nl, (const char *)want + j * k->size);
		if (!ret && added)
			(*added)++;
		for (unsigned int i = 0; i < h->n && k->same_key; i++)
			if (del[i] &&
			    k->same_key((const char *)h->items + i * k->size,
					(const char *)want + j * k->size))
				del[i] = false;
	}
	for (unsigned int i = 0; i < h->n && !ret; i++)
		if (del[i])
			ret = k->del(nl, (const char *)h->items + i * k->size);
out:
	free(del);
	free(add);
	return ret;
}

static int route_del(struct nl *nl, const void *r)
{
	int ret = nlroute_delete(nl, r);

	/* gone already: the kernel drops routes of downed links */
	return ret == -ESRCH ? 0 : ret;
}

static int route_add(struct nl *nl, const void *r)
{
	return nlroute_replace(nl, r);
}

static int rule_del(struct nl *nl, const void *r)
{
	return nlrule_delete(nl, r);
}

static int rule_add(struct nl *nl, const void *r)
{
	return nlrule_add(nl, r);
}

static const struct sync_kind routes = { sizeof(struct route), route_equal,
					 route_del, route_add, route_same_key };
static const struct sync_kind rules = { sizeof(struct rule), rule_equal,
					rule_del, rule_add, NULL };

static int have_route(const struct route *r, void *data)
{
	struct have *h = data;

	if (r->protocol != RTPROT_FLOWPIN)
		return 0;
	return array_push(&h->items, &h->n, &h->cap, r, sizeof(*r));
}

static int have_rule(const struct rule *r, void *data)
{
	struct have *h = data;

	if (r->protocol != RTPROT_FLOWPIN)
		return 0;
	return array_push(&h->items, &h->n, &h->cap, r, sizeof(*r));
}

int sync_routes(struct nl *nl, enum fam fam, uint32_t table,
		const struct route *want, unsigned int n, unsigned int *added)
{
	struct have h = { 0 };
	int ret = nlroute_list(nl, fam, table, have_route, &h);

	if (!ret)
		ret = apply(nl, &routes, &h, want, n, added);
	free(h.items);
	return ret;
}

int sync_rules(struct nl *nl, enum fam fam, const struct rule *want,
	       unsigned int n, unsigned int *added)
{
	struct have h = { 0 };
	int ret = nlrule_list(nl, fam, have_rule, &h);

	if (!ret)
		ret = apply(nl, &rules, &h, want, n, added);
	free(h.items);
	return ret;
}
