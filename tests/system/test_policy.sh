#!/bin/bash
# Policies and rules (flowpin.conf(5) POLICIES, RULES), what the server
# sees: a rule sends UDP 5060 and 10000-20000 to policy voip (links = wan1
# wan2@2): every such flow leaves by wan1, the ports around the range and
# other traffic spread over both links; wan1 fails: new voip flows leave
# by wan2, its tier 2, and wan1's voip flows are deleted with wan1's own;
# wan1 back: new ones by wan1 again, those on wan2 stay (failback = new).
# A second rule sends a destination prefix to policy via-wan2 (links =
# wan2): all those connections by wan2, and the first rule still wins for
# what both match. The connections carry their link's own mark (neither
# policy fails back), and status counts each rule's connections.
source "$(dirname "$0")/lib.sh"

topology 2
ns net ip addr add 198.19.1.1/32 dev lo # the partner's network
start_server
serve 5060 && serve 9999 2 && serve 20000 2 || exit 1
TRACK=198.19.0.1 conf 2 >"$WORK/fp.conf"
cat >>"$WORK/fp.conf" <<'EOF'
[policy voip]
links = wan1 wan2@2
[policy via-wan2]
links = wan2
[rule voip]
proto = udp
dport = 5060 10000-20000
policy = voip
[rule partner]
dst = 198.19.1.0/24
policy = via-wan2
EOF
start_flowpin "$WORK/fp.conf" || exit 1
check "the links come up" wait_until 5 links_up 2

# by K N FILE: all N connections of fp-traffic's FILE succeeded, through wanK
by() { [ "$(value ok "$3")" = "$2" ] && [ "$(count seen "198.18.$1.2" "$3")" = "$2" ]; }
# spread N FILE: all N succeeded, at least a fifth through each link
spread() {
	[ "$(value ok "$2")" = "$1" ] &&
		[ "$(count seen 198.18.1.2 "$2")" -ge $(($1 / 5)) ] &&
		[ "$(count seen 198.18.2.2 "$2")" -ge $(($1 / 5)) ]
}
seen() { grep '^seen' "$1" | tr '\n' ' '; }
udp() { ns lan "$TRAFFIC" udp -k 2 -t 1000 "$@"; }
tcp() { ns lan "$TRAFFIC" tcp -t 2000 "$@"; }

# a policy that does not fail back pins to its links' own marks
m1=$(link_get wan1 mark) m2=$(link_get wan2 mark)
buckets=$(status | jq -c '[.policies[] | [.name, [.links[] | [.name, .tier, .buckets]]]]')
check "status: each policy's links, tiers and buckets ($buckets)" [ "$buckets" = \
	'[["default",[["wan1",1,512],["wan2",1,512]]],["voip",[["wan1",1,1024],["wan2",2,0]]],["via-wan2",[["wan2",1,1024]]]]' ]

say "all links up"
udp -n 60 -s 30000 198.19.0.1 5060 >"$WORK/u5060"
check "UDP 5060: 60 of 60 flows by wan1 ($(seen "$WORK/u5060"))" by 1 60 "$WORK/u5060"
udp -n 40 -s 30100 198.19.0.1 10000 >"$WORK/u10000"
check "UDP 10000, the range's first port: by wan1 ($(seen "$WORK/u10000"))" by 1 40 "$WORK/u10000"
udp -n 40 -s 30200 198.19.0.1 20000 >"$WORK/u20000"
check "UDP 20000, its last: by wan1 ($(seen "$WORK/u20000"))" by 1 40 "$WORK/u20000"
udp -n 60 -s 30300 198.19.0.1 9999 >"$WORK/u9999"
check "UDP 9999, just below it: spread ($(seen "$WORK/u9999"))" spread 60 "$WORK/u9999"
udp -n 60 -s 30400 198.19.0.1 20001 >"$WORK/u20001"
check "UDP 20001, just above it: spread ($(seen "$WORK/u20001"))" spread 60 "$WORK/u20001"
udp -n 100 -s 30500 198.19.0.1 7000 >"$WORK/u7000"
check "other UDP: spread ($(seen "$WORK/u7000"))" spread 100 "$WORK/u7000"
tcp -n 60 -s 20000 198.19.0.1 5060 >"$WORK/t5060"
check "TCP 5060, not the rule's protocol: spread ($(seen "$WORK/t5060"))" spread 60 "$WORK/t5060"
marks=$(ct_marks -p udp --dport 5060)
check "conntrack: the 60 voip flows carry wan1's mark ($marks)" [ "$marks" = "$m1 60" ]
check "status: rule voip decided 140 connections ($(status | jq -c '.rules'))" \
	[ "$(status | jq '.rules[] | select(.name == "voip") | .connections')" = 140 ]
check "status: wan1 counts them among its own" [ "$(link_get wan1 flows)" -ge 140 ]

say "the partner's prefix"
tcp -n 100 -s 21000 198.19.1.1 7000 >"$WORK/partner"
check "TCP to 198.19.1.1: 100 of 100 by wan2 ($(seen "$WORK/partner"))" by 2 100 "$WORK/partner"
udp -n 40 -s 30700 198.19.1.1 7000 >"$WORK/partner.u"
check "UDP to it: by wan2 too ($(seen "$WORK/partner.u"))" by 2 40 "$WORK/partner.u"
tcp -n 100 -s 22000 198.19.0.1 7000 >"$WORK/other"
check "TCP to 198.19.0.1: spread ($(seen "$WORK/other"))" spread 100 "$WORK/other"
udp -n 20 -s 30800 198.19.1.1 5060 >"$WORK/first"
check "UDP 5060 to the partner: the first rule, voip, wins: by wan1 ($(seen "$WORK/first"))" \
	by 1 20 "$WORK/first"
marks=$(ct_marks -p tcp -d 198.19.1.1)
check "conntrack: the partner's connections carry wan2's mark ($marks)" [ "$marks" = "$m2 100" ]
check "status: rule partner decided 140 ($(status | jq -c '[.rules[] | [.name, .connections]]'))" \
	[ "$(status | jq '.rules[] | select(.name == "partner") | .connections')" = 140 ]
rules=$(status | jq -c '[.rules[] | [.name, .line, .policy]]')
check "status: the rules in file order, with their lines ($rules)" \
	[ "$rules" = '[["voip",18,"voip"],["partner",22,"via-wan2"]]' ]

say "wan1 fails"
upstream 1 down
check "wan1 goes down" wait_log "link wan1 down" 5
check "voip's wan2, its tier 2, owns every bucket" [ "$(member_get voip wan2 buckets)" = 1024 ]
udp -n 40 -s 31000 198.19.0.1 5060 >"$WORK/down"
check "new UDP 5060 flows: by wan2 ($(seen "$WORK/down"))" by 2 40 "$WORK/down"
marks=$(ct_marks -p udp --dport 5060)
check "conntrack: wan1's 80 voip flows are gone, the 40 new have wan2's mark ($marks)" \
	[ "$marks" = "$m2 40" ]
tcp -n 40 -s 23000 198.19.1.1 7000 >"$WORK/partner"
check "the partner's: by wan2 still ($(seen "$WORK/partner"))" by 2 40 "$WORK/partner"

say "wan1 comes back"
upstream 1 up
check "wan1 comes back up" wait_log "link wan1 up" 5
check "voip's wan1 owns every bucket again" [ "$(member_get voip wan1 buckets)" = 1024 ]
udp -n 40 -s 32000 198.19.0.1 5060 >"$WORK/back"
check "new UDP 5060 flows: by wan1 again ($(seen "$WORK/back"))" by 1 40 "$WORK/back"
marks=$(ct_marks -p udp --dport 5060 | tr '\n' ' ')
check "failback = new: the flows on wan2 stay, beside the new on wan1 ($marks)" \
	[ "$marks" = "$(printf '%s 40\n' "$m1" "$m2" | sort -n | tr '\n' ' ')" ]
udp -n 100 -s 32100 198.19.0.1 7000 >"$WORK/u7000"
check "other UDP: spread again ($(seen "$WORK/u7000"))" spread 100 "$WORK/u7000"
finish
