#!/bin/bash
# A sticky policy (hash = src): every connection of one LAN host uses one
# link, whatever its ports and destinations, so that a service that ties a
# session to the client's address sees one address; the hosts are still
# spread over the policy's links, each where flowpin explain says. Another
# host, which no rule matches, has its connections spread over both links
# (policy default, l4 hash).
source "$(dirname "$0")/lib.sh"

topology 2
HOSTS=$(seq 130 145) # the rule's hosts, 192.168.1.128/25
for h in $HOSTS; do ns lan ip addr add "192.168.1.$h/24" dev eth0; done
DSTS="198.19.0.1 198.19.0.2 198.19.0.3 198.19.0.4"
ns net ip addr add 198.19.0.3/32 dev lo
ns net ip addr add 198.19.0.4/32 dev lo
start_server
serve 7001 3 || exit 1
conf 2 >"$WORK/fp.conf"
cat >>"$WORK/fp.conf" <<'EOF'
[policy sticky]
links = wan1 wan2
hash = src
[rule bank]
src = 192.168.1.128/25
policy = sticky
EOF
start_flowpin "$WORK/fp.conf" || exit 1
check "status: policy sticky hashes the source ($(policy_get sticky hash))" \
	[ "$(policy_get sticky hash)" = src ]

# conns SRC [SPORT]: 2 connections from SRC to each port 7000-7003 of each
# server, from ephemeral source ports or those from SPORT on; "ok N" and
# "seen ADDR N", summed over them
conns() {
	local d p s=${2:-}
	for d in $DSTS; do
		for p in 7000 7001 7002 7003; do
			ns lan "$TRAFFIC" tcp -n 2 -t 2000 -b "$1" ${s:+-s "$s"} "$d" "$p"
			[ -z "$s" ] || s=$((s + 2))
		done
	done | awk '$1 == "ok" { ok += $2 } $1 == "seen" { n[$2] += $3 }
		END { print "ok", ok + 0; for (a in n) print "seen", a, n[a] }'
}

say "the sticky hosts: 32 connections each"
bad=0 on1=0 on2=0 wrong=0
for h in $HOSTS; do
	conns "192.168.1.$h" >"$WORK/h$h"
	addrs=$(grep -c '^seen' "$WORK/h$h")
	if [ "$(value ok "$WORK/h$h")" != 32 ] || [ "$addrs" != 1 ]; then
		bad=$((bad + 1))
		say "192.168.1.$h: $(tr '\n' ' ' <"$WORK/h$h")"
		continue
	fi
	k=$(awk '$1 == "seen" { print substr($2, 8, 1) }' "$WORK/h$h")
	[ "$k" = 1 ] && on1=$((on1 + 1))
	[ "$k" = 2 ] && on2=$((on2 + 1))
	# explain, for any port and destination, names the link the server saw
	for t in "192.168.1.$h:40000 198.19.0.1:7000" "192.168.1.$h:50123 198.19.0.4:443"; do
		l=$("$FLOWPIN" -c "$WORK/fp.conf" -j explain tcp $t | jq -r '"\(.rule) \(.policy) \(.link)"')
		[ "$l" = "bank sticky wan$k" ] || { wrong=$((wrong + 1)); say "explain tcp $t: $l, the server saw wan$k"; }
	done
done
check "each of the 16 hosts: all 32 connections succeed, from one address" [ "$bad" = 0 ]
check "the hosts are spread over both links ($on1 by wan1, $on2 by wan2)" \
	[ "$on1" -ge 2 -a "$on2" -ge 2 -a $((on1 + on2)) = 16 ]
check "explain names each host's link, its rule and policy" [ "$wrong" = 0 ]
one=0
for h in $HOSTS; do
	[ "$(ct_marks -p tcp -s "192.168.1.$h" | wc -l)" = 1 ] && one=$((one + 1))
done
check "conntrack: each host's connections carry one mark ($one of 16)" [ "$one" = 16 ]
check "status: rule bank decided all 512" \
	[ "$(status | jq '.rules[] | select(.name == "bank") | .connections')" = 512 ]

say "a host no rule matches"
conns 192.168.1.2 20000 >"$WORK/other"
check "its 32 connections succeed, spread over both links ($(grep seen "$WORK/other" | tr '\n' ' '))" \
	[ "$(value ok "$WORK/other")" = 32 -a "$(count seen 198.18.1.2 "$WORK/other")" -ge 6 \
		-a "$(count seen 198.18.2.2 "$WORK/other")" -ge 6 ]
l=$("$FLOWPIN" -c "$WORK/fp.conf" -j explain tcp 192.168.1.2:40000 198.19.0.1:7000 | jq -r '"\(.rule) \(.policy)"')
check "explain: no rule, policy default ($l)" [ "$l" = "null default" ]
check "status: the rule decided no more" \
	[ "$(status | jq '.rules[] | select(.name == "bank") | .connections')" = 512 ]
stop_flowpin
finish
