// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Connections per link, counted from conntrack: a dump at start, after
 * lost events and after deletions, and the kernel's new and destroy
 * events in between.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "daemon/daemon.h"
#include "lib/log.h"
#include "lib/monotonic.h"

/*
 * Conntrack events are read in batches, CT_BATCH_US apart at the most: at
 * thousands of new connections a second, a wake-up for each would cost
 * more than the events themselves. The counts are that much late.
 */
#define CT_BATCH_US 10000
#define RECOUNT_DELAY_US 2000000 /* after a deletion, count again */

/* The slot of one of the model's marks, or -1. */
static int slot_of_mark(const struct daemon *d, uint32_t mark)
{
	const struct model *m = &d->m;

	mark &= m->cfg.mark_mask;
	for (unsigned int k = 0; mark && k < TAKEOVER_SLOTS(&m->cfg); k++)
		if (m->marks[k] == mark)
			return (int)m->slots[k];
	return -1;
}

static void on_conntrack(void *data, bool gone, uint64_t key, uint32_t mark,
			 int af)
{
	struct daemon *d = data;
	int i, f = fam_of_af(af);

	if (gone) {
		flowcount_del(&d->flows, key);
		return;
	}
	i = slot_of_mark(d, mark);
	if (i >= 0 && f >= 0)
		flowcount_add(&d->flows, key,
			      flows_class((unsigned int)i, (enum fam)f));
}

void flows_catch_up(struct daemon *d)
{
	if (conntrack_events_read(&d->ct) == -ENOBUFS) {
		d->counts.ct_overflows++;
		log_warn("conntrack events overflowed: recounting");
		flows_resync(d);
	}
}

void flows_resync(struct daemon *d)
{
	conntrack_events_discard(&d->ct);
	flowcount_clear(&d->flows);
	for (unsigned int k = 0; k < TAKEOVER_SLOTS(&d->m.cfg); k++) {
		int ret;

		if (!d->m.marks[k])
			continue;
		ret = conntrack_dump_mark(&d->nfnl, d->m.marks[k],
					  d->m.cfg.mark_mask, on_conntrack, d);
		if (ret)
			log_warn("conntrack dump: %s",
				 nl_strerror(&d->nfnl, ret));
	}
}

static void on_events(struct loop *l, struct loop_watch *w, uint32_t events)
{
	struct daemon *d = w->data;

	(void)events;
	flows_catch_up(d);
	/* the next batch in CT_BATCH_US: stop watching until then */
	loop_mod(l, w, 0);
	loop_timer_set(l, &d->ct_resume, monotonic_us() + CT_BATCH_US);
}

static void on_resume(struct loop *l, void *data, uint64_t now_us)
{
	struct daemon *d = data;

	(void)now_us;
	loop_mod(l, &d->ct_watch, EPOLLIN);
}

static void on_recount(struct loop *l, void *data, uint64_t now_us)
{
	(void)l;
	(void)now_us;
	flows_resync(data);
}

void flows_recount_later(struct daemon *d)
{
	loop_timer_set(&d->loop, &d->recount,
		       monotonic_us() + RECOUNT_DELAY_US);
}

int flows_open(struct daemon *d)
{
	int ret = flowcount_init(&d->flows);

	if (!ret)
		ret = conntrack_events_open(&d->ct, d->m.cfg.mark_mask,
					    on_conntrack, d);
	if (ret) {
		log_err("conntrack events: %s", strerror(-ret));
		return ret;
	}
	loop_timer_init(&d->ct_resume, on_resume, d);
	loop_timer_init(&d->recount, on_recount, d);
	flows_resync(d);
	return loop_add(&d->loop, &d->ct_watch, d->ct.fd, EPOLLIN, on_events,
			d);
}

void flows_close(struct daemon *d)
{
	conntrack_events_close(&d->ct);
	flowcount_free(&d->flows);
}
