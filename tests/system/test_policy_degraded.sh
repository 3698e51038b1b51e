#!/bin/bash
# last_resort while no link of the router is up at all: every link's
# probes are cut (the paths themselves work), and a policy takes its
# usable links (interface, carrier, address, gateway) as the default one
# does, without its last resort; then wan1 loses its carrier: the two
# policies of wan1 only (unreachable, blackhole) have no usable link and
# take their last resort again, and the default policy's new connections
# all leave by wan2, the one link still usable.
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

say "no link up at all: every link's probes cut, the paths work"
for k in 1 2; do
	ns "isp$k" nft -f - <<-'EOF'
	table ip cut {
		chain probes {
			type filter hook forward priority filter;
			icmp type echo-request drop
		}
	}
	EOF
done
check "wan1 goes down" wait_until 5 link_is wan1 state down
check "wan2 goes down" wait_until 5 link_is wan2 state down
check "status: every policy degraded ($(policies))" \
	[ "$(policies)" = '[["default","main","degraded"],["refuse","unreachable","degraded"],["drop","blackhole","degraded"]]' ]
tcp -n 20 -s 23000 198.19.0.1 7001 >"$WORK/out"
check "the unreachable policy takes its usable wan1 ($(seen "$WORK/out"))" by 1 20 "$WORK/out"
tcp -n 20 -s 23100 198.19.0.1 7002 >"$WORK/out"
check "the blackhole policy too ($(seen "$WORK/out"))" by 1 20 "$WORK/out"
tcp -n 40 -s 23200 198.19.0.1 7000 >"$WORK/out"
check "the default policy: its usable links ($(seen "$WORK/out"))" \
	[ "$(value ok "$WORK/out")" = 40 -a "$(grep -c '^seen' "$WORK/out")" = 2 ]
say "wan1 loses its carrier: the two policies have no usable link"
ns isp1 ip link set tortr down
check "wan1 has no carrier" wait_until 5 eval 'link_get wan1 reason | grep -q carrier'
buckets() { status | jq -c '[.policies[] | [.name, [.links[] | .buckets]]]'; }
want='[["default",[0,1024]],["refuse",[0]],["drop",[0]]]'
wait_until 2 eval '[ "$(buckets)" = "$want" ]'
b=$(buckets)
check "wan1, not usable, owns no bucket: the default policy's are wan2's ($b)" [ "$b" = "$want" ]
r=$(tcp_result lan 198.19.0.1 7001)
check "unreachable: refused again ($r)" [ "$r" = refused -o "$r" = unreachable ]
r=$(tcp_result lan 198.19.0.1 7002)
check "blackhole: no answer again ($r)" [ "$r" = timeout ]
tcp -n 20 -s 23300 198.19.0.1 7000 >"$WORK/out"
check "the default policy: by wan2, its usable link ($(seen "$WORK/out"))" by 2 20 "$WORK/out"
stop_flowpin
finish
