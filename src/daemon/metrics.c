// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The metrics as Prometheus' text exposition format has them: each
 * family's HELP and TYPE, then all its samples; counters end in _total,
 * times are in seconds, ratios in 0..1. A link's metrics are labelled
 * with its name and, for what each family has of its own, "ipv4" or
 * "ipv6"; probe metrics only for a path with targets of its family.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/metrics.h"
#include "kernel/nftcounter.h"
#include "lib/version.h"

/* Upper bounds, in seconds: probe round trips (up to the timeout) ... */
static const double rtt_le[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				 0.1,	0.25,	0.5,   1,    2.5 };
/* ... and the time a change of link states takes to carry out. */
static const double apply_le[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01,
				   0.025,  0.05,  0.1,	  0.25,	 0.5,
				   1,	   2.5,	  5 };
#define NLE(a) (sizeof(a) / sizeof((a)[0]))

void metrics_observe_rtt(struct uplink_path *p, double rtt_ms)
{
	histogram_observe(&p->rtt, rtt_le, NLE(rtt_le), rtt_ms / 1000.0);
}

void metrics_observe_apply(struct daemon *d, enum fam f, uint64_t us)
{
	histogram_observe(&d->counts.apply[f], apply_le, NLE(apply_le),
			  (double)us / 1e6);
}

void metrics_carry(struct model *next, const struct model *prev)
{
	for (unsigned int i = 0; i < next->cfg.nlinks; i++) {
		int k = config_find_link(&prev->cfg, next->cfg.links[i].name);

		if (k < 0)
			continue;
		for (enum fam f = 0; f < FAM_MAX; f++) {
			struct uplink_path *n = &next->links[i].path[f];
			const struct uplink_path *p = &prev->links[k].path[f];

			n->rtt = p->rtt;
			n->probe.sent = p->probe.sent;
			n->probe.lost = p->probe.lost;
			next->ctl[f].links[i].changes =
				prev->ctl[f].links[k].changes;
		}
	}
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value, escaped as the format wants (\\, \", \n). */
static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* {link="NAME"}, {link="NAME",family="ipv4"}, {family="ipv6"}, or none. */
static void labels(FILE *f, const char *link, int fam, const char *le)
{
	const char *sep = "{";

	if (link) {
		fputs("{link=\"", f);
		label_value(f, link);
		fputc('"', f);
		sep = ",";
	}
	if (fam >= 0) {
		fprintf(f, "%sfamily=\"%s\"", sep, fam_name((enum fam)fam));
		sep = ",";
	}
	if (le) {
		fprintf(f, "%sle=\"%s\"", sep, le);
		sep = ",";
	}
	if (*sep == ',')
		fputc('}', f);
}

static void put_double(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else
		fprintf(f, "%.12g", v);
}

static void sample_u64(FILE *f, const char *name, const char *link, int fam,
		       uint64_t v)
{
	fputs(name, f);
	labels(f, link, fam, NULL);
	fprintf(f, " %" PRIu64 "\n", v);
}

static void sample_double(FILE *f, const char *name, const char *link, int fam,
			  double v)
{
	fputs(name, f);
	labels(f, link, fam, NULL);
	fputc(' ', f);
	put_double(f, v);
	fputc('\n', f);
}

/* NAME_bucket for each bound and +Inf, NAME_sum, NAME_count. */
static void histogram(FILE *f, const char *name, const char *link, int fam,
		      const struct histogram *h, const double *le,
		      unsigned int n)
{
	char bound[32];

	for (unsigned int i = 0; i <= n; i++) {
		if (i < n)
			snprintf(bound, sizeof(bound), "%g", le[i]);
		else
			snprintf(bound, sizeof(bound), "+Inf");
		fprintf(f, "%s_bucket", name);
		labels(f, link, fam, bound);
		fprintf(f, " %" PRIu64 "\n",
			i < n ? histogram_le(h, i) : h->count);
	}
	fprintf(f, "%s_sum", name);
	labels(f, link, fam, NULL);
	fputc(' ', f);
	put_double(f, h->sum);
	fprintf(f, "\n%s_count", name);
	labels(f, link, fam, NULL);
	fprintf(f, " %" PRIu64 "\n", h->count);
}

/* What each link's path of each family has: one family of metrics. */
enum path_metric {
	PM_UP,
	PM_CHANGES,
	PM_SENT,
	PM_LOST,
	PM_RTT,
	PM_LOSS,
	PM_CONNECTIONS,
	PM_BUCKETS,
	PM_MAX,
};

static const struct {
	const char *name, *type, *help;
	bool probed; /* only for a path with targets */
} path_metrics[PM_MAX] = {
	[PM_UP] = { "flowpin_link_up", "gauge",
		    "Whether the link's path of the family carries new connections (1) or not (0)." },
	[PM_CHANGES] = { "flowpin_link_state_changes_total", "counter",
			 "Times the link's path of the family went up or down." },
	[PM_SENT] = { "flowpin_link_probes_sent_total", "counter",
		      "Probes sent through the link's path of the family.",
		      true },
	[PM_LOST] = { "flowpin_link_probes_lost_total", "counter",
		      "Probes of the link's path of the family not answered within the timeout.",
		      true },
	[PM_RTT] = { "flowpin_link_probe_rtt_seconds", "histogram",
		     "Round-trip time of the answered probes, as the kernel measured it.",
		     true },
	[PM_LOSS] = { "flowpin_link_probe_loss_ratio", "gauge",
		      "Lost share of the path's last 100 probes.", true },
	[PM_CONNECTIONS] = { "flowpin_link_connections", "gauge",
			     "Connections of the family pinned to the link (conntrack entries with its mark)." },
	[PM_BUCKETS] = { "flowpin_link_buckets", "gauge",
			 "Buckets of the family's table that the link owns." },
};

static void path_sample(FILE *f, struct daemon *d, enum path_metric m,
			unsigned int i, enum fam fam)
{
	const char *name = path_metrics[m].name, *link = d->m.cfg.links[i].name;
	const struct ctl_link *u = &d->m.ctl[fam].links[i];
	const struct uplink_path *p = &d->m.links[i].path[fam];

	switch (m) {
	case PM_UP:
		sample_u64(f, name, link, (int)fam, u->up);
		break;
	case PM_CHANGES:
		sample_u64(f, name, link, (int)fam, u->changes);
		break;
	case PM_SENT:
		sample_u64(f, name, link, (int)fam, p->probe.sent);
		break;
	case PM_LOST:
		sample_u64(f, name, link, (int)fam, p->probe.lost);
		break;
	case PM_RTT:
		histogram(f, name, link, (int)fam, &p->rtt, rtt_le,
			  NLE(rtt_le));
		break;
	case PM_LOSS:
		sample_double(f, name, link, (int)fam,
			      health_loss(&u->health) / 100.0);
		break;
	case PM_CONNECTIONS:
		sample_u64(f, name, link, (int)fam, flows_of(d, i, fam));
		break;
	case PM_BUCKETS:
		sample_u64(f, name, link, (int)fam,
			   bucket_count(controller_buckets(&d->m.ctl[fam],
							   POLICY_DEFAULT),
					(int)i));
		break;
	default:
		break;
	}
}

static void put_all(FILE *f, struct daemon *d)
{
	const struct config *c = &d->m.cfg;
	unsigned int n = c->nlinks;
	uint64_t packets[n + c->nrules + 1], bytes[n + c->nrules + 1];
	bool counted = !nftcounter_read(&d->nfnl, c, packets, bytes);

	head(f, "flowpin_build_info", "gauge",
	     "The version of the flowpin running, in its label: always 1.");
	fprintf(f, "flowpin_build_info{version=\"%s\"} 1\n", FLOWPIN_VERSION);
	for (enum path_metric m = 0; m < PM_MAX; m++) {
		head(f, path_metrics[m].name, path_metrics[m].type,
		     path_metrics[m].help);
		for (unsigned int i = 0; i < n; i++)
			for (enum fam fam = 0; fam < FAM_MAX; fam++)
				if (!path_metrics[m].probed ||
				    config_ntrack(&c->links[i], fam))
					path_sample(f, d, m, i, fam);
	}
	/* the link's nftables counter: both families, both directions */
	head(f, "flowpin_link_packets_total", "counter",
	     "Packets of the connections pinned to the link, both directions, both families.");
	for (unsigned int i = 0; i < n && counted; i++)
		sample_u64(f, "flowpin_link_packets_total", c->links[i].name,
			   -1, packets[i]);
	head(f, "flowpin_link_bytes_total", "counter",
	     "Bytes of the connections pinned to the link, both directions, both families.");
	for (unsigned int i = 0; i < n && counted; i++)
		sample_u64(f, "flowpin_link_bytes_total", c->links[i].name, -1,
			   bytes[i]);
	/* a rule's counter sees the first packet of each connection */
	head(f, "flowpin_rule_connections_total", "counter",
	     "New connections the rule decided (matched first).");
	for (unsigned int r = 0; r < c->nrules && counted; r++)
		fprintf(f,
			"flowpin_rule_connections_total{rule=\"%s\"} %" PRIu64
			"\n",
			c->rules[r].name, packets[n + r]);
	head(f, "flowpin_failover_apply_seconds", "histogram",
	     "Time to carry out a change of link states of the family: the bucket table, then the deletion of the connections of the links that went down.");
	for (enum fam fam = 0; fam < FAM_MAX; fam++)
		histogram(f, "flowpin_failover_apply_seconds", NULL, (int)fam,
			  &d->counts.apply[fam], apply_le, NLE(apply_le));
	head(f, "flowpin_conntrack_event_overflows_total", "counter",
	     "Times conntrack events were lost (the socket overflowed) and the connections were counted afresh.");
	sample_u64(f, "flowpin_conntrack_event_overflows_total", NULL, -1,
		   d->counts.ct_overflows);
	head(f, "flowpin_reloads_total", "counter",
	     "Reloads of the configuration (SIGHUP), failed or not.");
	sample_u64(f, "flowpin_reloads_total", NULL, -1, d->counts.reloads);
	head(f, "flowpin_reload_failures_total", "counter",
	     "Reloads that failed: the file had errors, or could not be applied.");
	sample_u64(f, "flowpin_reload_failures_total", NULL, -1,
		   d->counts.reload_failures);
}

char *metrics_text(struct daemon *d)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	put_all(f, d);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}
