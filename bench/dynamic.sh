#!/bin/bash
# make bench, third part: uplinks and a table that change under flowpin,
# each against a baseline measured in the same run. A router with two
# masquerading providers; wan1 has "gateway = auto" and a DHCP client's
# default route in the main table, wan2 a configured gateway; both probed.
#
#   renumber  provider 1 moves wan1 from 10.1.0.2/30 to 10.1.1.2/30 and
#             back, RUNS_A times, as dhclient-script does it: the address
#             flushed, the new one added, then "default via NEWGW dev
#             wan1" (fp-bench-heal route adds it, t0 just before). From
#             t0: until flowpin's table for wan1 has the new gateway (on
#             the route notifications), and until the first connection
#             started after t0 from ports flowpin puts on wan1 (a new one
#             every ms from the LAN host) reaches the server through
#             provider 1 (target 100 ms); baseline: the same first
#             connection on the same router without flowpin, by its main
#             table alone. Also what the other connections did meanwhile
#   heal      "nft flush ruleset" by another process, RUNS_B times: from
#             just before nft starts (and from its commit) until flowpin
#             has the marks back and its whole table (target 100 ms),
#             timed on the nftables monitor; the packets of a UDP stream
#             pinned to wan2 (PPS a second) that reached provider 1
#             meanwhile, by the main table's default route; baseline: the
#             same two transactions run directly, started as the flush's
#             end is seen (fp-bench-heal load: what any healer pays)
#
# Runs alone too (root): bash bench/dynamic.sh; FLOWPIN=DIR/flowpin takes
# the tools from DIR's build; RUNS_A, RUNS_B and PPS as above;
# DYNAMIC_KEEP=DIR keeps the run's files (per-run figures, logs) in DIR.
FLOWPIN=${FLOWPIN:-$(cd "$(dirname "$0")/.." && pwd)/build/flowpin}
BUILD=$(dirname "$FLOWPIN")
TRAFFIC=${TRAFFIC:-$BUILD/tools/fp-traffic}
source "$(dirname "$0")/../tests/system/lib.sh"
HEAL=$BUILD/bench/fp-bench-heal
RUNS_A=${RUNS_A:-10}
RUNS_B=${RUNS_B:-20}
PPS=${PPS:-5000}
SERVER=198.19.0.1

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/dynamic.sh needs root (network namespaces, nftables)" >&2
	exit 1
fi
for f in "$FLOWPIN" "$TRAFFIC" "$HEAL"; do
	[ -x "$f" ] || { echo "bench/dynamic.sh: $f: not built (make)" >&2; exit 1; }
done

# stats FILE COLUMN: "median X ms, worst Y ms" of a column of numbers,
# "-" for one that did not come (counted apart)
stats() {
	local miss
	miss=$(awk -v c="$2" '$c == "-"' "$1" | wc -l)
	awk -v c="$2" '$c != "-" { print $c }' "$1" | sort -g | awk -v miss="$miss" '
		{ v[NR] = $1 }
		END {
			if (!NR) { printf "none came"; exit }
			printf "median %.1f ms, worst %.1f ms", v[int((NR + 1) / 2)], v[NR]
			if (miss) printf " (%d did not come)", miss
		}'
}
# median FILE COLUMN: the median alone
median() {
	awk -v c="$2" '$c != "-" { print $c }' "$1" | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", v[int((NR + 1) / 2)]; else printf "-" }'
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "-" || b == "-" || b <= 0) print "-"
		else printf (a / b < 0.95 ? "%.2fx" : "%.1fx"), a / b
	}'
}

# build nat|routed: lan host, router, providers isp1 and isp2 (each with
# its own masquerade to the server's network), the server. "nat": the
# router masquerades out of its uplinks itself, as a router on DHCP
# uplinks does (provider 1 need not know its new address); "routed": the
# providers route the LAN to the router (no NAT table on the router for
# a flush to take away: the leaked packets keep their LAN source).
build() {
	local k
	add_ns lan; add_ns rtr; add_ns net
	link lan eth0 192.168.1.2/24 rtr lan0 192.168.1.1/24
	ns lan ip route add default via 192.168.1.1
	ns net ip addr add $SERVER/32 dev lo
	for k in 1 2; do
		add_ns "isp$k"
		link rtr "wan$k" "10.$k.0.2/30" "isp$k" tortr "10.$k.0.1/30"
		link "isp$k" tonet "198.18.$k.2/24" net "isp$k" "198.18.$k.1/24"
		ns "isp$k" ip route add default via "198.18.$k.1"
		ns "isp$k" ip route add 192.168.1.0/24 via "10.$k.0.2"
		ns "isp$k" nft -f - <<-EOF
		table ip isp {
			chain post {
				type nat hook postrouting priority srcnat;
				oifname "tonet" masquerade
			}
		}
		EOF
	done
	# provider 1 has both networks the router's wan1 moves between
	ns isp1 ip addr add 10.1.1.1/30 dev tortr
	if [ "$1" = nat ]; then
		ns rtr nft -f - <<-EOF
		table ip rtrnat {
			chain post {
				type nat hook postrouting priority srcnat;
				oifname { "wan1", "wan2" } masquerade
			}
		}
		EOF
	fi
	# wan1's DHCP client's route, as dhclient-script adds it (proto boot)
	ns rtr ip route add default via 10.1.0.1 dev wan1
	ip netns exec "${P}net" "$TRAFFIC" serve -p 7000 &
	PIDS+=($!)
	printf '[global]\nlan = lan0\ncontrol = %s/flowpin.sock\n' "$WORK" >"$WORK/dyn.conf"
	printf '[link wan1]\ninterface = wan1\ngateway = auto\ntrack = %s\n' $SERVER >>"$WORK/dyn.conf"
	printf '[link wan2]\ninterface = wan2\ngateway = 10.2.0.1\ntrack = %s\n' $SERVER >>"$WORK/dyn.conf"
}

# links_up: both links up in flowpin's status
links_up() { [ "$(status | jq -r '[.links[].state] | join(" ")')" = "up up" ]; }

# ports PROTO LINK N: N source ports from 20000 (below the ephemeral
# range) whose connections to the server the running daemon puts on LINK
ports() {
	seq 20000 20999 | awk -v p="$1" -v s=$SERVER '{ print p " 192.168.1.2:" $1 " " s ":7000" }' |
		"$FLOWPIN" -c "$WORK/dyn.conf" -j explain - |
		jq -r --arg l "$2" 'select(.link == $l) | .tuple | split(" ")[1] | split(":")[1]' |
		head -n "$3"
}

# renumber_once MODE I PORTS: renumbering I (odd: to 10.1.1.2/30, even:
# back to 10.1.0.2/30) under a stream of connections from PORTS; prints
# "TABLE_MS FIRST_MS WRONG FAILED GAP_MS GAP GAP_WRONG GAP_FAILED BEFORE":
# FIRST_MS from the new route to the end of the first connection started
# after it that the server saw from provider 1 (198.18.1.2); WRONG and
# FAILED the connections started after the route that, before that one,
# reached the server from another address or had not (failed, or still
# waiting: a SYN lost, retried after 1 s); GAP_MS the address
# change before the route (flush to route), GAP the connections started
# meanwhile, GAP_WRONG and GAP_FAILED as before; BEFORE the connections
# started before the change that did not reach the server through
# provider 1 (0: the ports were on wan1)
renumber_once() {
	local mode=$1 new=$(($2 % 2)) conn=$WORK/conn.$1.$2 mon=$WORK/route.$1.$2 cpid t0 table=()
	[ "$mode" = flowpin ] && table=(-t "$LINK1_TABLE")
	ip netns exec "${P}lan" "$HEAL" connect -s "$3" -i 1000 $SERVER 7000 >"$conn" &
	cpid=$!
	PIDS+=("$cpid")
	sleep 0.1 # connections before the change, through the old gateway
	# dhclient-script's BOUND with a new address: the old one flushed, the
	# new one added (one shell), then its default route (t0 just before)
	ns rtr "$HEAL" route -o wan1 -g "10.1.$new.1" "${table[@]}" -- \
		sh -c "ip -4 addr flush dev wan1 label wan1 &&
			ip -4 addr add 10.1.$new.2/30 broadcast 10.1.$new.3 dev wan1 label wan1" >"$mon" ||
		{ echo "bench: the renumbering failed" >&2; exit 1; }
	t0=$(awk '$1 == "t0" { print $2 }' "$mon")
	if [ -z "$t0" ] || [ "$t0" = - ]; then
		echo "bench: no time of the new default route" >&2
		exit 1
	fi
	first() { awk -v t0="$t0" '$1 == "ok" && $2 >= t0 && $4 == "198.18.1.2" { f = 1 } END { exit !f }' "$conn"; }
	wait_until 3 first
	kill -TERM "$cpid"
	wait "$cpid"
	# two passes: the first connection, then those before it
	awk -v t0="$t0" -v cmd="$(awk '$1 == "command" { print $2 }' "$mon")" \
		-v tab="$(awk '$1 == "table_ms" { print $2 }' "$mon")" '
		NR == FNR {
			if ($1 == "ok" && $2 >= t0 && $4 == "198.18.1.2" && (!first || $3 < first))
				first = $3
			next
		}
		$2 >= t0 && (!first || $3 < first) && $1 == "ok" && $4 != "198.18.1.2" { wrong++ }
		$2 >= t0 && (!first || $3 < first) && $1 == "fail" { failed++ }
		$2 >= cmd && $2 < t0 { gap++ }
		$2 >= cmd && $2 < t0 && $1 == "ok" && $4 != "198.18.1.2" { gapwrong++ }
		$2 >= cmd && $2 < t0 && $1 == "fail" { gapfailed++ }
		$2 < cmd && !($1 == "ok" && $4 == "198.18.1.2") { before++ }
		END {
			printf "%s %s %d %d %.3f %d %d %d %d\n", tab == "" ? "-" : tab,
				first ? sprintf("%.3f", (first - t0) / 1e6) : "-", wrong, failed,
				(t0 - cmd) / 1e6, gap, gapwrong, gapfailed, before
		}' "$conn" "$conn"
	[ -n "${DYNAMIC_KEEP:-}" ] || rm -f "$conn" "$mon"
}

# owners: the daemon's bucket table, one owner (link index) per bucket
owners() { "$TRAFFIC" unix "$WORK/flowpin.sock" '{"command":"table"}' | jq -c .owners; }

# renumber_series MODE: RUNS_A renumberings, one line each; under
# flowpin, with ports it puts on wan1 at the time and, last, the buckets
# whose link differs before and after
renumber_series() {
	local i gw ports=$KERNEL_PORTS moved line
	for i in $(seq 1 "$RUNS_A"); do
		if [ "$1" = flowpin ]; then
			ports=$(ports tcp wan1 64 | paste -sd,)
			owners >"$WORK/owners.before"
		fi
		line=$(renumber_once "$1" "$i" "$ports") || exit 1
		gw=10.1.$((i % 2)).1
		moved=-
		if [ "$1" = flowpin ]; then
			# the link as status shows it: up, on the new gateway
			if ! wait_until 3 eval '[ "$(link_get wan1 state) $(link_get wan1 gateway)" = "up $gw" ]'; then
				echo "  (renumbering $i: wan1 is $(link_get wan1 state), gateway $(link_get wan1 gateway), not up on $gw)" >&2
				echo "not-up" >>"$WORK/anomalies"
			fi
			moved=$(owners | jq --slurpfile b "$WORK/owners.before" \
				'[., $b[0]] | transpose | map(select(.[0] != .[1])) | length')
		fi
		echo "$line $moved"
		sleep 0.3
	done
}

# without flowpin, every port goes by the main table
KERNEL_PORTS=$(seq -s, 20000 20063)
echo "== renumber: wan1 10.1.0.2/30 <-> 10.1.1.2/30 by its DHCP client, $RUNS_A runs, a new connection every ms"
build nat
: >"$WORK/anomalies"
start_flowpin "$WORK/dyn.conf" || exit 1
wait_until 5 links_up || { echo "bench: the links did not come up"; status; exit 1; }
LINK1_TABLE=$(link_get wan1 table) # flowpin's routing table for wan1
renumber_series flowpin >"$WORK/renum.flowpin"
stop_flowpin
cp "$WORK/flowpin.log" "$WORK/renum.daemon"
# the same router without flowpin, back as flowpin found it
renumber_series kernel >"$WORK/renum.kernel"
base=$(median "$WORK/renum.kernel" 2)
echo "  baseline, the kernel alone: first new connection through the new gateway: $(stats "$WORK/renum.kernel" 2)"
echo "  flowpin: its table for wan1 ($LINK1_TABLE) has the new gateway: $(stats "$WORK/renum.flowpin" 1) (target 100 ms)"
echo "  flowpin: first new connection pinned to wan1 through the new gateway: $(stats "$WORK/renum.flowpin" 2) ($(ratio "$(median "$WORK/renum.flowpin" 2)" "$base") baseline; target 100 ms)"
# summary KIND FILE: what the other connections did, a run on average;
# "stalled": failed, or their first SYN was lost (retried after 1 s)
summary() {
	awk -v n="$RUNS_A" -v kind="$1" '
		{ wrong += $3; failed += $4; gapms += $5; gap += $6; gapwrong += $7; gapfailed += $8 }
		END {
			printf "  %s, a run: the address change before the route took %.1f ms; of %.1f connections started meanwhile %.1f went through provider 2, %.1f stalled;\n", kind, gapms / n, gap / n, gapwrong / n, gapfailed / n
			printf "    after the route, before the first through provider 1: %.1f through provider 2, %.1f stalled\n", wrong / n, failed / n
		}' "$2"
}
summary flowpin "$WORK/renum.flowpin"
summary "kernel alone" "$WORK/renum.kernel"
echo "  flowpin: buckets that changed link in each renumbering: $(awk '{ print $10 }' "$WORK/renum.flowpin" | paste -sd' ')"
bad=$(grep -c . "$WORK/anomalies")
echo "    wan1 up on the new gateway in its status after $((RUNS_A - bad)) of $RUNS_A renumberings"

# The second topology: no NAT on the router.
reset_topology
build routed
echo "== heal: nft flush ruleset by another process, $RUNS_B times, a $PPS pps UDP stream pinned to wan2"
: >"$WORK/flowpin.log"
start_flowpin "$WORK/dyn.conf" || exit 1
wait_until 5 links_up || { echo "bench: the links did not come up"; status; exit 1; }
if [ "$(status | jq -r .table_owned)" = true ]; then
	echo "  the table is flowpin's own and persistent on this system: flush ruleset leaves it, nothing to heal"
	exit 0
fi
sport=$(ports udp wan2 1)
for k in 1 2; do
	ns "isp$k" nft -f - <<-EOF
	table ip count {
		counter lan { }
		chain pre {
			type filter hook prerouting priority raw;
			iifname "tortr" ip saddr 192.168.1.2 udp sport $sport udp dport 7000 counter name "lan"
		}
	}
	EOF
done
counted() { ns "isp$1" nft list counter ip count lan | awk '$1 == "packets" { print $2 }'; }
ip netns exec "${P}lan" "$HEAL" stream -s "$sport" -r "$PPS" $SERVER 7000 >"$WORK/stream" &
spid=$!
PIDS+=("$spid")
sleep 0.5
if [ "$(counted 1)" != 0 ] || [ "$(counted 2)" = 0 ]; then
	echo "bench: the stream is not on wan2 alone before the flushes (provider 1: $(counted 1), provider 2: $(counted 2))" >&2
	exit 1
fi
# the baseline meanwhile, on the same machine under the same stream
add_ns scratch
ns scratch "$HEAL" load -c "$WORK/dyn.conf" -n "$RUNS_B" >"$WORK/load"
awk '$1 == "run" { print $2, $3 }' "$WORK/load" >"$WORK/base"
quiet() { awk -v k="$1" '$1 == k { printf "%.1f", $2 }' "$WORK/load"; }
for i in $(seq 1 "$RUNS_B"); do
	c0=$(counted 1)
	ns rtr "$HEAL" nft -p "$FLOWPIN_PID" -- nft flush ruleset >"$WORK/nft.$i" || exit 1
	sleep 0.25 # what leaked has arrived
	c1=$(counted 1)
	awk -v leak=$((c1 - c0)) '{ v[$1] = $2 } END {
		gap = v["marks_ms"] == "-" ? "-" : v["marks_ms"] - v["commit_ms"]
		wgap = v["whole_ms"] == "-" ? "-" : v["whole_ms"] - v["commit_ms"]
		print v["commit_ms"], v["marks_ms"], v["whole_ms"], gap, wgap, leak
	}' "$WORK/nft.$i"
	sleep 0.25
done >"$WORK/heal"
kill -TERM "$spid"
wait "$spid"
rate=$(awk '$1 == "pps" { print $2 }' "$WORK/stream")
# within FILE COLUMN MS: how many of a column are at most MS
within() { awk -v c="$2" -v ms="$3" '$c != "-" && $c <= ms { n++ } END { print n + 0 }' "$1"; }
echo "  baseline, the same two transactions run directly as the flush's end is seen (in another namespace, meanwhile):"
echo "    marks $(stats "$WORK/base" 1), the whole table $(stats "$WORK/base" 2) after the flush's commit; marks within 5 ms $(within "$WORK/base" 1 5) of $RUNS_B"
echo "    (on a quiet namespace, from no table: marks $(quiet quiet_marks_ms) ms, then the whole table $(quiet quiet_marks_then_whole_ms) ms)"
echo "  nft flush ruleset committed: $(stats "$WORK/heal" 1) after nft started"
echo "  marks back: $(stats "$WORK/heal" 2) after nft started; after its commit $(stats "$WORK/heal" 4) ($(ratio "$(median "$WORK/heal" 4)" "$(median "$WORK/base" 1)") baseline; within 5 ms $(within "$WORK/heal" 4 5) of $RUNS_B; target 100 ms)"
echo "  whole table back: $(stats "$WORK/heal" 3) after nft started; after its commit $(stats "$WORK/heal" 5) ($(ratio "$(median "$WORK/heal" 5)" "$(median "$WORK/base" 2)") baseline; target 100 ms)"
grep -o 'marks back in [0-9.]* ms, the whole table in [0-9.]*' "$WORK/flowpin.log" |
	awk '{ print $4, $10 }' >"$WORK/heal.log"
echo "  flowpin's log, from the first notification: marks $(stats "$WORK/heal.log" 1); whole table $(stats "$WORK/heal.log" 2); $(grep -c . "$WORK/heal.log") heals logged for $RUNS_B flushes"
sort -n -k6 "$WORK/heal" | awk -v pps="$rate" -v n="$RUNS_B" '
	{ v[NR] = $6; sum += $6; gap += $4 }
	END {
		m = v[int((NR + 1) / 2)]
		printf "  leaked to provider 1: median %d packets a flush, worst %d (%.1f per 1000 pps; the stream sent %d pps: the mean gap at that rate is %.0f packets)\n",
			m, v[NR], m * 1000 / pps, pps, pps * gap / NR / 1000
	}'
sleep 0.3
echo "  after the flushes: provider 1 saw $(counted 1) of the stream's packets in all, provider 2 $(counted 2)"
[ -z "${DYNAMIC_KEEP:-}" ] || cp -r "$WORK" "$DYNAMIC_KEEP"
