#!/bin/bash
# flowpin sim on captures made with tcpdump in the namespace topology while
# flowpin routes real traffic: its flowpin policy puts every connection on
# the link that connection really used, and the other policies show what
# they would have done. Then generated traces in every link type.
source "$(dirname "$0")/lib.sh"

topology 3
start_server
conf 3 2 1 1 >"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1

# capture IFACE NS FILE: tcpdump in the background until stop_captures
CAPS=()
capture() {
	ip netns exec "$P$2" tcpdump --immediate-mode -B 32768 -U -n -i "$1" -w "$3" 2>"$3.log" &
	CAPS+=($!)
	PIDS+=($!)
	for _ in $(seq 1 50); do grep -q listening "$3.log" && return 0; sleep 0.05; done
	return 1
}
# armed FILE: the lan host's capture FILE sees packets already ("listening"
# comes before the interface is watched, by a second or more under load):
# ARP probes of the router's address, which are no connection, until one
# is in the file (24 bytes: its header)
armed() {
	local mac
	mac=$(ns rtr cat /sys/class/net/lan0/address)
	for _ in $(seq 1 50); do
		ns lan ip neigh replace 192.168.1.1 dev eth0 lladdr "$mac" nud probe
		sleep 0.1
		[ "$(stat -c %s "$1")" -gt 24 ] && return 0
	done
	return 1
}
stop_captures() {
	local size="" now
	# tcpdump writes behind the traffic: wait until the files stop growing
	for _ in $(seq 1 100); do
		sleep 0.2
		now=$(cat "$WORK"/*.pcap 2>/dev/null | wc -c)
		[ "$now" = "$size" ] && break
		size=$now
	done
	kill -INT "${CAPS[@]}"
	wait "${CAPS[@]}" 2>/dev/null
}

capture eth0 lan "$WORK/lan.pcap"
armed "$WORK/lan.pcap"
ns lan "$TRAFFIC" tcp -v -n 400 -s 20000 -t 2000 198.19.0.1 7000 >"$WORK/tcp"
ns lan "$TRAFFIC" udp -v -n 100 -k 5 -s 30000 -t 2000 198.19.0.1 7000 >"$WORK/udp"
stop_captures
check "tcpdump lost nothing" grep -q "^0 packets dropped" "$WORK/lan.pcap.log"

# the real connections per link, from what the server saw
real() { cat "$WORK/tcp" "$WORK/udp" | awk -v a="198.18.$1.2" '$1 == "conn" && $3 == a' | wc -l; }
sim() { "$FLOWPIN" -c "$WORK/fp.conf" -j sim "$@"; }
sim "$WORK/lan.pcap" >"$WORK/report"
policy() { jq ".policies[] | select(.name == \"$1\")" "$WORK/report"; }

check "the capture holds the 500 connections" \
	[ "$(jq '.trace.connections' "$WORK/report")" = 500 ]
for k in 1 2 3; do
	n=$(policy flowpin | jq ".links[] | select(.name == \"wan$k\") | .connections")
	check "flowpin policy: wan$k carries $n connections, as it really did ($(real $k))" \
		[ "$n" = "$(real $k)" ]
done
check "flowpin policy: no connection broken" [ "$(policy flowpin | jq .broken)" = 0 ]
check "kernel policies: none broken without events" \
	[ "$(policy kernel-l3 | jq .broken)" = 0 -a "$(policy kernel-l4 | jq .broken)" = 0 ]
rr=$(policy round-robin | jq .broken)
check "round robin: the TCP connections break ($rr of 500)" [ "$rr" -ge 400 ]

say "the same capture, a link failing and recovering"
third=$(jq '.trace.duration / 3' "$WORK/report")
sim "$WORK/lan.pcap" --event "$third:wan1:down" --event "$(jq -n "$third * 2"):wan1:up" >"$WORK/report"
fp=$(policy flowpin | jq -c .moved)
k4=$(policy kernel-l4 | jq -c .moved)
say "moved by the two events: flowpin $fp, kernel-l4 $k4"
check "flowpin moves no connection when wan1 comes back" [ "$(jq '.[1]' <<<"$fp")" = 0 ]
check "the kernel moves connections of healthy links back and forth" \
	[ "$(jq '.[1]' <<<"$k4")" -gt 0 ]

say "a capture of every interface of the router (Linux cooked)"
CAPS=()
capture any rtr "$WORK/any.pcap"
# "listening on any" comes before every interface is watched (under load,
# a second or more): pings until one is in the file (24 bytes: its header)
for _ in $(seq 1 50); do
	ns lan ping -c 1 -W 0.2 192.168.1.1 >/dev/null 2>&1
	[ "$(stat -c %s "$WORK/any.pcap")" -gt 24 ] && break
	sleep 0.1
done
ns lan "$TRAFFIC" tcp -n 100 -s 22000 -t 2000 198.19.0.1 7000 >/dev/null
stop_captures
sim "$WORK/any.pcap" >"$WORK/report"
check "it is read as Linux cooked ($(jq -r .trace.linktype "$WORK/report"))" \
	grep -q 'Linux cooked' <<<"$(jq -r .trace.linktype "$WORK/report")"
# tcpdump on "any" now and then misses many connections' packets (its own
# drop count does not always say; 41 of 100 held once, in a fresh clone's
# make check): count the connections the capture holds (their source
# ports), and compare what sim read with that; the capture need only hold
# some (the lan side's captures above are complete, and checked so)
held=$(tcpdump -nr "$WORK/any.pcap" 'tcp and src host 192.168.1.2' 2>/dev/null |
	grep -o '192\.168\.1\.2\.[0-9]*' | sort -u | wc -l)
# and the pings, one connection each (an identifier of their own)
pings=$(tcpdump -nr "$WORK/any.pcap" 'icmp and src host 192.168.1.2' 2>/dev/null |
	grep -o 'echo request, id [0-9]*' | sort -u | wc -l)
check "with the connections the capture holds ($(jq .trace.connections "$WORK/report") of $held and $pings pings, of 100 made)" \
	[ "$held" -ge 10 -a "$(jq '.trace.connections' "$WORK/report")" = "$((held + pings))" ]

say "generated traces"
for lt in ethernet sll raw; do
	"$FLOWPIN" sim --generate "$WORK/gen-$lt.pcap" --flows 3000 --duration 10 --linktype $lt >/dev/null
	sim "$WORK/gen-$lt.pcap" --event 4:wan2:down >"$WORK/gen-$lt.json"
	check "$lt: $(jq .trace.connections "$WORK/gen-$lt.json") connections, $(jq .trace.reassembled "$WORK/gen-$lt.json") datagrams reassembled" \
		[ "$(jq .trace.connections "$WORK/gen-$lt.json")" -ge 2900 -a "$(jq .trace.reassembled "$WORK/gen-$lt.json")" -gt 0 ]
done
check "the link type changes nothing in the results" \
	[ "$(jq -c .policies "$WORK/gen-ethernet.json")" = "$(jq -c .policies "$WORK/gen-raw.json")" ]
"$FLOWPIN" sim --generate "$WORK/again.pcap" --flows 3000 --duration 10 >/dev/null
check "the same seed writes the same trace" cmp -s "$WORK/gen-ethernet.pcap" "$WORK/again.pcap"
# the generated IPv6 clients (fd00::/64) in wan1's prefix6: pinned to it
awk '{ print } /^\[link wan1\]/ { print "prefix6 = fd00::/64\nnat6 = none" }' \
	"$WORK/fp.conf" >"$WORK/gen6.conf"
for c in fp gen6; do
	"$FLOWPIN" -c "$WORK/$c.conf" -j sim "$WORK/gen-ethernet.pcap" --event 4:wan2:down \
		--event 6:wan1:down >"$WORK/$c.json"
done
fp6() { jq "$2" <<<"$(jq '.policies[] | select(.name == "flowpin")' "$1")"; }
added=$(jq '[.policies[] | [.links[].connections] | add] | unique' "$WORK/gen6.json")
check "with prefix6: every policy's connections add up to the trace's ($(jq -c . <<<"$added"))" \
	[ "$(jq -c . <<<"$added")" = "[$(jq .trace.connections "$WORK/gen6.json")]" ]
w=$(fp6 "$WORK/fp.json" '.links[0].connections')
w6=$(fp6 "$WORK/gen6.json" '.links[0].connections')
check "  wan1 carries the IPv6 clients beside its IPv4 share ($w6, $w without prefix6)" \
	[ "$w6" -gt "$w" ]
m=$(fp6 "$WORK/fp.json" '.moved[1]')
m6=$(fp6 "$WORK/gen6.json" '.moved[1]')
check "  which stay on it when it goes down: it moves fewer ($m6, $m without prefix6)" \
	[ "$m6" -lt "$m" ]

say "bad input"
check "a missing trace" fails_with 1 '/nonexistent\.pcap: No such file or directory' \
	"$FLOWPIN" -c "$WORK/fp.conf" sim /nonexistent.pcap
check "an event for an unknown link" fails_with 2 '--event "1:wan9:down": no link "wan9" in ' \
	"$FLOWPIN" -c "$WORK/fp.conf" sim "$WORK/lan.pcap" --event 1:wan9:down
check "events out of order" fails_with 2 '--event 1:wan1:up comes before the event it follows' \
	"$FLOWPIN" -c "$WORK/fp.conf" sim "$WORK/lan.pcap" --event 2:wan1:down --event 1:wan1:up
# cut in its first record: nothing to report
head -c 30 "$WORK/lan.pcap" >"$WORK/cut.pcap"
check "a trace cut before its first packet" fails_with 1 'cut\.pcap: truncated dump file' \
	"$FLOWPIN" -c "$WORK/fp.conf" sim "$WORK/cut.pcap"
# cut in its last record, as a killed tcpdump leaves it: reported, warned
head -c "$(($(stat -c %s "$WORK/lan.pcap") - 10))" "$WORK/lan.pcap" >"$WORK/tail.pcap"
"$FLOWPIN" -c "$WORK/fp.conf" -j sim "$WORK/tail.pcap" >"$WORK/tail.json" 2>"$WORK/tail.err"
check "a trace cut in its last record is reported ($(jq .trace.connections "$WORK/tail.json" 2>/dev/null) connections)" \
	[ "$(jq .trace.connections "$WORK/tail.json")" -ge 490 ]
check "  with a warning" grep -q "tail\.pcap: warning: truncated dump file.*its last record is cut" "$WORK/tail.err"
check "a generated trace that cannot be written" \
	fails_with 1 '/dev/full: No space left on device' \
	"$FLOWPIN" sim --generate /dev/full --flows 100 --duration 1

say "== IPv6 beside IPv4 (topology6): each family by its own table"
# wan1's provider routes its own prefix only (nat6 = none): the lan
# host's 2001:db8:100::2 goes by wan1 as it is, other IPv6 by wan2 and
# wan3 (masquerading)
SERVER6=2001:db8:ffff::1
reset_topology
dual_prefix6 "$WORK/fp6.conf" || exit 1
start_flowpin "$WORK/fp6.conf" || exit 1
all_up6() { status | jq -e '[.links[].ipv6.state == "up"] | all' >/dev/null; }
check "the links' IPv6 come up" wait_until 5 all_up6
CAPS=()
capture eth0 lan "$WORK/lan6.pcap"
armed "$WORK/lan6.pcap"
ns lan "$TRAFFIC" tcp -v -n 200 -s 20000 -t 2000 198.19.0.1 7000 >"$WORK/tcp4"
ns lan "$TRAFFIC" tcp -v -n 200 -s 20000 -t 2000 "$SERVER6" 7000 >"$WORK/tcp6"
ns lan "$TRAFFIC" udp -v -n 100 -k 3 -s 30000 -t 2000 "$SERVER6" 7000 >"$WORK/udp6"
ns lan "$TRAFFIC" tcp -v -n 100 -s 22000 -t 2000 -b 2001:db8:100::2 "$SERVER6" 7000 >"$WORK/pin6"
stop_captures
check "tcpdump lost nothing" grep -q "^0 packets dropped" "$WORK/lan6.pcap.log"
# the real connections per link: the source the server saw
real6() {
	cat "$WORK/tcp4" "$WORK/tcp6" "$WORK/udp6" "$WORK/pin6" | awk -v k="$1" '$1 == "conn" &&
		($3 == "198.18." k ".2" || $3 == "2001:db8:" k "::2" || (k == 1 && $3 == "2001:db8:100::2"))' | wc -l
}
"$FLOWPIN" -c "$WORK/fp6.conf" -j sim "$WORK/lan6.pcap" >"$WORK/report"
check "the capture holds the 600 connections, its neighbour discovery none" \
	[ "$(jq '.trace.connections' "$WORK/report")" = 600 ]
for k in 1 2 3; do
	n=$(policy flowpin | jq ".links[] | select(.name == \"wan$k\") | .connections")
	check "flowpin policy: wan$k carries $n connections, as it really did ($(real6 $k))" \
		[ "$n" = "$(real6 $k)" ]
done
check "  wan1's IPv6: its prefix's 100 only" [ "$(grep -c ' 2001:db8:1::2$' "$WORK/tcp6" "$WORK/udp6" |
	awk -F: '{ n += $2 } END { print n }')" = 0 -a "$(count seen 2001:db8:100::2 "$WORK/pin6")" = 100 ]
check "flowpin policy: no connection broken" [ "$(policy flowpin | jq .broken)" = 0 ]
finish
