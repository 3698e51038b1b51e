// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fp-ctfill: fill the conntrack table with synthetic entries, for benchmarks.
 *
 *   fp-ctfill -n N [-m MARK[,MARK...]] [-t TIMEOUT]
 *	Creates N established TCP entries 10.200.x.y:port -> 198.18.0.1:443,
 *	cycling through the given marks (0 when none). TIMEOUT seconds (600).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long n = 1000, created = 0;
	uint32_t marks[64] = { 0 }, timeout = 600;
	unsigned int nmarks = 1;
	struct nfct_handle *h;
	int opt;

	while ((opt = getopt(argc, argv, "n:m:t:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoul(optarg, NULL, 0);
			break;
		case 'm': {
			char *save = NULL, *tok;

			nmarks = 0;
			for (tok = strtok_r(optarg, ",", &save);
			     tok && nmarks < 64;
			     tok = strtok_r(NULL, ",", &save))
				marks[nmarks++] =
					(uint32_t)strtoul(tok, NULL, 0);
			break;
		}
		case 't':
			timeout = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr,
				"usage: fp-ctfill -n N [-m MARKS] [-t S]\n");
			return 2;
		}
	}
	h = nfct_open(CONNTRACK, 0);
	if (!h) {
		perror("fp-ctfill: nfct_open");
		return 1;
	}
	for (unsigned long i = 0; i < n; i++) {
		struct nf_conntrack *ct = nfct_new();
		uint32_t src = htonl(0x0ac80000 | (uint32_t)(i / 60000));
		uint16_t sport = htons((uint16_t)(1024 + i % 60000));

		nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
		nfct_set_attr_u32(ct, ATTR_IPV4_SRC, src);
		nfct_set_attr_u32(ct, ATTR_IPV4_DST, inet_addr("198.18.0.1"));
		nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_TCP);
		nfct_set_attr_u16(ct, ATTR_PORT_SRC, sport);
		nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(443));
		nfct_setobjopt(ct, NFCT_SOPT_SETUP_REPLY);
		nfct_set_attr_u8(ct, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
		nfct_set_attr_u32(ct, ATTR_TIMEOUT, timeout);
		nfct_set_attr_u32(ct, ATTR_MARK, marks[i % nmarks]);
		nfct_set_attr_u32(ct, ATTR_STATUS,
				  IPS_SEEN_REPLY | IPS_ASSURED);
		if (nfct_query(h, NFCT_Q_CREATE, ct) == 0)
			created++;
		else if (created == 0 && i == 0)
			perror("fp-ctfill: create");
		nfct_destroy(ct);
	}
	nfct_close(h);
	printf("created %lu\n", created);
	return created == n ? 0 : 1;
}
