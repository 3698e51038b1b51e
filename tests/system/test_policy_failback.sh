#!/bin/bash
# failback = all: policy metered (links = wan1 wan2@2) leaves its backup as
# soon as wan1 is back. While wan1 is down, connections of that policy and
# of the default policy are established, both through wan2; when wan1
# comes back, the policy's connections on wan2 are deleted (conntrack has
# none of them left; the held ones break, as a deleted connection under
# NAT does, to re-establish) and new ones go through wan1, while the
# default policy's connections on wan2 are untouched: all held, none
# broken. The log says "policy metered: tier 1 is back".
source "$(dirname "$0")/lib.sh"

topology 2
start_server
serve 7001 || exit 1
TRACK=198.19.0.1 conf 2 >"$WORK/fp.conf"
cat >>"$WORK/fp.conf" <<'EOF'
[policy metered]
links = wan1 wan2@2
failback = all
[rule metered]
proto = tcp
dport = 7001
policy = metered
EOF
start_flowpin "$WORK/fp.conf" || exit 1
check "the links come up" wait_until 5 links_up 2
check "status: policy metered fails back all ($(policy_get metered failback))" \
	[ "$(policy_get metered failback)" = all ]
seen() { grep '^seen' "$1" | tr '\n' ' '; }
# by K N FILE: all N connections of fp-traffic's FILE succeeded, through wanK
by() { [ "$(value ok "$3")" = "$2" ] && [ "$(count seen "198.18.$1.2" "$3")" = "$2" ]; }
tcp() { ns lan "$TRAFFIC" tcp -t 2000 "$@"; }
# est PORT: the marks of the established connections to PORT ("MARK N" ...)
est() { ct_marks -p tcp --dport "$1" --state ESTABLISHED | tr '\n' ' '; }

tcp -n 30 -s 20000 198.19.0.1 7001 >"$WORK/out"
check "wan1 up: the policy's connections by wan1 ($(seen "$WORK/out"))" by 1 30 "$WORK/out"

say "wan1 fails"
upstream 1 down
check "wan1 goes down" wait_log "link wan1 down" 5
hold "$WORK/hold.metered" -n 20 -i 50 -s 61000 198.19.0.1 7001
HOLD_METERED=$HOLD
hold "$WORK/hold.default" -n 20 -i 50 -s 61100 198.19.0.1 7000
HOLD_DEFAULT=$HOLD
mw2=$(member_get metered wan2 mark) w2=$(link_get wan2 mark)
sleep 0.3 # a few rounds: each connection has answered through wan2
m=$(est 7001) d=$(est 7000)
check "the policy's 20 held connections are on wan2, with its mark of wan2 ($m)" [ "$m" = "$mw2 20 " ]
check "the default policy's 20 too, with wan2's mark ($d)" [ "$d" = "$w2 20 " ]
check "status: the policy's wan2 has them" [ "$(member_get metered wan2 flows)" = 20 ]
tcp -n 20 -s 21000 198.19.0.1 7001 >"$WORK/out"
check "new connections of the policy: by wan2 ($(seen "$WORK/out"))" by 2 20 "$WORK/out"

say "wan1 comes back"
n=$(log_lines)
upstream 1 up
check "wan1 comes back up" wait_log "link wan1 up" 5
check "the log: policy metered: tier 1 is back" \
	wait_until 5 eval 'tail -n +$((n + 1)) "$WORK/flowpin.log" | grep -q "policy metered: tier 1 is back"'
say "$(grep 'is back' "$WORK/flowpin.log" | cut -d' ' -f3-)"
check "  once, and for no other policy" [ "$(grep -c 'is back' "$WORK/flowpin.log")" = 1 ]
check "conntrack: none of the policy's connections on wan2 is left" \
	wait_until 5 eval '[ -z "$(ct_marks -p tcp --dport 7001 | awk -v m="$mw2" "\$1 == m")" ]'
d=$(est 7000)
check "the default policy's 20 on wan2 are still there ($d)" [ "$d" = "$w2 20 " ]
tcp -n 30 -s 22000 198.19.0.1 7001 >"$WORK/out"
check "new connections of the policy: by wan1 ($(seen "$WORK/out"))" by 1 30 "$WORK/out"
sleep 0.5 # some rounds of the held connections after the deletion
HOLD=$HOLD_METERED unhold
HOLD=$HOLD_DEFAULT unhold
say "held, the policy's: $(tr '\n' ' ' <"$WORK/hold.metered")"
say "held, the default policy's: $(tr '\n' ' ' <"$WORK/hold.default")"
check "the policy's 20 held connections on wan2 broke, to re-establish" \
	[ "$(value broken "$WORK/hold.metered")" = 20 -a "$(count lost 198.18.2.2 "$WORK/hold.metered")" = 20 ]
check "the default policy's 20 lived on wan2: none broken, none moved" \
	[ "$(value held "$WORK/hold.default")" = 20 -a "$(value moved "$WORK/hold.default")" = 0 ] &&
	check "  all by wan2" [ "$(count seen 198.18.2.2 "$WORK/hold.default")" = 20 ]
stop_flowpin
finish
