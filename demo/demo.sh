#!/bin/bash
# make demo: the seed's router, three masquerading providers, in network
# namespaces built here and removed at the end. First what the seed saw,
# then the same router with flowpin: balance, explain, failover, replay.
if [ "$(id -u)" -ne 0 ]; then
	echo "make demo needs root (network namespaces, nftables)" >&2
	exit 1
fi
FLOWPIN=${FLOWPIN:-$(cd "$(dirname "$0")/.." && pwd)/build/flowpin}
source "$(dirname "$0")/../tests/system/lib.sh"

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", b ? 100 * a / b : 0 }'; }

echo "flowpin demo: a LAN, a router and three providers that masquerade,"
echo "in network namespaces (the network of the seed's question)."
echo
topology 3
start_server

echo "1. Without flowpin: the next hop is chosen per packet"
per_packet on
ns lan "$TRAFFIC" tcp -n 50 -t 300 198.19.0.1 7000 >"$WORK/broken"
ns lan "$TRAFFIC" udp -n 20 -k 4 -t 300 198.19.0.1 7000 >"$WORK/broken-udp"
printf '   TCP connections set up:                  %s of 50\n' "$(value ok "$WORK/broken")"
printf '   UDP flows the server saw from 2 sources: %s of 20\n' "$(value split "$WORK/broken-udp")"
per_packet off
echo

echo "2. With flowpin: one config file, weights 2:1:1, each link probed"
TRACK="198.19.0.1 198.19.0.2" conf 3 2 1 1 >"$WORK/flowpin.conf"
sed -n '4,9p' "$WORK/flowpin.conf" | sed 's/^/   | /'
echo "   | ..."
before=$(snapshot)
start_flowpin "$WORK/flowpin.conf" || exit 1
ip netns exec "${P}lan" tcpdump --immediate-mode -B 32768 -U -n -i eth0 \
	-w "$WORK/lan.pcap" 2>/dev/null &
CAP=$!
PIDS+=("$CAP")
sleep 0.5
n=1200
ns lan "$TRAFFIC" tcp -n $n -s 20000 -t 2000 198.19.0.1 7000 >"$WORK/tcp"
ns lan "$TRAFFIC" udp -n 100 -k 10 -s 30000 -t 1000 198.19.0.1 7000 >"$WORK/udp"
ns net "$TRAFFIC" tcp -n 100 -t 2000 198.18.2.2 8080 >"$WORK/inbound"
ns rtr "$TRAFFIC" tcp -n 100 -t 2000 198.19.0.1 7000 >"$WORK/local"
sleep 1
kill -INT "$CAP"
wait "$CAP" 2>/dev/null
printf '   TCP connections set up:                  %s of %s\n' "$(value ok "$WORK/tcp")" $n
for k in 1 2 3; do
	c=$(count seen "198.18.$k.2" "$WORK/tcp")
	printf '     via wan%s: the server saw %s from 198.18.%s.2 (%s, weight %s)\n' \
		"$k" "$c" "$k" "$(pct "$c" $n)" "$([ $k = 1 ] && echo 2 || echo 1)"
done
printf '   UDP flows split over two sources:        %s of 100\n' "$(value split "$WORK/udp")"
printf '   inbound through provider 2 (port 8080):  %s of 100 answered\n' "$(value ok "$WORK/inbound")"
printf '   the router'"'"'s own connections:           %s of 100\n' "$(value ok "$WORK/local")"
echo

echo "3. flowpin explain: which link, before the connection is made"
"$FLOWPIN" -c "$WORK/flowpin.conf" explain tcp 192.168.1.2:25678 198.19.0.1:7000 | sed 's/^/   /'
want=$("$FLOWPIN" -c "$WORK/flowpin.conf" -j explain tcp 192.168.1.2:25678 198.19.0.1:7000 | jq -r .link)
got=$(ns lan "$TRAFFIC" tcp -v -n 1 -s 25678 198.19.0.1 7000 | awk '$1 == "conn" { print $3 }')
echo "   made: the server saw it from $got, that is ${want}'s provider (198.18.${want#wan}.2)"
echo

echo "4. Failover: provider 2's upstream is cut, its link to the router stays up"
hold "$WORK/hold" -n 60 -i 50 -s 61000 198.19.0.1 7000
cut=$(date +%s.%N)
upstream 2 down
wait_log "link wan2 down" 5
echo "   detected after $(log_ms "$cut" 'link wan2 down') ms:"
grep -m1 'link wan2 down' "$WORK/flowpin.log" | cut -d' ' -f3- | fold -s -w 72 | sed 's/^/     /'
ns lan "$TRAFFIC" tcp -n 200 -t 2000 198.19.0.1 7000 >"$WORK/outage"
printf '   new connections meanwhile:               %s of 200, %s through wan2\n' \
	"$(value ok "$WORK/outage")" "$(count seen 198.18.2.2 "$WORK/outage")"
upstream 2 up
wait_log "link wan2 up" 5 && echo "   provider 2 restored: wan2 is back up"
unhold
for k in 1 2 3; do
	printf '   held connections on wan%s: %s kept, %s broken%s\n' "$k" \
		"$(count seen "198.18.$k.2" "$WORK/hold")" "$(count lost "198.18.$k.2" "$WORK/hold")" \
		"$([ $k = 2 ] && echo ' (their provider died: under NAT they cannot survive)')"
done
echo

echo "5. flowpin sim: the capture of step 2, replayed with wan1 failing and recovering"
dur=$("$FLOWPIN" -c "$WORK/flowpin.conf" -j sim "$WORK/lan.pcap" | jq '.trace.duration')
t1=$(jq -n "$dur / 3")
t2=$(jq -n "$dur * 2 / 3")
"$FLOWPIN" -c "$WORK/flowpin.conf" -j sim "$WORK/lan.pcap" --event "$t1:wan1:down" \
	--event "$t2:wan1:up" >"$WORK/sim.json"
printf '   %-12s %12s %12s %18s\n' policy connections broken "moved down/up"
jq -r '.policies[] | [.name, ([.links[].connections] | add),
	.broken, (.moved | map(if . == null then "-" else tostring end) | join("/"))] | @tsv' \
	"$WORK/sim.json" | while IFS=$'\t' read -r name conns broken moved; do
	printf '   %-12s %12s %12s %18s\n' "$name" "$conns" "$broken" "$moved"
done
echo

echo "6. A firewall reload that starts with \"flush ruleset\" takes flowpin's table along"
ns rtr nft flush ruleset
if wait_log "table inet flowpin deleted by" 5 && ns rtr nft list table inet flowpin >/dev/null 2>&1; then
	grep -m1 'table inet flowpin deleted by' "$WORK/flowpin.log" | cut -d' ' -f3- |
		sed 's/^warning: //' | fold -s -w 72 | sed 's/^/     /'
	echo "   the table is back: pinned connections keep their links (their conntrack marks"
	echo "   survive it); until then their packets follow the main table"
else
	echo "   the table did not come back!"
	exit 1
fi
echo

echo "7. flowpin status"
"$FLOWPIN" -c "$WORK/flowpin.conf" status | sed 's/^/   /'
echo
stop_flowpin
if [ "$before" = "$(snapshot)" ]; then
	echo "8. Stopped: ip rule, ip route and nft ruleset are exactly as before."
else
	echo "8. Stopped: the kernel state differs from before!"
	exit 1
fi
