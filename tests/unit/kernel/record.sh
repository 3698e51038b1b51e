#!/bin/sh
# Record the kernel's messages that tests/unit/kernel/test_*.c parse, into
# tests/unit/kernel/recorded.h. Run as root from the top of the tree,
# after "make" (record.c links the core library of build/):
#
#   sh tests/unit/kernel/record.sh [BUILD_DIR]
#
# The Makefile does not know that the tests include recorded.h: remove
# BUILD_DIR/asan/unit/kernel/ afterwards, so that they are built again.
# The tests read what a kernel writes, not sequence numbers or timers: a
# new recording passes them unchanged, unless the kernel changed.
#
# Everything happens in two network namespaces of its own, deleted on exit:
# fprec, the router (wan1 and wwan0, veth pairs), and fprec-peer, their
# other ends, where 192.0.2.1 answers ARP.
set -eu

B=${1:-build}
OUT=tests/unit/kernel/recorded.h
NS=fprec
PEER=fprec-peer
REC=$(mktemp -d)
trap 'ip netns del $NS 2>/dev/null; ip netns del $PEER 2>/dev/null; rm -rf "$REC"' EXIT

cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc -o "$REC/record" \
	tests/unit/kernel/record.c "$B/libflowpin-core.a" \
	$(pkg-config --cflags --libs libmnl inih) -lm

ip netns add $NS
ip netns add $PEER
nsx() { ip netns exec $NS "$@"; }
rec() { nsx "$REC/record" "$@" >>"$REC/arrays"; }

ip -n $NS link set lo up
ip -n $NS link add wan1 type veth peer name peer1 netns $PEER
ip -n $NS link add wwan0 type veth peer name peer2 netns $PEER
ip -n $PEER link set peer1 up
ip -n $PEER link set peer2 up
ip -n $PEER addr add 192.0.2.1/24 dev peer1

# links and addresses (IFF_UP | IFF_RUNNING: 0x41); wwan0 comes up after,
# and the carrier of each comes a moment after it: wait for both
rec notify rec_link_up route 16 -1 0x41 "ip link set wan1 up"
ip -n $NS link set wwan0 up
sleep 1
rec notify rec_addr_eth route 20 2 -1 "ip addr add 192.0.2.10/24 dev wan1"
rec notify rec_addr_ptp route 20 2 -1 \
	"ip addr add 10.64.0.2 peer 10.64.0.1/32 dev wwan0"
rec notify rec_addr_del route 21 2 -1 \
	"ip addr del 10.64.0.2 peer 10.64.0.1/32 dev wwan0"

# routes: table 1000 says 252 (RT_TABLE_COMPAT) in its header
rec notify rec_route_gw route 24 2 252 \
	"ip route add 198.51.100.0/24 via 192.0.2.1 dev wan1 src 192.0.2.10 table 1000 proto 241"
rec notify rec_route_connected route 24 2 254 \
	"ip addr add 203.0.113.10/24 dev wan1"
rec notify rec_route_del route 25 2 252 \
	"ip route del 198.51.100.0/24 via 192.0.2.1 table 1000"
rec notify rec_route6 route 24 10 -1 \
	"ip -6 route add 2001:db8:1::/64 dev wan1 table 1000 proto 241"

# rules
rec notify rec_rule_fwmark route 32 2 -1 \
	"ip rule add priority 1000 fwmark 0x100/0xff00 table 1000 proto 241"
rec notify rec_rule_suppress route 32 2 -1 \
	"ip rule add priority 999 table main suppress_prefixlength 0 proto 241"
rec notify rec_rule_iif route 32 2 -1 \
	"ip rule add priority 1001 iif lan0 table 1001 proto 241"
rec notify rec_rule_blackhole route 32 2 -1 "ip rule add priority 500 blackhole"
nsx ip rule del priority 500
rec notify rec_rule_del route 33 2 -1 "ip rule del priority 1000"
rec notify rec_rule6 route 32 10 -1 \
	"ip -6 rule add priority 1000 fwmark 0x100/0xff00 table 1000 proto 241"

# neighbours: answered (REACHABLE 0x02), unanswered (FAILED 0x20), and one
# being resolved (INCOMPLETE 0x01), which the kernel tells of in dumps only
rec notify rec_neigh_reachable route 28 2 0x02 \
	"ping -c1 -W1 192.0.2.1"
rec notify rec_neigh_failed route 28 2 0x20 \
	"ping -c1 -W1 192.0.2.98"
nsx sh -c "ping -c1 -W2 192.0.2.97 >/dev/null 2>&1 &"
sleep 0.3
rec dump rec_neigh_incomplete route 28 2 0x01 \
	"ip neigh show (a dump) while ping -c1 -W2 192.0.2.97 waits"
rec notify rec_neigh6 route 28 10 -1 \
	"ip -6 neigh replace 2001:db8::1 lladdr 02:00:00:00:00:01 dev wan1 nud permanent"

# conntrack: one connection created, dumped, updated and destroyed; one
# with another source port; one with the same tuple in zone 7
CT="-p tcp -s 192.168.1.2 -d 198.51.100.7 --dport 443"
rec notify rec_ct_new ct 0x100 2 -1 \
	"conntrack -I $CT --sport 40000 --state ESTABLISHED --timeout 120 --mark 0x100"
rec dump rec_ct_dump ct 0x100 2 -1 \
	"conntrack -L (a dump): the connection of rec_ct_new"
rec notify rec_ct_update ct 0x100 2 -1 \
	"conntrack -U $CT --sport 40000 --mark 0x200"
rec notify rec_ct_other_port ct 0x100 2 -1 \
	"conntrack -I $CT --sport 40001 --state ESTABLISHED --timeout 120 --mark 0x100"
rec notify rec_ct_zone ct 0x100 2 -1 \
	"conntrack -I $CT --sport 40000 --state ESTABLISHED --timeout 120 --mark 0x300 --zone 7"
rec notify rec_ct_destroy ct 0x102 2 -1 \
	"conntrack -D $CT --sport 40000 --zone 0"

# the kernel's answers: refused with its reason, capped and whole; accepted
rec error rec_err_capped 1 198.18.0.1
rec error rec_err_full 0 198.18.0.1
rec error rec_ack 1 192.0.2.1

# nftables: every notification of three transactions on flowpin's table,
# each ended by the NFT_MSG_NEWGEN that names the process (nft) that
# committed it; the flush leaves the namespace without a ruleset
recnft() { nsx "$REC/record" nft "$@" >>"$REC/arrays"; }
recnft rec_nft_table "nft add table inet flowpin"
recnft rec_nft_objects "nft 'add chain inet flowpin pin_wan1; \
add map inet flowpin marks { type mark : verdict; }; \
add element inet flowpin marks { 0x100 : goto pin_wan1 }; \
add rule inet flowpin pin_wan1 ct mark set ct mark and 0xffff00ff or 0x100'"
recnft rec_nft_flush "nft flush ruleset"

# flowpin's table as nft lists it, bucket 7 without an owner
nsx "$REC/record" ruleset | nsx nft -f -
nsx nft delete element inet flowpin buckets '{ 7 }'
nsx nft -j list table inet flowpin >"$REC/table.json"

{
	cat <<'EOF'
/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Messages recorded from the kernel by tests/unit/kernel/record.sh (which
 * says how): do not edit, record again. Each array is one netlink message
 * as the kernel sent it; the comment above it is the command that made it.
 */
#ifndef FLOWPIN_TESTS_RECORDED_H
#define FLOWPIN_TESTS_RECORDED_H

#include <stddef.h>

/* One message of a recorded sequence, which lists them in the order the
 * kernel sent them. */
struct rec_msg {
	const unsigned char *bytes;
	size_t len;
};

EOF
	echo "/* Linux $(uname -r), $(ip -V | head -1), $(conntrack --version 2>&1) */"
	echo
	cat "$REC/arrays"
	echo "/* nft -j list table inet flowpin, $(nft --version), one line per"
	echo " * object, folded */"
	echo "static const char rec_table_json[] ="
	# each object of the array on a line of its own, in pieces of 48
	# characters (C joins them again; \001 marks a line that goes on),
	# each piece escaped for C
	jq -c '.nftables[]' "$REC/table.json" | {
		n=$(jq '.nftables | length' "$REC/table.json")
		i=0
		echo '{"nftables":['
		while IFS= read -r obj; do
			i=$((i + 1))
			[ $i -lt $n ] && obj="$obj,"
			printf '%s\n' "$obj" | fold -w 48 | sed '$!s/$/\x01/'
		done
		echo ']}'
	} | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/\t"/' |
		sed '/\x01$/{s/\x01$/"/;b};s/$/\\n"/'
	printf '\t;\n'
	echo
	echo "#endif"
} >"$OUT"
clang-format -i "$OUT"
echo "record: wrote $OUT"
