#!/bin/bash
# A rule of policy = main leaves its connections unpinned: no conntrack
# mark, the main routing table's route (the seed's multipath default, whose
# hash puts one host's connections to one server on one provider), and no
# part in a link's failure. The link those connections take is declared
# down (its probes are cut, the path itself still works): flowpin deletes
# that link's pinned connections, which break (the control), and leaves
# the rule's alone: held, none broken, their conntrack entries still there,
# and new ones still follow the main table through that link.
source "$(dirname "$0")/lib.sh"

topology 2
start_server
serve 7001 || exit 1
TRACK=198.19.0.2 conf 2 >"$WORK/fp.conf"
cat >>"$WORK/fp.conf" <<'EOF'
[rule direct]
proto = tcp
dport = 7001
policy = main
EOF
start_flowpin "$WORK/fp.conf" || exit 1
check "the links come up" wait_until 5 links_up 2
seen() { grep '^seen' "$1" | tr '\n' ' '; }

say "the rule's connections"
ns lan "$TRAFFIC" tcp -n 60 -s 20000 -t 2000 198.19.0.1 7001 >"$WORK/direct"
check "60 of 60 succeed ($(seen "$WORK/direct"))" [ "$(value ok "$WORK/direct")" = 60 ]
check "  all through one provider, as the main table's multipath hash puts them" \
	[ "$(grep -c '^seen' "$WORK/direct")" = 1 ]
x=$(awk '$1 == "seen" { print substr($2, 8, 1) }' "$WORK/direct")
y=$((3 - x))
route=$(ns rtr ip route get 198.19.0.1 from 192.168.1.2 iif lan0)
check "  the main table's: $route" grep -q " dev wan$x " <<<"$route"
marks=$(ct_marks -p tcp --dport 7001)
check "conntrack: none of them carries a mark ($marks)" [ "$marks" = "0 60" ]
check "status: rule direct decided 60 ($(status | jq -c '.rules'))" \
	[ "$(status | jq '.rules[] | select(.name == "direct") | .connections')" = 60 ]
n=$(flows) pinned=$(ns rtr conntrack -L 2>/dev/null | grep -c 'mark=[1-9]')
check "status: the links count only the pinned connections, not these ($n, conntrack $pinned)" \
	[ "$n" = "$pinned" ]
e=$("$FLOWPIN" -c "$WORK/fp.conf" -j explain tcp 192.168.1.2:20000 198.19.0.1:7001 | jq -c '[.rule, .policy, .link]')
check "explain: rule direct, policy main, no link ($e)" [ "$e" = '["direct","main",null]' ]

say "the others: pinned (the control)"
ns lan "$TRAFFIC" tcp -n 60 -s 21000 -t 2000 198.19.0.1 7000 >"$WORK/pinned"
check "60 of 60 succeed, through both ($(seen "$WORK/pinned"))" \
	[ "$(value ok "$WORK/pinned")" = 60 -a "$(grep -c '^seen' "$WORK/pinned")" = 2 ]
marks=$(ct_marks -p tcp --dport 7000)
check "conntrack: each carries a link's mark ($(tr '\n' ' ' <<<"$marks"))" \
	[ "$(grep -c '^0 ' <<<"$marks")" = 0 -a "$(awk '{ n += $2 } END { print n }' <<<"$marks")" = 60 ]

say "held: 20 of the rule's, 20 pinned"
hold "$WORK/hold.direct" -n 20 -i 50 -s 61000 198.19.0.1 7001
HOLD_DIRECT=$HOLD
hold "$WORK/hold.pinned" -n 20 -i 50 -s 61100 198.19.0.1 7000
HOLD_PINNED=$HOLD
est() { ct_marks -p tcp --dport "$1" --state ESTABLISHED | tr '\n' ' '; }
before=$(est 7001)
check "the rule's 20 are established, unmarked ($before)" [ "$before" = "0 20 " ]

say "wan$x, the link the rule's connections take, is declared down (its probes cut)"
ns "isp$x" nft -f - <<'EOF'
table ip cut {
	chain probes {
		type filter hook forward priority filter;
		ip daddr 198.19.0.2 drop
	}
}
EOF
check "wan$x goes down" wait_log "link wan$x down" 5
check "its pinned connections were deleted" \
	wait_until 5 eval '[ "$(ct_marks -p tcp --dport 7000 --state ESTABLISHED | grep -c "^$(link_get "wan$x" mark) ")" = 0 ]'
after=$(est 7001)
check "conntrack: the rule's 20 are still there, unmarked ($after)" [ "$after" = "$before" ]
ns lan "$TRAFFIC" tcp -n 30 -s 22000 -t 2000 198.19.0.1 7001 >"$WORK/direct"
check "new connections of the rule still take the main table's route, by wan$x ($(seen "$WORK/direct"))" \
	[ "$(value ok "$WORK/direct")" = 30 -a "$(count seen "198.18.$x.2" "$WORK/direct")" = 30 ]
ns lan "$TRAFFIC" tcp -n 30 -s 23000 -t 2000 198.19.0.1 7000 >"$WORK/pinned"
check "new pinned ones leave by wan$y ($(seen "$WORK/pinned"))" \
	[ "$(value ok "$WORK/pinned")" = 30 -a "$(count seen "198.18.$y.2" "$WORK/pinned")" = 30 ]
sleep 0.5 # some rounds of the held connections
HOLD=$HOLD_PINNED unhold
HOLD=$HOLD_DIRECT unhold
say "held, the rule's: $(tr '\n' ' ' <"$WORK/hold.direct")"
say "held, pinned: $(tr '\n' ' ' <"$WORK/hold.pinned")"
check "the pinned ones on wan$x broke (the failure acted)" \
	[ "$(count lost "198.18.$x.2" "$WORK/hold.pinned")" -gt 0 ]
check "  those on wan$y did not" [ "$(count lost "198.18.$y.2" "$WORK/hold.pinned")" = 0 ]
check "the rule's 20 lived through it: none broken, none moved" \
	[ "$(value held "$WORK/hold.direct")" = 20 -a "$(value moved "$WORK/hold.direct")" = 0 ] &&
	check "  all by wan$x" [ "$(count seen "198.18.$x.2" "$WORK/hold.direct")" = 20 ]
stop_flowpin
finish
