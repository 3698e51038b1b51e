#!/bin/bash
# A PPP uplink, ppp0 (point-to-point, no gateway in the config), that comes
# and goes as pppd's interface does (lib.sh's ppp_up: a TUN pair to provider
# 3, which masquerades to the internet like the others):
#
# - flowpin starts before ppp0 exists: the link is down, its interface
#   missing, and wan1 and wan2 carry every new connection;
# - the session comes up: the link comes up and takes its share of new
#   connections (the server sees provider 3's 198.18.3.2);
# - the session ends: the link goes down, its interface missing again;
# - a new session, a new ppp0 (a new ifindex) with another local address:
#   the link is up again and new connections go through it;
# - connections held on wan1 and wan2 live through all of it.
source "$(dirname "$0")/lib.sh"

[ -x "$TUNLINK" ] || skip "$TUNLINK: not built (make all)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"

topology 2
provider 3
# pppd's defaultroute (ppp_up) adds "default dev ppp0" to the main table
# only when it has none: the seed's multipath route goes
ns rtr ip route del default
start_server
conf 2 >"$WORK/fp.conf"
printf '[link ppp]\ninterface = ppp0\n' >>"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1

# session LOCAL PEER: ppp_up with provider 3 routing the LAN to the session,
# as its end of a PPP session does
session() {
	ppp_up rtr ppp0 isp3 pppisp "$1" "$2" &&
		ns isp3 ip route add 192.168.1.0/24 dev pppisp
}
# tcp FILE SPORT N: N new connections from the lan host
tcp() { ns lan "$TRAFFIC" tcp -n "$3" -s "$2" -t 2000 198.19.0.1 7000 >"$1"; }

check "flowpin runs with ppp0 missing" kill -0 "$FLOWPIN_PID"
check "the ppp link is down" link_is ppp state down
check "  for its missing interface ($(link_get ppp reason))" \
	link_is ppp reason "interface ppp0 is missing"
tcp "$WORK/before" 20000 100
check "without ppp0: 100 of 100 new connections succeed" \
	[ "$(value ok "$WORK/before")" = 100 ]
check "  none through the ppp provider" lacks '^seen 198\.18\.3\.2 ' "$WORK/before"

hold "$WORK/hold" -n 60 -i 50 -s 61000 198.19.0.1 7000

say "the PPP session comes up"
check "ppp_up" session 100.64.0.2 100.64.0.1
say "ppp0: $(ns rtr ip -o -4 addr show dev ppp0 | awk '{ print $4, $5, $6 }'); main: $(ns rtr ip route show table main default)"
ifindex=$(ns rtr cat /sys/class/net/ppp0/ifindex)
check "the ppp link comes up" wait_until 5 link_is ppp state up
say "ppp: gateway $(link_get ppp gateway), from $(link_get ppp gateway_source)"
tcp "$WORK/up" 21000 300
n=$(count seen 198.18.3.2 "$WORK/up")
check "300 of 300 new connections succeed" [ "$(value ok "$WORK/up")" = 300 ]
check "the ppp link takes its share of them ($n of 300)" [ "$n" -ge 50 ]

say "the session ends"
check "ppp_down" ppp_down ppp0
check "ppp0 is gone" not ns rtr test -e /sys/class/net/ppp0
check "the ppp link goes down" wait_until 5 link_is ppp state down
check "  for its missing interface again ($(link_get ppp reason))" \
	link_is ppp reason "interface ppp0 is missing"
tcp "$WORK/down" 22000 100
check "without ppp0 again: 100 of 100 new connections succeed" \
	[ "$(value ok "$WORK/down")" = 100 ]
check "  none through the ppp provider" lacks '^seen 198\.18\.3\.2 ' "$WORK/down"

say "a new session, with another local address"
check "ppp_up" session 100.64.0.6 100.64.0.5
again=$(ns rtr cat /sys/class/net/ppp0/ifindex)
check "ppp0 is a new interface (ifindex $ifindex, now $again)" [ "$again" != "$ifindex" ]
check "the ppp link comes up again" wait_until 5 link_is ppp state up
tcp "$WORK/again" 23000 300
n=$(count seen 198.18.3.2 "$WORK/again")
check "300 of 300 new connections succeed" [ "$(value ok "$WORK/again")" = 300 ]
check "the new session takes its share of them ($n of 300)" [ "$n" -ge 50 ]

unhold
say "held: $(tr '\n' ' ' <"$WORK/hold")"
for k in 1 2; do
	n=$(count seen "198.18.$k.2" "$WORK/hold")
	check "the $n connections held on provider $k lived through both sessions" \
		[ "$n" -ge 10 ] && check "  and none of them broke" \
		lacks "^lost 198\.18\.$k\.2 " "$WORK/hold"
done
check "no held connection changed address" [ "$(value moved "$WORK/hold")" = 0 ]
finish
