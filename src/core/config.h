/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration model: what flowpin.conf(5) describes, parsed and
 * validated without touching the system.
 */
#ifndef FLOWPIN_CONFIG_H
#define FLOWPIN_CONFIG_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/flowhash.h"
#include "core/inaddr.h"

#define LINK_NAME_MAX 16 /* including the NUL, like an interface name */
#define LAN_MAX 16
#define TRACK_MAX 8
#define SLOTS_MAX 255 /* link marks within mark_mask: 1..255 */
#define CONTROL_PATH_MAX 108 /* sizeof(sun_path) */
#define CONFIG_LINE_MAX 4096 /* characters of a line, without its newline */

#define DEFAULT_CONTROL "/run/flowpin.sock"
#define DEFAULT_SEED 0x666c6f77 /* "flow" */
#define DEFAULT_BUCKETS 1024
#define DEFAULT_MARK_MASK 0x0000ff00
#define DEFAULT_TABLE 1000
#define DEFAULT_PRIORITY 1000
#define DEFAULT_INTERVAL_MS 50
#define DEFAULT_TIMEOUT_MS 400
#define DEFAULT_DOWN 10
#define DEFAULT_UP 20
#define DEFAULT_HOOK_TIMEOUT_MS 10000
#define POLICY_MAX 64 /* including "default" */
#define RULE_MAX 1024
/* elements of one rule's set, per family: its lists' cross product */
#define RULE_ELEMENTS_MAX 65536
#define POLICY_DEFAULT 0 /* index of the policy "default" */
#define RULE_POLICY_MAIN (-1) /* policy = main: not pinned */

enum probe_kind {
	PROBE_ICMP,
	PROBE_TCP,
};

/* What the source address of a LAN connection leaving by a link becomes. */
enum nat_mode {
	NAT_NONE, /* stays as it is */
	NAT_MASQUERADE, /* the link's own address (NAT44, NAT66) */
	NAT_PREFIX, /* IPv6: lan6 mapped onto the link's prefix, host bits kept
		     */
};

struct track_target {
	enum fam fam;
	union inaddr addr;
};

struct link_config {
	char name[LINK_NAME_MAX];
	char ifname[IF_NAMESIZE];
	/* per family: the next hop, or false for auto (learned) */
	bool has_gateway[FAM_MAX];
	union inaddr gateway[FAM_MAX];
	uint32_t weight; /* 1..255 */
	uint32_t tier; /* 1..255: lower tiers are preferred */
	struct track_target track[TRACK_MAX]; /* either family, in file order */
	unsigned int ntrack;
	enum nat_mode nat[FAM_MAX]; /* "nat" (IPv4), "nat6" */
	struct inprefix nat6_prefix; /* NAT_PREFIX: where lan6 maps to */
	/* nat6 = none: the sources its provider routes, pinned to it */
	bool has_prefix6;
	struct inprefix prefix6;
	enum probe_kind probe;
	uint16_t probe_port; /* PROBE_TCP */
	uint32_t interval_ms, timeout_ms;
	uint32_t down, up; /* consecutive probes lost / answered */
	int line; /* of the section header */
};

/* What a new connection of a policy gets while none of its links is usable. */
enum last_resort {
	LAST_RESORT_MAIN, /* the main routing table decides, unpinned */
	LAST_RESORT_UNREACHABLE, /* an ICMP unreachable (TCP: a reset) */
	LAST_RESORT_BLACKHOLE, /* dropped */
};

/* What a policy's connections do when a better tier comes back. */
enum failback {
	FAILBACK_NEW, /* only new connections use it; the rest stay */
	FAILBACK_ALL, /* those on the links it no longer uses are deleted */
};

/*
 * [policy NAME]: the links a connection it decides may use. Index
 * POLICY_DEFAULT is "default": every link with its own weight and tier
 * and the global hash, unless the file has a [policy default].
 */
struct policy_config {
	char name[LINK_NAME_MAX];
	/* per link, parallel to config.links: weight 0 = not a member */
	uint32_t *weight, *tier;
	enum hash_mode hash;
	enum last_resort last_resort;
	enum failback failback;
	int line; /* of the section header; 0: the implicit default */
};

/* A prefix of either family, as a rule lists it. */
struct rule_prefix {
	enum fam fam;
	struct inprefix p;
};

struct port_range {
	uint16_t lo, hi; /* lo <= hi */
};

/*
 * [rule NAME]: what a new connection matches, tried in file order, first
 * match wins. An empty list matches anything. A rule whose address lists
 * hold only one family's prefixes matches only that family.
 */
struct rule_config {
	char name[LINK_NAME_MAX];
	struct rule_prefix *src, *dst;
	unsigned int nsrc, ndst;
	/* IPPROTO_*; ports given without proto: the protocols with ports */
	uint8_t *proto;
	unsigned int nproto;
	struct port_range *sport, *dport;
	unsigned int nsport, ndport;
	char (*lan)[IF_NAMESIZE]; /* input interfaces */
	unsigned int nlan;
	int policy; /* index in config.policies, or RULE_POLICY_MAIN */
	int line; /* of the section header */
};

struct config {
	char path[256];
	char lan[LAN_MAX][IF_NAMESIZE];
	unsigned int nlan;
	int lan_line; /* of the "lan" key */
	bool has_lan6; /* the LAN's IPv6 prefix, for nat6 = PREFIX/LEN */
	struct inprefix lan6;
	enum hash_mode hash;
	uint32_t seed;
	char control[CONTROL_PATH_MAX];
	char control_group[32]; /* "": the socket is root's alone */
	char hook[256]; /* "": no hook */
	uint32_t hook_timeout_ms;
	uint32_t buckets;
	uint32_t mark_mask;
	uint32_t table; /* fallback table; link tables follow it */
	uint32_t priority; /* first of the three rule priorities */
	bool own_table; /* own the nftables table where the kernel can */
	/* metrics = ADDRESS:PORT: the HTTP endpoint; port 0: none (default) */
	enum fam metrics_fam;
	union inaddr metrics_addr;
	uint16_t metrics_port;
	struct link_config *links;
	unsigned int nlinks;
	struct policy_config *policies; /* [POLICY_DEFAULT] always there */
	unsigned int npolicies;
	struct rule_config *rules; /* in file order */
	unsigned int nrules;
};

/*
 * Where the problems of a file go, one call each: the file's name, its line
 * (0 when the problem is not about a line, such as an unreadable file) and
 * the message, so that callers can print them or hand them on as JSON.
 */
struct config_diag {
	void (*report)(void *ctx, const char *file, int line, const char *msg);
	/*
	 * What is true only of this moment (an interface missing, no address
	 * yet): the run starts anyway. NULL: nowhere.
	 */
	void (*warn)(void *ctx, const char *file, int line, const char *msg);
	void *ctx;
};

/* Print "FILE:LINE: message" ("FILE: message" for line 0) on @ctx, a FILE *. */
void config_diag_print(void *ctx, const char *file, int line, const char *msg);
/* The same, as "FILE:LINE: warning: message". */
void config_diag_print_warning(void *ctx, const char *file, int line,
			       const char *msg);
/* A sink printing on @f, for the duration of the enclosing block. */
#define CONFIG_DIAG_FILE(f)                                              \
	(&(const struct config_diag){ .report = config_diag_print,       \
				      .warn = config_diag_print_warning, \
				      .ctx = (f) })

/* printf into a sink: an error, or a warning. */
void config_diag_error(const struct config_diag *diag, const char *file,
		       int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void config_diag_warning(const struct config_diag *diag, const char *file,
			 int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Parse and validate @text, named @name in messages. Every problem goes to
 * @diag (NULL: nowhere); returns 0 or -EINVAL.
 */
int config_parse_string(struct config *c, const char *name, const char *text,
			const struct config_diag *diag);
void config_free(struct config *c);

int config_find_link(const struct config *c, const char *name);
/* "main", "unreachable", "blackhole"; the parse: 0 or -EINVAL. */
const char *last_resort_name(enum last_resort r);
int last_resort_parse(const char *s, enum last_resort *r);

/*
 * Whether policy @p's connections on link @i carry a conntrack mark of
 * their own: with failback = all, to be deleted apart from the link's
 * other connections.
 */
static inline bool config_has_pair(const struct config *c, unsigned int p,
				   unsigned int i)
{
	return c->policies[p].failback == FAILBACK_ALL &&
	       c->policies[p].weight[i] != 0;
}

/* Index of a policy, or -1. */
int config_find_policy(const struct config *c, const char *name);
/*
 * Whether rule @r can match family @f: its address lists are empty or
 * hold some prefix of @f (both lists, where both are given).
 */
bool config_rule_has_fam(const struct rule_config *r, enum fam f);

/* How many of link @l's targets are of family @f. */
unsigned int config_ntrack(const struct link_config *l, enum fam f);
/*
 * Whether new IPv6 connections may be balanced onto link @l: its provider
 * takes any source (translated, or no prefix6 said otherwise).
 */
bool config_balances6(const struct link_config *l);
/* Whether any link pins the IPv6 sources of its prefix6 (nat6 = none). */
bool config_has_prefix6(const struct config *c);

/* The mark a link slot carries within mark_mask (slot >= 1). */
uint32_t config_slot_mark(const struct config *c, unsigned int slot);
/* How many link slots the mark mask can hold (at most SLOTS_MAX). */
uint32_t config_slots(const struct config *c);
/*
 * How many (policy, member link) pairs have a mark of their own
 * (config_has_pair): each takes a slot besides the links' (nlinks +
 * pairs <= slots).
 */
unsigned int config_pairs(const struct config *c);

/* Shared value parsers, also used by the CLI for its arguments. */
int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
int parse_duration_ms(const char *s, uint32_t *ms);
bool valid_ifname(const char *s);

#endif
