#!/bin/bash
# Rules and policies in both families (dual-stack seed, NAT66): a rule's
# prefixes may mix families and match each family by its own; a rule of
# IPv4 prefixes only matches no IPv6 connection; a rule of protocol and
# port alone matches both. Each family of a policy fails over by itself:
# wan1's IPv6 path fails, the policy's new IPv6 connections take its tier
# 2 while its IPv4 ones stay on wan1. explain agrees with the kernel for
# IPv6 tuples of a rule.
source "$(dirname "$0")/lib.sh"

topology6 2 || exit 1
start_server
start_server6
ip netns exec "${P}net" "$TRAFFIC" serve -a :: -p 5060 -P 2 &
PIDS+=($!)
serve 5060 2 || exit 1
TRACK="198.19.0.1 2001:db8:ffff::1" conf6 2 >"$WORK/fp.conf"
cat >>"$WORK/fp.conf" <<'EOF'
[policy via-wan2]
links = wan2
[policy voip]
links = wan1 wan2@2
[rule partner]
dst = 2001:db8:ffff::2 198.19.0.2
policy = via-wan2
[rule ipv4-only]
src = 192.168.1.0/24
proto = tcp
dport = 5061
policy = via-wan2
[rule voip]
proto = udp
dport = 5060
policy = voip
EOF
start_flowpin "$WORK/fp.conf" || exit 1
all_up() { status | jq -e '[.links[] | .state == "up" and .ipv6.state == "up"] | all' >/dev/null; }
check "both families of both links come up" wait_until 5 all_up
S6=2001:db8:ffff
seen() { grep '^seen' "$1" | tr '\n' ' '; }
# by ADDR N FILE: all N connections of FILE succeeded, the server saw ADDR
by() { [ "$(value ok "$3")" = "$2" ] && [ "$(count seen "$1" "$3")" = "$2" ]; }
# spread A1 A2 N FILE: all N succeeded, at least a fifth seen from each
spread() {
	[ "$(value ok "$4")" = "$3" ] && [ "$(count seen "$1" "$4")" -ge $(($3 / 5)) ] &&
		[ "$(count seen "$2" "$4")" -ge $(($3 / 5)) ]
}
tcp() { ns lan "$TRAFFIC" tcp -t 2000 "$@" >"$WORK/out"; }
udp() { ns lan "$TRAFFIC" udp -k 2 -t 1000 "$@" >"$WORK/out"; }

b6=$(status | jq -c '[.policies[] | [.name, [.links[] | .buckets6]]]')
check "status: each policy's IPv6 buckets ($b6)" \
	[ "$b6" = '[["default",[512,512]],["via-wan2",[1024]],["voip",[1024,0]]]' ]

say "a rule of both families"
tcp -n 60 -s 20000 "$S6::2" 7000
check "IPv6 to $S6::2: by wan2 ($(seen "$WORK/out"))" by 2001:db8:2::2 60 "$WORK/out"
tcp -n 60 -s 20100 198.19.0.2 7000
check "IPv4 to 198.19.0.2: by wan2 ($(seen "$WORK/out"))" by 198.18.2.2 60 "$WORK/out"
tcp -n 100 -s 20200 "$S6::1" 7000
check "IPv6 to $S6::1: spread ($(seen "$WORK/out"))" spread 2001:db8:1::2 2001:db8:2::2 100 "$WORK/out"

say "a rule of IPv4 prefixes only"
tcp -n 60 -s 20300 198.19.0.1 5061
check "IPv4 TCP 5061: by wan2 ($(seen "$WORK/out"))" by 198.18.2.2 60 "$WORK/out"
tcp -n 100 -s 20400 "$S6::1" 5061
check "IPv6 TCP 5061: not the rule's, spread ($(seen "$WORK/out"))" \
	spread 2001:db8:1::2 2001:db8:2::2 100 "$WORK/out"
e=$("$FLOWPIN" -c "$WORK/fp.conf" -j explain tcp "[fd00:1::2]:20400" "[$S6::1]:5061" | jq -r '"\(.rule) \(.policy)"')
check "  explain: no rule, policy default ($e)" [ "$e" = "null default" ]

say "a rule of protocol and port: both families"
udp -n 40 -s 30000 198.19.0.1 5060
check "IPv4 UDP 5060: by wan1 ($(seen "$WORK/out"))" by 198.18.1.2 40 "$WORK/out"
udp -n 40 -s 30100 "$S6::1" 5060
check "IPv6 UDP 5060: by wan1 ($(seen "$WORK/out"))" by 2001:db8:1::2 40 "$WORK/out"
udp -n 40 -s 30200 "$S6::1" 5061
check "IPv6 UDP 5061: spread ($(seen "$WORK/out"))" spread 2001:db8:1::2 2001:db8:2::2 40 "$WORK/out"

say "wan1's IPv6 fails, its IPv4 does not"
upstream6 1 down
check "wan1's IPv6 goes down" wait_until 5 link_is wan1 ipv6.state down
check "  its IPv4 stays up" link_is wan1 state up
check "policy voip: its IPv6 table on wan2, its IPv4 on wan1" \
	[ "$(status | jq -c '[.policies[] | select(.name == "voip") | .links[] | [.buckets, .buckets6]]')" = '[[1024,0],[0,1024]]' ]
udp -n 40 -s 31000 "$S6::1" 5060
check "new IPv6 UDP 5060: by wan2, its tier 2 ($(seen "$WORK/out"))" by 2001:db8:2::2 40 "$WORK/out"
udp -n 40 -s 31100 198.19.0.1 5060
check "new IPv4 UDP 5060: by wan1 still ($(seen "$WORK/out"))" by 198.18.1.2 40 "$WORK/out"
# explain's IPv6 answer for each of 50 flows is the link the server saw
for p in $(seq 31200 31249); do echo "udp [fd00:1::2]:$p [$S6::1]:5060"; done |
	"$FLOWPIN" -c "$WORK/fp.conf" -j explain - |
	jq -r '"conn \(.tuple | capture("\\]:(?<p>[0-9]+) ->").p) 2001:db8:\(.link | ltrimstr("wan"))::2 \(.rule)"' >"$WORK/pred"
ns lan "$TRAFFIC" udp -v -k 2 -t 1000 -n 50 -s 31200 "$S6::1" 5060 >"$WORK/real"
same=$(grep '^conn' "$WORK/real" | sort | comm -12 - <(cut -d' ' -f1-3 "$WORK/pred" | sort) | wc -l)
check "explain, IPv6 UDP 5060: rule voip for all, $same of 50 on the predicted link" \
	[ "$same" = 50 -a "$(cut -d' ' -f4 "$WORK/pred" | sort -u)" = voip ]
upstream6 1 up
check "wan1's IPv6 comes back" wait_until 5 link_is wan1 ipv6.state up
udp -n 40 -s 32000 "$S6::1" 5060
check "new IPv6 UDP 5060: by wan1 again ($(seen "$WORK/out"))" by 2001:db8:1::2 40 "$WORK/out"
finish
