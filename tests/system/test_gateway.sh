#!/bin/bash
# gateway = auto without a DHCP client: the routes are installed by hand,
# as a client's script would, to check what flowpin learns and how a link
# waits for its address.
#
# - the main table's default route through wan1 is learned, with its
#   table and protocol; another program's route in another table loses to
#   it; a /32 address with an "onlink" default route (a /32 lease) works;
# - the address goes and comes back within a second: wan1 takes no new
#   connections meanwhile, its own wait behind a blackhole route and live
#   on, and it gets back the very buckets it had; gone for longer than the
#   wait, they are dropped.
source "$(dirname "$0")/lib.sh"

topology 2
ns rtr ip route del default
ns rtr ip route add default via 10.1.0.1 dev wan1 proto boot
ns rtr ip route add default via 10.2.0.1 dev wan2 metric 20
ns rtr ip route add default via 10.1.0.1 dev wan1 table 77 proto static
start_server
conf 2 | sed '/gateway = 10.1.0.1/d' >"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1
table1() { ns rtr ip route show table 1001; }

check "wan1 is up" wait_until 5 link_is wan1 state up
buckets=$(ns rtr nft list map inet flowpin buckets)
check "its gateway is learned: $(link_get wan1 gateway)" link_is wan1 gateway 10.1.0.1
check "  from a route" link_is wan1 gateway_source route
check "  the main table's (table $(link_get wan1 gateway_route.table))" \
	link_is wan1 gateway_route.table 254
check "  of protocol boot" link_is wan1 gateway_route.protocol boot
check "wan2's is the configured one" link_is wan2 gateway_source config
check "flowpin's table for wan1: default via 10.1.0.1" \
	grep -q "^default via 10.1.0.1 dev wan1 proto 241 src 10.1.0.2" <(table1)

say "a /32 address, and the default route onlink"
ns rtr ip route flush table 77
ns rtr ip addr flush dev wan1
ns rtr ip addr add 10.1.0.2/32 dev wan1
ns rtr ip route add default via 10.1.0.1 dev wan1 onlink proto boot
check "wan1 is up again" wait_until 7 link_is wan1 state up
check "flowpin's table: default via 10.1.0.1 onlink" \
	grep -q "^default via 10.1.0.1 dev wan1 proto 241 src 10.1.0.2 onlink" <(table1)
ns lan "$TRAFFIC" tcp -n 100 -t 2000 198.19.0.1 7000 >"$WORK/onlink"
check "100 of 100 new connections succeed" [ "$(value ok "$WORK/onlink")" = 100 ]
check "  wan1 carries its share" [ "$(count seen 198.18.1.2 "$WORK/onlink")" -gt 20 ]

say "the /32 widened to its /30: the gateway on a network, no longer onlink"
ip netns exec "${P}rtr" ip monitor route >"$WORK/monitor" 2>&1 &
MON=$!
PIDS+=("$MON")
sleep 0.2
ns rtr ip addr add 10.1.0.2/30 dev wan1
check "flowpin's route follows, without onlink" wait_until 3 \
	grep -q "^default via 10.1.0.1 dev wan1 proto 241 src 10.1.0.2 $" <(table1)
sleep 0.2
kill "$MON"
check "  replaced in place: never deleted meanwhile" \
	lacks "^Deleted default via 10.1.0.1 dev wan1 table 1001" "$WORK/monitor"
ns rtr ip addr del 10.1.0.2/32 dev wan1

say "the address goes for a moment"
hold "$WORK/hold" -n 30 -i 200 -s 61000 198.19.0.1 7000
ns rtr ip addr flush dev wan1
check "wan1 takes no new connections" wait_until 2 link_is wan1 buckets 0
check "its table holds a blackhole" grep -q "^blackhole default proto 241" <(table1)
check "its connections wait: conntrack still has them" \
	[ "$(ns rtr conntrack -L -m 0x100/0xff00 2>/dev/null | grep -c ESTABLISHED)" -gt 0 ]
sleep 0.5
ns rtr ip addr add 10.1.0.2/32 dev wan1
ns rtr ip route add default via 10.1.0.1 dev wan1 onlink proto boot
check "back: wan1 is up at once" wait_until 2 link_is wan1 state up
check "  and takes new connections again" wait_until 2 \
	eval '[ "$(link_get wan1 buckets)" -gt 0 ]'
check "  the very buckets it had at start, after two waits: a new connection goes where it went then" \
	[ -n "$buckets" -a "$buckets" = "$(ns rtr nft list map inet flowpin buckets)" ]
sleep 1
unhold
check "the 30 connections held lived through it ($(value held "$WORK/hold") held)" \
	[ "$(value held "$WORK/hold")" = 30 -a "$(value broken "$WORK/hold")" = 0 ]
check "  on both links" [ "$(grep -c '^seen' "$WORK/hold")" = 2 ]

say "the address goes for good"
ns rtr conntrack -I -s 192.168.1.2 -d 198.19.0.1 -p tcp --sport 40000 --dport 7000 \
	--state ESTABLISHED -t 300 -m 0x100 >/dev/null 2>&1
check "one of wan1's made by hand" \
	[ "$(ns rtr conntrack -L -m 0x100/0xff00 -p tcp --sport 40000 2>/dev/null | wc -l)" = 1 ]
ns rtr ip addr flush dev wan1
check "after the wait, what wan1 kept is dropped" \
	wait_log "link wan1: still down (interface wan1 has no IPv4 address): the [0-9]* connections it kept are dropped" 8
check "  its table is empty" wait_until 2 eval '[ -z "$(table1)" ]'
check "  conntrack has none of wan1's" \
	[ "$(ns rtr conntrack -L -m 0x100/0xff00 2>/dev/null | wc -l)" = 0 ]
finish
