// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The nftables monitor: nftmon_parse on the recorded notifications of
 * three transactions (recorded.h) and on messages cut or built here; then,
 * as root, in a network namespace of the test's own, the monitor against
 * the kernel, with transactions of this process and of nft.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "kernel/nftmon.h"

#include "live.h"
#include "nlmsg.h"
#include "recorded.h"

#define NMSGS(list) (sizeof(list) / sizeof(list[0]))
#define NFT_TYPE(msg) (NFNL_SUBSYS_NFTABLES << 8 | (msg))

struct want {
	enum nftmon_kind kind;
	uint16_t type;
	bool deleted;
};

/* nftmon_parse on a heap copy of @nlh, which it frees. */
static int nparse(struct nlmsghdr *nlh, struct nftmon_event *ev)
{
	int ret;

	memset(ev, 0xa5, sizeof(*ev)); /* all written, whatever the message */
	ret = nftmon_parse(nlh, ev);
	free(nlh);
	return ret;
}

/*
 * Every message of a recorded transaction as @want says, of flowpin's
 * table in the inet family, the last the NEWGEN of nft; its generation.
 */
static uint32_t check_transaction(const struct rec_msg *msgs, size_t n,
				  const struct want *want, size_t nwant)
{
	struct nftmon_event ev;

	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(nparse(msg_whole(msgs[i].bytes, msgs[i].len),
					&ev),
				 0);
		assert_int_equal(ev.kind, want[i].kind);
		assert_int_equal(ev.type, want[i].type);
		assert_int_equal(ev.deleted, want[i].deleted);
		if (ev.kind == NFTMON_OBJECT) {
			assert_int_equal(ev.family, NFPROTO_INET);
			assert_string_equal(ev.table, "flowpin");
			assert_int_equal(ev.pid, 0);
			assert_string_equal(ev.comm, "");
		}
	}
	/* the transaction's end: nothing of an object */
	assert_int_equal(ev.kind, NFTMON_GEN);
	assert_int_equal(ev.family, AF_UNSPEC);
	assert_string_equal(ev.table, "");
	assert_int_not_equal(ev.pid, 0);
	assert_string_equal(ev.comm, "nft");
	assert_int_not_equal(ev.gen_id, 0);
	return ev.gen_id;
}

/*
 * "nft add table", then a chain, a map, its element and a rule, then
 * "nft flush ruleset": each transaction's objects in the order of the
 * batch, then one NEWGEN; the flush deletes the rule, the map (its
 * element with it, unannounced), the chain, the table. Generations count
 * up one a transaction.
 */
static void test_recorded(void **state)
{
	static const struct want table[] = {
		{ NFTMON_OBJECT, NFT_MSG_NEWTABLE, false },
		{ NFTMON_GEN, NFT_MSG_NEWGEN, false },
	};
	static const struct want objects[] = {
		{ NFTMON_OBJECT, NFT_MSG_NEWCHAIN, false },
		{ NFTMON_OBJECT, NFT_MSG_NEWSET, false },
		{ NFTMON_OBJECT, NFT_MSG_NEWSETELEM, false },
		{ NFTMON_OBJECT, NFT_MSG_NEWRULE, false },
		{ NFTMON_GEN, NFT_MSG_NEWGEN, false },
	};
	static const struct want flush[] = {
		{ NFTMON_OBJECT, NFT_MSG_DELRULE, true },
		{ NFTMON_OBJECT, NFT_MSG_DELSET, true },
		{ NFTMON_OBJECT, NFT_MSG_DELCHAIN, true },
		{ NFTMON_OBJECT, NFT_MSG_DELTABLE, true },
		{ NFTMON_GEN, NFT_MSG_NEWGEN, false },
	};
	uint32_t gen;

	(void)state;
	gen = check_transaction(rec_nft_table, NMSGS(rec_nft_table), table,
				NMSGS(table));
	assert_int_equal(check_transaction(rec_nft_objects,
					   NMSGS(rec_nft_objects), objects,
					   NMSGS(objects)),
			 gen + 1);
	assert_int_equal(check_transaction(rec_nft_flush, NMSGS(rec_nft_flush),
					   flush, NMSGS(flush)),
			 gen + 2);
}

/* Every recorded message, cut inside its last attribute: unreadable. */
static void test_truncated(void **state)
{
	const struct rec_msg *lists[] = { rec_nft_table, rec_nft_objects,
					  rec_nft_flush };
	const size_t counts[] = { NMSGS(rec_nft_table), NMSGS(rec_nft_objects),
				  NMSGS(rec_nft_flush) };
	struct nftmon_event ev;

	(void)state;
	for (size_t l = 0; l < 3; l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			const struct rec_msg *m = &lists[l][i];

			assert_int_equal(nparse(msg_cut(m->bytes, m->len - 4),
						&ev),
					 -EINVAL);
			assert_int_equal(ev.kind, NFTMON_OTHER);
			assert_false(ev.deleted);
			/* without attributes; without even a header */
			assert_int_equal(nparse(msg_cut(m->bytes, 20), &ev),
					 -EINVAL);
			assert_int_equal(nparse(msg_cut(m->bytes, 16), &ev),
					 -EINVAL);
			assert_int_equal(ev.kind, NFTMON_OTHER);
		}
	}
}

/*
 * NEWGEN: ID, PROC_PID, PROC_NAME, 8 bytes each after the 20 of the
 * headers. Cut between them: the process is optional (older kernels
 * left it out), the generation is not.
 */
static void test_gen_cut(void **state)
{
	const struct rec_msg *gen = &rec_nft_table[1];
	struct nftmon_event ev;

	(void)state;
	assert_int_equal(gen->len, 44);
	assert_int_equal(nparse(msg_cut(gen->bytes, 36), &ev), 0);
	assert_int_equal(ev.kind, NFTMON_GEN);
	assert_int_not_equal(ev.pid, 0);
	assert_string_equal(ev.comm, "");
	assert_int_equal(nparse(msg_cut(gen->bytes, 28), &ev), 0);
	assert_int_equal(ev.kind, NFTMON_GEN);
	assert_int_not_equal(ev.gen_id, 0);
	assert_int_equal(ev.pid, 0);
	assert_int_equal(nparse(msg_cut(gen->bytes, 20), &ev), -EINVAL);
	assert_int_equal(ev.kind, NFTMON_OTHER);
}

static struct nlmsghdr *nft_start(uint16_t msg, uint8_t family)
{
	struct nfgenmsg nfg = { .nfgen_family = family,
				.version = NFNETLINK_V0 };

	return msg_start(NFT_TYPE(msg), 0, &nfg, sizeof(nfg));
}

/* A NEWGEN built with @name of @len bytes (0: with its NUL). */
static struct nlmsghdr *gen_msg(const char *name, size_t len)
{
	struct nlmsghdr *nlh = nft_start(NFT_MSG_NEWGEN, AF_UNSPEC);

	mnl_attr_put_u32(nlh, NFTA_GEN_ID, htonl(7));
	mnl_attr_put_u32(nlh, NFTA_GEN_PROC_PID, htonl(4242));
	if (len)
		mnl_attr_put(nlh, NFTA_GEN_PROC_NAME, len, name);
	else
		mnl_attr_put_strz(nlh, NFTA_GEN_PROC_NAME, name);
	return msg_done(nlh);
}

/* Built messages: what the kernel would write, and what it would not. */
static void test_built(void **state)
{
	char name[NFT_TABLE_MAXNAMELEN + 1];
	struct nftmon_event ev;
	struct nlmsghdr *nlh;

	(void)state;
	assert_int_equal(nparse(gen_msg("flowpin", 0), &ev), 0);
	assert_int_equal(ev.kind, NFTMON_GEN);
	assert_int_equal(ev.gen_id, 7);
	assert_int_equal(ev.pid, 4242);
	assert_string_equal(ev.comm, "flowpin");
	/* the longest name a task has, and one longer */
	assert_int_equal(nparse(gen_msg("fifteen-chars-x", 0), &ev), 0);
	assert_string_equal(ev.comm, "fifteen-chars-x");
	assert_int_equal(nparse(gen_msg("sixteen-chars-xy", 0), &ev), -EINVAL);
	/* a name without its NUL */
	assert_int_equal(nparse(gen_msg("nft", 3), &ev), -EINVAL);
	assert_int_equal(ev.kind, NFTMON_OTHER);

	/* a generation of the wrong size */
	nlh = nft_start(NFT_MSG_NEWGEN, AF_UNSPEC);
	mnl_attr_put_u16(nlh, NFTA_GEN_ID, 7);
	assert_int_equal(nparse(msg_done(nlh), &ev), -EINVAL);

	/* a table name as long as nft allows, and one longer */
	memset(name, 'a', sizeof(name));
	name[NFT_TABLE_MAXNAMELEN - 1] = '\0';
	nlh = nft_start(NFT_MSG_DELCHAIN, NFPROTO_IPV4);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, name);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, "c");
	assert_int_equal(nparse(msg_done(nlh), &ev), 0);
	assert_int_equal(ev.kind, NFTMON_OBJECT);
	assert_true(ev.deleted);
	assert_int_equal(ev.family, NFPROTO_IPV4);
	assert_string_equal(ev.table, name);
	name[NFT_TABLE_MAXNAMELEN - 1] = 'a';
	name[NFT_TABLE_MAXNAMELEN] = '\0';
	nlh = nft_start(NFT_MSG_DELCHAIN, NFPROTO_IPV4);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, name);
	assert_int_equal(nparse(msg_done(nlh), &ev), -EINVAL);
	assert_int_equal(ev.kind, NFTMON_OTHER);
	assert_false(ev.deleted);

	/* an object of a stateful kind and a flowtable */
	nlh = nft_start(NFT_MSG_NEWOBJ, NFPROTO_INET);
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, "flowpin");
	assert_int_equal(nparse(msg_done(nlh), &ev), 0);
	assert_int_equal(ev.kind, NFTMON_OBJECT);
	assert_false(ev.deleted);
	assert_string_equal(ev.table, "flowpin");
	nlh = nft_start(NFT_MSG_DELFLOWTABLE, NFPROTO_INET);
	mnl_attr_put_strz(nlh, NFTA_FLOWTABLE_TABLE, "flowpin");
	assert_int_equal(nparse(msg_done(nlh), &ev), 0);
	assert_int_equal(ev.kind, NFTMON_OBJECT);
	assert_true(ev.deleted);
	/* a table name that is no string */
	nlh = nft_start(NFT_MSG_NEWRULE, NFPROTO_INET);
	mnl_attr_put_u32(nlh, NFTA_RULE_TABLE, 0x41414141);
	assert_int_equal(nparse(msg_done(nlh), &ev), -EINVAL);
}

/* Messages of no interest: read as NFTMON_OTHER, without an error. */
static void test_other(void **state)
{
	struct nftmon_event ev;
	struct nlmsghdr *nlh;

	(void)state;
	/* conntrack's subsystem; an acknowledgement */
	assert_int_equal(nparse(msg_rec(rec_ct_new), &ev), 0);
	assert_int_equal(ev.kind, NFTMON_OTHER);
	assert_int_equal(nparse(msg_rec(rec_ack), &ev), 0);
	assert_int_equal(ev.kind, NFTMON_OTHER);
	/* a trace, an answer of GETGEN: not read, however short */
	nlh = nft_start(NFT_MSG_TRACE, NFPROTO_INET);
	assert_int_equal(nparse(msg_cut(nlh, 16), &ev), 0);
	assert_int_equal(ev.kind, NFTMON_OTHER);
	assert_int_equal(ev.type, NFT_MSG_TRACE);
	nlh = nft_start(NFT_MSG_GETGEN, AF_UNSPEC);
	mnl_attr_put_u32(nlh, NFTA_GEN_ID, htonl(7));
	assert_int_equal(nparse(msg_done(nlh), &ev), 0);
	assert_int_equal(ev.kind, NFTMON_OTHER);
	/* a type past any the kernel has */
	nlh = nft_start(200, NFPROTO_INET);
	assert_int_equal(nparse(msg_done(nlh), &ev), 0);
	assert_int_equal(ev.kind, NFTMON_OTHER);
}

/* Live (live.h), with the socket open. */
static void live_open(struct nl *nl)
{
	if (!live_netns())
		skip();
	assert_int_equal(nftmon_open(nl), 0);
}

/*
 * The monitor's events up to the end of the next transaction: its
 * objects into @obj (at most @max), its NEWGEN into @gen; their count.
 */
static size_t read_transaction(struct nl *nl, struct nftmon_event *obj,
			       size_t max, struct nftmon_event *gen)
{
	size_t n = 0;

	for (;;) {
		struct pollfd pfd = { nl_fd(nl), POLLIN, 0 };
		const struct nlmsghdr *nlh = (const void *)nl->buf;
		ssize_t len;
		int left;

		assert_int_equal(poll(&pfd, 1, 3000), 1);
		len = recv(nl_fd(nl), nl->buf, MNL_SOCKET_BUFFER_SIZE, 0);
		assert_true(len > 0);
		left = (int)len;
		for (; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			struct nftmon_event ev;

			assert_int_equal(nftmon_parse(nlh, &ev), 0);
			if (ev.kind == NFTMON_GEN) {
				*gen = ev;
				return n;
			}
			if (ev.kind == NFTMON_OBJECT && n < max)
				obj[n++] = ev;
		}
	}
}

static void self_comm(char *comm, size_t size)
{
	FILE *f = fopen("/proc/self/comm", "r");

	assert_non_null(f);
	assert_non_null(fgets(comm, (int)size, f));
	comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

/*
 * A transaction of this process through libnftables: its table, then the
 * NEWGEN with this process's pid and name; one of nft: another's. The
 * socket does not block and has its large buffer.
 */
static void test_live(void **state)
{
	struct nftmon_event obj[4], gen;
	struct nft_ctx *ctx;
	char comm[32], byte;
	int rcvbuf = 0;
	socklen_t len = sizeof(rcvbuf);
	struct nl nl;

	(void)state;
	live_open(&nl);
	assert_int_equal(recv(nl_fd(&nl), &byte, 1, 0), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(getsockopt(nl_fd(&nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				    &len),
			 0);
	assert_true(rcvbuf >= 16 << 20);
	self_comm(comm, sizeof(comm));

	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	assert_non_null(ctx);
	assert_int_equal(nft_ctx_buffer_output(ctx), 0);
	assert_int_equal(nft_ctx_buffer_error(ctx), 0);
	assert_int_equal(nft_run_cmd_from_buffer(ctx, "add table inet fpt"), 0);
	assert_int_equal(read_transaction(&nl, obj, 4, &gen), 1);
	assert_int_equal(obj[0].type, NFT_MSG_NEWTABLE);
	assert_false(obj[0].deleted);
	assert_int_equal(obj[0].family, NFPROTO_INET);
	assert_string_equal(obj[0].table, "fpt");
	assert_int_equal(gen.pid, getpid());
	assert_string_equal(gen.comm, comm);

	/* someone else deletes it */
	assert_int_equal(system("nft delete table inet fpt"), 0);
	assert_int_equal(read_transaction(&nl, obj, 4, &gen), 1);
	assert_int_equal(obj[0].type, NFT_MSG_DELTABLE);
	assert_true(obj[0].deleted);
	assert_string_equal(obj[0].table, "fpt");
	assert_int_not_equal(gen.pid, getpid());
	assert_int_not_equal(gen.pid, 0);
	assert_string_equal(gen.comm, "nft");

	nft_ctx_free(ctx);
	nl_close(&nl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_gen_cut),
		cmocka_unit_test(test_built),
		cmocka_unit_test(test_other),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
