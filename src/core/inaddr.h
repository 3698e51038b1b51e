/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An address of either family. Structures that hold one say its family
 * once (a route, a controller); the helpers take it as an index.
 */
#ifndef FLOWPIN_CORE_INADDR_H
#define FLOWPIN_CORE_INADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The two families, as array indexes. */
enum fam {
	FAM_IPV4,
	FAM_IPV6,
	FAM_MAX,
};

union inaddr {
	struct in_addr v4;
	struct in6_addr v6;
	uint8_t b[16];
};

/* A prefix of the family its user names. */
struct inprefix {
	union inaddr addr;
	unsigned char len;
};

#define INADDR_STRLEN 46 /* INET6_ADDRSTRLEN */
#define INPREFIX_STRLEN (INADDR_STRLEN + 4)

static inline int fam_af(enum fam f)
{
	return f == FAM_IPV6 ? AF_INET6 : AF_INET;
}

/* AF_INET or AF_INET6 to its index; -1 for any other. */
static inline int fam_of_af(int af)
{
	return af == AF_INET ? FAM_IPV4 : af == AF_INET6 ? FAM_IPV6 : -1;
}

/* "ipv4", "ipv6": status keys, nft's family words */
const char *fam_name(enum fam f);
/* "IPv4", "IPv6": for messages */
const char *fam_label(enum fam f);

/* Bytes of an address: 4 or 16; prefix lengths up to 8 times that. */
static inline size_t inaddr_len(enum fam f)
{
	return f == FAM_IPV6 ? 16 : 4;
}

bool inaddr_is_zero(enum fam f, const union inaddr *a);
bool inaddr_equal(enum fam f, const union inaddr *a, const union inaddr *b);
/* fe80::/10 */
bool inaddr_is_linklocal6(const union inaddr *a);
/* A next hop or probe target: unicast, not loopback, not unspecified. */
bool inaddr_unicast(enum fam f, const union inaddr *a);

/* Parse an address of either family; its family in @f. 0 or -EINVAL. */
int inaddr_parse(const char *s, enum fam *f, union inaddr *a);
/* "ADDRESS/LEN" of either family, host bits required to be 0. */
int inprefix_parse(const char *s, enum fam *f, struct inprefix *p);
/* Text of an address into @buf (INADDR_STRLEN); returns @buf. */
const char *inaddr_str(enum fam f, const union inaddr *a, char *buf);
/* "ADDRESS/LEN" into @buf (INPREFIX_STRLEN); returns @buf. */
const char *inprefix_str(enum fam f, const struct inprefix *p, char *buf);

/* @a with the bits after the first @len cleared. */
union inaddr inaddr_masked(enum fam f, const union inaddr *a, unsigned len);
/* Whether @a is within @p. */
bool inprefix_holds(enum fam f, const struct inprefix *p,
		    const union inaddr *a);
/* Whether the two prefixes share an address. */
bool inprefix_overlap(enum fam f, const struct inprefix *a,
		      const struct inprefix *b);

#endif
