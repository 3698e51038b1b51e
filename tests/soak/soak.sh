#!/bin/bash
# The soak: DURATION seconds (default 600) of a link flapping under steady
# load, the daemon under ASan. Every FLAP seconds wan3 changes: its
# provider's upstream cut, back, its carrier lost, back, and so on;
# meanwhile the LAN opens a batch of short connections every second and
# holds long ones on every link. Every SAMPLE seconds the daemon's RSS,
# open descriptors and log size are recorded.
#
# Fails on a leak (RSS still growing in the last third: more than
# RSS_SLACK_KB over the second third's highest), descriptors that grow
# (more at the end than after the first round), a held connection on a
# healthy link (wan1, wan2) broken or moved, or a sanitizer report.
# Prints a summary (markdown, for docs/reliability.md) either way.
#
#   tests/soak/soak.sh [DURATION]     as root; make soak DURATION=600
source "$(dirname "$0")/../system/lib.sh"
DURATION=${1:-${DURATION:-600}}
FLAP=${FLAP:-15}
SAMPLE=${SAMPLE:-10}
RSS_SLACK_KB=${RSS_SLACK_KB:-2048}
# no quarantine: freed memory is reused at once, so that RSS shows leaks
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:quarantine_size_mb=0

topology 3
start_server
TRACK=198.19.0.2 conf 3 >"$WORK/f.conf"
start_flowpin "$WORK/f.conf" || exit 1
sleep 1.5
hold "$WORK/hold" -n 60 -i 200 -s 61000 198.19.0.1 7000

sample() {
	local rss fds
	rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$FLOWPIN_PID/status")
	fds=$(ls "/proc/$FLOWPIN_PID/fd" | wc -l)
	echo "$(($(date +%s) - START)) $rss $fds $(wc -l <"$WORK/flowpin.log")" >>"$WORK/samples"
}

# the load: a batch of 20 short connections a second, in the background
load() {
	local ok=0 all=0 r
	while [ ! -e "$WORK/stop" ]; do
		r=$(ip netns exec "${P}lan" "$TRAFFIC" tcp -n 20 -s $((20000 + RANDOM % 20000)) -t 1500 198.19.0.1 7000 |
			awk '$1 == "ok" { print $2 }')
		ok=$((ok + ${r:-0})) all=$((all + 20))
		echo "$all $ok" >"$WORK/load"
		sleep 1
	done
}
load &
LOADER=$!
PIDS+=("$LOADER")

START=$(date +%s)
step=0 next_sample=0
while [ $(($(date +%s) - START)) -lt "$DURATION" ]; do
	case $((step % 4)) in
	0) upstream 3 down ;;
	1) upstream 3 up ;;
	2) ns isp3 ip link set tortr down ;; # the router's wan3 loses carrier
	3) ns isp3 ip link set tortr up ;;
	esac
	step=$((step + 1))
	for _ in $(seq 1 "$FLAP"); do
		if [ $(($(date +%s) - START)) -ge "$next_sample" ]; then
			sample
			next_sample=$((next_sample + SAMPLE))
		fi
		sleep 1
	done
done
sample
touch "$WORK/stop"
wait "$LOADER"
[ $((step % 4)) = 1 ] && upstream 3 up
[ $((step % 4)) = 3 ] && ns isp3 ip link set tortr up
unhold

# verdicts
n=$(wc -l <"$WORK/samples")
third=$((n / 3))
peak2=$(awk -v a="$third" -v b="$((2 * third))" 'NR > a && NR <= b && $2 > m { m = $2 } END { print m + 0 }' "$WORK/samples")
peak3=$(awk -v b="$((2 * third))" 'NR > b && $2 > m { m = $2 } END { print m + 0 }' "$WORK/samples")
# descriptors come and go with wan3's prober: highest against highest
fd1=$(awk -v a="$third" 'NR <= a && $3 > m { m = $3 } END { print m + 0 }' "$WORK/samples")
fdn=$(awk -v b="$((2 * third))" 'NR > b && $3 > m { m = $3 } END { print m + 0 }' "$WORK/samples")
rss1=$(awk 'NR == 1 { print $2 }' "$WORK/samples")
read -r all ok <"$WORK/load"
l1=$(awk '$1 == "lost" && $2 == "198.18.1.2" { print $3 }' "$WORK/hold")
l2=$(awk '$1 == "lost" && $2 == "198.18.2.2" { print $3 }' "$WORK/hold")
downs=$(grep -c 'link wan3 down' "$WORK/flowpin.log")
ups=$(grep -c 'link wan3 up' "$WORK/flowpin.log")
moved=$(grep -o '[0-9]* buckets moved' "$WORK/flowpin.log" | awk '{ s += $1 } END { print s + 0 }')

check "no leak: RSS in the last third at most ${RSS_SLACK_KB} KB over the second's (${peak3} KB, ${peak2} KB)" \
	[ "$peak3" -le $((peak2 + RSS_SLACK_KB)) ]
check "no descriptor growth (at most $fd1 in the first third, $fdn in the last)" [ "$fdn" -le "$fd1" ]
check "no held connection on wan1 or wan2 broke (${l1:-0}, ${l2:-0})" [ "${l1:-0}" = 0 -a "${l2:-0}" = 0 ]
check "none moved to another link" [ "$(value moved "$WORK/hold")" = 0 ]
check "no sanitizer report" not grep -q "Sanitizer" "$WORK/flowpin.log"
check "the daemon still runs" kill -0 "$FLOWPIN_PID"

cat <<END

| figure | value |
|---|---|
| duration | ${DURATION} s, wan3 changing every ${FLAP} s ($step changes: upstream cut/back, carrier lost/back) |
| wan3 down / up, as logged | $downs / $ups |
| buckets moved, all events | $moved |
| short connections | $ok of $all succeeded ($((all - ok)) failed: opened on wan3 as it failed) |
| held connections | $(tr '\n' ' ' <"$WORK/hold") |
| RSS (ASan, no quarantine) | $rss1 KB at start, ${peak2} KB peak in the second third, ${peak3} KB in the last |
| descriptors | at most $fd1 in the first third, $fdn in the last |
| log | $(wc -l <"$WORK/flowpin.log") lines, $(wc -c <"$WORK/flowpin.log") bytes |

RSS, descriptors and log lines over time (s, KB, n, lines):

$(awk '{ printf "    %5d %7d %3d %6d\n", $1, $2, $3, $4 }' "$WORK/samples")
END
say "the daemon's log:"
sed 's/^/    /' "$WORK/flowpin.log" | tail -n "${LOG_TAIL:-0}"
stop_flowpin
finish
