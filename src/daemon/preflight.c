// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/routing.h"
#include "core/ruleset.h"
#include "core/takeover.h"
#include "daemon/control_server.h"
#include "daemon/preflight.h"
#include "daemon/seen.h"
#include "kernel/ifaddr.h"
#include "kernel/nftables.h"
#include "kernel/nlroute.h"
#include "kernel/sysctl.h"

/*
 * Whether link @l's configuration says it carries IPv6: then an IPv6
 * path that is not there yet is worth a warning. A link that says
 * nothing of IPv6 carries it when its interface has it, silently.
 */
static bool preflight_wants6(const struct link_config *l)
{
	return l->has_gateway[FAM_IPV6] || config_ntrack(l, FAM_IPV6) ||
	       l->nat[FAM_IPV6] != NAT_NONE || l->has_prefix6;
}

/*
 * A ULA LAN (lan6 in fc00::/7) balanced onto a link that neither
 * translates nor names the sources its provider takes: every connection
 * that link gets fails (the provider drops the source).
 */
static void preflight_nat6(const struct config *c,
			   const struct config_diag *diag)
{
	char p[INPREFIX_STRLEN];

	if (!c->has_lan6 || (c->lan6.addr.b[0] & 0xfe) != 0xfc)
		return;
	for (unsigned int i = 0; i < c->nlinks; i++) {
		const struct link_config *l = &c->links[i];

		if (l->nat[FAM_IPV6] == NAT_NONE && !l->has_prefix6)
			config_diag_warning(
				diag, c->path, l->line,
				"link %s: nat6 = none and no prefix6: the LAN's unique local sources (lan6 = %s) are balanced onto it untranslated, and its provider drops them: set nat6 = masquerade or PREFIX/LEN, or prefix6",
				l->name, inprefix_str(FAM_IPV6, &c->lan6, p));
	}
}

int preflight_links(struct nl *nl, const struct config *c,
		    struct link_seen *seen, const struct config_diag *diag)
{
	char why[128];
	int ret;

	for (unsigned int i = 0; i < c->nlan; i++) {
		struct iface ifc;

		ret = ifaddr_get(nl, c->lan[i], &ifc);
		if (ret == -ENODEV)
			config_diag_warning(
				diag, c->path, c->lan_line,
				"lan interface %s does not exist (yet)",
				c->lan[i]);
		else if (ret)
			goto err;
	}
	for (unsigned int i = 0; i < c->nlinks; i++) {
		const struct link_config *l = &c->links[i];
		struct link_seen *s = &seen[i * FAM_MAX];

		ret = seen_link(nl, l, s);
		if (ret)
			goto err;
		for (enum fam f = 0; f < FAM_MAX; f++) {
			/* an interface missing or down is said once */
			if (f == FAM_IPV6 &&
			    (!preflight_wants6(l) || !iface_running(&s[f].ifc)))
				continue;
			if (!routing_link_usable(l, f, &s[f].ifc,
						 link_seen_route(&s[f]), why,
						 sizeof(why)))
				config_diag_warning(
					diag, c->path, l->line,
					"link %s: %s: %sit is down until that changes",
					l->name, why,
					f == FAM_IPV6 ? "for IPv6 " : "");
		}
	}
	preflight_nat6(c, diag);
	return 0;
err:
	config_diag_error(diag, c->path, 0, "interfaces: %s",
			  nl_strerror(nl, ret));
	return ret;
}

static int count_foreign(const struct route *r, void *data)
{
	*(unsigned int *)data += r->protocol != RTPROT_FLOWPIN;
	return 0;
}

static int table_free(struct nl *nl, const struct config *c, uint32_t table,
		      const struct config_diag *diag)
{
	unsigned int foreign = 0;
	int ret = 0;

	for (enum fam f = 0; f < FAM_MAX && !ret; f++)
		ret = nlroute_list(nl, f, table, count_foreign, &foreign);

	if (ret) {
		config_diag_error(diag, c->path, 0, "routing table %u: %s",
				  table, nl_strerror(nl, ret));
		return ret;
	}
	if (foreign) {
		config_diag_error(
			diag, c->path, 0,
			"routing table %u holds %u routes flowpin did not add: choose another \"table\" in [global]",
			table, foreign);
		return -EEXIST;
	}
	return 0;
}

int preflight_tables(struct nl *nl, const struct config *c,
		     const uint32_t *tables, unsigned int n,
		     const struct config_diag *diag)
{
	int ret = table_free(nl, c, c->table, diag);

	if (!tables)
		n = c->nlinks;
	for (unsigned int i = 0; i < n && !ret; i++)
		ret = table_free(nl, c, tables ? tables[i] : c->table + i + 1,
				 diag);
	return ret;
}

int preflight_table(struct nft_ctx *nft, const struct config *c,
		    const struct config_diag *diag)
{
	struct ruleset_link rl[c->nlinks + 1];
	uint32_t marks[TAKEOVER_SLOTS(c) + 1];
	struct bucket_table t = { 0 };
	struct table_state st = { 0 };
	struct ruleset rs = { .cfg = c,
			      .links = rl,
			      .pair_marks = marks + c->nlinks };
	char *script = NULL, *err = NULL;
	int ret = nftables_read_state(nft, &st);

	if (ret) {
		config_diag_error(diag, c->path, 0,
				  "nftables: reading table " RULESET_FAMILY
				  " " RULESET_TABLE ": %s",
				  strerror(-ret));
		goto out;
	}
	/* a running flowpin's own: only its socket may load it */
	if (st.owned)
		goto out;
	rs.owner = c->own_table && nftables_can_own(nft);
	rs.present = st.present;
	ret = bucket_table_init(&t, c->buckets);
	if (!ret)
		ret = takeover_fresh_marks(c, marks);
	for (unsigned int i = 0; i < c->nlinks; i++)
		rl[i] = (struct ruleset_link){ .mark = marks[i] };
	for (enum fam f = 0; f < FAM_MAX; f++)
		for (unsigned int p = 0; p < c->npolicies; p++)
			rs.buckets[f][p] = &t;
	if (!ret) {
		script = ruleset_table(&rs);
		ret = script ? nftables_run(nft, script, true, &err) : -ENOMEM;
	}
	if (ret)
		config_diag_error(diag, c->path, 0, "nftables: %s",
				  err ? err : strerror(-ret));
	free(err);
	free(script);
	bucket_table_free(&t);
out:
	takeover_state_free(&st);
	return ret;
}

int preflight_control(const struct config *c, const struct config_diag *diag)
{
	char dir[CONTROL_PATH_MAX];
	char *slash;
	struct stat sb;

	gid_t gid;

	if (c->control_group[0] &&
	    control_group_lookup(c->control_group, &gid)) {
		config_diag_error(
			diag, c->path, 0,
			"control_group: no group \"%s\" on this system",
			c->control_group);
		return -ENOENT;
	}
	/* run replaces a socket there, nothing else */
	if (lstat(c->control, &sb) == 0 && !S_ISSOCK(sb.st_mode)) {
		config_diag_error(
			diag, c->path, 0,
			"control socket %s: a file that is not a socket is there: flowpin leaves it alone",
			c->control);
		return -ENOTSOCK;
	}
	snprintf(dir, sizeof(dir), "%s", c->control);
	slash = strrchr(dir, '/');
	if (!slash)
		return 0; /* relative to where run starts */
	*(slash == dir ? slash + 1 : slash) = '\0';
	if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 0;
	config_diag_error(diag, c->path, 0, "control socket %s: %s", c->control,
			  stat(dir, &sb) ? strerror(errno) : "Not a directory");
	return -ENOENT;
}

void preflight_hook(const struct config *c, const struct config_diag *diag)
{
	if (c->hook[0] && access(c->hook, X_OK))
		config_diag_warning(
			diag, c->path, 0,
			"hook %s: %s: events run no hook until it is there",
			c->hook, strerror(errno));
}

/*
 * A strict reverse-path filter checks replies against the main table,
 * where the link they arrive on is not the default, unless the check may
 * use the packet's mark.
 */
/*
 * For links whose configuration names IPv6: forwarding, and router
 * advertisements where the gateway is learned from them (a forwarding
 * interface takes none unless accept_ra is 2).
 */
static void preflight_sysctls6(const struct config *c,
			       const struct config_diag *diag)
{
	bool any = false;

	for (unsigned int i = 0; i < c->nlinks; i++) {
		const struct link_config *l = &c->links[i];
		int ra = sysctl_ipv6_conf(l->ifname, "accept_ra");

		if (!preflight_wants6(l))
			continue;
		any = true;
		if (!l->has_gateway[FAM_IPV6] && ra >= 0 && ra < 2 &&
		    sysctl_ipv6_conf(l->ifname, "forwarding") == 1)
			config_diag_warning(
				diag, c->path, l->line,
				"link %s: gateway6 = auto, but a forwarding %s takes no router advertisement unless net.ipv6.conf.%s.accept_ra=2 (or another program installs the default route)",
				l->name, l->ifname, l->ifname);
	}
	if (any && sysctl_ipv6_conf("all", "forwarding") == 0)
		config_diag_warning(
			diag, c->path, 0,
			"net.ipv6.conf.all.forwarding is 0: the LAN's IPv6 traffic is not forwarded");
}

void preflight_sysctls(const struct config *c, const struct config_diag *diag)
{
	if (sysctl_ipv4_conf("all", "forwarding") == 0)
		config_diag_warning(
			diag, c->path, 0,
			"net.ipv4.ip_forward is 0: LAN traffic is not forwarded");
	for (unsigned int i = 0; i < c->nlinks; i++) {
		const char *ifn = c->links[i].ifname;
		int all = sysctl_ipv4_conf("all", "rp_filter");
		int dev = sysctl_ipv4_conf(ifn, "rp_filter");
		bool vmark = sysctl_ipv4_conf("all", "src_valid_mark") > 0 ||
			     sysctl_ipv4_conf(ifn, "src_valid_mark") > 0;

		if ((all > dev ? all : dev) == 1 && !vmark)
			config_diag_warning(
				diag, c->path, c->links[i].line,
				"link %s: strict rp_filter on %s drops replies flowpin routes by mark: set net.ipv4.conf.%s.src_valid_mark=1 (or rp_filter=2)",
				c->links[i].name, ifn, ifn);
	}
	preflight_sysctls6(c, diag);
}
