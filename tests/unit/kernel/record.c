// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The recorder of tests/unit/kernel/recorded.h: real messages of the
 * running kernel, printed as C byte arrays. Not part of the build;
 * record.sh compiles and runs it inside network namespaces of its own.
 *
 *   record notify NAME BUS TYPE FAMILY SEL CMD
 *	subscribe to BUS's groups ("route": links, addresses, routes, rules
 *	and neighbours of IPv4 and IPv6; "ct": new, updated and destroyed
 *	connections), run the shell command CMD (its output and its exit
 *	status are ignored), and print the first
 *	notification of nlmsg_type TYPE, of FAMILY (-1: any) and matching
 *	SEL (-1: any; RTM_NEWLINK: all these IFF_ flags set, RTM_NEWNEIGH:
 *	one of these NUD_ states, RTM_NEWROUTE and RTM_DELROUTE: this
 *	rtm_table)
 *   record dump NAME BUS TYPE FAMILY SEL WHAT
 *	dump BUS's objects of that kind (TYPE: RTM_NEWNEIGH dumps the
 *	neighbours, IPCTNL_MSG_CT_NEW the connections, ...) and print the
 *	first message that matches, as above, under the comment WHAT
 *   record error NAME CAP GW
 *	ask for a route to 10.9.0.0/24 via GW in table 1000, with extended
 *	acknowledgements, with NETLINK_CAP_ACK when CAP is 1, and print
 *	the kernel's NLMSG_ERROR answer
 *   record nft NAME CMD
 *	subscribe to the nftables group, run the shell command CMD, and
 *	print every notification of its transaction up to and with the
 *	NFT_MSG_NEWGEN that ends it, in the order the kernel sent them:
 *	arrays NAME_1, NAME_2, ... and NAME, the struct rec_msg list of them
 *   record ruleset
 *	print the nft script of flowpin's table for a sample configuration
 *	(three links, 16 buckets, counters not zero), for "nft -f"
 */
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/neighbour.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_compat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/bucket.h"
#include "core/config.h"
#include "core/ruleset.h"
#include "core/takeover.h"

#define WAIT_MS 6000
#define NFT_MSGS_MAX 64

static char buf[32768];

static void print_array(const char *name, const char *what,
			const struct nlmsghdr *nlh)
{
	const unsigned char *p = (const void *)nlh;

	printf("/* %s */\nstatic const unsigned char %s[] = {", what, name);
	for (unsigned int i = 0; i < nlh->nlmsg_len; i++)
		printf("%s0x%02x,", i % 12 ? " " : "\n\t", p[i]);
	printf("\n};\n\n");
}

static int family_of(const struct nlmsghdr *nlh)
{
	/* the first byte of every rtnetlink header and of nfgenmsg */
	if (nlh->nlmsg_len < mnl_nlmsg_size(1))
		return -1;
	return *(const unsigned char *)mnl_nlmsg_get_payload(nlh);
}

static int selected(const struct nlmsghdr *nlh, long sel)
{
	const void *p = mnl_nlmsg_get_payload(nlh);

	if (sel < 0)
		return 1;
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
		return nlh->nlmsg_len >=
			       mnl_nlmsg_size(sizeof(struct ifinfomsg)) &&
		       (((const struct ifinfomsg *)p)->ifi_flags & sel) == sel;
	case RTM_NEWNEIGH:
		return nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(struct ndmsg)) &&
		       (((const struct ndmsg *)p)->ndm_state & sel);
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		return nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(struct rtmsg)) &&
		       ((const struct rtmsg *)p)->rtm_table == sel;
	}
	return 1;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int notify(const char *name, const char *bus, long type, long family,
		  long sel, const char *cmd)
{
	unsigned int groups;
	struct mnl_socket *s;
	char sh[1024];
	int status;
	long end;

	if (!strcmp(bus, "ct")) {
		s = mnl_socket_open(NETLINK_NETFILTER);
		groups = NF_NETLINK_CONNTRACK_NEW |
			 NF_NETLINK_CONNTRACK_UPDATE |
			 NF_NETLINK_CONNTRACK_DESTROY;
	} else {
		s = mnl_socket_open(NETLINK_ROUTE);
		groups = RTMGRP_LINK | RTMGRP_NEIGH | RTMGRP_IPV4_IFADDR |
			 RTMGRP_IPV4_ROUTE | RTMGRP_IPV4_RULE |
			 RTMGRP_IPV6_IFADDR | RTMGRP_IPV6_ROUTE |
			 1u << (RTNLGRP_IPV6_RULE - 1);
	}
	if (!s || mnl_socket_bind(s, groups, MNL_SOCKET_AUTOPID) < 0) {
		perror("record: socket");
		return 1;
	}
	/* its output is noise, and a ping that is not answered fails */
	snprintf(sh, sizeof(sh), "(%s) >/dev/null 2>&1", cmd);
	status = system(sh);
	end = now_ms() + WAIT_MS;
	for (long left; (left = end - now_ms()) > 0;) {
		struct pollfd pfd = { mnl_socket_get_fd(s), POLLIN, 0 };
		const struct nlmsghdr *nlh = (const void *)buf;
		int len;

		if (poll(&pfd, 1, (int)left) <= 0)
			break;
		len = (int)mnl_socket_recvfrom(s, buf, sizeof(buf));
		for (; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != type ||
			    (family >= 0 && family_of(nlh) != family) ||
			    !selected(nlh, sel))
				continue;
			print_array(name, cmd, nlh);
			mnl_socket_close(s);
			return 0;
		}
	}
	fprintf(stderr, "record: %s (exit %d): no message of type %ld\n", cmd,
		status, type);
	mnl_socket_close(s);
	return 1;
}

/*
 * The notifications of one nftables transaction: the kernel queues them
 * at commit, several to a datagram, and sends NFT_MSG_NEWGEN after them.
 */
static int nft(const char *name, const char *cmd)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_NETFILTER);
	struct nlmsghdr *msgs[NFT_MSGS_MAX];
	unsigned int n = 0, datagrams = 0;
	int status, gen = 0, ret = 1;
	char sh[1024];
	long end;

	if (!s || mnl_socket_bind(s, 1u << (NFNLGRP_NFTABLES - 1),
				  MNL_SOCKET_AUTOPID) < 0) {
		perror("record: socket");
		return 1;
	}
	snprintf(sh, sizeof(sh), "(%s) >/dev/null 2>&1", cmd);
	status = system(sh);
	end = now_ms() + WAIT_MS;
	for (long left; !gen && (left = end - now_ms()) > 0;) {
		struct pollfd pfd = { mnl_socket_get_fd(s), POLLIN, 0 };
		const struct nlmsghdr *nlh = (const void *)buf;
		int len;

		if (poll(&pfd, 1, (int)left) <= 0)
			break;
		len = (int)mnl_socket_recvfrom(s, buf, sizeof(buf));
		datagrams++;
		for (; !gen && mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (NFNL_SUBSYS_ID(nlh->nlmsg_type) !=
			    NFNL_SUBSYS_NFTABLES)
				continue;
			if (n == NFT_MSGS_MAX) {
				fprintf(stderr,
					"record: %s: over %d messages\n", cmd,
					NFT_MSGS_MAX);
				goto out;
			}
			msgs[n] = malloc(nlh->nlmsg_len);
			if (!msgs[n])
				goto out;
			memcpy(msgs[n++], nlh, nlh->nlmsg_len);
			gen = NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_NEWGEN;
		}
	}
	if (!gen) {
		fprintf(stderr, "record: %s (exit %d): no NFT_MSG_NEWGEN\n",
			cmd, status);
		goto out;
	}
	for (unsigned int i = 0; i < n; i++) {
		char what[1200], array[128];

		snprintf(what, sizeof(what),
			 "%s: message %u of %u (in %u datagrams)", cmd, i + 1,
			 n, datagrams);
		snprintf(array, sizeof(array), "%s_%u", name, i + 1);
		print_array(array, what, msgs[i]);
	}
	printf("static const struct rec_msg %s[] = {\n", name);
	for (unsigned int i = 0; i < n; i++)
		printf("\t{ %s_%u, sizeof(%s_%u) },\n", name, i + 1, name,
		       i + 1);
	printf("};\n\n");
	ret = 0;
out:
	while (n)
		free(msgs[--n]);
	mnl_socket_close(s);
	return ret;
}

/* The dump request for messages of @type and its header's size. */
static uint16_t dump_request(long type, size_t *hdr)
{
	switch (type) {
	case RTM_NEWLINK:
		*hdr = sizeof(struct ifinfomsg);
		return RTM_GETLINK;
	case RTM_NEWADDR:
		*hdr = sizeof(struct ifaddrmsg);
		return RTM_GETADDR;
	case RTM_NEWROUTE:
		*hdr = sizeof(struct rtmsg);
		return RTM_GETROUTE;
	case RTM_NEWNEIGH:
		*hdr = sizeof(struct ndmsg);
		return RTM_GETNEIGH;
	case RTM_NEWRULE:
		*hdr = sizeof(struct fib_rule_hdr);
		return RTM_GETRULE;
	}
	/* ctnetlink: IPCTNL_MSG_CT_NEW answers IPCTNL_MSG_CT_GET */
	*hdr = sizeof(struct nfgenmsg);
	return (uint16_t)(type + 1);
}

static int dump(const char *name, const char *bus, long type, long family,
		long sel, const char *what)
{
	int ct = !strcmp(bus, "ct");
	struct mnl_socket *s =
		mnl_socket_open(ct ? NETLINK_NETFILTER : NETLINK_ROUTE);
	struct nlmsghdr *nlh;
	size_t hdr;

	if (!s || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("record: socket");
		return 1;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = dump_request(type, &hdr);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	*(unsigned char *)mnl_nlmsg_put_extra_header(nlh, hdr) =
		(unsigned char)(family < 0 ? AF_UNSPEC : family);
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0) {
		perror("record: send");
		return 1;
	}
	for (;;) {
		int len = (int)mnl_socket_recvfrom(s, buf, sizeof(buf));

		nlh = (struct nlmsghdr *)buf;
		if (len <= 0)
			break;
		for (; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type == NLMSG_DONE ||
			    nlh->nlmsg_type == NLMSG_ERROR)
				goto none;
			if (nlh->nlmsg_type != type ||
			    (family >= 0 && family_of(nlh) != family) ||
			    !selected(nlh, sel))
				continue;
			print_array(name, what, nlh);
			mnl_socket_close(s);
			return 0;
		}
	}
none:
	fprintf(stderr, "record: dump: no message of type %ld\n", type);
	mnl_socket_close(s);
	return 1;
}

static int error(const char *name, int cap, const char *gw)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_ROUTE);
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct in_addr dst, via;
	char what[128];
	int one = 1;
	int len;

	if (!s || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    inet_pton(AF_INET, "10.9.0.0", &dst) != 1 ||
	    inet_pton(AF_INET, gw, &via) != 1) {
		perror("record: error");
		return 1;
	}
	mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
	if (cap)
		mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof(one));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
			   NLM_F_EXCL;
	nlh->nlmsg_seq = 1;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 24;
	rtm->rtm_table = RT_TABLE_UNSPEC;
	rtm->rtm_protocol = 0xf1;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, 1000);
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	mnl_attr_put(nlh, RTA_GATEWAY, 4, &via);
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0) {
		perror("record: send");
		return 1;
	}
	len = (int)mnl_socket_recvfrom(s, buf, sizeof(buf));
	nlh = (struct nlmsghdr *)buf;
	if (!mnl_nlmsg_ok(nlh, len) || nlh->nlmsg_type != NLMSG_ERROR) {
		fprintf(stderr, "record: no NLMSG_ERROR\n");
		return 1;
	}
	snprintf(what, sizeof(what),
		 "the answer to RTM_NEWROUTE 10.9.0.0/24 via %s table 1000%s",
		 gw, cap ? ", NETLINK_CAP_ACK" : "");
	print_array(name, what, nlh);
	mnl_socket_close(s);
	return 0;
}

static int ruleset(void)
{
	static const char conf[] =
		"[global]\nlan = lan0\nbuckets = 16\n"
		"[link wan1]\ninterface = wan1\ngateway = 192.0.2.1\n"
		"weight = 2\n"
		"[link wan2]\ninterface = wan2\ngateway = 198.51.100.1\n"
		"[link lte]\ninterface = wwan0\ntier = 2\n";
	struct ruleset_link links[3] = {
		{ .packets = 1234, .bytes = 567890 },
		{ .packets = 42, .bytes = 4200 },
		{ 0 },
	};
	struct ruleset rs = { .links = links };
	struct bucket_table t;
	uint32_t weight[3] = { 2, 1, 0 };
	struct config c;
	char *text;

	if (config_parse_string(&c, "record.conf", conf, NULL) ||
	    bucket_table_init(&t, 16))
		return 1;
	uint32_t marks[TAKEOVER_SLOTS(&c) + 1];

	if (takeover_fresh_marks(&c, marks))
		return 1;
	for (unsigned int i = 0; i < c.nlinks; i++)
		links[i].mark = marks[i];
	bucket_table_balance(&t, weight, c.nlinks);
	rs.cfg = &c;
	rs.pair_marks = marks + c.nlinks;
	for (enum fam f = 0; f < FAM_MAX; f++)
		for (unsigned int p = 0; p < c.npolicies; p++)
			rs.buckets[f][p] = &t;
	text = ruleset_table(&rs);
	if (!text)
		return 1;
	fputs(text, stdout);
	free(text);
	bucket_table_free(&t);
	config_free(&c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 8 && !strcmp(argv[1], "notify"))
		return notify(argv[2], argv[3], strtol(argv[4], NULL, 0),
			      strtol(argv[5], NULL, 0),
			      strtol(argv[6], NULL, 0), argv[7]);
	if (argc == 8 && !strcmp(argv[1], "dump"))
		return dump(argv[2], argv[3], strtol(argv[4], NULL, 0),
			    strtol(argv[5], NULL, 0), strtol(argv[6], NULL, 0),
			    argv[7]);
	if (argc == 5 && !strcmp(argv[1], "error"))
		return error(argv[2], atoi(argv[3]), argv[4]);
	if (argc == 4 && !strcmp(argv[1], "nft"))
		return nft(argv[2], argv[3]);
	if (argc == 2 && !strcmp(argv[1], "ruleset"))
		return ruleset();
	fprintf(stderr,
		"usage: record notify NAME route|ct TYPE FAMILY SEL CMD\n"
		"       record dump NAME route|ct TYPE FAMILY SEL WHAT\n"
		"       record error NAME CAP GW\n"
		"       record nft NAME CMD\n"
		"       record ruleset\n");
	return 2;
}
