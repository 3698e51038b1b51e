#!/bin/bash
# last_resort: what a new connection of a policy gets while none of its
# links is up and a link outside it is. Two policies of wan1 only: one
# unreachable (a new TCP connection is refused at once: the program sees
# a reset or an ICMP unreachable, not silence), one blackhole (dropped:
# the connection attempt gets no answer at all). Meanwhile the default
# policy's connections leave by wan2, and when wan1 is back both
# policies' connections leave by it again. (No link up at all:
# test_policy_degraded.sh.)
source "$(dirname "$0")/lib.sh"

topology 2
start_server
serve 7001 2 || exit 1
TRACK=198.19.0.1 conf 2 >"$WORK/fp.conf"
cat >>"$WORK/fp.conf" <<'EOF'
[policy refuse]
links = wan1
last_resort = unreachable
[policy drop]
links = wan1
last_resort = blackhole
[rule mail]
proto = tcp
dport = 7001
policy = refuse
[rule secret]
proto = tcp
dport = 7002
policy = drop
EOF
start_flowpin "$WORK/fp.conf" || exit 1
check "the links come up" wait_until 5 links_up 2
seen() { grep '^seen' "$1" | tr '\n' ' '; }
# by K N FILE: all N connections of fp-traffic's FILE succeeded, through wanK
by() { [ "$(value ok "$3")" = "$2" ] && [ "$(count seen "198.18.$1.2" "$3")" = "$2" ]; }
tcp() { ns lan "$TRAFFIC" tcp -t 2000 "$@"; }
policies() { status | jq -c '[.policies[] | [.name, .last_resort, .state]]'; }

say "wan1 up: $(policies)"
tcp -n 30 -s 20000 198.19.0.1 7001 >"$WORK/out"
check "the unreachable policy's connections: by wan1 ($(seen "$WORK/out"))" by 1 30 "$WORK/out"
tcp -n 30 -s 20100 198.19.0.1 7002 >"$WORK/out"
check "the blackhole policy's: by wan1 ($(seen "$WORK/out"))" by 1 30 "$WORK/out"
r=$(tcp_result lan 198.19.0.1 7001)
check "one more, as the program sees it: $r" [ "$r" = connected ]
check "status: the policies' last resorts and states" \
	[ "$(policies)" = '[["default","main","up"],["refuse","unreachable","up"],["drop","blackhole","up"]]' ]

say "wan1 fails, wan2 stays up"
upstream 1 down
check "wan1 goes down" wait_log "link wan1 down" 5
say "policies: $(policies)"
check "status: both policies of wan1 are in their last resort" \
	[ "$(policy_get refuse state)/$(policy_get drop state)/$(policy_get default state)" = last-resort/last-resort/up ]
r=$(tcp_result lan 198.19.0.1 7001)
check "unreachable: a new connection is refused ($r)" [ "$r" = refused -o "$r" = unreachable ]
tcp -n 20 -s 21000 198.19.0.1 7001 >"$WORK/out"
check "  20 of 20 fail ($(tr '\n' ' ' <"$WORK/out"))" [ "$(value fail "$WORK/out")" = 20 ]
r=$(tcp_result lan 198.19.0.1 7002)
check "blackhole: a new connection gets no answer ($r)" [ "$r" = timeout ]
tcp -n 5 -s 21100 -t 500 198.19.0.1 7002 >"$WORK/out"
check "  5 of 5 fail ($(tr '\n' ' ' <"$WORK/out"))" [ "$(value fail "$WORK/out")" = 5 ]
for want in 7001/mail/refuse/unreachable 7002/secret/drop/blackhole; do
	e=$("$FLOWPIN" -c "$WORK/fp.conf" -j explain tcp 192.168.1.2:21000 "198.19.0.1:${want%%/*}" |
		jq -r '"\(.rule)/\(.policy)/\(.link)/\(.last_resort)"')
	check "explain, port ${want%%/*}: rule, policy, no link, last resort ($e)" \
		[ "$e" = "$(sed 's|^[0-9]*/\([^/]*/[^/]*\)/|\1/null/|' <<<"$want")" ]
done
tcp -n 40 -s 21200 198.19.0.1 7000 >"$WORK/out"
check "the default policy's new connections: by wan2 ($(seen "$WORK/out"))" by 2 40 "$WORK/out"
check "no connection of the two policies left by wan2" \
	[ -z "$( (ct_marks -p tcp --dport 7001; ct_marks -p tcp --dport 7002) |
		awk -v m="$(link_get wan2 mark)" '$1 == m')" ]

say "wan1 comes back"
upstream 1 up
check "wan1 comes back up" wait_log "link wan1 up" 5
check "status: the policies are up again ($(policies))" \
	[ "$(policy_get refuse state)/$(policy_get drop state)" = up/up ]
tcp -n 30 -s 22000 198.19.0.1 7001 >"$WORK/out"
check "the unreachable policy's: by wan1 again ($(seen "$WORK/out"))" by 1 30 "$WORK/out"
tcp -n 30 -s 22100 198.19.0.1 7002 >"$WORK/out"
check "the blackhole policy's: by wan1 again ($(seen "$WORK/out"))" by 1 30 "$WORK/out"
r=$(tcp_result lan 198.19.0.1 7002)
check "one more, as the program sees it: $r" [ "$r" = connected ]
stop_flowpin
finish
