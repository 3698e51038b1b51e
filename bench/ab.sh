#!/bin/bash
# A/B of flowpin builds against the per-packet reference of make bench,
# kernel multipath + conntrack: which of several rulesets or routing rules
# costs a forwarded packet less. Each build gets a topology of its own (the
# seed's three masquerading providers, as compare.sh's), the reference
# one too; the load goes to one at a time, a round each in a new order.
#
#   bench/ab.sh [-r ROUNDS] [-6] [-u] NAME=DIR/flowpin ...
#
# Prints per build the medians of the rounds' ratios to the reference:
# 64-byte UDP packets per second (64 flows), CPU ns per packet at
# 150,000 packets/s (whole machine, /proc/stat), bulk TCP (8 streams) and
# new TCP connections per second; with -6 over IPv6 (NAT66 providers),
# bulk excepted. -u: the UDP figures only, every build's TCP unpinned (a
# rule: policy = main), for builds that take pinning apart to measure a
# part of it (TCP, the load tool's control connection, would break).
# Nothing else may run on the machine meanwhile.
ROUNDS=6 FAM=4 UDP_ONLY=0
while getopts r:6u opt; do
	case $opt in
	r) ROUNDS=$OPTARG ;;
	6) FAM=6 ;;
	u) UDP_ONLY=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: bench/ab.sh [-r ROUNDS] [-6] NAME=DIR/flowpin ..." >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FLOWPIN=${1#*=}
BUILD=$(dirname "$FLOWPIN")
TRAFFIC=${TRAFFIC:-$BUILD/tools/fp-traffic}
LOAD=$BUILD/bench/fp-load
source "$ROOT/tests/system/lib.sh"
source "$ROOT/bench/contenders.sh"
SERVER=198.19.0.1 NPORTS=16 MS=1000 BULK_MS=2000 CPU_PPS=150000
[ "$FAM" = 6 ] && SERVER=2001:db8:ffff::1
JOBS=$(nproc)
per_job() { echo $(($1 / JOBS > 0 ? $1 / JOBS : 1)); }
mkdir -p "$WORK/r"

declare -A PREFIX BIN
NAMES=(ref)
for arg in "$@"; do
	NAMES+=("${arg%%=*}")
	BIN[${arg%%=*}]=${arg#*=}
done
BASE=$P
use() { P=${PREFIX[$1]}; }

# a daemon of build $1's, its own socket and log, on the current topology
start_build() {
	local c=$1 conf=$WORK/$1.conf up='.state'
	# as compare.sh's flowpin and flowpin6 contenders are configured
	if [ "$FAM" = 6 ]; then
		flowpin6_conf >"$conf"
		up='.ipv6.state'
	else
		flowpin_conf >"$conf"
	fi
	sed -i "s|^control = .*|control = $WORK/$c.sock|" "$conf"
	[ "$UDP_ONLY" = 1 ] && printf '[rule tcp]\nproto = tcp\npolicy = main\n' >>"$conf"
	ip netns exec "${P}rtr" "${BIN[$c]}" run -c "$conf" 2>>"$WORK/$c.log" &
	PIDS+=($!)
	wait_until 5 eval '"${BIN[$c]}" -c "$conf" -j status 2>/dev/null |
		jq -e "[.links[] | select($up == \"up\")] | length == 3" >/dev/null' ||
		{ echo "ab: $c: links not up" >&2; cat "$WORK/$c.log" >&2; exit 1; }
}

echo "== ${#NAMES[@]} topologies: the reference (kernel multipath + conntrack) and $(($# )) build(s)"
n=0
for c in "${NAMES[@]}"; do
	PREFIX[$c]=$BASE$((n++))
	use "$c"
	if [ "$FAM" = 6 ]; then topology6_nat || exit 1; else topology 3; fi
	ns rtr sysctl -qw net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1
	ns net sysctl -qw net.ipv4.tcp_max_tw_buckets=16384
	ip netns exec "${P}net" "$LOAD" serve -j "$JOBS" -P $NPORTS -p 7100 $SERVER &
	PIDS+=($!)
	if [ "$c" = ref ]; then
		if [ "$FAM" = 6 ]; then conntrack6_start; else conntrack_start; fi
	else
		start_build "$c"
	fi
done
sleep 0.2

measure() {
	local c=$1 kind=$2 out=$WORK/r/$1.$2.$3
	local flood=("$LOAD" flood -j "$JOBS" -P $NPORTS -n "$(per_job 64)" -d $MS)
	use "$c"
	case $kind in
	bulk) ns lan "$LOAD" bulk -j "$JOBS" -P $NPORTS -n "$(per_job 8)" -d $BULK_MS $SERVER 7100 ;;
	rate) ns lan "$LOAD" rate -j "$JOBS" -P $NPORTS -n "$(per_job 32)" -d $MS $SERVER 7100 ;;
	flood) ns lan "${flood[@]}" $SERVER 7100 ;;
	cpu) ns lan "${flood[@]}" -r $CPU_PPS $SERVER 7100 ;;
	esac >"$out" || { echo "ab: $c: $kind failed" >&2; exit 1; }
	flush_conntrack
}

KINDS=(flood cpu bulk rate)
[ "$FAM" = 6 ] && KINDS=(flood cpu rate)
[ "$UDP_ONLY" = 1 ] && KINDS=(flood cpu)
declare -A KEY=([flood]=pps [cpu]=cpu_ns [bulk]=mbit_s [rate]=per_s)
for round in $(seq 1 "$ROUNDS"); do
	k=$((round % ${#NAMES[@]}))
	order=("${NAMES[@]:$k}" "${NAMES[@]:0:$k}")
	for kind in "${KINDS[@]}"; do
		for c in "${order[@]}"; do measure "$c" "$kind" "$round"; done
	done
	printf '  round %d' "$round"
	for c in "${NAMES[@]}"; do
		printf '  %s: %s pps %s ns' "$c" "$(value pps "$WORK/r/$c.flood.$round")" \
			"$(value cpu_ns "$WORK/r/$c.cpu.$round")"
	done
	echo
done

# median of the rounds' ratios of C's KIND figure to the reference's
ratio() {
	local c=$1 kind=$2 r
	for r in $(seq 1 "$ROUNDS"); do
		awk -v a="$(value "${KEY[$kind]}" "$WORK/r/$c.$kind.$r")" \
			-v b="$(value "${KEY[$kind]}" "$WORK/r/ref.$kind.$r")" \
			'BEGIN { if (b > 0) printf "%.4f\n", a / b }'
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", NR ? v[int((NR + 1) / 2)] : 0 }'
}
echo "== IPv$FAM, medians of $ROUNDS rounds' ratios to kernel multipath + conntrack"
printf '%-16s %8s %8s %8s %8s\n' build pps cpu/pkt bulk conn/s
for c in "${NAMES[@]:1}"; do
	tcp_figure() { [ "$UDP_ONLY" = 1 ] || [ "$FAM$1" = 6bulk ] && echo - || ratio "$c" "$1"; }
	printf '%-16s %8s %8s %8s %8s\n' "$c" "$(ratio "$c" flood)" "$(ratio "$c" cpu)" \
		"$(tcp_figure bulk)" "$(tcp_figure rate)"
done
