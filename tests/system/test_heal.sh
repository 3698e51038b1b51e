#!/bin/bash
# flowpin's kernel state heals itself. A firewall reload that starts with
# "flush ruleset", someone deleting its table or changing it, "ip rule
# flush" (then the kernel's default rules put back by hand, as a network
# manager does), and a link's routing table flushed: each is undone on the
# kernel's notification, logged with who did it, and connections held on
# every link meanwhile are intact.
#
# The router's main table has no default route here: until the table is
# back (some milliseconds), a pinned connection's packets follow the main
# table, and where it has a default route through another provider, a
# packet that leaks there can get its connection reset. make bench counts
# those packets (bench/dynamic.sh); here a leaked packet finds no route,
# and TCP sends it again.
source "$(dirname "$0")/lib.sh"

topology 3
ns rtr ip route del default
start_server
# watched, not owned, wherever it runs (test_owned.sh tests the other way)
conf 3 | sed 's/^\[global\]$/&\nown_table = no/' >"$WORK/fp.conf"
before=$(snapshot)
start_flowpin "$WORK/fp.conf" || exit 1
check "the table is watched" [ "$(status | jq .table_owned)" = false ]
check "  as the log says" grep -q "own_table = no: the nftables table is watched" "$WORK/flowpin.log"

strip_counters() { sed -E 's/packets [0-9]+ bytes [0-9]+//'; }
running=$(snapshot | strip_counters)
hold "$WORK/hold" -n 30 -i 50 -s 61000 198.19.0.1 7000

# healed WHAT PATTERN: the daemon logged PATTERN and the router is as it
# was while flowpin ran (counters apart)
healed() {
	check "$1: logged" wait_log "$2" 5
	check "$1: rules, routes and table as before" \
		wait_until 5 eval '[ "$running" = "$(snapshot | strip_counters)" ]'
	grep "$2" "$WORK/flowpin.log" | tail -1 | sed 's/^/    /'
}

ns rtr nft flush ruleset
healed "nft flush ruleset" "table inet flowpin deleted by process [0-9]* (nft): marks back in"
ns rtr nft delete table inet flowpin
check "nft delete table: the second restore logged" \
	wait_until 5 eval '[ "$(grep -c "table inet flowpin deleted by" "$WORK/flowpin.log")" = 2 ]'
healed "nft delete table" "table inet flowpin deleted by"
ns rtr nft add rule inet flowpin prerouting counter
healed "a rule added to flowpin's chain" "table inet flowpin changed (1 object) by process [0-9]* (nft): restored"
ns rtr ip rule flush
ns rtr ip rule add priority 32766 table main
ns rtr ip rule add priority 32767 table default
healed "ip rule flush" "rules\? of flowpin.s deleted by .*: [0-9]* rules\? restored"
ns rtr ip route flush table 1001
healed "ip route flush table 1001" "routes of flowpin's deleted by .*routes restored"

# the daemon's own changes are not taken for someone else's
restores() { grep -c "restored in [0-9]\|marks back in [0-9]" "$WORK/flowpin.log"; }
sleep 0.2
n=$(restores)
ns rtr kill -HUP "$FLOWPIN_PID"
wait_log "reloaded" 5
sleep 0.2
check "a reload is not mistaken for someone else's change" [ "$(restores)" = "$n" ]

sleep 0.5
unhold
check "30 connections held through all of it ($(value held "$WORK/hold") held)" \
	[ "$(value held "$WORK/hold")" = 30 ]
check "none broken" [ "$(value broken "$WORK/hold")" = 0 ]
check "none changed address" [ "$(value moved "$WORK/hold")" = 0 ]
check "the held connections used every link" \
	[ "$(grep -c '^seen' "$WORK/hold")" = 3 ]

stop_flowpin
[ "$FAILED" = 0 ] || sed "s/^/    log: /" "$WORK/flowpin.log"
check "stopped: the router as it was found" [ "$before" = "$(snapshot)" ]
finish
