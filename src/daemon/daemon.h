/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flowpin run: the daemon's state. The controller decides; the daemon
 * feeds it what the kernel and the probes say, and carries its decisions
 * out through the kernel adapters.
 */
#ifndef FLOWPIN_DAEMON_DAEMON_H
#define FLOWPIN_DAEMON_DAEMON_H

#include <stdbool.h>

#include "core/config.h"
#include "core/controller.h"
#include "core/flowcount.h"
#include "core/histogram.h"
#include "core/takeover.h"
#include "daemon/control_server.h"
#include "daemon/hooks.h"
#include "daemon/http.h"
#include "daemon/loop.h"
#include "kernel/conntrack.h"
#include "kernel/nl.h"
#include "kernel/prober.h"

struct nft_ctx;
struct daemon;

/* One family of an uplink: its probes. */
struct uplink_path {
	struct uplink *u;
	enum fam fam;
	struct prober probe;
	struct loop_watch icmp_watch;
	struct loop_watch tcp_watch[PROBE_RING]; /* by probe slot */
	struct histogram rtt; /* of the answered probes (metrics) */
};

/* What the daemon keeps of a link beside the controllers' view of it. */
struct uplink {
	struct daemon *d;
	unsigned int slot; /* its mark is slot << shift(mark_mask) */
	uint32_t mark, table; /* the same for both families */
	struct uplink_path path[FAM_MAX];
};

/* Everything derived from one configuration: rebuilt on reload. */
struct model {
	struct config cfg;
	char *text; /* the file it was parsed from, for flowpin explain */
	struct uplink *links; /* parallel to cfg.links */
	/*
	 * Slots and marks of the links (at i) and of the policies'
	 * connections on them (at takeover_pair()): TAKEOVER_SLOTS entries,
	 * 0 where a link is not a policy's
	 */
	unsigned int *slots;
	uint32_t *marks;
	struct controller ctl[FAM_MAX]; /* a link's two paths fail apart */
	/* marks a previous run had, now gone: links', or policies' */
	struct takeover_gone *gone;
	unsigned int ngone;
	char *shape; /* the table as last loaded, without counters or buckets */
};

/* What self-healing has seen of someone else's changes, not yet undone. */
struct heal {
	char comm[16]; /* our own process name, as nftables reports it */
	/* in the nftables transaction being read */
	uint64_t nft_t0; /* its first notification about our table */
	unsigned int nft_objects; /* objects of our table changed */
	bool nft_table_gone;
	uint64_t marks_us; /* when a restore had the marks back */
	uint64_t retry_us; /* after failed restores: the wait for the next */
	/* in the rtnetlink notifications being read */
	uint64_t rt_t0;
	uint32_t rt_portid; /* who deleted them */
	unsigned int routes_lost, rules_lost;
};

/* What only the metrics report (daemon/metrics.c). */
struct daemon_counts {
	uint64_t reloads, reload_failures;
	uint64_t ct_overflows; /* conntrack events lost */
	struct histogram apply[FAM_MAX]; /* a change of link states, applied */
};

struct daemon {
	const char *config_path;
	struct model m;
	bool takeover; /* a previous flowpin's state was in the kernel */

	struct nl nl; /* requests */
	struct nl mon; /* rtnetlink notifications */
	struct nl nfnl; /* conntrack requests (netfilter netlink) */
	struct nl nftmon; /* nftables notifications */
	int lock_fd; /* one flowpin per network namespace */
	bool nft_owner; /* the table is owned and persists (Linux 6.9) */
	struct nft_ctx *nft;
	struct conntrack_events ct;
	struct flowcount flows;

	struct loop loop;
	int sigfd;
	struct loop_watch sig_watch, mon_watch, ct_watch, nft_watch, lock_watch;
	struct loop_timer tick; /* probes, neighbour retries */
	struct loop_timer recount; /* connections counted afresh */
	struct loop_timer ct_resume; /* conntrack events read again */
	struct loop_timer heal_retry; /* a failed restore of the table */
	struct loop_timer watchdog; /* the service manager's keep-alive */
	uint64_t watchdog_us; /* its interval; 0: none asked */
	struct control_server ctl;
	struct hooks hooks;
	struct http_server http; /* metrics = ADDRESS:PORT */
	struct daemon_counts counts;
	struct heal heal;
	/* routes and rules the last syncs added: what a restore put back */
	unsigned int routes_added, rules_added;
};

struct ruleset;
struct ruleset_link;
/*
 * daemon.c: the ruleset of @m, its counters from 0, into @rs; @rl holds
 * cfg.nlinks entries.
 */
void model_ruleset(const struct daemon *d, const struct model *m,
		   struct ruleset_link *rl, struct ruleset *rs);

/* Run the daemon on @config_path until SIGTERM/SIGINT; the exit status. */
int daemon_main(const char *config_path);

/* daemon.c: SIGHUP */
void daemon_reload(struct daemon *d);
/*
 * daemon.c: load the whole table again, as the model has it; when it was
 * @gone, what keeps pinned connections on their links first.
 */
int daemon_restore_table(struct daemon *d, bool gone);

/* heal.c: someone else's changes to what flowpin installed, undone */
int heal_open(struct daemon *d);
void heal_close(struct daemon *d);
/* An rtnetlink event: 1 when it deleted one of flowpin's routes or rules. */
struct rtmon_event;
int heal_rtnl_note(struct daemon *d, const struct rtmon_event *ev);
/* After the sync that followed: say what was put back. */
void heal_rtnl_report(struct daemon *d, unsigned int routes,
		      unsigned int rules);

/* links.c: the links' observed state in, the controller's decisions out */
int links_refresh(struct daemon *d);
void links_neighbour(struct daemon *d, const struct neigh *nb);
int links_apply_buckets(struct daemon *d, enum fam f);
int links_sync_routes(struct daemon *d, enum fam f, unsigned int i);
int links_sync_fallback(struct daemon *d);
void links_init(struct daemon *d, struct model *m);
void links_stop(struct daemon *d, struct model *m);
void links_tick(struct loop *l, void *data, uint64_t now_us);

/* flows.c: connections per link, from conntrack */
/* Connections are counted per slot (of a mark) and family. */
static inline unsigned int flows_class(unsigned int slot, enum fam f)
{
	return 2 * slot + (unsigned int)f;
}

/* The slot of policy @p's connections on link @i; 0: the link's own. */
static inline unsigned int flows_pair_slot(const struct daemon *d,
					   unsigned int p, unsigned int i)
{
	return d->m.slots[takeover_pair(&d->m.cfg, p, i)];
}

/* Link @link's connections of family @f, of every policy and its own. */
static inline uint64_t flows_of(const struct daemon *d, unsigned int link,
				enum fam f)
{
	uint64_t n = flowcount_get(&d->flows, flows_class(d->m.slots[link], f));

	for (unsigned int p = 0; p < d->m.cfg.npolicies; p++)
		if (flows_pair_slot(d, p, link))
			n += flowcount_get(&d->flows,
					   flows_class(flows_pair_slot(d, p,
								       link),
						       f));
	return n;
}

/*
 * Policy @p's connections of family @f, as far as they can be told
 * apart: by a mark of their own (failback = all); else none.
 */
static inline uint64_t flows_policy(const struct daemon *d, unsigned int p,
				    enum fam f)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < d->m.cfg.nlinks; i++)
		if (flows_pair_slot(d, p, i))
			n += flowcount_get(&d->flows,
					   flows_class(flows_pair_slot(d, p, i),
						       f));
	return n;
}

/* The counts of link @link's connections of family @f, forgotten. */
static inline void flows_drop(struct daemon *d, unsigned int link, enum fam f)
{
	flowcount_drop_link(&d->flows, flows_class(d->m.slots[link], f));
	for (unsigned int p = 0; p < d->m.cfg.npolicies; p++)
		if (flows_pair_slot(d, p, link))
			flowcount_drop_link(&d->flows,
					    flows_class(flows_pair_slot(d, p,
									link),
							f));
}

static inline uint64_t flows_link(const struct daemon *d, unsigned int link)
{
	return flows_of(d, link, FAM_IPV4) + flows_of(d, link, FAM_IPV6);
}

int flows_open(struct daemon *d);
void flows_close(struct daemon *d);
void flows_resync(struct daemon *d);
void flows_catch_up(struct daemon *d);
/* Count afresh soon: after a deletion that sent no events. */
void flows_recount_later(struct daemon *d);

/* answer.c: a control request, answered (malloc'd JSON) */
char *answer_request(struct daemon *d, const char *request);

#endif
