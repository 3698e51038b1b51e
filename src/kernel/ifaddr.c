// SPDX-License-Identifier: GPL-2.0-or-later
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

/*
 * IPv6 addresses that are no source for a provider's traffic: link-local,
 * not yet through duplicate address detection or failed it, temporary
 * (privacy) ones. Each comes back in a notification when that changes.
 */
static bool ifaddr_unwanted6(const struct ifaddrmsg *ifa, uint32_t flags,
			     const union inaddr *a)
{
	return ifa->ifa_scope != RT_SCOPE_UNIVERSE || inaddr_is_linklocal6(a) ||
	       (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_TEMPORARY |
			 IFA_F_OPTIMISTIC));
}

int ifaddr_parse_addr(const struct nlmsghdr *nlh, struct iface *ifc)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	struct iface_addr a = { .plen = ifa->ifa_prefixlen };
	bool have_local = false, have_addr = false;
	union inaddr address = { 0 };
	uint32_t flags;
	size_t alen;
	int fam;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)) ||
	    (int)ifa->ifa_index != ifc->index)
		return -EINVAL;
	fam = fam_of_af(ifa->ifa_family);
	if (fam < 0)
		return -EAFNOSUPPORT;
	a.fam = (enum fam)fam;
	alen = inaddr_len(a.fam);
	flags = ifa->ifa_flags;

	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(attr) == IFA_FLAGS &&
		    mnl_attr_get_payload_len(attr) == 4)
			flags = mnl_attr_get_u32(attr);
		if (mnl_attr_get_payload_len(attr) != alen)
			continue;
		switch (mnl_attr_get_type(attr)) {
		case IFA_LOCAL:
			memcpy(&a.local, mnl_attr_get_payload(attr), alen);
			have_local = true;
			break;
		case IFA_ADDRESS:
			memcpy(&address, mnl_attr_get_payload(attr), alen);
			have_addr = true;
			break;
		}
	}
	/* IFA_ADDRESS is the peer on point-to-point addresses */
	if (!have_local && have_addr)
		a.local = address;
	else if (have_addr && !inaddr_equal(a.fam, &address, &a.local))
		a.peer = address;
	if (!have_local && !have_addr)
		return -EINVAL;
	if (a.fam == FAM_IPV6) {
		if (ifaddr_unwanted6(ifa, flags, &a.local))
			return -EADDRNOTAVAIL;
		a.deprecated = flags & IFA_F_DEPRECATED;
	}
	if (ifc->naddr == IFACE_ADDR_MAX)
		return -ENOSPC;
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

	/* strictly checked, the kernel dumps this interface's alone */
	nlh = nl_msg(nl, RTM_GETADDR, NLM_F_DUMP);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	ifa->ifa_index = (unsigned int)ifc->index;
	return nl_talk(nl, nlh, addr_cb, ifc);
}
