#!/bin/bash
# make bench, side by side: flowpin against what users run today (see
# contenders.sh). Each contender has a topology of its own, the seed's
# three masquerading providers, all built at the start and all alike; the
# load goes to one at a time, in turns, so that every contender is measured
# close in time to the others. Writes a markdown table to $1 and prints it.
#
#   1-3  bulk TCP (8 streams, 2 s), new TCP connections per second (32 at a
#        time), 64-byte UDP packets per second (64 flows) and the machine's
#        CPU time per packet: ROUNDS rounds, every contender once a round in
#        a new order; medians, and the median of each round's ratio to
#        kernel multipath (this machine's speed drifts by some 10% within
#        seconds: a ratio within one round is steadier than one of medians)
#   1-3  flowpin + 100 rules too (contenders.sh: 10,000 destination
#        prefixes, none of which the traffic goes to, so that every new
#        connection pays every rule's lookup before the default policy),
#        in the same rounds, IPv4 only: its ratios to flowpin without rules
#   1-3  over IPv6 too, in the same rounds: connections per second, small
#        UDP packets per second (the same 18-byte payload: 84-byte frames)
#        and CPU per packet, for kernel IPv6 multipath, with conntrack, the
#        seed recipe's IPv6 translation and flowpin (contenders.sh), each
#        on a topology of its own (topology6_nat: the providers NAT66)
#   4    long-lived connections (90) broken when provider 2's path fails,
#        when it recovers (connections made while it was down) and when
#        link 1's weight goes from 1 to 2; only connections on links that
#        stayed healthy count (a failed link's connections cannot survive).
#        Counts, not times: the contenders go through this together.
#   5    time from provider 2's path failing to new connections avoiding
#        it: a new connection every 10 ms, each given 800 ms (less than
#        the first SYN retransmission); the time is that of the last one
#        to fail. The kernel contenders have admin_health to fail over.
#
# Traffic goes to 16 ports of the server: the seed's recipe pins by source,
# destination and port, and one port would put everything on one link.
#
# flowpin's forwarding targets, for each family: every rate (bulk, new
# connections, packets) at least 0.95x that of kernel multipath +
# conntrack and at least 1.0x the seed recipe's, each the median of the
# rounds' ratios in this run; the ratio to plain kernel multipath is for
# information (every design that pins connections in conntrack pays
# what the reference pays). With 100 rules (10,000 prefixes) flowpin
# keeps at least 0.95x the new connections per second of flowpin without
# rules, the median of the rounds' ratios in this run.
#
# FLOWPIN=DIR/flowpin takes the tools from DIR's build (default build/).
QUICK=${QUICK:-0}
OUT=$1
FLOWPIN=${FLOWPIN:-$(cd "$(dirname "$0")/.." && pwd)/build/flowpin}
BUILD=$(dirname "$FLOWPIN")
TRAFFIC=${TRAFFIC:-$BUILD/tools/fp-traffic}
source "$(dirname "$0")/../tests/system/lib.sh"
source "$(dirname "$0")/contenders.sh"
LOAD=$BUILD/bench/fp-load
for f in "$FLOWPIN" "$TRAFFIC" "$LOAD"; do
	[ -x "$f" ] || { echo "bench/compare.sh: $f: not built (make)" >&2; exit 1; }
done
SERVER=198.19.0.1
SERVER6=2001:db8:ffff::1
NPORTS=16
# All run the forwarding figures; the events and the failover are for
# those that route (conntrack only is a reference: what tracking
# connections at all costs, which every pinning design pays; rules is
# flowpin again, with rules that no connection of the bench matches).
ALL=(kernel resilient conntrack seed flowpin rules)
CONTENDERS=(kernel resilient seed flowpin)
declare -A NAME=([kernel]="kernel multipath" [resilient]="resilient group"
	[conntrack]="kernel multipath + conntrack" [seed]="seed recipe" [flowpin]="flowpin"
	[rules]="flowpin + 100 rules")
# IPv6's forwarding figures: each in the column of its IPv4 namesake
# (the resilient group and rules have none)
ALL6=(kernel6 conntrack6 seed6 flowpin6)
if [ "$QUICK" = 1 ]; then
	ROUNDS=2 EVENT_RUNS=1 FAILOVER_RUNS=1
else
	ROUNDS=8 EVENT_RUNS=3 FAILOVER_RUNS=3
fi
# bulk TCP gets longer: its streams take a while to reach their pace
MS=1000 BULK_MS=2000
mkdir -p "$WORK/r"
# A client and a server process per CPU keep every CPU busy; the streams,
# connections and flows below are the totals.
JOBS=$(nproc)
per_job() { echo $(($1 / JOBS > 0 ? $1 / JOBS : 1)); }

# use C: the namespaces of C's topology for what follows (lib.sh's ns),
# named after C's first two letters (resilient and rules share one)
BASE=$P
declare -A PREFIX BEFORE
use() { P=${PREFIX[$1]}; }

echo "== ${#ALL[@]} topologies of three masquerading providers, a contender on each"
for c in "${ALL[@]}"; do
	PREFIX[$c]=$BASE${c:0:2}
	use "$c"
	topology 3
	ns rtr sysctl -qw net.ipv4.fib_multipath_hash_policy=1
	# The server closes first; its TIME_WAIT sockets are no part of a
	# router's cost, and a few hundred thousand would slow every lookup.
	ns net sysctl -qw net.ipv4.tcp_max_tw_buckets=16384
	ip netns exec "${P}net" "$LOAD" serve -j "$JOBS" -P $NPORTS -p 7100 $SERVER &
	PIDS+=($!)
	ip netns exec "${P}net" "$TRAFFIC" serve -P $NPORTS -p 7000 &
	PIDS+=($!)
	BEFORE[$c]=$(snapshot)
	"${c}_start" || exit 1
done
echo "== ${#ALL6[@]} topologies of three providers that masquerade IPv6 too (NAT66), an IPv6 contender on each"
for c in "${ALL6[@]}"; do
	PREFIX[$c]=$BASE${c:0:2}6
	use "$c"
	topology6_nat || exit 1
	ns rtr sysctl -qw net.ipv4.fib_multipath_hash_policy=1 \
		net.ipv6.fib_multipath_hash_policy=1
	ns net sysctl -qw net.ipv4.tcp_max_tw_buckets=16384
	ip netns exec "${P}net" "$LOAD" serve -j "$JOBS" -P $NPORTS -p 7100 $SERVER6 &
	PIDS+=($!)
	BEFORE[$c]=$(snapshot; snapshot6)
	"${c}_start" || exit 1
done
sleep 0.2

# CPU per packet at a rate every contender keeps up with (at full speed
# the machine is always busy, and CPU per packet is only 1/pps): cycles
# when the machine has the counter, else CPU time
CPU_PPS=150000
if perf stat -a -e cycles -x, true 2>&1 | grep -q '^[0-9]*,,cycles'; then
	CPU_KEY=cpu CPU_LABEL="CPU cycles per UDP packet at $CPU_PPS/s, whole machine (perf)"
else
	CPU_KEY=cpu_ns CPU_LABEL="CPU ns per UDP packet at $CPU_PPS/s, whole machine (/proc/stat)"
fi

# measure C KIND ROUND: one measurement of C, into $WORK/r/C.KIND.ROUND;
# KIND rate6, flood6 and cpu6 are rate, flood and cpu over IPv6
measure() {
	local c=$1 kind=$2 out=$WORK/r/$1.$2.$3 flood dst=$SERVER
	use "$c"
	flood=("$LOAD" flood -j "$JOBS" -P $NPORTS -n "$(per_job 64)" -d $MS)
	case $kind in *6) dst=$SERVER6 ;; esac
	case ${kind%6} in
	bulk) ns lan "$LOAD" bulk -j "$JOBS" -P $NPORTS -n "$(per_job 8)" -d $BULK_MS $dst 7100 >"$out" ;;
	rate) ns lan "$LOAD" rate -j "$JOBS" -P $NPORTS -n "$(per_job 32)" -d $MS $dst 7100 >"$out" ;;
	flood) ns lan "${flood[@]}" $dst 7100 >"$out" ;;
	cpu)
		if [ "$CPU_KEY" = cpu ]; then
			perf stat -a -e cycles -x, -o "$out.perf" -- ip netns exec "${P}lan" \
				"${flood[@]}" -r $CPU_PPS $dst 7100 >"$out" &&
				awk -F, -v r="$(value received "$out")" '$3 == "cycles" { c = $1 }
					END { print "cpu", r > 0 ? int(c / r) : 0 }' "$out.perf" >>"$out"
		else
			ns lan "${flood[@]}" -r $CPU_PPS $dst 7100 >"$out"
		fi
		;;
	esac || { echo "bench: $c: $kind failed" >&2; exit 1; }
	# what a run leaves in conntrack is gone before the next one
	flush_conntrack
}

echo "== forwarding: $ROUNDS rounds, ${MS} ms a contender and a figure (bulk ${BULK_MS} ms), IPv4 then IPv6"
for round in $(seq 1 $ROUNDS); do
	k=$((round % ${#ALL[@]}))
	order=("${ALL[@]:$k}" "${ALL[@]:0:$k}")
	k=$((round % ${#ALL6[@]}))
	order6=("${ALL6[@]:$k}" "${ALL6[@]:0:$k}")
	for kind in bulk rate flood cpu; do
		for c in "${order[@]}"; do measure "$c" $kind "$round"; done
	done
	for kind in rate6 flood6 cpu6; do
		for c in "${order6[@]}"; do measure "$c" $kind "$round"; done
	done
	for c in "${ALL[@]}"; do
		printf '  round %2d %-10s %6s Mbit/s %6s conn/s %8s pps %6s %s\n' "$round" "$c" \
			"$(value mbit_s "$WORK/r/$c.bulk.$round")" "$(value per_s "$WORK/r/$c.rate.$round")" \
			"$(value pps "$WORK/r/$c.flood.$round")" \
			"$(value "$CPU_KEY" "$WORK/r/$c.cpu.$round")" "${CPU_KEY/cpu_ns/ns}/pkt"
	done
	for c in "${ALL6[@]}"; do
		printf '  round %2d %-10s %6s        %6s conn/s %8s pps %6s %s\n' "$round" "$c" "" \
			"$(value per_s "$WORK/r/$c.rate6.$round")" "$(value pps "$WORK/r/$c.flood6.$round")" \
			"$(value "$CPU_KEY" "$WORK/r/$c.cpu6.$round")" "${CPU_KEY/cpu_ns/ns}/pkt"
	done
done

# The rules contender's rules matched no connection: every new one paid
# every rule's lookup.
read -r nrules matched < <(rules_status | jq -r '"\(.rules | length) \([.rules[].connections] | add)"')
echo "  rules: $nrules rules loaded, ${matched:-?} connections matched one"
if [ "$nrules" != "$RULES" ] || [ "$matched" != 0 ]; then
	echo "bench: rules: $RULES rules matching nothing wanted" >&2
	exit 1
fi

# restart C...: contenders taken down and set up afresh, so that each
# run of the events and of the failover starts from the same state (a
# resilient group keeps a returning next hop out of its busy buckets until
# they have been idle for 120 s; flowpin remembers a link's flaps)
restart() {
	local c
	for c in "$@"; do
		use "$c"
		"${c}_stop"
		flush_conntrack
		"${c}_start" || exit 1
	done
}

# start_held C: 90 long-lived connections from C's LAN into $WORK/hold.C,
# up when this returns; unhold ends them
start_held() {
	hold "$WORK/hold.$1" -n 90 -i 100 -P $NPORTS $SERVER 7000 ||
		{ echo "bench: $1: held connections not up" >&2; exit 1; }
	sleep 0.5
}
# on_healthy KEY... FILE: the connections counted under any KEY ("seen",
# "lost") from providers 1 and 3, which stay healthy
on_healthy() {
	local f=${*: -1} k a n=0
	for k in "${@:1:$#-1}"; do
		for a in 198.18.1.2 198.18.3.2; do n=$((n + $(count "$k" "$a" "$f"))); done
	done
	echo $n
}
# broken_connected FILE: "BROKEN HEALTHY" of the connections that connected
broken_connected() {
	echo "$(($(value broken "$1") - $(value unconnected "$1"))) $((90 - $(value unconnected "$1")))"
}

# up_again C: until C carries new connections over provider 2 again
up_again() {
	case $1 in
	flowpin) wait_until 15 flowpin_up 3 && return 0 ;;
	kernel) wait_until 15 eval 'ns rtr ip route show default | grep -q wan2' && return 0 ;;
	resilient)
		wait_until 15 eval "ns rtr ip nexthop show id 10 | grep -q 'id 10 group 1/2/3'" && return 0 ;;
	seed) return 0 ;;
	esac
	echo "bench: $1 did not take provider 2 back" >&2
	return 1
}

# events C RUN: the three events on C, into $WORK/r/C.events.RUN
events() {
	local c=$1 f=$WORK/r/$1.events.$2 h=$WORK/hold.$1
	use "$c"
	start_held "$c"
	upstream 2 down
	"${c}_event" fail 2
	sleep 3
	unhold
	echo "fail $(on_healthy lost "$h") $(on_healthy lost seen "$h")" >"$f"

	start_held "$c" # made while provider 2 is down
	upstream 2 up
	"${c}_event" recover 2
	up_again "$c" || return 1
	sleep 2
	unhold
	echo "recover $(broken_connected "$h")" >>"$f"

	start_held "$c"
	"${c}_event" weight 1 2
	sleep 2
	unhold
	echo "weight $(broken_connected "$h")" >>"$f"
	"${c}_event" weight 1 1
}

echo "== connections broken by a failure, a recovery and a weight change ($EVENT_RUNS runs of 90 connections)"
for run in $(seq 1 $EVENT_RUNS); do
	restart "${CONTENDERS[@]}"
	pids=()
	for c in "${CONTENDERS[@]}"; do
		events "$c" "$run" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do wait "$pid" || exit 1; done
	for c in "${CONTENDERS[@]}"; do
		printf '  run %d %-10s broken of healthy: %s\n' "$run" "$c" \
			"$(awk '{ printf "%s %d/%d  ", $1, $2, $3 }' "$WORK/r/$c.events.$run")"
	done
done

# failover_once C MS: one cut under a stream of new connections
failover_once() {
	local c=$1 ms=$2 t_start t0 admin=""
	use "$c"
	if [ "$c" = kernel ] || [ "$c" = resilient ]; then
		admin_health_setup
		admin_health "$c" &
		admin=$!
		PIDS+=("$admin") # cleanup stops it, should this run fail
		sleep 1.5
	fi
	t_start=$(date +%s%3N)
	ns lan "$LOAD" attempts -P $NPORTS -i 10 -t 800 -d "$ms" $SERVER 7100 >"$WORK/attempts" &
	sleep 1
	t0=$(date +%s%3N)
	upstream 2 down
	wait $!
	upstream 2 up
	up_again "$c" || exit 1
	if [ -n "$admin" ]; then
		kill "$admin"
		wait "$admin" 2>/dev/null
		admin_health_teardown
	fi
	flush_conntrack
	# the time of the last failure after the cut, or "never" when new
	# connections still failed in the last second
	awk -v t0="$t0" -v end=$((t_start + ms)) '
		$1 == "fail" && $2 >= t0 - 800 { last = $2; if ($2 >= end - 1000) late++ }
		END {
			if (late) print "never", late
			else if (last) print (last > t0 ? last - t0 : 0)
			else print "none"
		}' "$WORK/attempts"
}

echo "== failover: provider 2's path cut under a stream of new connections"
for c in "${CONTENDERS[@]}"; do
	case $c in
	kernel | resilient) ms=8000 runs=$FAILOVER_RUNS ;;
	seed) ms=4000 runs=1 ;; # it has nothing that could fail over
	flowpin) ms=4000 runs=$FAILOVER_RUNS ;;
	esac
	for run in $(seq 1 "$runs"); do
		restart "$c"
		failover_once "$c" $ms >"$WORK/r/$c.failover.$run"
		printf '  run %d %-10s %s\n' "$run" "$c" "$(cat "$WORK/r/$c.failover.$run")"
	done
done

# Every contender leaves its router as it found it.
for c in "${ALL[@]}" "${ALL6[@]}"; do
	use "$c"
	"${c}_stop"
	flush_conntrack
	case $c in
	*6) after=$(snapshot; snapshot6) ;;
	*) after=$(snapshot) ;;
	esac
	if [ "$after" != "${BEFORE[$c]}" ]; then
		echo "bench: $c left its router changed:" >&2
		diff <(echo "${BEFORE[$c]}") <(echo "$after") >&2
		exit 1
	fi
done

# med: the median of the numbers on stdin
med() {
	sort -n | awk '{ v[NR] = $1 }
		END { printf "%.10g\n", NR % 2 ? v[(NR + 1) / 2] : NR ? (v[NR / 2] + v[NR / 2 + 1]) / 2 : 0 }'
}
# median C KIND KEY: the median over rounds of KEY in C's KIND results
median() { for f in "$WORK/r/$1.$2".*; do value "$3" "$f"; done | med; }
# ratios C KIND KEY [BASE]: each round's ratio of C's KEY to BASE's
# (kernel multipath)
ratios() {
	local r
	for r in $(seq 1 $ROUNDS); do
		awk -v a="$(value "$3" "$WORK/r/$1.$2.$r")" -v b="$(value "$3" "$WORK/r/${4:-kernel}.$2.$r")" \
			'BEGIN { if (b > 0) printf "%.3f\n", a / b }'
	done
}
# ratio C KIND KEY [BASE]: their median
ratio() { ratios "$@" | med | awk '{ printf "%.2f", $1 }'; }
# spread C KIND KEY: the middle half of the rounds' ratios, "LOW–HIGH"
spread() {
	ratios "$@" | sort -n | awk '{ v[NR] = $1 }
		END { printf "%.2f–%.2f", v[int(NR / 4) + 1], v[NR - int(NR / 4)] }'
}
# has6 C: whether C has an IPv6 namesake in ALL6
has6() { case " ${ALL6[*]} " in *" ${1}6 "*) return 0 ;; esac; return 1; }
# row LABEL KIND KEY [6]: a forwarding figure, IPv4's or with 6 IPv6's
# (the IPv6 contenders in their IPv4 columns, against kernel6)
row() {
	local c f=${4:-}
	printf '| %s |' "$1"
	for c in "${ALL[@]}"; do
		if [ -n "$f" ] && ! has6 "$c"; then
			printf ' — |'
		elif [ "$c" = kernel ]; then
			printf ' %s |' "$(median "$c$f" "$2" "$3")"
		else
			printf ' %s (%s×, %s) |' "$(median "$c$f" "$2" "$3")" "$(ratio "$c$f" "$2" "$3" "kernel$f")" \
				"$(spread "$c$f" "$2" "$3" "kernel$f")"
		fi
	done
	echo
}
# event_row EVENT LABEL: the median broken, of the median healthy
event_row() {
	local c
	printf '| healthy connections broken: %s |' "$2"
	for c in "${ALL[@]}"; do
		[ "$c" = conntrack ] || [ "$c" = rules ] && { printf ' — |'; continue; }
		printf ' %s of %s |' \
			"$(cat "$WORK/r/$c.events".* | awk -v e="$1" '$1 == e { print $2 }' | med)" \
			"$(cat "$WORK/r/$c.events".* | awk -v e="$1" '$1 == e { print $3 }' | med)"
	done
	echo
}
failover_row() {
	local c f n
	printf '| failover: path cut → new connections avoid it |'
	for c in "${ALL[@]}"; do
		[ "$c" = conntrack ] || [ "$c" = rules ] && { printf ' — |'; continue; }
		f=$(cat "$WORK/r/$c.failover".*)
		n=$(grep -c '^[0-9]' <<<"$f")
		if grep -q never <<<"$f"; then
			printf ' never |'
		elif [ "$n" = 0 ]; then
			printf ' no new connection used it |'
		else
			printf ' %s ms%s |' "$(grep '^[0-9]' <<<"$f" | med)" \
				"$([ "$n" -gt 1 ] && echo " (worst $(grep '^[0-9]' <<<"$f" | sort -n | tail -1))")"
		fi
	done
	echo
}
# target LABEL KIND KEY [6]: flowpin (flowpin6) ≥ 0.95× kernel multipath +
# conntrack and ≥ 1.0× the seed recipe, of the same family; plain kernel
# multipath for information
target() {
	local f=${4:-} c s k
	c=$(ratio "flowpin$f" "$2" "$3" "conntrack$f")
	s=$(ratio "flowpin$f" "$2" "$3" "seed$f")
	k=$(ratio "flowpin$f" "$2" "$3" "kernel$f")
	printf -- '- %s: %s× kernel multipath + conntrack (middle half of the rounds %s), %s× the seed recipe (%s): **%s**; %s× plain kernel multipath (%s), for information\n' \
		"$1" "$c" "$(spread "flowpin$f" "$2" "$3" "conntrack$f")" \
		"$s" "$(spread "flowpin$f" "$2" "$3" "seed$f")" \
		"$(awk -v c="$c" -v s="$s" 'BEGIN { print (c >= 0.95 && s >= 1 ? "met" : "missed") }')" \
		"$k" "$(spread "flowpin$f" "$2" "$3" "kernel$f")"
}
# rules_target: flowpin + 100 rules >= 0.95x flowpin's new connections
# per second; its other figures' ratios to flowpin for information
rules_target() {
	local r
	r=$(ratio rules rate per_s flowpin)
	printf -- '- IPv4 connection rate with 100 rules (10,000 prefixes): %s× flowpin without rules (middle half of the rounds %s): **%s**; throughput %s× (%s), packet rate %s× (%s), CPU per packet %s× (%s), for information\n' \
		"$r" "$(spread rules rate per_s flowpin)" \
		"$(awk -v r="$r" 'BEGIN { print (r >= 0.95 ? "met" : "missed") }')" \
		"$(ratio rules bulk mbit_s flowpin)" "$(spread rules bulk mbit_s flowpin)" \
		"$(ratio rules flood pps flowpin)" "$(spread rules flood pps flowpin)" \
		"$(ratio rules cpu "$CPU_KEY" flowpin)" "$(spread rules cpu "$CPU_KEY" flowpin)"
}
{
	printf '| figure |'
	for c in "${ALL[@]}"; do printf ' %s |' "${NAME[$c]}"; done
	printf '\n|---|'
	for c in "${ALL[@]}"; do printf -- '---|'; done
	echo
	row "bulk TCP, 8 streams, Mbit/s" bulk mbit_s
	row "new TCP connections per second" rate per_s
	row "64-byte UDP packets per second" flood pps
	row "$CPU_LABEL" cpu "$CPU_KEY"
	row "IPv6: new TCP connections per second" rate6 per_s 6
	row "IPv6: UDP packets per second, 18-byte payload (84-byte frames)" flood6 pps 6
	row "IPv6: $CPU_LABEL" cpu6 "$CPU_KEY" 6
	event_row fail "provider 2's path fails"
	event_row recover "provider 2 recovers"
	event_row weight "link 1's weight 1 → 2"
	failover_row
	echo
	echo "flowpin's targets in this run. Forwarding, for each family: every rate at least"
	echo "0.95× kernel multipath + conntrack and at least 1.0× the seed recipe, each the"
	echo "median of the rounds' ratios, the ratio to plain kernel multipath for information:"
	echo
	target "IPv4 throughput" bulk mbit_s
	target "IPv4 connection rate" rate per_s
	target "IPv4 packet rate" flood pps
	target "IPv6 connection rate" rate6 per_s 6
	target "IPv6 packet rate" flood6 pps 6
	echo
	echo "With rules: 100 rules holding 10,000 destination prefixes, none of which the"
	echo "bench's traffic goes to (every new connection pays every rule's lookup), at"
	echo "least 0.95× the connection rate of flowpin without rules, the median of the"
	echo "rounds' ratios:"
	echo
	rules_target
	echo
	echo "Connections and failover (IPv4):"
	echo
	broken=$(cat "$WORK/r/flowpin.events".* | awk '{ n += $2 } END { print n + 0 }')
	printf -- '- no healthy connection broken in any event of any run: %s broken: **%s**\n' \
		"$broken" "$([ "$broken" = 0 ] && echo met || echo missed)"
	# a run that never failed over, or had nothing to fail over, misses it
	worst=$(awk '$1 !~ /^[0-9]+$/ { print $0; bad = 1; exit } { w = $1 > w ? $1 : w }
		END { if (!bad) print w }' "$WORK/r/flowpin.failover".*)
	printf -- '- failover under one second: worst %s ms: **%s**\n' "$worst" \
		"$([ "$worst" -lt 1000 ] 2>/dev/null && echo met || echo missed)"
} >"$OUT"
echo
cat "$OUT"
