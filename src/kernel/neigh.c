// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "kernel/neigh.h"

int neigh_parse(const struct nlmsghdr *nlh, struct neigh *n)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	bool have = false;

	if (nlh->nlmsg_type != RTM_NEWNEIGH ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ndm)))
		return -EINVAL;
	int fam = fam_of_af(ndm->ndm_family);

	if (fam < 0)
		return -EAFNOSUPPORT;
	n->fam = (enum fam)fam;
	mnl_attr_for_each(attr, nlh, sizeof(*ndm)) {
		size_t alen = inaddr_len(n->fam);

		if (mnl_attr_get_type(attr) == NDA_DST &&
		    mnl_attr_get_payload_len(attr) == alen) {
			memcpy(&n->addr, mnl_attr_get_payload(attr), alen);
			have = true;
		}
	}
	if (!have)
		return -EINVAL;
	n->ifindex = ndm->ndm_ifindex;
	if (ndm->ndm_state & NUD_FAILED)
		n->verdict = NEIGH_FAILED;
	else if (ndm->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY |
				   NUD_PROBE | NUD_PERMANENT | NUD_NOARP))
		n->verdict = NEIGH_VALID;
	else
		n->verdict = NEIGH_UNKNOWN;
	return 0;
}

int neigh_resolve(struct nl *nl, int ifindex, enum fam fam,
		  const union inaddr *addr)
{
	struct nlmsghdr *nlh =
		nl_msg(nl, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));

	ndm->ndm_family = (unsigned char)fam_af(fam);
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_flags = NTF_USE;
	mnl_attr_put(nlh, NDA_DST, inaddr_len(fam), addr);
	return nl_talk(nl, nlh, NULL, NULL);
}
