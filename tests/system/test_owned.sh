#!/bin/bash
# Where the kernel (Linux 6.9) and libnftables (1.1) know
# NFT_TABLE_F_PERSIST, flowpin's table is its own: other processes cannot
# delete it, their "flush ruleset" leaves it, and it outlives a killed
# flowpin for the next run to adopt. Elsewhere the table is watched and
# restored instead (test_heal.sh), and this test is skipped.
source "$(dirname "$0")/lib.sh"

topology 2
start_server
conf 2 >"$WORK/fp.conf"
before=$(snapshot)
start_flowpin "$WORK/fp.conf" || exit 1
if [ "$(status | jq .table_owned)" != true ]; then
	stop_flowpin
	skip "the table cannot be owned here ($(nft --version), Linux $(uname -r)): NFT_TABLE_F_PERSIST needs Linux 6.9 and nftables 1.1; test_heal.sh tests the watched table"
fi

strip_counters() { sed -E 's/packets [0-9]+ bytes [0-9]+//'; }
running=$(snapshot | strip_counters)
hold "$WORK/hold" -n 20 -i 50 -s 61000 198.19.0.1 7000
ns rtr nft flush ruleset
check "flush ruleset leaves the table" \
	[ "$running" = "$(snapshot | strip_counters)" ]
check "another process cannot delete it" \
	fails_with 1 "Operation not permitted|Device or resource busy" \
	ns rtr nft delete table inet flowpin
check "nothing needed restoring" lacks "restored in\|marks back in" "$WORK/flowpin.log"

kill -KILL "$FLOWPIN_PID"
wait "$FLOWPIN_PID" 2>/dev/null
check "killed: the table persists" \
	[ "$running" = "$(snapshot | strip_counters)" ]
start_flowpin "$WORK/fp.conf" || exit 1
check "restarted: the table adopted" grep -q "took over 2 links" "$WORK/flowpin.log"
check "restarted: owned again" [ "$(status | jq .table_owned)" = true ]
unhold
check "20 connections held through the flush and the kill" \
	[ "$(value held "$WORK/hold")" = 20 -a "$(value broken "$WORK/hold")" = 0 ]
stop_flowpin
check "stopped: the router as it was found" [ "$before" = "$(snapshot)" ]
finish
