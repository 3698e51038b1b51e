#!/bin/bash
# Probe variants and the all-down case.
#
# - probe = tcp:PORT works where a provider drops ICMP, and a target that
#   refuses the port still proves the path (its RST came back);
# - when every link fails its probes at once (the targets died, not the
#   links), new connections are not blackholed: flowpin uses every usable
#   link and says so loudly.
source "$(dirname "$0")/lib.sh"

topology 2
start_server

say "TCP probes through a provider that drops ICMP"
ns isp1 nft add table ip noicmp
ns isp1 nft add chain ip noicmp f '{ type filter hook forward priority filter; }'
ns isp1 nft add rule ip noicmp f ip protocol icmp counter drop
conf 2 >"$WORK/fp.conf"
sed -i '/^\[link wan1\]$/,/^weight/ s/^weight = 1$/weight = 1\ntrack = 198.19.0.1\nprobe = tcp:7000/' "$WORK/fp.conf"
sed -i '/^\[link wan2\]$/,/^weight/ s/^weight = 1$/weight = 1\ntrack = 198.19.0.2\nprobe = tcp:7999/' "$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1
sleep 1.5
check "wan1 is up on TCP probes to port 7000" [ "$(status | jq -r '.links[0].state')" = up ]
check "wan1's probes are answered ($(status | jq '.links[0].loss')% lost)" \
	[ "$(status | jq '.links[0].loss < 5')" = true ]
check "wan2 is up on port 7999, refused by the target" \
	[ "$(status | jq -r '.links[1].state')" = up ]
upstream 1 down
check "a cut upstream takes wan1 down" wait_log "link wan1 down: 10 probes lost" 3
upstream 1 up
check "and it comes back" wait_log "link wan1 up" 5
stop_flowpin
ns isp1 nft delete table ip noicmp

say "the probe targets die, the links do not"
TRACK=198.19.0.2 conf 2 >"$WORK/fp.conf"
: >"$WORK/flowpin.log"
start_flowpin "$WORK/fp.conf" || exit 1
sleep 1
ns net nft add table ip dead
ns net nft add chain ip dead in '{ type filter hook input priority filter; }'
ns net nft add rule ip dead in ip daddr 198.19.0.2 drop
check "every link goes down" wait_log "every link is down: new connections use every usable link" 3
check "status says both are down" [ "$(status | jq '[.links[] | select(.state == "down")] | length')" = 2 ]
ns lan "$TRAFFIC" tcp -n 100 -t 2000 198.19.0.1 7000 >"$WORK/tcp"
check "new connections still succeed ($(value ok "$WORK/tcp")/100)" [ "$(value ok "$WORK/tcp")" = 100 ]
check "over both providers" [ "$(grep -c '^seen' "$WORK/tcp")" = 2 ]
ns net nft delete table ip dead
check "the targets come back: so do the links" wait_log "leaving the all-down fallback" 5

say "killed while a link is down, restarted"
ups() { [ "$(status | jq '[.links[] | select(.state == "up")] | length')" = "$1" ]; }
check "both links are up" wait_until 10 ups 2 # the flap penalty may still hold one back
: >"$WORK/flowpin.log"
upstream 2 down
check "wan2 goes down" wait_log "link wan2 down" 3
kill -KILL "$FLOWPIN_PID"
wait "$FLOWPIN_PID" 2>/dev/null
: >"$WORK/flowpin.log"
start_flowpin "$WORK/fp.conf" || exit 1
check "the takeover keeps wan2 out of the bucket table" \
	[ "$(status | jq -c '[.links[] | .buckets]')" = "[1024,0]" ]
ns lan "$TRAFFIC" tcp -n 50 -t 2000 198.19.0.1 7000 >"$WORK/tcp"
check "no new connection goes to dead wan2 meanwhile ($(value ok "$WORK/tcp")/50 ok)" \
	[ "$(value ok "$WORK/tcp")" = 50 ]
upstream 2 up
check "wan2 proves itself and comes back" wait_log "link wan2 up" 5
# figures as they mean: RTT to the microsecond, percentages to a tenth
# (not a double's 17 digits: 0.26600000000000001)
figs=$(status | grep -oE '"(rtt|loss|share)":[0-9.e-]+')
check "status -j: RTT with at most 3 decimals, loss and share 1 ($(echo $figs | cut -c1-80))" \
	[ -n "$figs" ] && not grep -qE '"rtt":[0-9]+\.[0-9]{4,}|"(loss|share)":[0-9]+\.[0-9]{2,}|e-' <<<"$figs"
finish
