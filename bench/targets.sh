#!/bin/bash
# make bench, second part: flowpin's own speed targets, each against a
# baseline measured in the same run, on a router namespace with 16 uplinks.
#
#   apply   a 16-link table, and a table change: one nftables transaction
#           each (target < 20 ms); baseline: an empty transaction. The
#           table of compare.sh's rules contender, 3 links and 100 rules
#           holding 10,000 destination prefixes, loaded whole in one
#           transaction (target < 50 ms), and a table change in it for
#           information; baseline: the same without its rules (the
#           flowpin contender's)
#   status  flowpin status with 100,000 connections in conntrack (target
#           < 20 ms); baseline: the same with an empty conntrack table
#   health  on three masquerading providers with the default probes:
#           detection time of a cut upstream, median and worst of 20
#           (target 1 s); failover applied with 100,000 connections in
#           conntrack, 20,000 on the failed link (target 50 ms), against
#           the same failover with an empty conntrack table; probe traffic
#   sim     replay speed of a generated trace of 6 million packets (target
#           5 Mpps on one core); baseline: reading it with libpcap alone;
#           memory for a trace twice as long at the same connection rate
#
# The forwarding targets, for IPv4 and IPv6, are compare.sh's (they need
# the contenders of the same run): every rate at least 0.95x kernel
# multipath + conntrack and at least 1.0x the seed recipe, the ratio to
# plain kernel multipath for information; and with 100 rules (10,000
# prefixes) flowpin's new connections per second at least 0.95x those of
# flowpin without rules.
#
# FLOWPIN=DIR/flowpin takes the tools from DIR's build (default build/).
FLOWPIN=${FLOWPIN:-$(cd "$(dirname "$0")/.." && pwd)/build/flowpin}
BUILD=$(dirname "$FLOWPIN")
TRAFFIC=${TRAFFIC:-$BUILD/tools/fp-traffic}
source "$(dirname "$0")/../tests/system/lib.sh"
source "$(dirname "$0")/contenders.sh"
BENCH=$BUILD/bench
CTFILL=$BUILD/tools/fp-ctfill
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

# load_ms CONFIG: fp-bench-nft's medians for CONFIG, "LOAD CHANGE": its
# whole table loaded, and a table change (one link down)
load_ms() {
	ns scratch "$BENCH/fp-bench-nft" -c "$1" -n 50 | awk '
		function ms() { for (i = 1; i < NF; i++) if ($(i + 1) == "ms") return $i }
		/^load table/ { load = ms() }
		/^table change/ { change = ms() }
		END { print load, change }'
}
echo "== apply: flowpin + 100 rules (3 links, 3 policies), its whole table in one transaction, median of 50"
flowpin_conf >"$WORK/norules.conf" # every link's weight 1 (contenders.sh)
rules_conf >"$WORK/rules.conf"
read -r none none_change < <(load_ms "$WORK/norules.conf")
read -r full full_change < <(load_ms "$WORK/rules.conf")
printf '  no rules (baseline)                  %7.2f ms; a table change (one link down) %.2f ms\n' \
	"$none" "$none_change"
printf '  %d rules, %d destination prefixes %7.2f ms  (%s baseline; target 50 ms); a table change %.2f ms (%s)\n' \
	"$RULES" $((RULES * RULE_PREFIXES)) "$full" "$(ratio "$full" "$none")" \
	"$full_change" "$(ratio "$full_change" "$none_change")"

echo "== apply: the daemon starting on $LINKS links (routes, table, rules)"
start_flowpin "$WORK/bench.conf" || exit 1
sed -n 's/.*running \([0-9]* links\).*applied in \(.*\))$/  \1: applied in \2/p' "$WORK/flowpin.log"

echo "== status with $CONNS connections in conntrack, median of $RUNS"
status_text() { "$FLOWPIN" -c "$WORK/bench.conf" status; }
base=$(median_ms $RUNS status_text)
echo "  baseline, empty conntrack:     $base ms"
marks=$(for k in $(seq 1 $LINKS); do printf '0x%x,' $((k << 8)); done)
ns rtr "$CTFILL" -n $CONNS -m "${marks%,}" >/dev/null
wait_until 10 eval '[ "$(flows)" = $CONNS ]'
flows=$(flows)
full=$(median_ms $RUNS status_text)
echo "  $CONNS connections:        $full ms ($(ratio "$full" "$base") baseline; status counts $flows)"
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$FLOWPIN_PID/status")
echo "  daemon resident memory:        $((rss / 1024)) MiB"
stop_flowpin

# Namespaces of the first part go; the seed's topology comes.
del_namespaces
rm -f "$WORK/flowpin.log"
topology 3
TRACK="198.19.0.1 198.19.0.2" conf 3 >"$WORK/fp.conf"

# cut_once FILL: a fresh daemon, optionally FILL conntrack entries, then
# provider 2's upstream cut; prints "DETECTION_MS APPLY_MS DROPPED".
cut_once() {
	local t0 line
	: >"$WORK/flowpin.log"
	ns rtr conntrack -F >/dev/null 2>&1
	start_flowpin "$WORK/fp.conf" || exit 1
	[ "$1" -gt 0 ] && ns rtr "$CTFILL" -n "$1" \
		-m 0x100,0x200,0x300,0x100,0x300 >/dev/null
	sleep 1.2 # probes answered on every link
	sleep "0.0$((RANDOM % 50))" # any phase of the probe schedule
	t0=$(date +%s.%N)
	upstream 2 down
	wait_log 'link wan2 down' 2
	line=$(grep -m1 'link wan2 down' "$WORK/flowpin.log")
	upstream 2 up
	stop_flowpin
	if [ -z "$line" ]; then
		echo "bench: flowpin did not take wan2 down within 2 s of the cut" >&2
		exit 1
	fi
	awk -v t0="$t0" -v t1="$(date -d "$(cut -d' ' -f1 <<<"$line")" +%s.%N)" \
		-v line="$line" 'BEGIN {
			match(line, /applied in [0-9.]+/); apply = substr(line, RSTART + 11, RLENGTH - 11)
			match(line, /[0-9]+ connections dropped/); dropped = substr(line, RSTART, RLENGTH)
			printf "%d %s %d\n", (t1 - t0) * 1000, apply, dropped
		}'
}

echo "== health: detection of a cut upstream, 20 cuts (defaults: 50ms, 400ms, down 10)"
for i in $(seq 1 20); do cut_once 0; done >"$WORK/cuts"
sort -n "$WORK/cuts" | awk '{ d[NR] = $1; a[NR] = $2 } END {
	printf "  detection: median %d ms, worst %d ms, best %d ms (target 1000 ms)\n", d[int((NR + 1) / 2)], d[NR], d[1]
}'
base=$(sort -n -k2 "$WORK/cuts" | awk '{ a[NR] = $2 } END { print a[int((NR + 1) / 2)] }')
echo "  failover applied (empty conntrack, baseline): median $base ms"

echo "== health: failover with $CONNS connections in conntrack, 20% on the failed link"
for i in $(seq 1 5); do cut_once $CONNS; done >"$WORK/fullcuts"
full=$(sort -n -k2 "$WORK/fullcuts" | awk '{ a[NR] = $2 } END { print a[int((NR + 1) / 2)] }')
dropped=$(awk '{ print $3 }' "$WORK/fullcuts" | sort -n | tail -1)
echo "  failover applied: median $full ms of 5, worst $(sort -n -k2 "$WORK/fullcuts" | tail -1 | awk '{ print $2 }') ms ($(ratio "$full" "$base") baseline; $dropped connections dropped; target 50 ms)"

echo "== health: probe traffic, counted on the wire for 10 s"
start_flowpin "$WORK/fp.conf" || exit 1
sleep 1
ns rtr timeout 10 tcpdump -l -ni wan1 icmp >"$WORK/probes" 2>/dev/null
stop_flowpin
out=$(grep -c 'echo request' "$WORK/probes")
in=$(grep -c 'echo reply' "$WORK/probes")
echo "  per link: $((out / 10)) probes/s out, $((in / 10)) answers/s in; $(( (out + in) * 50 / 10 )) bytes/s of 50-byte frames"

echo "== sim: replay of a generated trace (in memory: the page cache)"
"$FLOWPIN" sim --generate "$WORK/trace.pcap" --flows 200000 --duration 300 | sed "s|$WORK/||; s/^/  /"
"$BENCH/fp-bench-sim" -c "$WORK/fp.conf" -n 5 "$WORK/trace.pcap" | sed 's/^/  /'
echo "== sim: memory follows live connections, not the trace's length"
# Same connection rate, one trace twice as long; both well past the 120 s
# that closed connections stay in conntrack. The table doubles as it
# fills: at this rate both stay below the same size step (16384 live).
"$FLOWPIN" sim --generate "$WORK/short.pcap" --flows 30000 --duration 300 >/dev/null
"$FLOWPIN" sim --generate "$WORK/long.pcap" --flows 60000 --duration 600 >/dev/null
for t in short long; do
	"$BENCH/fp-bench-sim" -c "$WORK/fp.conf" -n 1 "$WORK/$t.pcap" |
		awk -v t=$t '/table at its largest/ { print "  " t " trace (" (t == "short" ? 300 : 600) " s): " $0 }'
done
rm -f "$WORK"/*.pcap
