#!/bin/bash
# Killed, flowpin leaves the kernel forwarding; restarted, it takes over
# without disturbing a connection; stopped, it leaves the router as found.
source "$(dirname "$0")/lib.sh"

topology 3
start_server
conf 3 >"$WORK/fp.conf"
before=$(snapshot)
start_flowpin "$WORK/fp.conf" || exit 1

# Long-lived connections that exchange a line every 50 ms throughout.
hold "$WORK/hold" -n 60 -i 50 -s 61000 198.19.0.1 7000

# counters move with the traffic: compare everything else
strip_counters() { sed -E 's/packets [0-9]+ bytes [0-9]+//'; }
running=$(snapshot | strip_counters)
buckets=$(ns rtr nft list map inet flowpin buckets)
kill -KILL "$FLOWPIN_PID"
wait "$FLOWPIN_PID" 2>/dev/null
check "killed: rules, routes and table stay in the kernel" \
	[ "$running" = "$(snapshot | strip_counters)" ]
ns lan "$TRAFFIC" tcp -n 100 -t 2000 198.19.0.1 7000 >"$WORK/during"
check "killed: new connections still succeed ($(value ok "$WORK/during")/100)" \
	[ "$(value ok "$WORK/during")" = 100 ]
check "killed: new connections still use all three providers" \
	[ "$(grep -c '^seen' "$WORK/during")" = 3 ]

start_flowpin "$WORK/fp.conf" || exit 1
check "restart: the daemon took over" grep -q "took over 3 links" "$WORK/flowpin.log"
check "restart: the bucket table is unchanged" \
	[ -n "$buckets" -a "$buckets" = "$(ns rtr nft list map inet flowpin buckets)" ]
check "restart: rules, routes and table are as before the kill" \
	[ "$running" = "$(snapshot | strip_counters)" ]
flows=$(flows)
check "restart: status counts the held connections ($flows >= 160)" [ "$flows" -ge 160 ]
sleep 1

unhold
check "60 connections held through kill and restart ($(value held "$WORK/hold") held)" \
	[ "$(value held "$WORK/hold")" = 60 ]
check "none broken" [ "$(value broken "$WORK/hold")" = 0 ]
check "none changed address" [ "$(value moved "$WORK/hold")" = 0 ]

stop_flowpin
check "stop after a takeover leaves the router as it was found" \
	[ "$before" = "$(snapshot)" ]
finish
