#!/bin/bash
# The router masquerades on each uplink itself (oifname "wan*" masquerade),
# as most do; the providers translate nothing and route only their
# customers' addresses, 10.K.0.0/16 (the server sees the router's wan
# addresses). wan1 is a DHCP uplink (gateway auto), wan2 static. Provider 1
# renumbers (lib.sh's renumber), once with dhclient, once with udhcpc:
#
# - the connections held on wan1, translated to its old address, are gone:
#   no conntrack entry translated to it is left, and the lan host's
#   connections broke;
# - the connections held on wan2 are untouched;
# - new connections through wan1 work, translated to its new address.
source "$(dirname "$0")/lib.sh"

need dnsmasq dhclient udhcpc

# tcp FILE SPORT N: N new connections from the lan host
tcp() { ns lan "$TRAFFIC" tcp -n "$3" -s "$2" -t 2000 198.19.0.1 7000 >"$1"; }
# translated_to ADDR: how many of the router's conntrack entries are
# translated to ADDR (their replies go to it)
translated_to() {
	ns rtr conntrack -L -f ipv4 --reply-dst "$1" 2>/dev/null | grep -c . || :
}

# masq_topology: lan host, router, providers 1 and 2, the internet; wan1
# 10.1.0.2/30 is leased by provider 1's DHCP server (router 10.1.0.1)
masq_topology() {
	local k
	add_ns lan; add_ns rtr; add_ns net
	link lan eth0 192.168.1.2/24 rtr lan0 192.168.1.1/24
	ns lan ip route add default via 192.168.1.1
	ns net ip addr add 198.19.0.1/32 dev lo
	for k in 1 2; do
		add_ns "isp$k"
		link rtr "wan$k" "10.$k.0.2/30" "isp$k" tortr "10.$k.0.1/30"
		link "isp$k" tonet "198.18.$k.2/24" net "isp$k" "198.18.$k.1/24"
		ns "isp$k" ip route add default via "198.18.$k.1"
		ns net ip route add "10.$k.0.0/16" via "198.18.$k.2"
	done
	ns rtr ip addr flush dev wan1
	ns rtr ip route add default via 10.2.0.1 dev wan2 metric 20
	ns rtr nft -f - <<-EOF
	table ip masq {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "wan*" masquerade
		}
	}
	EOF
	dhcp_server isp1 tortr 10.1.0.2 10.1.0.2 10.1.0.1
}

scenario() {
	local client=$1 n1 n2 c
	say "== $client"
	masq_topology || return 1
	start_server
	dhcp_client "$client" rtr wan1 || return 1
	check "$client: leased: default via 10.1.0.1 dev wan1" \
		wait_until 10 dhcp_bound rtr wan1 10.1.0.1
	# wan1 learns its gateway: lib.sh's config without wan1's
	conf 2 | sed '/gateway = 10.1.0.1/d' >"$WORK/fp.conf"
	start_flowpin "$WORK/fp.conf" || return 1

	c="$client: leased:"
	check "$c wan1 is up" wait_until 5 link_is wan1 state up
	check "$c  with gateway 10.1.0.1" link_is wan1 gateway 10.1.0.1
	tcp "$WORK/leased" 20000 200
	n1=$(count seen 10.1.0.2 "$WORK/leased")
	n2=$(count seen 10.2.0.2 "$WORK/leased")
	check "$c 200 of 200 new connections succeed" [ "$(value ok "$WORK/leased")" = 200 ]
	check "$c  the server sees both of the router's addresses ($n1 and $n2)" \
		[ "$n1" -ge 40 -a "$n2" -ge 40 ]
	check "$c  and nothing else" [ "$(grep -c '^seen' "$WORK/leased")" = 2 ]
	hold "$WORK/hold" -n 60 -i 50 -s 61000 198.19.0.1 7000
	sleep 0.2
	n1=$(translated_to 10.1.0.2)
	check "$c $n1 conntrack entries translated to 10.1.0.2" [ "$n1" -ge 10 ]
	# The kernel drops masqueraded connections itself when the address
	# goes; flowpin drops the rest of wan1's on that address: one the
	# router translated by a rule of its own (not masquerade), one it
	# sent from that address; wan2's stays.
	ns rtr conntrack -I -p tcp -s 192.168.1.9 -d 198.19.0.1 --sport 40001 --dport 7000 \
		-r 198.19.0.1 -q 10.1.0.2 --reply-port-src 7000 --reply-port-dst 40001 \
		--state ESTABLISHED -t 300 -m 0x100 >/dev/null 2>&1
	ns rtr conntrack -I -p udp -s 10.1.0.2 -d 198.19.0.2 --sport 5353 --dport 7000 \
		-t 300 -m 0x100 >/dev/null 2>&1
	ns rtr conntrack -I -p udp -s 10.2.0.2 -d 198.19.0.2 --sport 5353 --dport 7000 \
		-t 300 -m 0x200 >/dev/null 2>&1
	check "$c two of wan1's and one of wan2's made by hand" \
		[ "$(ns rtr conntrack -L -d 198.19.0.2 2>/dev/null | wc -l)" = 2 -a \
		  "$(ns rtr conntrack -L -s 192.168.1.9 2>/dev/null | wc -l)" = 1 ]

	c="$client: renumbered:"
	say "provider 1 renumbers: 10.1.8.0/24, router 10.1.8.1"
	check "$c the client moves to 10.1.8.2" \
		renumber isp1 tortr 10.1.8.1/24 10.1.8.2 10.1.8.2 rtr wan1
	say "$client installed:"
	dhcp_show rtr wan1
	check "$c wan1's gateway follows: 10.1.8.1" wait_until 5 link_is wan1 gateway 10.1.8.1
	check "$c wan1 is up" wait_until 5 link_is wan1 state up
	check "$c no conntrack entry is translated to the old address" \
		wait_until 5 [ "$(translated_to 10.1.0.2)" = 0 ]
	check "$c flowpin deleted wan1's others of 10.1.0.2" \
		wait_log "link wan1: address 10.1.0.2 replaced by 10.1.8.2: [1-9][0-9]* connections\? of 10.1.0.2 deleted" 5
	check "$c  the one translated by a rule and the router's own" \
		[ "$(ns rtr conntrack -L -s 192.168.1.9 2>/dev/null | wc -l)" = 0 -a \
		  "$(ns rtr conntrack -L -s 10.1.0.2 -d 198.19.0.2 2>/dev/null | wc -l)" = 0 ]
	check "$c  and not wan2's" \
		[ "$(ns rtr conntrack -L -s 10.2.0.2 -d 198.19.0.2 2>/dev/null | wc -l)" = 1 ]
	say "$client: wan1 in flowpin's log: $(grep 'link wan1' "$WORK/flowpin.log" | cut -d' ' -f3- | tr '\n' ';')"
	tcp "$WORK/renumbered" 21000 200
	n1=$(count seen 10.1.8.2 "$WORK/renumbered")
	n2=$(count seen 10.2.0.2 "$WORK/renumbered")
	check "$c 200 of 200 new connections succeed" [ "$(value ok "$WORK/renumbered")" = 200 ]
	check "$c  wan1's from its new address 10.1.8.2 ($n1), wan2's from 10.2.0.2 ($n2)" \
		[ "$n1" -ge 40 -a "$n2" -ge 40 ]
	check "$c  none from the old one" lacks '^seen 10\.1\.0\.2 ' "$WORK/renumbered"

	unhold
	say "$client: held: $(tr '\n' ' ' <"$WORK/hold")"
	n1=$(count lost 10.1.0.2 "$WORK/hold")
	n2=$(count seen 10.2.0.2 "$WORK/hold")
	check "$c the $n1 connections held on wan1 broke" [ "$n1" -ge 10 ] &&
		check "$c  every one of them" lacks '^seen 10\.1\.0\.2 ' "$WORK/hold"
	check "$c the $n2 connections held on wan2 lived through it" [ "$n2" -ge 10 ] &&
		check "$c  none of them broke" lacks '^lost 10\.2\.0\.2 ' "$WORK/hold"
	check "$c no held connection changed address" [ "$(value moved "$WORK/hold")" = 0 ]
	check "$c the host's /etc/resolv.conf is untouched" host_resolv_intact
	reset_topology
}

scenario dhclient || { fail "dhclient: the scenario could not be set up"; reset_topology; }
scenario udhcpc || { fail "udhcpc: the scenario could not be set up"; reset_topology; }
finish
