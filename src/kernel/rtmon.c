// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "kernel/neigh.h"
#include "kernel/nlroute.h"
#include "kernel/nlrule.h"
#include "kernel/rtmon.h"

int rtmon_open(struct nl *nl)
{
	/* IPv6 rules have a group but no RTMGRP_ bit of their own */
	return nl_open(nl, NETLINK_ROUTE,
		       RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE |
			       RTMGRP_IPV4_RULE | RTMGRP_IPV6_IFADDR |
			       RTMGRP_IPV6_ROUTE |
			       1u << (RTNLGRP_IPV6_RULE - 1) | RTMGRP_NEIGH);
}

int rtmon_parse(const struct nlmsghdr *nlh, struct rtmon_event *ev)
{
	struct route r;
	struct rule ru;
	int ret = 0;

	memset(ev, 0, sizeof(*ev));
	ev->portid = nlh->nlmsg_pid;
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		ev->kind = RTMON_LINK;
		ev->deleted = nlh->nlmsg_type == RTM_DELLINK;
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		ev->kind = RTMON_ADDR;
		ev->deleted = nlh->nlmsg_type == RTM_DELADDR;
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		ret = nlroute_parse(nlh, &r);
		if (ret)
			break;
		ev->kind = RTMON_ROUTE;
		ev->deleted = nlh->nlmsg_type == RTM_DELROUTE;
		ev->table = r.table;
		ev->protocol = r.protocol;
		ev->route = r;
		break;
	case RTM_NEWRULE:
	case RTM_DELRULE:
		ret = nlrule_parse(nlh, &ru);
		if (ret)
			break;
		ev->kind = RTMON_RULE;
		ev->deleted = nlh->nlmsg_type == RTM_DELRULE;
		ev->protocol = ru.protocol;
		break;
	case RTM_NEWNEIGH:
		ret = neigh_parse(nlh, &ev->neigh);
		if (!ret)
			ev->kind = RTMON_NEIGH;
		break;
	}
	if (ret)
		ev->kind = RTMON_OTHER;
	return ret == -EAFNOSUPPORT || ret == -EOPNOTSUPP ? 0 : ret;
}
