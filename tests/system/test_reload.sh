#!/bin/bash
# SIGHUP applies only what differs: a link added takes its share of new
# connections, a link removed loses its own connections and nothing else,
# a broken file or a restart-only change leaves the daemon as it was.
source "$(dirname "$0")/lib.sh"

topology 3
start_server
conf 3 >"$WORK/all.conf"
conf 2 >"$WORK/fp.conf"
before=$(snapshot)
start_flowpin "$WORK/fp.conf" || exit 1
reloaded() {
	local n=$(grep -c "$1" "$WORK/flowpin.log")
	kill -HUP "$FLOWPIN_PID"
	for _ in $(seq 1 100); do
		[ "$(grep -c "$1" "$WORK/flowpin.log")" -gt "$n" ] && return 0
		sleep 0.05
	done
	return 1
}
held() { say "held: $(tr '\n' ' ' <"$WORK/hold")"; }

say "add wan3"
hold "$WORK/hold" -n 40 -i 50 -s 61000 198.19.0.1 7000
cp "$WORK/all.conf" "$WORK/fp.conf"
check "reload with three links" reloaded "reloaded: 3 links"
check "wan3 owns a third of the buckets" [ "$(status | jq '.links[2].buckets')" = 341 ]
ns lan "$TRAFFIC" tcp -n 90 -t 2000 198.19.0.1 7000 >"$WORK/tcp"
check "new connections use wan3" grep -q '^seen 198.18.3.2' "$WORK/tcp"
unhold
held
check "no held connection broke or moved" \
	[ "$(value broken "$WORK/hold")" = 0 -a "$(value moved "$WORK/hold")" = 0 ]

say "remove wan2"
hold "$WORK/hold" -n 40 -i 50 -s 61100 198.19.0.1 7000
sed '/^\[link wan2\]$/,/^weight/d' "$WORK/all.conf" >"$WORK/fp.conf"
check "reload with two links" reloaded "reloaded: 2 links"
ns rtr ip route show table 1002 >"$WORK/table1002" 2>&1
check "wan2's table is empty" [ $? = 0 -a ! -s "$WORK/table1002" ]
ns rtr ip rule >"$WORK/rules"
check "wan2's rule is gone" lacks 'lookup 1002' "$WORK/rules"
check "wan2's connections are dropped" grep -q "mark 0x200 is no longer configured" "$WORK/flowpin.log"
sleep 2.5
unhold
held
check "wan1's and wan3's held connections did not break" \
	lacks '^lost 198\.18\.[13]\.2 ' "$WORK/hold"
check "none moved" [ "$(value moved "$WORK/hold")" = 0 ]

say "a broken file"
cp "$WORK/fp.conf" "$WORK/good.conf"
echo "weight = many" >>"$WORK/fp.conf"
check "the error is reported" reloaded "reload: .* has errors"
check "the daemon still runs its two links" [ "$(status | jq '.links | length')" = 2 ]
sed 's/^lan = lan0$/lan = lan0\nmark_mask = 0xff0000/' "$WORK/good.conf" >"$WORK/fp.conf"
check "a new mark mask needs a restart" reloaded "can only change with a restart"
check "and changed nothing" [ "$(status | jq '.links[0].mark')" = 256 ]

stop_flowpin
check "stop leaves the router as it was found" [ "$before" = "$(snapshot)" ]
finish
