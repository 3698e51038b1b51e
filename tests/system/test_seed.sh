#!/bin/bash
# The seed's problem and flowpin's answer, on two masquerading providers.
#
# 1. The harness sends LAN packets out by alternate providers, packet by
#    packet (what the seed saw): TCP connections cannot be set up, UDP
#    flows reach the server from two addresses. This shows the harness can
#    tell a broken router from a working one.
# 2. flowpin on the same router: every one of several hundred connections
#    succeeds, no flow is split, the providers share them, and the router's
#    own connections are balanced too.
source "$(dirname "$0")/lib.sh"

topology 2
start_server

say "per-packet alternation (the seed's symptom)"
per_packet on
ns lan "$TRAFFIC" tcp -n 50 -t 500 198.19.0.1 7000 >"$WORK/broken-tcp"
ns lan "$TRAFFIC" udp -n 20 -k 4 -t 500 198.19.0.1 7000 >"$WORK/broken-udp"
check "without flowpin TCP setup fails ($(value ok "$WORK/broken-tcp")/50 ok)" \
	[ "$(value ok "$WORK/broken-tcp")" -le 5 ]
check "without flowpin UDP flows are split ($(value split "$WORK/broken-udp")/20)" \
	[ "$(value split "$WORK/broken-udp")" -ge 15 ]
per_packet off

say "with flowpin"
conf 2 >"$WORK/fp.conf"
before=$(snapshot)
start_flowpin "$WORK/fp.conf" || exit 1
: >"$WORK/server.log"
ns lan "$TRAFFIC" tcp -n 500 -t 2000 198.19.0.1 7000 >"$WORK/tcp"
check "500 of 500 TCP connections succeed" [ "$(value ok "$WORK/tcp")" = 500 ]
seen1=$(awk '$2 == "198.18.1.2"' "$WORK/tcp" | awk '{print $3}')
seen2=$(awk '$2 == "198.18.2.2"' "$WORK/tcp" | awk '{print $3}')
check "both providers carry connections (${seen1:-0} / ${seen2:-0})" \
	[ "${seen1:-0}" -ge 150 -a "${seen2:-0}" -ge 150 ]
check "the server saw 500 connections, each from one provider" \
	[ "$(grep -c '^tcp 198.18.[12].2 ' "$WORK/server.log")" = 500 ]

ns lan "$TRAFFIC" udp -n 100 -k 10 -t 1000 198.19.0.1 7000 >"$WORK/udp"
check "100 of 100 UDP flows answered" [ "$(value ok "$WORK/udp")" = 100 ]
check "no UDP flow split over two addresses" [ "$(value split "$WORK/udp")" = 0 ]

ns rtr "$TRAFFIC" tcp -n 200 -t 2000 198.19.0.1 7000 >"$WORK/local"
check "200 of 200 connections from the router itself succeed" \
	[ "$(value ok "$WORK/local")" = 200 ]
check "the router's own connections use both providers" \
	[ "$(grep -c '^seen 198.18.[12].2 ' "$WORK/local")" = 2 ]

flows=$(flows)
conntrack=$(ns rtr conntrack -L 2>/dev/null | grep -c 'mark=[1-9]')
check "status counts the pinned connections ($flows, conntrack $conntrack)" \
	[ "$flows" = "$conntrack" ]

check "nft list ruleset works with flowpin's table loaded" \
	ns rtr nft list ruleset >/dev/null
check "nft -j list ruleset works too" ns rtr nft -j list ruleset >/dev/null

stop_flowpin
check "stop leaves rules, routes and nftables as they were" \
	[ "$before" = "$(snapshot)" ]
finish
