#!/bin/bash
# flowpin explain predicts the kernel's choice exactly: for connections
# with chosen source ports, the link explain names is the link the server
# saw each one arrive from. 100%, before and after a link failure.
source "$(dirname "$0")/lib.sh"

topology 3
start_server
TRACK=198.19.0.1 conf 3 2 1 1 >"$WORK/fp.conf"

# predict PROTO FIRST N: explain's link for each source port, as the
# address the server would see ("198.18.K.2" for link wanK)
predict() {
	local p
	for p in $(seq "$2" $(($2 + $3 - 1))); do
		echo "$1 192.168.1.2:$p 198.19.0.1:7000"
	done | "$FLOWPIN" -c "$WORK/fp.conf" -j explain - |
		jq -r '"conn \(.tuple | capture(":(?<p>[0-9]+) ->").p) 198.18.\(.link | ltrimstr("wan")).2"'
}
# compare NAME PREDICTED ACTUAL
compare() {
	local n same
	n=$(grep -c '^conn' "$3")
	same=$(grep '^conn' "$3" | sort | comm -12 - <(sort "$2") | wc -l)
	check "$1: $same of $n connections on the predicted link" [ "$n" -gt 0 -a "$same" = "$n" ]
}

say "no daemon: the configured table"
predict tcp 20000 50 >"$WORK/pred0"
check "explain works without a daemon" grep -q 'conn 20000 198.18.[123].2' "$WORK/pred0"
check "one tuple or a batch: the same answer" [ "$(head -1 "$WORK/pred0")" = \
	"$("$FLOWPIN" -c "$WORK/fp.conf" -j explain tcp 192.168.1.2:20000 198.19.0.1:7000 |
		jq -r '"conn 20000 198.18.\(.link | ltrimstr("wan")).2"')" ]

start_flowpin "$WORK/fp.conf" || exit 1
sleep 1.2
predict tcp 20000 300 >"$WORK/pred"
check "the configured and the live table agree on a fresh start" \
	diff -q <(head -50 "$WORK/pred") "$WORK/pred0"
ns lan "$TRAFFIC" tcp -v -n 300 -s 20000 -t 2000 198.19.0.1 7000 >"$WORK/real"
compare "tcp, all links up" "$WORK/pred" "$WORK/real"
predict udp 30000 200 >"$WORK/pred"
ns lan "$TRAFFIC" udp -v -n 200 -k 3 -s 30000 -t 2000 198.19.0.1 7000 >"$WORK/real"
compare "udp, all links up" "$WORK/pred" "$WORK/real"

say "wan1 fails"
upstream 1 down
wait_log "link wan1 down" 3
predict tcp 21000 300 >"$WORK/pred"
check "explain no longer names wan1" lacks '198\.18\.1\.2' "$WORK/pred"
ns lan "$TRAFFIC" tcp -v -n 300 -s 21000 -t 2000 198.19.0.1 7000 >"$WORK/real"
compare "tcp, wan1 down" "$WORK/pred" "$WORK/real"

say "explain refuses bad arguments"
check "unknown protocol" fails_with 2 '"tcpp" is not a protocol' \
	"$FLOWPIN" -c "$WORK/fp.conf" explain tcpp 1.2.3.4 5.6.7.8
check "port out of range" fails_with 2 '"1\.2\.3\.4:70000" is not ADDRESS\[:PORT\]' \
	"$FLOWPIN" -c "$WORK/fp.conf" explain tcp 1.2.3.4:70000 5.6.7.8
check "ports on icmp" fails_with 2 'icmp has no ports' \
	"$FLOWPIN" -c "$WORK/fp.conf" explain icmp 1.2.3.4:1 5.6.7.8
check "mixed families" fails_with 2 '1\.2\.3\.4 and ::1 are not of one address family' \
	"$FLOWPIN" -c "$WORK/fp.conf" explain udp 1.2.3.4 ::1
check "a bad line in a batch" fails_with 2 'stdin:2: want PROTO SRC\[:PORT\] DST\[:PORT\]' \
	"$FLOWPIN" -c "$WORK/fp.conf" explain - <<<$'tcp 192.168.1.2:20000 198.19.0.1:7000\ntcp 1.2.3.4'
check "icmp with IPv6 addresses" fails_with 2 'icmp is IPv4.s ICMP: IPv6 has icmpv6' \
	"$FLOWPIN" -c "$WORK/fp.conf" explain icmp 2001:db8::1 2001:db8::2

say "== IPv6: its own table, and wan1's prefix6 pinned to wan1"
# wan1's provider routes its own prefix only (nat6 = none): the lan
# host's 2001:db8:100::2 goes by wan1 as it is; no other IPv6 source may,
# so IPv6 is balanced over wan2 and wan3 (masquerading, by weight)
SERVER6=2001:db8:ffff::1
reset_topology
dual_prefix6 "$WORK/fp6.conf" || exit 1

# predict6 PROTO FIRST N SRC: explain's link for each source port from SRC
# to the server, as the source the server would see: SRC itself through
# wan1 (no translation), 2001:db8:K::2 through wanK (masquerade)
predict6() {
	local p
	for p in $(seq "$2" $(($2 + $3 - 1))); do
		echo "$1 [$4]:$p [$SERVER6]:7000"
	done | "$FLOWPIN" -c "$WORK/fp6.conf" -j explain - |
		jq -r --arg s "$4" '"conn \(.tuple | capture("\\]:(?<p>[0-9]+) ->").p) \(
			if .link == "wan1" then $s
			else "2001:db8:\(.link | ltrimstr("wan"))::2" end) \(.by)"'
}
# conns FILE: the "conn PORT ADDR" lines of a prediction
conns() { cut -d' ' -f1-3 "$1"; }

say "no daemon: the configured tables"
predict6 tcp 20000 200 fd00:1::2 >"$WORK/pred6"
check "IPv6 from the LAN's own prefix: hashed, never on wan1" \
	[ "$(grep -c ' hash$' "$WORK/pred6")" = 200 ] && check "  on wan2 and wan3" \
	[ "$(grep -c ' 2001:db8:2::2 ' "$WORK/pred6")" -gt 50 -a \
	  "$(grep -c ' 2001:db8:3::2 ' "$WORK/pred6")" -gt 30 ]
predict6 tcp 20000 50 2001:db8:100::2 >"$WORK/pin6"
check "IPv6 from wan1's prefix6: all pinned to wan1" \
	[ "$(grep -c ' 2001:db8:100::2 prefix6$' "$WORK/pin6")" = 50 ]
out=$("$FLOWPIN" -c "$WORK/fp6.conf" explain tcp [2001:db8:100::2]:40000 [$SERVER6]:7000)
check "  its text names the prefix" grep -q 'link wan1, pinned by its source prefix 2001:db8:100::/56' <<<"$out"
j=$("$FLOWPIN" -c "$WORK/fp6.conf" -j explain tcp [2001:db8:100::2]:40000 [$SERVER6]:7000)
check "  its JSON: by prefix6, no bucket, no hash" \
	[ "$(jq -c '[.link, .by, .prefix6, .bucket, .hash]' <<<"$j")" = '["wan1","prefix6","2001:db8:100::/56",null,null]' ]
j=$("$FLOWPIN" -c "$WORK/fp6.conf" -j explain tcp [fd00:1::2]:40000 [$SERVER6]:7000)
check "  a hashed one's JSON has the same keys" \
	[ "$(jq -c 'keys' <<<"$j")" = "$(jq -c 'keys' <<<"$("$FLOWPIN" -c "$WORK/fp6.conf" -j \
		explain tcp [2001:db8:100::2]:40000 [$SERVER6]:7000)")" ] && check "  by hash" \
	[ "$(jq -r '.by' <<<"$j")" = hash -a "$(jq -r '.prefix6' <<<"$j")" = null ]
# every link's IPv6 pinned to its prefix: nothing balances new IPv6
sed "s|^control = .*|control = $WORK/none.sock|" "$WORK/fp6.conf" |
	awk '/^nat6 = masquerade/ { print "nat6 = none"; print "prefix6 = 2001:db8:" ++k + 1 "00::/56"; next } { print }' \
	>"$WORK/none6.conf"
out=$("$FLOWPIN" -c "$WORK/none6.conf" explain tcp [fd00:1::2]:40000 [$SERVER6]:7000)
check "no link balances IPv6: \"no link: the main routing table\"" \
	grep -q '^    no link: the main routing table IPv6 bucket [0-9]*/1024 hash ' <<<"$out"

start_flowpin "$WORK/fp6.conf" || exit 1
all_up6() { status | jq -e '[.links[].ipv6.state == "up"] | all' >/dev/null; }
check "the links' IPv6 come up" wait_until 5 all_up6
check "explain reads the daemon's IPv6 table" [ "$("$FLOWPIN" -c "$WORK/fp6.conf" -j \
	explain tcp [fd00:1::2]:40000 [$SERVER6]:7000 | jq -r .table)" = live ]
predict6 tcp 20000 200 fd00:1::2 >"$WORK/live6"
check "the configured and the live IPv6 table agree on a fresh start" \
	diff -q "$WORK/pred6" "$WORK/live6"
ns lan "$TRAFFIC" tcp -v -n 200 -s 20000 -t 2000 "$SERVER6" 7000 >"$WORK/real"
compare "IPv6 tcp, hashed" <(conns "$WORK/live6") "$WORK/real"
predict6 udp 30000 200 fd00:1::2 >"$WORK/pred"
ns lan "$TRAFFIC" udp -v -n 200 -k 3 -s 30000 -t 2000 "$SERVER6" 7000 >"$WORK/real"
compare "IPv6 udp, hashed" <(conns "$WORK/pred") "$WORK/real"
predict6 tcp 22000 100 2001:db8:100::2 >"$WORK/pred"
ns lan "$TRAFFIC" tcp -v -n 100 -s 22000 -t 2000 -b 2001:db8:100::2 "$SERVER6" 7000 >"$WORK/real"
compare "IPv6 tcp from wan1's prefix6" <(conns "$WORK/pred") "$WORK/real"

say "wan3's IPv6 fails, its IPv4 does not"
upstream6 3 down
check "wan3's IPv6 goes down" wait_until 5 link_is wan3 ipv6.state down
predict6 tcp 21000 200 fd00:1::2 >"$WORK/pred"
check "explain no longer names wan3 for IPv6" lacks ' 2001:db8:3::2 ' "$WORK/pred"
check "  but still for IPv4" grep -q '"link":"wan3"' \
	<(for p in $(seq 21000 21100); do echo "tcp 192.168.1.2:$p 198.19.0.1:7000"; done |
		"$FLOWPIN" -c "$WORK/fp6.conf" -j explain -)
ns lan "$TRAFFIC" tcp -v -n 200 -s 21000 -t 2000 "$SERVER6" 7000 >"$WORK/real"
compare "IPv6 tcp, wan3's IPv6 down" <(conns "$WORK/pred") "$WORK/real"
finish
