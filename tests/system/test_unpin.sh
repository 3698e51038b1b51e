#!/bin/bash
# Connections that do not leave by a link are not pinned to one: from the
# lan host to a second network behind the router (the main table's route
# wins over any mark), and from the router to the lan host. Their
# conntrack entries carry no link's mark, status does not count them, and
# a link going down leaves them alone. That holds too for flows that are
# never answered, whose every packet is "new" to conntrack. Connections
# into the internet stay pinned (the control), and so do inbound ones
# (test_inbound).
source "$(dirname "$0")/lib.sh"

topology 3
add_ns dmz
link rtr dmz0 192.168.2.1/24 dmz eth0 192.168.2.2/24
ns dmz ip route add default via 192.168.2.1
start_server
ip netns exec "${P}dmz" "$TRAFFIC" serve -p 7000 &
PIDS+=($!)
sleep 0.2

conf 3 >"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1

# marked ARGS...: conntrack entries matching ARGS with a link's mark / all
marked() {
	ns rtr conntrack -L "$@" 2>/dev/null |
		awk '{ n++ } /mark=[1-9]/ { m++ } END { printf "%d/%d\n", m, n }'
}

say "the lan host to the internet: pinned (the control)"
ns lan "$TRAFFIC" tcp -n 60 -t 2000 198.19.0.1 7000 >"$WORK/out"
check "60 of 60 connections succeed" [ "$(value ok "$WORK/out")" = 60 ]
m=$(marked -p tcp -d 198.19.0.1)
check "each carries a link's mark ($m)" [ "$m" = 60/60 ]

say "the lan host to a network behind the router: not pinned"
ns lan "$TRAFFIC" tcp -n 60 -t 2000 192.168.2.2 7000 >"$WORK/dmz"
check "60 of 60 connections succeed" [ "$(value ok "$WORK/dmz")" = 60 ]
m=$(marked -p tcp -d 192.168.2.2)
check "none carries a link's mark ($m)" [ "$m" = 0/60 ]

say "the router to the lan host: not pinned"
ns rtr "$TRAFFIC" tcp -n 60 -t 2000 192.168.1.2 8080 >"$WORK/local"
check "60 of 60 connections succeed" [ "$(value ok "$WORK/local")" = 60 ]
m=$(marked -p tcp -d 192.168.1.2 --dport 8080)
check "none carries a link's mark ($m)" [ "$m" = 0/60 ]

say "flows never answered, several packets each: not pinned either"
# to addresses nobody has: every packet of them is "new" to conntrack
ns lan "$TRAFFIC" udp -n 20 -k 3 -t 300 -q 192.168.2.3 7000 >/dev/null
m=$(marked -p udp -d 192.168.2.3)
check "the lan host's 20 flows behind the router: none carries a mark ($m)" [ "$m" = 0/20 ]
ns rtr "$TRAFFIC" udp -n 20 -k 3 -t 300 -q 192.168.1.3 7000 >/dev/null
m=$(marked -p udp -d 192.168.1.3)
check "the router's 20 flows to the lan: none carries a mark ($m)" [ "$m" = 0/20 ]

flows=$(flows)
pinned=$(ns rtr conntrack -L 2>/dev/null | grep -c 'mark=[1-9]')
check "status counts only the pinned connections ($flows, conntrack $pinned)" \
	[ "$flows" = "$pinned" ]

say "a link goes down"
before=$(marked -p tcp -d 192.168.2.2)
ns rtr ip link set wan1 down
wait_log 'link wan1 down' 5 || fail "flowpin did not take wan1 down"
sleep 0.2
left=$(marked -p tcp -d 198.19.0.1 | cut -d/ -f2)
check "the internet connections of wan1 are gone, the others stay ($left of 60)" \
	[ "$left" -lt 60 ] && [ "$left" -gt 0 ]
check "the connections behind the router are untouched ($before, now $(marked -p tcp -d 192.168.2.2))" \
	[ "$(marked -p tcp -d 192.168.2.2)" = "$before" ]

stop_flowpin
finish
