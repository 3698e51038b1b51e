// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>

#include "kernel/ifaddr.h"

int ifaddr_parse_link(const struct nlmsghdr *nlh, struct iface *ifc)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return -EINVAL;
	ifc->index = ifi->ifi_index;
	ifc->flags = ifi->ifi_flags;
	return 0;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	ifaddr_parse_link(nlh, data);
	return MNL_CB_OK;
}

int ifaddr_parse_addr(const struct nlmsghdr *nlh, struct iface *ifc)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	struct iface_addr a = { .plen = ifa->ifa_prefixlen };
	bool have_local = false, have_addr = false;
	struct in_addr address = { 0 };

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)) ||
	    ifa->ifa_family != AF_INET || (int)ifa->ifa_index != ifc->index)
		return -EINVAL;
	if (ifc->naddr == IFACE_ADDR_MAX)
		return -ENOSPC;

	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_payload_len(attr) != 4)
			continue;
		switch (mnl_attr_get_type(attr)) {
		case IFA_LOCAL:
			memcpy(&a.local, mnl_attr_get_payload(attr), 4);
			have_local = true;
			break;
		case IFA_ADDRESS:
			memcpy(&address, mnl_attr_get_payload(attr), 4);
			have_addr = true;
			break;
		}
	}
	/* IFA_ADDRESS is the peer on point-to-point addresses */
	if (!have_local && have_addr)
		a.local = address;
	else if (have_addr && address.s_addr != a.local.s_addr)
		a.peer = address;
	if (!have_local && !have_addr)
		return -EINVAL;
	ifc->addr[ifc->naddr++] = a;
	return 0;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	ifaddr_parse_addr(nlh, data);
	return MNL_CB_OK;
}

int ifaddr_get(struct nl *nl, const char *name, struct iface *ifc)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct ifaddrmsg *ifa;
	int ret;

	memset(ifc, 0, sizeof(*ifc));
	nlh = nl_msg(nl, RTM_GETLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	ret = nl_talk(nl, nlh, link_cb, ifc);
	if (ret == -ENODEV || (ret == 0 && ifc->index == 0))
		return -ENODEV;
	if (ret)
		return ret;

	nlh = nl_msg(nl, RTM_GETADDR, NLM_F_DUMP);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_index = (unsigned int)ifc->index;
	return nl_talk(nl, nlh, addr_cb, ifc);
}
