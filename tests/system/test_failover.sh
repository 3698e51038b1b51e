#!/bin/bash
# Health and failover with the default probe settings, three providers:
#
# - provider 2's upstream is cut (its link to the router stays up): flowpin
#   sees it beyond the first hop and takes wan2 down; the time is reported;
# - connections held on providers 1 and 3 live through the failure and the
#   recovery: none breaks or changes address;
# - new connections during the outage all succeed, none through wan2; once
#   it is back, wan2 takes its share of new connections again;
# - carrier loss takes a link down at once, without waiting for probes;
# - a SIGHUP that changes a weight moves no existing connection.
source "$(dirname "$0")/lib.sh"

topology 3
start_server
TRACK="198.19.0.1 198.19.0.2" conf 3 >"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1

state() { status | jq -r ".links[] | select(.name == \"$1\") | .state"; }

sleep 1.5 # every link has answered probes
check "all links up with a round-trip time" \
	[ "$(status | jq '[.links[] | select(.state == "up" and .rtt != null)] | length')" = 3 ]

hold "$WORK/hold" -n 60 -i 50 -s 61000 198.19.0.1 7000
sleep 0.5

say "cut provider 2's upstream"
cut=$(date +%s.%N)
upstream 2 down
check "wan2 is declared down" wait_log "link wan2 down" 5
say "detected in $(log_ms "$cut" "link wan2 down") ms (target 1000): $(grep -m1 'link wan2 down' "$WORK/flowpin.log" | cut -d' ' -f3-)"
check "wan2's reason names its probes" \
	grep -q 'probes:' <<<"$(status | jq -r '.links[1].reason')"

ns lan "$TRAFFIC" tcp -n 200 -t 2000 198.19.0.1 7000 >"$WORK/outage"
check "outage: 200 of 200 new connections succeed" [ "$(value ok "$WORK/outage")" = 200 ]
check "outage: none through provider 2" lacks '^seen 198\.18\.2\.2 ' "$WORK/outage"

say "restore provider 2"
back=$(date +%s.%N)
upstream 2 up
check "wan2 is declared up again" wait_log "link wan2 up" 5
say "recovered in $(log_ms "$back" "link wan2 up") ms (target 3000)"
ns lan "$TRAFFIC" tcp -n 300 -s 30000 -t 2000 198.19.0.1 7000 >"$WORK/after"
n2=$(count seen 198.18.2.2 "$WORK/after")
check "after recovery wan2 carries its share again ($n2 of 300)" [ "$n2" -ge 70 ]

unhold
say "held connections: $(tr '\n' ' ' <"$WORK/hold")"
for k in 1 3; do
	n=$(count seen "198.18.$k.2" "$WORK/hold")
	check "the $n connections on provider $k lived through failure and recovery" \
		[ "$n" -ge 10 ] && check "  and none of them broke" \
		lacks "^lost 198\.18\.$k\.2 " "$WORK/hold"
done
check "no connection was moved to another address" [ "$(value moved "$WORK/hold")" = 0 ]

say "carrier loss on wan3"
lost=$(date +%s.%N)
ns isp3 ip link set tortr down
check "wan3 is declared down for its carrier" wait_log "link wan3 down: interface wan3 has no carrier" 2
say "carrier loss acted on in $(log_ms "$lost" "link wan3 down") ms"
ns isp3 ip link set tortr up
ns isp3 ip route add 192.168.1.0/24 via 10.3.0.2 # went with the link
check "wan3 comes back with its carrier" wait_log "link wan3 up" 5

say "reload with a new weight"
hold "$WORK/hold2" -n 60 -i 50 -s 61100 198.19.0.1 7000
sed -i '0,/^weight = 1$/s//weight = 3/' "$WORK/fp.conf"
kill -HUP "$FLOWPIN_PID"
check "the daemon reloads" wait_log "reloaded: 3 links" 5
check "wan1 now owns 3/5 of the buckets" \
	[ "$(status | jq '.links[0].buckets')" = 614 ]
sleep 0.5
unhold
say "held across reload: $(tr "\n" " " <"$WORK/hold2")"
check "reload: no held connection broke ($(value broken "$WORK/hold2"))" [ "$(value broken "$WORK/hold2")" = 0 ]
check "reload: none moved" [ "$(value moved "$WORK/hold2")" = 0 ]
check "no other link changed state" [ "$(grep -c 'link wan. \(up\|down\)' "$WORK/flowpin.log")" = 4 ]
finish
