// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>

#include "iface.h"

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct iface *ifc = data;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	ifc->index = ifi->ifi_index;
	ifc->flags = ifi->ifi_flags;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct iface *ifc = data;
	const struct nlattr *attr;
	struct iface_addr a = { .plen = ifa->ifa_prefixlen };
	bool have_local = false, have_addr = false;
	struct in_addr address = { 0 };

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET ||
	    (int)ifa->ifa_index != ifc->index || ifc->naddr == IFACE_ADDR_MAX)
		return MNL_CB_OK;

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
	if (have_local || have_addr)
		ifc->addr[ifc->naddr++] = a;
	return MNL_CB_OK;
}

int iface_get(struct nl *nl, const char *name, struct iface *ifc)
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

bool iface_running(const struct iface *ifc)
{
	return (ifc->flags & IFF_UP) && (ifc->flags & IFF_RUNNING);
}

bool iface_pointopoint(const struct iface *ifc)
{
	return ifc->flags & IFF_POINTOPOINT;
}

static uint32_t mask_of(unsigned char plen)
{
	return plen ? htonl(~0u << (32 - plen)) : 0;
}

struct in_addr iface_prefix(const struct iface_addr *a)
{
	struct in_addr p = { a->local.s_addr & mask_of(a->plen) };

	return p;
}

const struct iface_addr *iface_addr_for(const struct iface *ifc,
					struct in_addr gw)
{
	for (unsigned int i = 0; i < ifc->naddr; i++) {
		const struct iface_addr *a = &ifc->addr[i];
		uint32_t m = mask_of(a->plen);

		if (a->peer.s_addr) {
			if (a->peer.s_addr == gw.s_addr ||
			    ((a->peer.s_addr ^ gw.s_addr) & m) == 0)
				return a;
		} else if (((a->local.s_addr ^ gw.s_addr) & m) == 0) {
			return a;
		}
	}
	return NULL;
}
