#!/bin/bash
# A lossy path is not a dead one: with 10% of the packets through provider
# 1 dropped at random in each direction (about 19% of probe round trips),
# the default probe settings never take wan1 down.
source "$(dirname "$0")/lib.sh"
SECONDS_LOSSY=${SECONDS_LOSSY:-30}

topology 3
start_server
TRACK="198.19.0.1 198.19.0.2" conf 3 >"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1
ns isp1 nft add table ip lossy
ns isp1 nft add chain ip lossy drops '{ type filter hook forward priority filter; }'
ns isp1 nft add rule ip lossy drops numgen random mod 10 == 0 counter drop

sleep "$SECONDS_LOSSY"
status=$(status)
loss=$(jq '.links[0].loss' <<<"$status")
dropped=$(ns isp1 nft list chain ip lossy drops | grep -o 'packets [0-9]*' | cut -d' ' -f2)
say "after ${SECONDS_LOSSY}s: wan1 recent probe loss $loss%, $dropped packets dropped by provider 1"
check "the path is lossy: wan1's probes see 5% to 40% loss" \
	awk -v l="$loss" 'BEGIN { exit !(l >= 5 && l <= 40) }'
check "wan1 stayed up" [ "$(jq -r '.links[0].state' <<<"$status")" = up ]
check "no link changed state" lacks 'link wan. \(up\|down\)' "$WORK/flowpin.log"
ns lan "$TRAFFIC" tcp -n 100 -t 3000 198.19.0.1 7000 >"$WORK/tcp"
check "connections through the lossy link still work ($(value ok "$WORK/tcp")/100)" \
	[ "$(value ok "$WORK/tcp")" -ge 95 ]
finish
