#!/bin/bash
# Backup tiers: wan3 (tier 2) carries new connections only while wan1 and
# wan2 (tier 1) are both down. When tier 1 is back, wan3 keeps the
# connections it has; a kill and restart in that state leaves them alone.
source "$(dirname "$0")/lib.sh"

topology 3
start_server
TRACK=198.19.0.1 conf 3 >"$WORK/fp.conf"
sed -i '/^\[link wan3\]$/,$ s/^weight = 1$/weight = 1\ntier = 2/' "$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1
buckets() { status | jq -c '[.links[].buckets]'; }

ns lan "$TRAFFIC" tcp -n 100 -t 2000 198.19.0.1 7000 >"$WORK/tcp"
check "tier 1 up: buckets $(buckets), no connection through wan3" \
	lacks '^seen 198\.18\.3\.2 ' "$WORK/tcp"

say "tier 1 fails"
upstream 1 down
upstream 2 down
check "wan1 goes down" wait_log "link wan1 down" 3
check "wan2 goes down" wait_log "link wan2 down" 3
check "the backup takes every bucket ($(buckets))" [ "$(buckets)" = "[0,0,1024]" ]
hold "$WORK/hold" -n 30 -i 50 -s 61000 198.19.0.1 7000

say "wan1 comes back"
upstream 1 up
check "wan1 comes back up" wait_log "link wan1 up" 5
check "tier 1 takes the new connections again ($(buckets))" [ "$(buckets)" = "[1024,0,0]" ]
ns lan "$TRAFFIC" tcp -n 100 -s 21000 -t 2000 198.19.0.1 7000 >"$WORK/tcp"
check "new connections go through wan1 only" \
	[ "$(grep -c '^seen' "$WORK/tcp")" = 1 -a "$(value ok "$WORK/tcp")" = 100 ]

say "killed and restarted while the backup still carries connections"
kill -KILL "$FLOWPIN_PID"
wait "$FLOWPIN_PID" 2>/dev/null
: >"$WORK/flowpin.log"
start_flowpin "$WORK/fp.conf" || exit 1
sleep 1.5
check "the takeover keeps the table ($(buckets))" [ "$(buckets)" = "[1024,0,0]" ]
check "wan2, which was down, stays out until it answers" \
	[ "$(status | jq -r '.links[1].state')" = down ]
check "wan3, a healthy backup, is up" [ "$(status | jq -r '.links[2].state')" = up ]
unhold
say "held on the backup: $(tr '\n' ' ' <"$WORK/hold")"
check "all 30 connections on the backup lived through all of it" \
	[ "$(value held "$WORK/hold")" = 30 -a "$(value moved "$WORK/hold")" = 0 ]
finish
