// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Self-healing: flowpin watches what it installed. Its nftables table
 * through the nftables monitor, its rules and routes through rtnetlink;
 * whatever someone else deletes or changes is put back at once, on the
 * kernel's notification, with one log line naming what and whom. The
 * connections keep their links meanwhile: their conntrack marks are not
 * the table's, and survive it.
 */
#include <errno.h>
#include <netinet/in.h> /* before linux/netfilter.h, which has linux/in.h */
#include <linux/netfilter.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "core/ruleset.h"
#include "daemon/daemon.h"
#include "kernel/nftmon.h"
#include "kernel/rtmon.h"
#include "lib/log.h"
#include "lib/monotonic.h"

/* "process 1234 (ip)", or "netlink port 1234" when it is gone. */
static void who(uint32_t portid, char *buf, size_t size)
{
	char path[64], comm[32] = "";
	FILE *f;

	/* a process's first netlink socket gets its pid as port */
	snprintf(path, sizeof(path), "/proc/%u/comm", portid);
	f = fopen(path, "re");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	if (comm[0])
		snprintf(buf, size, "process %u (%s)", portid, comm);
	else
		snprintf(buf, size, "netlink port %u", portid);
}

int heal_rtnl_note(struct daemon *d, const struct rtmon_event *ev)
{
	struct heal *h = &d->heal;

	/* ours, or the kernel's own (a link or address went away) */
	if (!ev->deleted || ev->protocol != RTPROT_FLOWPIN || !ev->portid ||
	    ev->portid == d->nl.portid)
		return 0;
	if (!h->rt_t0)
		h->rt_t0 = monotonic_us();
	h->rt_portid = ev->portid;
	if (ev->kind == RTMON_RULE)
		h->rules_lost++;
	else
		h->routes_lost++;
	return 1;
}

/* "2 routes", "4 rules", "2 routes and 4 rules" */
static void objects(char *buf, size_t size, unsigned int routes,
		    unsigned int rules)
{
	if (routes && rules)
		snprintf(buf, size, "%u routes and %u rules", routes, rules);
	else if (routes)
		snprintf(buf, size, "%u route%s", routes,
			 routes == 1 ? "" : "s");
	else
		snprintf(buf, size, "%u rule%s", rules, rules == 1 ? "" : "s");
}

void heal_rtnl_report(struct daemon *d, unsigned int routes, unsigned int rules)
{
	struct heal *h = &d->heal;
	char by[64], lost[64], back[64];

	if (!h->rt_t0)
		return;
	/* nothing to put back: a restore before this one did */
	if (!routes && !rules)
		goto out;
	who(h->rt_portid, by, sizeof(by));
	objects(lost, sizeof(lost), h->routes_lost, h->rules_lost);
	objects(back, sizeof(back), routes, rules);
	log_warn("%s of flowpin's deleted by %s: %s restored in %.1f ms", lost,
		 by, back, (double)(monotonic_us() - h->rt_t0) / 1000.0);
out:
	h->rt_t0 = 0;
	h->routes_lost = h->rules_lost = 0;
}

/*
 * Our own transactions: our pid, or our name (one flowpin per netns). The
 * kernel reports the pid of the initial pid namespace: in another one
 * (a container), only the name tells.
 */
static bool ours(const struct daemon *d, const struct nftmon_event *ev)
{
	return ev->pid == (uint32_t)getpid() ||
	       (d->heal.comm[0] && !strcmp(ev->comm, d->heal.comm));
}

/*
 * A restore that failed is tried again, first this soon, then twice as
 * late each time up to HEAL_RETRY_MAX_US, until it works.
 */
#define HEAL_RETRY_US 100000
#define HEAL_RETRY_MAX_US 10000000

/* @why: "deleted by process 1234 (nft)", say */
static void restore_table(struct daemon *d, bool gone, const char *why)
{
	uint64_t t0 = d->heal.nft_t0 ? d->heal.nft_t0 : monotonic_us();
	int ret = daemon_restore_table(d, gone);
	uint64_t t1 = monotonic_us();

	if (ret) {
		d->heal.retry_us = !d->heal.retry_us ? HEAL_RETRY_US :
				   d->heal.retry_us * 2 > HEAL_RETRY_MAX_US ?
						       HEAL_RETRY_MAX_US :
						       d->heal.retry_us * 2;
		loop_timer_set(&d->loop, &d->heal_retry, t1 + d->heal.retry_us);
		log_err("nftables table " RULESET_FAMILY " " RULESET_TABLE
			" %s: restoring it failed (%s): trying again in %llu ms",
			why, strerror(-ret),
			(unsigned long long)d->heal.retry_us / 1000);
		return;
	}
	d->heal.retry_us = 0;
	loop_timer_set(&d->loop, &d->heal_retry, 0);
	if (gone)
		log_warn("nftables table " RULESET_FAMILY " " RULESET_TABLE
			 " %s: marks back in %.1f ms, the whole table in %.1f ms",
			 why, (double)(d->heal.marks_us - t0) / 1000.0,
			 (double)(t1 - t0) / 1000.0);
	else
		log_warn("nftables table " RULESET_FAMILY " " RULESET_TABLE
			 " %s: restored in %.1f ms",
			 why, (double)(t1 - t0) / 1000.0);
}

static void nft_event(struct daemon *d, const struct nftmon_event *ev)
{
	struct heal *h = &d->heal;
	char why[128];

	if (ev->kind == NFTMON_OBJECT) {
		if (ev->family != NFPROTO_INET ||
		    strcmp(ev->table, RULESET_TABLE))
			return;
		if (!h->nft_t0)
			h->nft_t0 = monotonic_us();
		h->nft_objects++;
		h->nft_table_gone |= ev->deleted &&
				     ev->type == NFT_MSG_DELTABLE;
		return;
	}
	if (ev->kind != NFTMON_GEN)
		return;
	if (h->nft_objects && !ours(d, ev)) {
		int n = h->nft_table_gone ?
				snprintf(why, sizeof(why), "deleted") :
				snprintf(why, sizeof(why),
					 "changed (%u object%s)",
					 h->nft_objects,
					 h->nft_objects == 1 ? "" : "s");

		if (ev->comm[0])
			snprintf(why + n, sizeof(why) - (size_t)n,
				 " by process %u (%s)", ev->pid, ev->comm);
		else
			snprintf(why + n, sizeof(why) - (size_t)n,
				 " by another process");
		restore_table(d, h->nft_table_gone, why);
	}
	h->nft_t0 = 0;
	h->nft_objects = 0;
	h->nft_table_gone = false;
}

static void nft_msg(const struct nlmsghdr *nlh, void *data)
{
	struct nftmon_event ev;

	if (!nftmon_parse(nlh, &ev))
		nft_event(data, &ev);
}

static void on_nft(struct loop *l, struct loop_watch *w, uint32_t events)
{
	struct daemon *d = w->data;

	(void)l;
	(void)events;
	/* what was lost may have been about the table: load it to be sure */
	if (nl_drain(w->fd, nft_msg, d)) {
		d->heal.nft_t0 = 0;
		d->heal.nft_objects = 0;
		restore_table(
			d, false,
			"may have changed (nftables notifications were lost)");
	}
}

static void on_retry(struct loop *l, void *data, uint64_t now_us)
{
	struct daemon *d = data;

	(void)l;
	(void)now_us;
	d->heal.nft_t0 = 0;
	restore_table(d, false, "not restored yet");
}

int heal_open(struct daemon *d)
{
	int ret = nftmon_open(&d->nftmon);

	prctl(PR_GET_NAME, d->heal.comm);
	loop_timer_init(&d->heal_retry, on_retry, d);
	if (!ret)
		ret = loop_add(&d->loop, &d->nft_watch, nl_fd(&d->nftmon),
			       EPOLLIN, on_nft, d);
	return ret;
}

void heal_close(struct daemon *d)
{
	nl_close(&d->nftmon);
}
