// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/inaddr.h"

const char *fam_name(enum fam f)
{
	return f == FAM_IPV6 ? "ipv6" : "ipv4";
}

const char *fam_label(enum fam f)
{
	return f == FAM_IPV6 ? "IPv6" : "IPv4";
}

bool inaddr_is_zero(enum fam f, const union inaddr *a)
{
	static const union inaddr zero;

	return !memcmp(a, &zero, inaddr_len(f));
}

bool inaddr_equal(enum fam f, const union inaddr *a, const union inaddr *b)
{
	return !memcmp(a, b, inaddr_len(f));
}

bool inaddr_is_linklocal6(const union inaddr *a)
{
	return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

bool inaddr_unicast(enum fam f, const union inaddr *a)
{
	if (f == FAM_IPV4) {
		uint32_t h = ntohl(a->v4.s_addr);

		return h != 0 && h != 0xffffffff && (h >> 28) != 0xe &&
		       (h >> 24) != 127 && (h >> 24) != 0;
	}
	return !IN6_IS_ADDR_UNSPECIFIED(&a->v6) &&
	       !IN6_IS_ADDR_LOOPBACK(&a->v6) && !IN6_IS_ADDR_MULTICAST(&a->v6);
}

int inaddr_parse(const char *s, enum fam *f, union inaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		*f = FAM_IPV4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		*f = FAM_IPV6;
		return 0;
	}
	return -EINVAL;
}

int inprefix_parse(const char *s, enum fam *f, struct inprefix *p)
{
	char buf[INPREFIX_STRLEN], *slash, *end;
	unsigned long len;
	union inaddr m;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash || !slash[1])
		return -EINVAL;
	*slash = '\0';
	if (inaddr_parse(buf, f, &p->addr))
		return -EINVAL;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (*end || errno || slash[1] == '-' || slash[1] == '+' ||
	    len > 8 * inaddr_len(*f))
		return -EINVAL;
	p->len = (unsigned char)len;
	m = inaddr_masked(*f, &p->addr, p->len);
	return inaddr_equal(*f, &m, &p->addr) ? 0 : -EINVAL;
}

const char *inaddr_str(enum fam f, const union inaddr *a, char *buf)
{
	if (!inet_ntop(fam_af(f), a, buf, INADDR_STRLEN))
		strcpy(buf, "?");
	return buf;
}

const char *inprefix_str(enum fam f, const struct inprefix *p, char *buf)
{
	char a[INADDR_STRLEN];

	snprintf(buf, INPREFIX_STRLEN, "%s/%u", inaddr_str(f, &p->addr, a),
		 p->len);
	return buf;
}

union inaddr inaddr_masked(enum fam f, const union inaddr *a, unsigned len)
{
	union inaddr m = { 0 };
	size_t n = inaddr_len(f);

	for (size_t i = 0; i < n; i++) {
		unsigned bits = len > 8 * i ? len - 8 * (unsigned)i : 0;

		if (bits >= 8)
			m.b[i] = a->b[i];
		else if (bits)
			m.b[i] = a->b[i] & (uint8_t)(0xff00u >> bits);
	}
	return m;
}

bool inprefix_holds(enum fam f, const struct inprefix *p, const union inaddr *a)
{
	union inaddr m = inaddr_masked(f, a, p->len);
	union inaddr n = inaddr_masked(f, &p->addr, p->len);

	return inaddr_equal(f, &m, &n);
}

bool inprefix_overlap(enum fam f, const struct inprefix *a,
		      const struct inprefix *b)
{
	return a->len <= b->len ? inprefix_holds(f, a, &b->addr) :
				  inprefix_holds(f, b, &a->addr);
}
