#!/bin/bash
# A reload (SIGHUP) that adds, removes and reorders rules moves no pinned
# connection: connections held through several rules (and none) across it
# keep their links, none broken, none moved, their conntrack marks as they
# were, though the rules that put them there are gone or no longer first;
# new connections follow the new rules at once, in their new order, and
# the kernel's rules chain is in that order. Policy p1 fails back (its
# connections have a mark of their own): its mark and ip rules stay too;
# a second reload makes it fail back no longer, and its connections take
# their link's own mark, none broken or moved.
source "$(dirname "$0")/lib.sh"

topology 2
ns net ip addr add 198.19.1.1/32 dev lo
start_server
serve 7001 4 || exit 1
conf 2 >"$WORK/base.conf"
policies='[policy p1]
links = wan1
failback = all
[policy p2]
links = wan2'
rule() { printf '[rule %s]\n%s\npolicy = %s\n' "$1" "$2" "$3"; }
{
	cat "$WORK/base.conf"; echo "$policies"
	rule a 'proto = tcp
dport = 7001' p1 # removed by the reload
	rule b 'proto = tcp
dport = 7002' p2
	rule c 'dst = 198.19.1.0/24' p2
	rule e 'proto = tcp
dport = 7004' p1 # matches after c: 198.19.1.1:7004 is c's
} >"$WORK/fp.conf"
{
	cat "$WORK/base.conf"; echo "$policies"
	rule new 'proto = tcp
dport = 7003' p1 # added, first
	rule e 'proto = tcp
dport = 7004' p1 # now before c: 198.19.1.1:7004 is e's
	rule c 'dst = 198.19.1.0/24' p2
	rule b 'proto = tcp
dport = 7002' p2
} >"$WORK/new.conf"
start_flowpin "$WORK/fp.conf" || exit 1
seen() { grep '^seen' "$1" | tr '\n' ' '; }
# by K N FILE: all N connections of fp-traffic's FILE succeeded, through wanK
by() { [ "$(value ok "$3")" = "$2" ] && [ "$(count seen "198.18.$1.2" "$3")" = "$2" ]; }
spread() {
	[ "$(value ok "$2")" = "$1" ] &&
		[ "$(count seen 198.18.1.2 "$2")" -ge $(($1 / 5)) ] &&
		[ "$(count seen 198.18.2.2 "$2")" -ge $(($1 / 5)) ]
}
tcp() { ns lan "$TRAFFIC" tcp -t 2000 "$@" >"$WORK/out"; }
rules() { status | jq -c '[.rules[] | [.name, .line, .policy]]'; }
# chain: the rules the kernel's rules chain names, in their order there
# (rules of disjoint keys may share one verdict map: their order is moot)
chain() {
	ns rtr nft list chain inet flowpin rules | grep -oE 'rule\.[A-Za-z0-9_-]+' |
		awk '!seen[$0]++ { printf "%s ", substr($0, 6) }'
}
# names WORDS...: the words of chain, sorted; precedes A B: A is before B
names() { tr ' ' '\n' | grep . | sort | tr '\n' ' '; }
precedes() { awk -v a="$1" -v b="$2" '{ for (i = 1; i <= NF; i++) p[$i] = i } END { exit !(p[a] && p[b] && p[a] < p[b]) }' <<<"$3"; }
# chain_is SORTED A B: chain names the rules SORTED, A before B
chain_is() { local c; c=$(chain); [ "$(names <<<"$c")" = "$1" ] && precedes "$2" "$3" "$c"; }

say "before: $(rules)"
tcp -n 30 -s 20000 198.19.0.1 7001
check "rule a: port 7001 by wan1 ($(seen "$WORK/out"))" by 1 30 "$WORK/out"
tcp -n 30 -s 20100 198.19.1.1 7004
check "rule c before e: 198.19.1.1:7004 by wan2 ($(seen "$WORK/out"))" by 2 30 "$WORK/out"
tcp -n 60 -s 20200 198.19.0.1 7003
check "no rule: port 7003 spread ($(seen "$WORK/out"))" spread 60 "$WORK/out"
check "the kernel's rules chain: a, b, c and e, c before e ($(chain))" chain_is "a b c e " c e

# held connections, one set per rule (and none): NAME DESTINATION PORT
HELD="a 198.19.0.1 7001
c 198.19.1.1 7004
b 198.19.0.1 7002
none 198.19.0.1 7000
none7003 198.19.0.1 7003"
declare -A HOLDS=()
sport=61000
while read -r name dst port; do
	hold "$WORK/hold.$name" -n 20 -i 50 -s "$sport" "$dst" "$port" || fail "hold $name"
	HOLDS[$name]=$HOLD
	sport=$((sport + 100))
done <<<"$HELD"
# marks: the marks of every held connection, by destination and port
marks() {
	while read -r name dst port; do
		echo "$name: $(ct_marks -p tcp -d "$dst" --dport "$port" --state ESTABLISHED | tr '\n' ' ')"
	done <<<"$HELD"
}
before=$(marks)
say "held: $(tr '\n' ';' <<<"$before")"
mp1=$(member_get p1 wan1 mark)
check "rule a's connections carry p1's own mark of wan1, $mp1" \
	[ "$(grep '^a:' <<<"$before")" = "a: $mp1 20 " -a "$mp1" != "$(link_get wan1 mark)" ]
iprules=$(ns rtr ip rule)

say "reload: rule a removed, rule new added first, e moved before c"
cp "$WORK/new.conf" "$WORK/fp.conf"
e=$("$FLOWPIN" -c "$WORK/fp.conf" -j explain tcp 192.168.1.2:21100 198.19.1.1:7004 | jq -r '"\(.rule) \(.policy) \(.link)"')
check "the file changed, not reloaded yet: explain answers with the daemon's rules, c's ($e)" \
	[ "$e" = "c p2 wan2" ]
check "the daemon reloads" reload "reloaded: 2 links"
r=$(rules)
check "status: the new rules, in their order, with their lines ($r)" \
	[ "$r" = '[["new",17,"p1"],["e",21,"p1"],["c",25,"p2"],["b",28,"p2"]]' ]
check "the kernel's rules chain: new, e, c and b, e before c ($(chain))" chain_is "b c e new " e c
after=$(marks)
check "conntrack: every held connection keeps its mark" [ "$after" = "$before" ]
check "p1's mark is the same ($(member_get p1 wan1 mark))" [ "$(member_get p1 wan1 mark)" = "$mp1" ]
check "the ip rules are the same" [ "$(ns rtr ip rule)" = "$iprules" ]
e=$("$FLOWPIN" -c "$WORK/fp.conf" -j explain tcp 192.168.1.2:21100 198.19.1.1:7004 | jq -r '"\(.rule) \(.policy) \(.link)"')
check "explain: 198.19.1.1:7004 is now rule e's ($e)" [ "$e" = "e p1 wan1" ]
tcp -n 30 -s 21000 198.19.0.1 7003
check "rule new: port 7003 by wan1 ($(seen "$WORK/out"))" by 1 30 "$WORK/out"
tcp -n 30 -s 21100 198.19.1.1 7004
check "rule e now first: 198.19.1.1:7004 by wan1 ($(seen "$WORK/out"))" by 1 30 "$WORK/out"
tcp -n 60 -s 21200 198.19.0.1 7001
check "rule a gone: port 7001 spread ($(seen "$WORK/out"))" spread 60 "$WORK/out"
tcp -n 30 -s 21300 198.19.0.1 7002
check "rule b still: port 7002 by wan2 ($(seen "$WORK/out"))" by 2 30 "$WORK/out"
tcp -n 30 -s 21400 198.19.1.1 7000
check "rule c still: 198.19.1.1 by wan2 ($(seen "$WORK/out"))" by 2 30 "$WORK/out"

say "reload: policy p1 no longer fails back"
sed '/^failback = all$/d' "$WORK/new.conf" >"$WORK/fp.conf"
check "the daemon reloads" reload "reloaded: 2 links"
m=$(ct_marks -p tcp -d 198.19.0.1 --dport 7001 --state ESTABLISHED | tr '\n' ' ')
check "rule a's 20 held connections now carry wan1's own mark ($m)" [ "$m" = "$(link_get wan1 mark) 20 " ]
check "p1's wan1 has no mark of its own ($(member_get p1 wan1 mark))" [ "$(member_get p1 wan1 mark)" = 0 ]
ns rtr ip rule >"$WORK/iprules"
check "  nor an ip rule for its old mark" lacks "fwmark $(printf '0x%x' "$mp1")/" "$WORK/iprules"
check "the other held connections keep their marks" \
	[ "$(marks | grep -v '^a:')" = "$(grep -v '^a:' <<<"$before")" ]
tcp -n 30 -s 21500 198.19.0.1 7003
check "rule new: port 7003 by wan1 still ($(seen "$WORK/out"))" by 1 30 "$WORK/out"
sleep 0.5 # some rounds after the reloads
while read -r name dst port; do
	HOLD=${HOLDS[$name]} unhold
	f=$WORK/hold.$name
	say "held, $name: $(tr '\n' ' ' <"$f")"
	check "$name's 20 held connections: none broken, none moved" \
		[ "$(value held "$f")" = 20 -a "$(value moved "$f")" = 0 ]
done <<<"$HELD"
check "  rule a's still on wan1" [ "$(count seen 198.18.1.2 "$WORK/hold.a")" = 20 ]
check "  rule c's (198.19.1.1:7004) still on wan2" [ "$(count seen 198.18.2.2 "$WORK/hold.c")" = 20 ]
check "  rule b's still on wan2" [ "$(count seen 198.18.2.2 "$WORK/hold.b")" = 20 ]
check "  port 7003's, on both links before rule new, still on both" \
	[ "$(grep -c '^seen' "$WORK/hold.none7003")" = 2 ]
stop_flowpin
finish
