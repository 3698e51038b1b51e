#!/bin/bash
# IPv6 beside IPv4, on the seed's network dual-stack (lib.sh's topology6):
# the providers translate nothing, route their own prefixes and drop any
# other source (BCP 38), as real ones do.
#
# - baseline, no flowpin: the kernel's multipath (two next hops, L4 hash)
#   sends some connections from the lan host's address of provider 1's
#   prefix by provider 2, and some replies of inbound connections through
#   provider 2 by provider 1: the provider drops them, they fail;
# - flowpin, nat6 = masquerade, weights 1 and 3: 1000 IPv6 connections all
#   succeed, split 25/75 within 4 points, and IPv4 beside them;
# - every connection keeps one source address: long connections are never
#   seen from another, each conntrack entry's replies go to one link's;
# - inbound IPv6 through provider 2, to the router's wan2 address and to
#   the lan host's address of provider 2's prefix, is answered through it;
# - provider 2's IPv6 upstream cut, its IPv4 fine: once detected (the time
#   is reported, under a second; make bench measures it) new IPv6
#   connections leave by provider 1 only; wan2's IPv4 stays up, its
#   connections untouched; back, wan2 takes its IPv6 share again;
# - nat6 = PREFIX/LEN: the lan host's fd00:1::2 leaves as 2001:db8:K00::2;
# - nat6 = none with prefix6: a source of provider 1's prefix always leaves
#   by provider 1, as it is;
# - gateway6 = auto: learned from the providers' router advertisements;
# - each stop leaves ip rule, ip -6 rule, the routes of every table and the
#   nftables ruleset as they were before the start.
source "$(dirname "$0")/lib.sh"

need dnsmasq

SERVER=2001:db8:ffff::1
A1=2001:db8:1::2 # the router's wan addresses: masquerade's sources
A2=2001:db8:2::2

topology6 2 || exit 1
start_server
start_server6
# the router's own server, for inbound connections to its wan2 address
ip netns exec "${P}rtr" "$TRAFFIC" serve -a :: -p 8081 &
PIDS+=($!)
sleep 0.2
# the kernel's multipath hashes ports too (L4), as test_inbound's baseline
ns rtr sysctl -qw net.ipv6.fib_multipath_hash_policy=1
# what the router sends provider 1 for the clients of the inbound checks
# (the net namespace's), counted before its BCP 38 rule drops it: those of
# the baseline from ports 25000-25999, flowpin's from 24000-24999 (the
# baseline's that failed leave their servers retransmitting for a minute)
ns isp1 nft add counter ip6 isp6 to_base
ns isp1 nft add counter ip6 isp6 to_clients
ns isp1 nft insert rule ip6 isp6 bcp38 iifname tortr tcp dport 25000-25999 counter name to_base
ns isp1 nft insert rule ip6 isp6 bcp38 iifname tortr tcp dport 24000-24999 counter name to_clients

# tcp6 FILE ARGS...: fp-traffic tcp ARGS from the lan host, into FILE
tcp6() {
	local f=$1
	shift
	ns lan "$TRAFFIC" tcp "$@" >"$f"
}
# take_snapshots: the kernel state before a start, for stopped_as_before
# (snapshot's routes of every table have IPv6's too: theirs learned from
# advertisements lose their countdown, as in snapshot6)
take_snapshots() {
	snapshot | sed 's/ expires [0-9]*sec//' >"$WORK/before4"
	snapshot6 >"$WORK/before6"
}
# stopped_as_before WHAT: stop flowpin; the kernel is as take_snapshots
# found it before WHAT's start
stopped_as_before() {
	stop_flowpin
	snapshot | sed 's/ expires [0-9]*sec//' >"$WORK/after4"
	snapshot6 >"$WORK/after6"
	check "$1: stop leaves IPv4 as it was (ip rule, routes, nft)" \
		diff -u "$WORK/before4" "$WORK/after4"
	check "$1: stop leaves IPv6 as it was (ip -6 rule, ip -6 route show table all, nft)" \
		diff -u "$WORK/before6" "$WORK/after6"
}
# pct N TOTAL: N in tenths of a percent of TOTAL
pct() { echo $(($1 * 1000 / $2)); }
# within PCT WANT: PCT (tenths) is WANT% +-4
within() { [ "$1" -ge $((($2 - 4) * 10)) ] && [ "$1" -le $((($2 + 4) * 10)) ]; }
# v6 LINK KEY: KEY of LINK's "ipv6" in the status
v6() { link_get "$1" "ipv6.$2"; }
# to1 COUNTER: the packets counted in COUNTER so far
to1() {
	ns isp1 nft -j list counter ip6 isp6 "$1" |
		jq '.nftables[] | select(.counter) | .counter.packets'
}
# all_up FAMILY: every link's FAMILY (ipv4, ipv6) is up
all_up() {
	local key=.state
	[ "$1" = ipv4 ] || key=.ipv6.state
	status | jq -e "[.links[] | $key == \"up\"] | all" >/dev/null
}
# same_entries A B: sorted file A is not empty and B is the same;
# otherwise says how many of A's lines B lacks
same_entries() {
	[ -s "$1" ] || { echo "    $1: empty"; return 1; }
	cmp -s "$1" "$2" && return 0
	echo "    $(comm -23 "$1" "$2" | wc -l) of $(wc -l <"$1") gone, $(comm -13 "$1" "$2" | wc -l) new"
	return 1
}

say "== baseline: kernel multipath, no flowpin"
s2=$(spoofed6 2)
tcp6 "$WORK/base-out" -n 60 -s 20000 -t 300 -b 2001:db8:100::2 "$SERVER" 7000
n=$(value ok "$WORK/base-out")
check "outbound from provider 1's prefix: some connections fail ($n/60 ok)" [ "$n" -lt 60 ]
d=$(($(spoofed6 2) - s2))
check "  dropped by provider 2 for their source ($d packets)" [ "$d" -gt 0 ]
s1=$(spoofed6 1)
ns net "$TRAFFIC" tcp -n 60 -s 25000 -t 300 2001:db8:200::2 8080 >"$WORK/base-in"
n=$(value ok "$WORK/base-in")
check "inbound to the lan host through provider 2: some connections fail ($n/60 ok)" \
	[ "$n" -lt 60 ]
ns net "$TRAFFIC" tcp -n 60 -s 25100 -t 300 "$A2" 8081 >"$WORK/base-rtr"
n=$(value ok "$WORK/base-rtr")
check "inbound to the router's wan2 address: some connections fail ($n/60 ok)" \
	[ "$n" -lt 60 ]
n=$(to1 to_base)
check "  their replies left by provider 1 ($n packets)" [ "$n" -gt 0 ]
d=$(($(spoofed6 1) - s1))
check "  which dropped them ($d packets)" [ "$d" -gt 0 ]

say "== flowpin: nat6 = masquerade, weights 1 and 3, both families tracked"
take_snapshots
TRACK="198.19.0.1 $SERVER" conf6 2 1 3 >"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1
check "both links' IPv6 come up" wait_until 5 all_up ipv6
check "  and their IPv4" wait_until 5 all_up ipv4
say "status: $(status | jq -c '[.links[] | {name, state, buckets, share, ipv6}]')"
for k in 1 2; do
	got="$(v6 "wan$k" address) $(v6 "wan$k" gateway) $(v6 "wan$k" gateway_source)"
	check "wan$k's IPv6: address, gateway, from the config ($got)" \
		[ "$got" = "2001:db8:$k::2 2001:db8:$k::1 config" ]
done

tcp6 "$WORK/weights" -n 1000 -s 20100 -t 2000 "$SERVER" 7000
check "1000 of 1000 IPv6 connections succeed ($(value ok "$WORK/weights"))" \
	[ "$(value ok "$WORK/weights")" = 1000 ]
n1=$(count seen "$A1" "$WORK/weights")
n2=$(count seen "$A2" "$WORK/weights")
p1=$(pct "$n1" 1000)
p2=$(pct "$n2" 1000)
check "wan1 carries $((p1 / 10)).$((p1 % 10))% (want 25% +-4), from $A1" within "$p1" 25
check "wan2 carries $((p2 / 10)).$((p2 % 10))% (want 75% +-4), from $A2" within "$p2" 75
check "  the server saw no other source" [ "$(grep -c '^seen' "$WORK/weights")" = 2 ]
nb=$(status | jq '.buckets')
b6=$(status | jq -r '[.links[].ipv6.buckets] | join(" ")')
sh6=$(status | jq -r '[.links[].ipv6.share] | join(" ")')
check "IPv6 buckets by weight: $b6 of $nb, shares $sh6" \
	[ "$b6" = "$((nb / 4)) $((nb * 3 / 4))" -a "$sh6" = "25 75" ]
b4=$(status | jq -r '[.links[].buckets] | join(" ")')
check "IPv4 buckets by weight too: $b4" [ "$b4" = "$((nb / 4)) $((nb * 3 / 4))" ]
ns lan "$TRAFFIC" tcp -n 400 -s 20100 -t 2000 198.19.0.1 7000 >"$WORK/ipv4"
n1=$(count seen 198.18.1.2 "$WORK/ipv4")
n2=$(count seen 198.18.2.2 "$WORK/ipv4")
check "IPv4 beside: 400 of 400 connections succeed, by both providers ($n1, $n2)" \
	[ "$(value ok "$WORK/ipv4")" = 400 -a "$n1" -ge 40 -a "$n2" -ge 40 ]

say "one source per connection"
hold "$WORK/hold6" -n 60 -i 50 -s 61000 "$SERVER" 7000
sleep 1.5
# each entry's reply destination: a link's address, one per mark
ns rtr conntrack -L -f ipv6 -p tcp --dport 7000 2>/dev/null |
	awk '/sport=6(10[0-5][0-9]) /' >"$WORK/ct6"
say "conntrack: $(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(dst|mark)=/) printf "%s ", $i; print "" }' \
	"$WORK/ct6" | sort | uniq -c | tr -s ' \n' ' ')"
one_source() {
	awk -v a1="$A1" -v a2="$A2" '
		{ n = 0; m = ""
		  for (i = 1; i <= NF; i++) {
			if ($i ~ /^dst=/ && ++n == 2) r = substr($i, 5)
			if ($i ~ /^mark=/) m = $i
		  }
		  if (r != a1 && r != a2) { print "    reply to " r ": " $0; bad = 1 }
		  if (m in of && of[m] != r) { print "    " m " replies to " of[m] " and " r; bad = 1 }
		  of[m] = r; seen[r]++; lines++ }
		END { if (lines != 60 || !seen[a1] || !seen[a2]) {
			print "    " lines " entries, " seen[a1] + 0 " to " a1 ", " seen[a2] + 0 " to " a2; bad = 1 }
		      exit bad }' "$WORK/ct6"
}
check "the 60 held connections' replies each go to one link's address, by mark" one_source
unhold
say "held: $(tr '\n' ' ' <"$WORK/hold6")"
check "none of them broke or was seen from another source" \
	[ "$(value held "$WORK/hold6")" = 60 -a "$(value moved "$WORK/hold6")" = 0 ]

say "inbound IPv6 through provider 2"
ns net "$TRAFFIC" tcp -n 200 -s 24000 -t 2000 2001:db8:200::2 8080 >"$WORK/in-lan"
check "200 of 200 connections to the lan host's 2001:db8:200::2 succeed" \
	[ "$(value ok "$WORK/in-lan")" = 200 ]
ns net "$TRAFFIC" tcp -n 200 -s 24200 -t 2000 "$A2" 8081 >"$WORK/in-rtr"
check "200 of 200 connections to the router's $A2 succeed" \
	[ "$(value ok "$WORK/in-rtr")" = 200 ]
n=$(to1 to_clients)
check "  no reply left by provider 1 ($n packets)" [ "$n" = 0 ]

say "provider 2's IPv6 upstream cut, its IPv4 fine"
hold "$WORK/hold4" -n 60 -i 50 -s 61100 198.19.0.1 7000
HOLD4=$HOLD
hold "$WORK/hold6" -n 60 -i 50 -s 61100 "$SERVER" 7000
HOLD6=$HOLD
sleep 0.5
mark2=$(link_get wan2 mark)
# the IPv4 conntrack entries of wan2's held connections, by id: one
# deleted, and made again by its connection's next packet, has a new one
ids4() {
	ns rtr conntrack -L -f ipv4 -p tcp --dport 7000 -o id 2>/dev/null |
		awk -v m="mark=$mark2" '/sport=611[0-5][0-9] / && $0 ~ m " " { print $NF }' | sort
}
ids4 >"$WORK/ids4.before"
ip netns exec "${P}rtr" conntrack -E -e DESTROY >"$WORK/destroyed" 2>&1 &
EVENTS=$!
PIDS+=("$EVENTS")
lines=$(log_lines)
upstream6 2 down
cut=$(date +%s.%N) # the cut is in place
# once the daemon says so (the time it took is reported, as
# test_failover.sh does, and measured by make bench: no timing assertion
# here), new connections, each given less than the second a lost SYN
# waits for its retransmission: one sent by wan2 fails
check "wan2's IPv6 is declared down" \
	wait_until 5 grep -qE 'wan2.*IPv6.*down' "$WORK/flowpin.log"
ms=$(log_ms_since "$lines" "$cut" 'wan2.*ipv6.*down|wan2.*down.*ipv6')
say "detected in ${ms:-?} ms (target 1000)"
tcp6 "$WORK/outage6" -n 200 -s 21200 -t 800 "$SERVER" 7000
ns lan "$TRAFFIC" tcp -n 200 -s 21200 -t 2000 198.19.0.1 7000 >"$WORK/outage4"
check "then: 200 of 200 new IPv6 connections succeed ($(value ok "$WORK/outage6"))" \
	[ "$(value ok "$WORK/outage6")" = 200 ]
check "  none through provider 2" lacks "^seen $A2 " "$WORK/outage6"
n2=$(count seen 198.18.2.2 "$WORK/outage4")
check "  200 of 200 new IPv4 connections succeed, $n2 through provider 2 (want 75%)" \
	[ "$(value ok "$WORK/outage4")" = 200 -a "$n2" -ge 100 ]
check "wan2's IPv6 is down, its IPv4 up" \
	[ "$(v6 wan2 state) $(link_get wan2 state)" = "down up" ]
say "wan2's IPv6: $(status | jq -c '.links[1].ipv6')"
check "  its reason names its probes" grep -q 'probes' <<<"$(v6 wan2 reason)"
b6=$(status | jq -r '[.links[].ipv6.buckets] | join(" ")')
b4=$(status | jq -r '[.links[].buckets] | join(" ")')
check "  IPv6 buckets all wan1's ($b6), IPv4 buckets unchanged ($b4)" \
	[ "$b6" = "$nb 0" -a "$b4" = "$((nb / 4)) $((nb * 3 / 4))" ]
say "log: $(tail -n +"$((lines + 1))" "$WORK/flowpin.log" | cut -d' ' -f1,3- | tr '\n' ';')"
ids4 >"$WORK/ids4.after"
kill "$EVENTS"
wait "$EVENTS" 2>/dev/null
say "conntrack deletions seen meanwhile (events may be lost): $(grep -c 'src=192\.168\.1\.2 .*progname=flowpin' "$WORK/destroyed") IPv4 and $(grep -c 'src=fd00:1::2 .*progname=flowpin' "$WORK/destroyed") IPv6 by flowpin"
check "wan2's $(wc -l <"$WORK/ids4.before") IPv4 conntrack entries of the held connections are untouched" \
	same_entries "$WORK/ids4.before" "$WORK/ids4.after"

say "provider 2's IPv6 back"
lines=$(log_lines)
upstream6 2 up
back=$(date +%s.%N)
check "wan2's IPv6 comes back" wait_until 5 link_is wan2 ipv6.state up
say "in $(log_ms_since "$lines" "$back" 'wan2.*ipv6.*up|wan2.*up.*ipv6' || echo '?') ms (target 3000)"
tcp6 "$WORK/after" -n 300 -s 21500 -t 2000 "$SERVER" 7000
n2=$(count seen "$A2" "$WORK/after")
check "300 of 300 new IPv6 connections succeed, wan2 takes its share again ($n2, want 75%)" \
	[ "$(value ok "$WORK/after")" = 300 -a "$n2" -ge 150 ]
HOLD=$HOLD4 unhold
HOLD=$HOLD6 unhold
say "IPv4 held: $(tr '\n' ' ' <"$WORK/hold4")"
say "IPv6 held: $(tr '\n' ' ' <"$WORK/hold6")"
n=$(count seen 198.18.2.2 "$WORK/hold4")
check "the $n IPv4 connections held on provider 2 lived through its IPv6 outage" \
	[ "$n" -ge 10 ] && check "  and none of IPv4's broke or moved" \
	[ "$(value broken "$WORK/hold4")" = 0 -a "$(value moved "$WORK/hold4")" = 0 ]
n=$(count seen "$A1" "$WORK/hold6")
check "the $n IPv6 connections held on provider 1 lived through it" \
	[ "$n" -ge 5 ] && check "  none of them broke" lacks "^lost $A1 " "$WORK/hold6"
check "  and no IPv6 connection moved to another source" [ "$(value moved "$WORK/hold6")" = 0 ]
stopped_as_before "masquerade"

say "== nat6 = PREFIX/LEN: fd00:1::/64 onto 2001:db8:K00::/64"
ns lan ip addr add fd00:1::7/64 dev eth0 nodad
take_snapshots
NAT6=prefix TRACK="$SERVER" conf6 2 >"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1
check "both links' IPv6 come up" wait_until 5 all_up ipv6
for h in 2 7; do
	tcp6 "$WORK/prefix$h" -n 200 -s 22000 -t 2000 -b "fd00:1::$h" "$SERVER" 7000
	n1=$(count seen "2001:db8:100::$h" "$WORK/prefix$h")
	n2=$(count seen "2001:db8:200::$h" "$WORK/prefix$h")
	check "fd00:1::$h: 200 of 200 connections succeed" [ "$(value ok "$WORK/prefix$h")" = 200 ]
	check "  the server sees 2001:db8:100::$h ($n1) and 2001:db8:200::$h ($n2), nothing else" \
		[ "$n1" -ge 40 -a "$n2" -ge 40 -a "$((n1 + n2))" = 200 ]
done
stopped_as_before "nat6 prefix"

say "== nat6 = none, prefix6: provider 1's sources pinned to it; wan2 masquerades"
take_snapshots
{
	printf '[global]\nlan = lan0\nlan6 = fd00:1::/64\ncontrol = %s/flowpin.sock\n' "$WORK"
	printf '[link wan1]\ninterface = wan1\ngateway = 10.1.0.1\ngateway6 = 2001:db8:1::1\n'
	printf 'track = 198.19.0.1 %s\nnat6 = none\nprefix6 = 2001:db8:100::/56\n' "$SERVER"
	printf '[link wan2]\ninterface = wan2\ngateway = 10.2.0.1\ngateway6 = 2001:db8:2::1\n'
	printf 'track = 198.19.0.1 %s\nnat6 = masquerade\n' "$SERVER"
} >"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1
check "both links' IPv6 come up" wait_until 5 all_up ipv6
s2=$(spoofed6 2)
tcp6 "$WORK/pinned" -n 300 -s 22500 -t 2000 -b 2001:db8:100::2 "$SERVER" 7000
check "from 2001:db8:100::2: 300 of 300 connections succeed" [ "$(value ok "$WORK/pinned")" = 300 ]
check "  all by provider 1, their source kept" \
	[ "$(count seen 2001:db8:100::2 "$WORK/pinned")" = 300 ]
d=$(($(spoofed6 2) - s2))
check "  none tried provider 2 ($d dropped there)" [ "$d" = 0 ]
tcp6 "$WORK/ula" -n 200 -s 22500 -t 2000 -b fd00:1::2 "$SERVER" 7000
check "from fd00:1::2: 200 of 200 connections succeed, all by wan2, masqueraded" \
	[ "$(value ok "$WORK/ula")" = 200 -a "$(count seen "$A2" "$WORK/ula")" = 200 ]
stopped_as_before "nat6 none"

say "== gateway6 = auto: the providers' router advertisements"
reset_topology
topology6 2 ra || exit 1
start_server6
take_snapshots
say "learned: $(ns rtr ip -6 route show default | tr -s '\n ' ' ')"
GW6=auto TRACK="$SERVER" conf6 2 >"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1
check "both links' IPv6 come up" wait_until 5 all_up ipv6
for k in 1 2; do
	ll=$(linklocal6 "isp$k" tortr)
	src=$(v6 "wan$k" gateway_source)
	check "wan$k's IPv6 gateway is provider $k's advertised $ll ($(v6 "wan$k" gateway), from $src)" \
		[ "$(v6 "wan$k" gateway)" = "$ll" -a "$src" != config -a "$src" != null ]
done
tcp6 "$WORK/ra" -n 200 -s 23000 -t 2000 "$SERVER" 7000
n1=$(count seen "$A1" "$WORK/ra")
n2=$(count seen "$A2" "$WORK/ra")
check "200 of 200 IPv6 connections succeed, by both ($n1, $n2)" \
	[ "$(value ok "$WORK/ra")" = 200 -a "$n1" -ge 40 -a "$n2" -ge 40 ]

# this configuration probes IPv6 targets only: the IPv4 paths have none
# of their own, and the IPv6 probes' verdict stands for them too
say "provider 2 cut altogether; only IPv6 is probed"
start_server # IPv4's, beside start_server6's
upstream 2 down
check "wan2's IPv4 goes down with its IPv6, by the IPv6 probes" \
	wait_log "link wan2 down: no IPv4 probe target: its IPv6 probes say the path is down" 5
ns lan "$TRAFFIC" tcp -n 100 -s 23300 -t 2000 198.19.0.1 7000 >"$WORK/cut4"
check "  100 of 100 new IPv4 connections succeed ($(value ok "$WORK/cut4")), none by provider 2" \
	[ "$(value ok "$WORK/cut4")" = 100 ] && lacks '^seen 198\.18\.2\.2 ' "$WORK/cut4"
upstream 2 up # IPv4's default route; IPv6's went with the link,
# and its address too (an interface set down loses its IPv6 addresses)
ns isp2 ip addr replace 2001:db8:ff02::2/64 dev tonet nodad
ns isp2 ip -6 route replace default via 2001:db8:ff02::1
check "  back up with it" wait_until 10 link_is wan2 state up
stopped_as_before "gateway6 auto"
finish
