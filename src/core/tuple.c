// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/tuple.h"

static const struct {
	const char *name;
	uint8_t number;
} protos[] = {
	{ "tcp", IPPROTO_TCP },		{ "udp", IPPROTO_UDP },
	{ "udplite", IPPROTO_UDPLITE }, { "sctp", IPPROTO_SCTP },
	{ "dccp", IPPROTO_DCCP },	{ "icmp", IPPROTO_ICMP },
	{ "icmpv6", IPPROTO_ICMPV6 },
};

static const char *proto_name(uint8_t p)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].number == p)
			return protos[i].name;
	return NULL;
}

/* One endpoint: its family, address and port (0 when absent). */
static int endpoint(const char *s, int *family, uint8_t addr[16],
		    uint16_t *port)
{
	char buf[64];
	const char *host = buf, *p = NULL;
	char *colon;
	uint32_t v;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	if (buf[0] == '[') {
		char *end = strchr(buf, ']');

		if (!end || (end[1] && end[1] != ':'))
			return -EINVAL;
		*end = '\0';
		host = buf + 1;
		if (end[1])
			p = end + 2;
	} else if (strchr(buf, '.') && (colon = strchr(buf, ':')) &&
		   colon == strrchr(buf, ':')) {
		/* IPv4:PORT; more colons are IPv6's, as in ::ffff:192.0.2.1 */
		*colon = '\0';
		p = colon + 1;
	}
	*port = 0;
	if (p) {
		if (parse_u32(p, 0, 65535, &v))
			return -EINVAL;
		*port = (uint16_t)v;
	}
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, host, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		*family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

int tuple_parse(const char *proto, const char *src, const char *dst,
		struct flow_key *key, char *err, size_t errlen)
{
	int sfam, dfam;
	uint32_t v;

	memset(key, 0, sizeof(*key));
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(proto, protos[i].name))
			key->proto = protos[i].number;
	if (!key->proto) {
		if (parse_u32(proto, 0, 255, &v)) {
			snprintf(err, errlen,
				 "\"%s\" is not a protocol (tcp, udp, icmp, ... or a number)",
				 proto);
			return -EINVAL;
		}
		key->proto = (uint8_t)v;
	}
	if (endpoint(src, &sfam, key->src, &key->sport)) {
		snprintf(err, errlen, "\"%s\" is not ADDRESS[:PORT]", src);
		return -EINVAL;
	}
	if (endpoint(dst, &dfam, key->dst, &key->dport)) {
		snprintf(err, errlen, "\"%s\" is not ADDRESS[:PORT]", dst);
		return -EINVAL;
	}
	if (sfam != dfam) {
		snprintf(err, errlen, "%s and %s are not of one address family",
			 src, dst);
		return -EINVAL;
	}
	/* an echo of the other family would be hashed as no packet has it */
	if ((sfam == AF_INET6 && key->proto == IPPROTO_ICMP) ||
	    (sfam == AF_INET && key->proto == IPPROTO_ICMPV6)) {
		snprintf(err, errlen, "%s is %s", proto,
			 sfam == AF_INET6 ? "IPv4's ICMP: IPv6 has icmpv6" :
					    "IPv6's ICMP: IPv4 has icmp");
		return -EINVAL;
	}
	if (!flowhash_proto_has_ports(key->proto) &&
	    (key->sport || key->dport)) {
		snprintf(err, errlen, "%s has no ports", proto);
		return -EINVAL;
	}
	key->family = sfam;
	return 0;
}

void tuple_format(const struct flow_key *key, char *buf, size_t size)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], pn[8];
	const char *name = proto_name(key->proto);
	bool v6 = key->family == AF_INET6, ports;

	inet_ntop(key->family, key->src, s, sizeof(s));
	inet_ntop(key->family, key->dst, d, sizeof(d));
	if (!name) {
		snprintf(pn, sizeof(pn), "%u", key->proto);
		name = pn;
	}
	ports = flowhash_proto_has_ports(key->proto);
	if (!ports)
		snprintf(buf, size, "%s %s -> %s", name, s, d);
	else
		snprintf(buf, size, "%s %s%s%s:%u -> %s%s%s:%u", name,
			 v6 ? "[" : "", s, v6 ? "]" : "", key->sport,
			 v6 ? "[" : "", d, v6 ? "]" : "", key->dport);
}
