#!/bin/bash
# make bench: flowpin's speed targets, each against a baseline measured in
# the same run, on a router namespace with 16 uplinks.
#
#   apply   a 16-link table, and a table change: one nftables transaction
#           each (target < 20 ms); baseline: an empty transaction
#   status  flowpin status with 100,000 connections in conntrack (target
#           < 20 ms); baseline: the same with an empty conntrack table
if [ "$(id -u)" -ne 0 ]; then
	echo "make bench needs root (network namespaces, nftables)" >&2
	exit 1
fi
FLOWPIN=${FLOWPIN:-$(cd "$(dirname "$0")/.." && pwd)/build/flowpin}
source "$(dirname "$0")/../tests/system/lib.sh"
BENCH=$ROOT/build/bench
LINKS=16
CONNS=100000
RUNS=21

# median_ms RUNS COMMAND...: median wall time of a command, in ms
median_ms() {
	local runs=$1 i t0 t1
	shift
	for i in $(seq 1 "$runs"); do
		t0=$(date +%s%N)
		"$@" >/dev/null
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] / 1000 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }

add_ns rtr
add_ns peer
link rtr lan0 192.168.1.1/24 peer lanhost 192.168.1.2/24
{
	printf '[global]\nlan = lan0\ncontrol = %s/flowpin.sock\n' "$WORK"
	for k in $(seq 1 $LINKS); do
		link rtr "wan$k" "10.$k.0.2/30" peer "isp$k" "10.$k.0.1/30"
		printf '[link wan%d]\ninterface = wan%d\ngateway = 10.%d.0.1\nweight = %d\n' \
			"$k" "$k" "$k" $((k % 4 + 1))
	done
} >"$WORK/bench.conf"
# The conntrack limit is the host's (settable only there): raise it for the
# run if it is too low, and put it back afterwards.
ctmax=$(sysctl -n net.netfilter.nf_conntrack_max)
if [ "$ctmax" -lt $((CONNS * 2)) ]; then
	sysctl -qw net.netfilter.nf_conntrack_max=$((CONNS * 2))
	trap 'sysctl -qw net.netfilter.nf_conntrack_max=$ctmax; cleanup' EXIT
fi

echo "== apply: nftables transactions, median of 50 (in a scratch namespace)"
add_ns scratch
ns scratch "$BENCH/fp-bench-nft" -c "$WORK/bench.conf" -n 50 | sed 's/^/  /'

echo "== apply: the daemon starting on $LINKS links (routes, table, rules)"
start_flowpin "$WORK/bench.conf" || exit 1
sed -n 's/.*running \([0-9]* links\).*applied in \(.*\))$/  \1: applied in \2/p' "$WORK/flowpin.log"

echo "== status with $CONNS connections in conntrack, median of $RUNS"
status() { "$FLOWPIN" -c "$WORK/bench.conf" status; }
base=$(median_ms $RUNS status)
echo "  baseline, empty conntrack:     $base ms"
marks=$(for k in $(seq 1 $LINKS); do printf '0x%x,' $((k << 8)); done)
ns rtr "$ROOT/build/tools/fp-ctfill" -n $CONNS -m "${marks%,}" >/dev/null
for _ in $(seq 1 100); do
	flows=$("$FLOWPIN" -c "$WORK/bench.conf" -j status | jq '[.links[].flows] | add')
	[ "$flows" = $CONNS ] && break
	sleep 0.1
done
full=$(median_ms $RUNS status)
echo "  $CONNS connections:        $full ms ($(ratio "$full" "$base") baseline; status counts $flows)"
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$FLOWPIN_PID/status")
echo "  daemon resident memory:        $((rss / 1024)) MiB"
stop_flowpin
