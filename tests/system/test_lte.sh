#!/bin/bash
# An LTE backup whose interface appears late, as a modem's wwan0 does:
# wan1 and wan2 (tier 1, probed), and lte on wwan0 (tier 2), declared
# before wwan0 exists.
#
# - flowpin starts: lte is down, its interface missing; tier 1 carries
#   every new connection;
# - both primaries' upstreams fail: wan1 and wan2 go down; then the modem
#   comes up (wwan0 appears, linked to provider 3): lte comes up, takes
#   every bucket, and new connections go out through provider 3;
# - the primaries recover: tier 1 takes the new connections again, and the
#   connections on lte keep it.
source "$(dirname "$0")/lib.sh"

topology 2
provider 3
start_server
TRACK=198.19.0.1 conf 2 >"$WORK/fp.conf"
printf '[link lte]\ninterface = wwan0\ngateway = 10.3.0.1\ntier = 2\n' \
	>>"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1
buckets() { status | jq -c '[.links[].buckets]'; }
# tcp FILE SPORT N: N new connections from the lan host
tcp() { ns lan "$TRAFFIC" tcp -n "$3" -s "$2" -t 2000 198.19.0.1 7000 >"$1"; }

check "flowpin runs with wwan0 missing" kill -0 "$FLOWPIN_PID"
check "wan1 and wan2 are up" wait_until 5 \
	[ "$(status | jq '[.links[] | select(.state == "up")] | length')" = 2 ]
check "lte is down for its missing interface ($(link_get lte reason))" \
	link_is lte reason "interface wwan0 is missing"
# a reload takes a configuration whose interface is missing too
sed -i '0,/^weight = 1$/s//weight = 2/' "$WORK/fp.conf"
ns rtr kill -HUP "$FLOWPIN_PID"
check "reloaded with wwan0 missing" wait_log "reloaded: 3 links" 5
check "  wan1's new weight applies" wait_until 2 link_is wan1 weight 2
check "  lte still down for its interface" link_is lte reason "interface wwan0 is missing"
tcp "$WORK/tier1" 20000 100
check "tier 1: 100 of 100 new connections succeed" [ "$(value ok "$WORK/tier1")" = 100 ]
check "  none through provider 3" lacks '^seen 198\.18\.3\.2 ' "$WORK/tier1"

say "tier 1 fails"
upstream 1 down
upstream 2 down
check "wan1 goes down" wait_log "link wan1 down" 3
check "wan2 goes down" wait_log "link wan2 down" 3

say "the modem comes up: wwan0 appears"
link rtr wwan0 10.3.0.2/30 isp3 tortr 10.3.0.1/30
ns isp3 ip route add 192.168.1.0/24 via 10.3.0.2
check "lte comes up" wait_until 5 link_is lte state up
check "the backup takes every bucket ($(buckets))" [ "$(buckets)" = "[0,0,1024]" ]
tcp "$WORK/lte" 21000 100
check "on lte: 100 of 100 new connections succeed" [ "$(value ok "$WORK/lte")" = 100 ]
check "  all through provider 3" [ "$(count seen 198.18.3.2 "$WORK/lte")" = 100 ]
hold "$WORK/hold" -n 30 -i 50 -s 61000 198.19.0.1 7000

say "tier 1 recovers"
upstream 1 up
upstream 2 up
check "wan1 comes back up" wait_log "link wan1 up" 5
check "wan2 comes back up" wait_log "link wan2 up" 5
check "tier 1 takes the buckets back ($(buckets))" wait_until 2 \
	[ "$(link_get lte buckets)" = 0 ]
tcp "$WORK/back" 22000 200
check "tier 1 again: 200 of 200 new connections succeed" [ "$(value ok "$WORK/back")" = 200 ]
check "  none through provider 3" lacks '^seen 198\.18\.3\.2 ' "$WORK/back"
check "  both primaries carry them" [ "$(grep -c '^seen' "$WORK/back")" = 2 ]

unhold
say "held on lte: $(tr '\n' ' ' <"$WORK/hold")"
check "the 30 connections on lte lived through tier 1's recovery" \
	[ "$(value held "$WORK/hold")" = 30 -a "$(value moved "$WORK/hold")" = 0 ]
finish
