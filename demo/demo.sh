#!/bin/bash
# make demo: the seed's router, three masquerading providers, in network
# namespaces built here and removed at the end. First what the seed saw,
# then the same router with flowpin.
if [ "$(id -u)" -ne 0 ]; then
	echo "make demo needs root (network namespaces, nftables)" >&2
	exit 1
fi
FLOWPIN=${FLOWPIN:-$(cd "$(dirname "$0")/.." && pwd)/build/flowpin}
source "$(dirname "$0")/../tests/system/lib.sh"

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", b ? 100 * a / b : 0 }'; }
seen() { awk -v a="$1" '$1 == "seen" && $2 == a { print $3 }' "$2"; }

echo "flowpin demo: a LAN, a router and three providers that masquerade,"
echo "in network namespaces (the network of the seed's question)."
echo
topology 3
start_server

echo "1. Without flowpin: the next hop is chosen per packet"
ns rtr ip rule add fwmark 1 table 101 priority 100
ns rtr ip rule add fwmark 2 table 102 priority 100
ns rtr ip route add default via 10.1.0.1 table 101
ns rtr ip route add default via 10.2.0.1 table 102
ns rtr nft add table ip seed
ns rtr nft add chain ip seed pre '{ type filter hook prerouting priority mangle; }'
ns rtr nft add rule ip seed pre iifname lan0 ip daddr != 192.168.1.0/24 \
	meta mark set numgen inc mod 2 offset 1
ns lan "$TRAFFIC" tcp -n 50 -t 300 198.19.0.1 7000 >"$WORK/broken"
ns lan "$TRAFFIC" udp -n 20 -k 4 -t 300 198.19.0.1 7000 >"$WORK/broken-udp"
printf '   TCP connections set up:                  %s of 50\n' "$(value ok "$WORK/broken")"
printf '   UDP flows the server saw from 2 sources: %s of 20\n' "$(value split "$WORK/broken-udp")"
ns rtr nft delete table ip seed
ns rtr ip rule del priority 100
ns rtr ip rule del priority 100
ns rtr ip route flush table 101
ns rtr ip route flush table 102
echo

echo "2. With flowpin: one config file, weights 2:1:1"
conf 3 2 1 1 >"$WORK/flowpin.conf"
sed 's/^/   | /' "$WORK/flowpin.conf" | head -8
echo "   | ..."
before=$(snapshot)
start_flowpin "$WORK/flowpin.conf" || exit 1
n=1200
ns lan "$TRAFFIC" tcp -n $n -t 2000 198.19.0.1 7000 >"$WORK/tcp"
ns lan "$TRAFFIC" udp -n 100 -k 10 -t 1000 198.19.0.1 7000 >"$WORK/udp"
ns net "$TRAFFIC" tcp -n 100 -t 2000 198.18.2.2 8080 >"$WORK/inbound"
ns rtr "$TRAFFIC" tcp -n 100 -t 2000 198.19.0.1 7000 >"$WORK/local"
printf '   TCP connections set up:                  %s of %s\n' "$(value ok "$WORK/tcp")" $n
for k in 1 2 3; do
	c=$(seen "198.18.$k.2" "$WORK/tcp")
	printf '     via wan%s: the server saw %s from 198.18.%s.2 (%s, weight %s)\n' \
		"$k" "${c:-0}" "$k" "$(pct "${c:-0}" $n)" "$([ $k = 1 ] && echo 2 || echo 1)"
done
printf '   UDP flows split over two sources:        %s of 100\n' "$(value split "$WORK/udp")"
printf '   inbound through provider 2 (port 8080):  %s of 100 answered\n' "$(value ok "$WORK/inbound")"
printf '   the router'"'"'s own connections:           %s of 100\n' "$(value ok "$WORK/local")"
echo
echo "3. flowpin status"
"$FLOWPIN" -c "$WORK/flowpin.conf" status | sed 's/^/   /'
echo
stop_flowpin
if [ "$before" = "$(snapshot)" ]; then
	echo "4. Stopped: ip rule, ip route and nft ruleset are exactly as before."
else
	echo "4. Stopped: the kernel state differs from before!"
	exit 1
fi
