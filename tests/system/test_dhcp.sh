#!/bin/bash
# A DHCP uplink: wan1 gets its address and default route from provider 1's
# DHCP server (dnsmasq), through the router's DHCP client; the config names
# no gateway for it (gateway auto: flowpin learns it from the client's
# default route). wan2 is static. The same, once with dhclient and once with
# busybox's udhcpc (OpenWrt's client):
#
# - flowpin starts before the first lease: it runs, and wan1 is down for
#   the address and gateway it lacks; wan2 carries every new connection;
# - the client gets a lease: wan1 comes up with the lease's router as its
#   gateway (source "route"); new connections go through both providers;
# - provider 1 renumbers (a new network, a new router, lib.sh's renumber):
#   flowpin follows with no change to its config, and new connections go
#   through wan1 again; connections held on wan2 are untouched;
# - the host's /etc/resolv.conf is untouched by either client's script.
source "$(dirname "$0")/lib.sh"

need dnsmasq dhclient udhcpc

# tcp FILE SPORT N: N new connections from the lan host
tcp() { ns lan "$TRAFFIC" tcp -n "$3" -s "$2" -t 2000 198.19.0.1 7000 >"$1"; }

# dhcp_topology: the seed's router with two providers, wan1 without an
# address: provider 1's DHCP server leases 10.1.0.2 with router 10.1.0.1
dhcp_topology() {
	topology 2
	ns rtr ip route del default # the seed's multipath route
	ns rtr ip addr flush dev wan1
	# static wan2's default route, below the one the DHCP client adds
	ns rtr ip route add default via 10.2.0.1 dev wan2 metric 20
	dhcp_server isp1 tortr 10.1.0.2 10.1.0.2 10.1.0.1
}

scenario() {
	local client=$1 n1 n2 c
	say "== $client"
	dhcp_topology || return 1
	start_server
	# wan1 learns its gateway: lib.sh's config without wan1's
	conf 2 | sed '/gateway = 10.1.0.1/d' >"$WORK/fp.conf"
	start_flowpin "$WORK/fp.conf" || return 1

	c="$client: before the lease:"
	check "$c flowpin runs" kill -0 "$FLOWPIN_PID"
	check "$c wan1 is down" link_is wan1 state down
	check "$c  for its missing address or gateway ($(link_get wan1 reason))" \
		grep -qE 'address|gateway' <<<"$(link_get wan1 reason)"
	check "$c  with no gateway known" link_is wan1 gateway_source null
	check "$c wan2 is up" link_is wan2 state up
	tcp "$WORK/before" 20000 50
	check "$c 50 of 50 new connections succeed, through provider 2" \
		[ "$(value ok "$WORK/before")" = 50 -a \
		"$(count seen 198.18.2.2 "$WORK/before")" = 50 ]

	c="$client: leased:"
	dhcp_client "$client" rtr wan1 || return 1
	check "$c default via 10.1.0.1 dev wan1" wait_until 10 dhcp_bound rtr wan1 10.1.0.1
	say "$client installed:"
	dhcp_show rtr wan1
	check "$c wan1 comes up" wait_until 5 link_is wan1 state up
	check "$c  with gateway 10.1.0.1 ($(link_get wan1 gateway))" link_is wan1 gateway 10.1.0.1
	check "$c  learned from the route ($(link_get wan1 gateway_source))" \
		link_is wan1 gateway_source route
	tcp "$WORK/leased" 21000 200
	n1=$(count seen 198.18.1.2 "$WORK/leased")
	n2=$(count seen 198.18.2.2 "$WORK/leased")
	check "$c 200 of 200 new connections succeed" [ "$(value ok "$WORK/leased")" = 200 ]
	check "$c  through both providers ($n1 and $n2)" [ "$n1" -ge 40 -a "$n2" -ge 40 ]

	hold "$WORK/hold" -n 60 -i 50 -s 61000 198.19.0.1 7000
	c="$client: renumbered:"
	say "provider 1 renumbers: 10.1.8.0/24, router 10.1.8.1"
	check "$c the client moves to 10.1.8.2" \
		renumber isp1 tortr 10.1.8.1/24 10.1.8.2 10.1.8.2 rtr wan1
	ns isp1 ip route replace 192.168.1.0/24 via 10.1.8.2
	say "$client installed:"
	dhcp_show rtr wan1
	check "$c wan1's gateway follows: 10.1.8.1" wait_until 5 link_is wan1 gateway 10.1.8.1
	check "$c  learned from the route" link_is wan1 gateway_source route
	check "$c wan1 is up" wait_until 5 link_is wan1 state up
	say "$client: wan1 in flowpin's log: $(grep 'link wan1' "$WORK/flowpin.log" | cut -d' ' -f3- | tr '\n' ';')"
	tcp "$WORK/renumbered" 22000 200
	n1=$(count seen 198.18.1.2 "$WORK/renumbered")
	n2=$(count seen 198.18.2.2 "$WORK/renumbered")
	check "$c 200 of 200 new connections succeed" [ "$(value ok "$WORK/renumbered")" = 200 ]
	check "$c  through both providers again ($n1 and $n2)" [ "$n1" -ge 40 -a "$n2" -ge 40 ]

	unhold
	say "$client: held: $(tr '\n' ' ' <"$WORK/hold")"
	n2=$(count seen 198.18.2.2 "$WORK/hold")
	check "$c the $n2 connections held on wan2 lived through it" [ "$n2" -ge 10 ] &&
		check "$c  none of them broke" lacks '^lost 198\.18\.2\.2 ' "$WORK/hold"
	check "$c no held connection changed address" [ "$(value moved "$WORK/hold")" = 0 ]
	check "$c the host's /etc/resolv.conf is untouched" host_resolv_intact
	reset_topology
}

scenario dhclient || { fail "dhclient: the scenario could not be set up"; reset_topology; }
scenario udhcpc || { fail "udhcpc: the scenario could not be set up"; reset_topology; }
finish
