#!/bin/bash
# Without probes, a link still goes down when its gateway stops answering
# ARP (the kernel marks its neighbour entry FAILED), and comes back once it
# answers again, although no connection is sent that way meanwhile.
source "$(dirname "$0")/lib.sh"

topology 2
start_server
conf 2 >"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1

say "provider 2's router loses its address; the link to it stays up"
ns isp2 ip addr del 10.2.0.1/30 dev tortr
ns rtr ip neigh flush dev wan2
ns lan "$TRAFFIC" tcp -n 40 -t 300 198.19.0.1 7000 >/dev/null # some try wan2
check "wan2 goes down: its gateway's neighbour entry FAILED" \
	wait_log "link wan2 down: gateway 10.2.0.1 does not answer (neighbour FAILED)" 10
ns lan "$TRAFFIC" tcp -n 100 -t 2000 198.19.0.1 7000 >"$WORK/tcp"
check "new connections all succeed ($(value ok "$WORK/tcp")/100)" [ "$(value ok "$WORK/tcp")" = 100 ]
check "none through provider 2" lacks '^seen 198\.18\.2\.2 ' "$WORK/tcp"

say "the address comes back"
ns isp2 ip addr add 10.2.0.1/30 dev tortr
ns isp2 ip route add 192.168.1.0/24 via 10.2.0.2
check "wan2 comes back up by itself" wait_log "link wan2 up" 10
ns lan "$TRAFFIC" tcp -n 100 -t 2000 198.19.0.1 7000 >"$WORK/tcp"
check "provider 2 carries connections again" grep -q '^seen 198.18.2.2' "$WORK/tcp"
finish
