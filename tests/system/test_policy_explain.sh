#!/bin/bash
# flowpin explain agrees with the kernel for rules and policies: for
# connections with chosen source ports matched by different rules (and by
# none), the rule and policy explain names are the right ones and its link
# is the one the server saw each connection arrive from: a policy with
# weights of its own over three links, one with a backup tier, one hashing
# addresses only, policy main (explain names no link: the main table's
# route is taken), a rule limited to a lan interface (the router's own
# connections, iif -, are not its). All links up, then with wan1 down.
source "$(dirname "$0")/lib.sh"

topology 3
for a in 1 2 3 4 5 6 7 8; do ns net ip addr add "198.19.1.$a/32" dev lo; done
start_server
serve 5060 && serve 7001 3 || exit 1
TRACK=198.19.0.1 conf 3 2 1 1 >"$WORK/fp.conf"
cat >>"$WORK/fp.conf" <<'EOF'
[policy weighted]
links = wan1:1 wan2:3 wan3:2
[policy voip]
links = wan1 wan2@2
[policy partner]
links = wan2 wan3
hash = l3
[policy only3]
links = wan3
[rule weighted]
proto = tcp
dport = 7001
policy = weighted
[rule voip]
proto = udp
dport = 5060
policy = voip
[rule partner]
dst = 198.19.1.0/24
policy = partner
[rule direct]
proto = tcp
dport = 7002
policy = main
[rule lan-only]
lan = lan0
proto = tcp
dport = 7003
policy = only3
EOF
start_flowpin "$WORK/fp.conf" || exit 1
check "the links come up" wait_until 5 links_up 3

# predict PROTO SRC DST PORT FIRST N [IIF]: explain for each source port
# FIRST.., one line each: "conn SPORT SEEN RULE POLICY", SEEN the address
# the server would see (198.18.K.2 for link wanK, "main" for no link)
predict() {
	local p
	for p in $(seq "$5" $(($5 + $6 - 1))); do
		echo "$1 $2:$p $3:$4${7:+ iif $7}"
	done | "$FLOWPIN" -c "$WORK/fp.conf" -j explain - |
		jq -r '"conn \(.tuple | capture(":(?<p>[0-9]+) ->").p) \(
			if .link then "198.18.\(.link | ltrimstr("wan")).2" else "main" end) \(.rule) \(.policy)"'
}
# compare NAME PREDICTED ACTUAL: every connection of ACTUAL (fp-traffic
# -v) succeeded, on the link PREDICTED names
compare() {
	local n same
	n=$(grep -c '^conn' "$3")
	same=$(grep '^conn' "$3" | sort | comm -12 - <(cut -d' ' -f1-3 "$2" | sort) | wc -l)
	check "$1: $same of $n connections on the predicted link ($(awk '$1 == "seen" { n[$2] += $3 }
		END { for (a in n) printf "%s %d, ", a, n[a] }' "$3"))" \
		[ "$n" -gt 0 -a "$same" = "$n" ]
}
# decided PREDICTED RULE POLICY: explain named that rule and policy for all
decided() { [ -s "$1" ] && [ "$(cut -d' ' -f4- "$1" | sort -u)" = "$2 $3" ]; }
tcp() { ns "$1" "$TRAFFIC" tcp -v -t 2000 "${@:2}"; }
udp() { ns lan "$TRAFFIC" udp -v -k 2 -t 1000 "$@"; }

# round N: every kind of connection, predicted and made; source ports
# from N*1000 on
round() {
	local b=$(($1 * 1000))
	predict tcp 192.168.1.2 198.19.0.1 7001 $((20000 + b)) 150 >"$WORK/p.weighted"
	check "port 7001: rule weighted, policy weighted" decided "$WORK/p.weighted" weighted weighted
	tcp lan -n 150 -s $((20000 + b)) 198.19.0.1 7001 >"$WORK/r"
	compare "policy weighted (1:3:2)" "$WORK/p.weighted" "$WORK/r"

	predict udp 192.168.1.2 198.19.0.1 5060 $((30000 + b)) 60 >"$WORK/p.voip"
	check "UDP 5060: rule voip, policy voip" decided "$WORK/p.voip" voip voip
	udp -n 60 -s $((30000 + b)) 198.19.0.1 5060 >"$WORK/r"
	compare "policy voip (wan1, wan2 its tier 2)" "$WORK/p.voip" "$WORK/r"

	: >"$WORK/p.partner" && : >"$WORK/r"
	for a in 1 2 3 4 5 6 7 8; do
		predict tcp 192.168.1.2 "198.19.1.$a" 7000 $((21000 + b + a * 10)) 5 >>"$WORK/p.partner"
		tcp lan -n 5 -s $((21000 + b + a * 10)) "198.19.1.$a" 7000 >>"$WORK/r"
	done
	check "198.19.1.0/24: rule partner, policy partner" decided "$WORK/p.partner" partner partner
	compare "policy partner (l3) over 8 destinations" "$WORK/p.partner" "$WORK/r"

	predict tcp 192.168.1.2 198.19.0.1 7000 $((22000 + b)) 150 >"$WORK/p.default"
	check "port 7000: no rule, policy default" decided "$WORK/p.default" null default
	tcp lan -n 150 -s $((22000 + b)) 198.19.0.1 7000 >"$WORK/r"
	compare "policy default (2:1:1)" "$WORK/p.default" "$WORK/r"

	predict tcp 192.168.1.2 198.19.0.1 7003 $((23000 + b)) 30 >"$WORK/p.lan"
	check "port 7003 from lan0: rule lan-only, policy only3" decided "$WORK/p.lan" lan-only only3
	tcp lan -n 30 -s $((23000 + b)) 198.19.0.1 7003 >"$WORK/r"
	compare "policy only3" "$WORK/p.lan" "$WORK/r"
	predict tcp 10.1.0.2 198.19.0.1 7003 $((23000 + b)) 60 - >"$WORK/p.own"
	check "port 7003 from the router itself (iif -): no rule, policy default" \
		decided "$WORK/p.own" null default
	tcp rtr -n 60 -b 10.1.0.2 -s $((23000 + b)) 198.19.0.1 7003 >"$WORK/r"
	compare "the router's own, policy default" "$WORK/p.own" "$WORK/r"

	predict tcp 192.168.1.2 198.19.0.1 7002 $((24000 + b)) 30 >"$WORK/p.main"
	check "port 7002: rule direct, policy main, no link" decided "$WORK/p.main" direct main
	check "  every one: no link" [ "$(grep -vc ' main direct main$' "$WORK/p.main")" = 0 ]
	dev=$(ns rtr ip route get 198.19.0.1 from 192.168.1.2 iif lan0 | grep -o 'dev wan[0-9]' | cut -c8)
	sed -i "s/ main direct main$/ 198.18.$dev.2/" "$WORK/p.main"
	tcp lan -n 30 -s $((24000 + b)) 198.19.0.1 7002 >"$WORK/r"
	compare "policy main: the main table's route, by wan$dev" "$WORK/p.main" "$WORK/r"
}

say "all links up"
round 0
check "explain reads the daemon's live tables" [ "$("$FLOWPIN" -c "$WORK/fp.conf" -j explain \
	tcp 192.168.1.2:40000 198.19.0.1:7001 | jq -r .table)" = live ]
check "every link carries some of policy weighted" \
	[ "$(cut -d' ' -f3 "$WORK/p.weighted" | sort -u | wc -l)" = 3 ]

say "wan1 fails"
upstream 1 down
check "wan1 goes down" wait_log "link wan1 down" 5
round 1
cat "$WORK"/p.weighted "$WORK"/p.voip "$WORK"/p.default "$WORK"/p.own >"$WORK/p.all"
check "explain names wan1 for no connection" lacks ' 198\.18\.1\.2 ' "$WORK/p.all"
check "policy voip: all on its tier 2, wan2" [ "$(cut -d' ' -f3 "$WORK/p.voip" | sort -u)" = 198.18.2.2 ]
finish
