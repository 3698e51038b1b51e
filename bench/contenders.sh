# shellcheck shell=bash
# The contenders of make bench, each set up in turn on the router of
# tests/system/lib.sh's three-provider topology (sourced after it):
#
#   kernel     the seed's second answer: one multipath default route in the
#              main table, fib_multipath_hash_policy=1 (per-flow, L4)
#   resilient  the same next hops as a resilient nexthop group (kernel
#              defaults: idle_timer 120 s, unbalanced_timer 0), 128 buckets
#   conntrack  kernel multipath, and an nftables rule that makes the router
#              track connections: no routing of its own, a reference for
#              what any design that pins connections in conntrack pays
#   seed       the seed's first answer as written (per-link tables, ip rules,
#              the mangle/ipset/CONNMARK chains), for three links
#   flowpin    the daemon, with probes beyond the first hop
#   rules      flowpin as above and 100 rules holding 10,000 destination
#              prefixes that no connection of the bench goes to: every new
#              connection pays every rule's lookup, then takes the default
#              policy (forwarding figures only: its own daemon, socket
#              and log)
#
# CONTENDER_start / CONTENDER_stop set up and take down; CONTENDER_event
# EVENT LINK [WEIGHT] is what happens to it when a provider's path fails
# ("fail"), comes back ("recover") or a weight changes ("weight"): the
# kernel contenders get the route update a careful admin script would make
# (admin_health below makes them itself), the seed's recipe has no health
# checking and only takes the weight change, flowpin acts on its own.

GWS=(- 10.1.0.1 10.2.0.1 10.3.0.1)
WEIGHTS=(- 1 1 1) # 0: down

# the default route's next hops for the current WEIGHTS
nexthops() {
	local k
	for k in 1 2 3; do
		[ "${WEIGHTS[$k]}" -gt 0 ] &&
			printf ' nexthop via %s dev wan%d weight %d' "${GWS[$k]}" "$k" "${WEIGHTS[$k]}"
	done
}

# set_weights EVENT LINK [WEIGHT]: WEIGHTS after the event
set_weights() {
	case $1 in
	fail) WEIGHTS[$2]=0 ;;
	recover) WEIGHTS[$2]=1 ;;
	weight) WEIGHTS[$2]=$3 ;;
	esac
}

# The main table's default route as the topology made it: every contender
# puts it back.
default_route() {
	local w=("${WEIGHTS[@]}")
	WEIGHTS=(- 1 1 1)
	# shellcheck disable=SC2046
	ns rtr ip route replace default $(nexthops)
	WEIGHTS=("${w[@]}")
}

kernel_start() { WEIGHTS=(- 1 1 1); }
kernel_stop() { default_route; }
kernel_event() {
	set_weights "$@"
	# shellcheck disable=SC2046
	ns rtr ip route replace default $(nexthops)
}

resilient_group() {
	local k g=""
	for k in 1 2 3; do
		[ "${WEIGHTS[$k]}" -gt 0 ] && g="$g/$k,${WEIGHTS[$k]}"
	done
	echo "${g#/}"
}
resilient_start() {
	local k
	WEIGHTS=(- 1 1 1)
	for k in 1 2 3; do ns rtr ip nexthop add id "$k" via "${GWS[$k]}" dev "wan$k"; done
	ns rtr ip nexthop add id 10 group "$(resilient_group)" type resilient buckets 128
	ns rtr ip route replace default nhid 10
}
resilient_stop() {
	default_route
	ns rtr ip nexthop flush >/dev/null
}
resilient_event() {
	set_weights "$@"
	ns rtr ip nexthop replace id 10 group "$(resilient_group)" type resilient
}

conntrack_start() {
	kernel_start
	ns rtr nft -f - <<-EOT
		table ip fp_ctref {
			chain prerouting {
				type filter hook prerouting priority mangle; policy accept;
				ct state new counter
			}
		}
	EOT
}
conntrack_stop() {
	ns rtr nft delete table ip fp_ctref
	kernel_stop
}

# The seed's first answer, for three links: tables link1..3 are 201..203
# and lb is 200 (names would need /etc/iproute2/rt_tables), marks
# 0x301..0x303. Its "lable link1" is read as "table link1".
seed_lb() {
	# shellcheck disable=SC2046
	ns rtr ip route replace default proto static scope global table 200 $(nexthops)
}
seed_start() {
	local k m c
	WEIGHTS=(- 1 1 1)
	for k in 1 2 3; do
		ns rtr ip route add default via "${GWS[$k]}" table $((200 + k))
		ns rtr ip route add "10.$k.0.0/30" dev "wan$k" table $((200 + k))
	done
	seed_lb
	ns rtr ip rule add prio 10 table main
	for k in 1 2 3; do
		ns rtr ip rule add prio $((19 + k)) from "10.$k.0.0/30" table $((200 + k))
		ns rtr ip rule add prio $((49 + k)) fwmark $((0x300 + k)) table $((200 + k))
	done
	ns rtr ip rule add prio 100 table 200
	ns rtr ip route del default

	ns rtr iptables -t mangle -N SETMARK
	ns rtr iptables -t mangle -N GETMARK
	for k in 1 2 3; do
		m=$(printf '0x%x' $((0x300 + k)))
		ns rtr ipset create "lb_link$k" hash:ip,port,ip timeout 1200
		ns rtr iptables -t mangle -A SETMARK -o "wan$k" -j MARK --set-mark "$m"
		ns rtr iptables -t mangle -A SETMARK -m mark --mark "$m" -m set ! \
			--match-set "lb_link$k" src,dstport,dst -j SET --add-set "lb_link$k" src,dstport,dst
		ns rtr iptables -t mangle -A GETMARK -m mark --mark 0x0 -m set \
			--match-set "lb_link$k" src,dstport,dst -j MARK --set-mark "$m"
	done
	ns rtr iptables -t mangle -N CNTRACK
	for k in 1 2 3; do
		ns rtr iptables -t mangle -A CNTRACK -o "wan$k" -m mark --mark 0x0 -j SETMARK
	done
	ns rtr iptables -t mangle -A CNTRACK -m mark ! --mark 0x0 -j CONNMARK --save-mark
	ns rtr iptables -t mangle -A POSTROUTING -j CNTRACK
	for c in OUTPUT PREROUTING; do
		ns rtr iptables -t mangle -A "$c" -m mark --mark 0x0 -j CONNMARK --restore-mark
		ns rtr iptables -t mangle -A "$c" -m mark --mark 0x0 -j GETMARK
	done
}
seed_stop() {
	local k
	ns rtr iptables -t mangle -F
	ns rtr iptables -t mangle -X
	# iptables-nft leaves its empty table behind
	ns rtr nft delete table ip mangle 2>/dev/null
	for k in 1 2 3; do ns rtr ipset destroy "lb_link$k"; done
	for k in 10 20 21 22 50 51 52 100; do ns rtr ip rule del prio "$k"; done
	for k in 200 201 202 203; do ns rtr ip route flush table "$k"; done
	default_route
}
seed_event() {
	[ "$1" = weight ] || return 0
	set_weights "$@"
	seed_lb
}

flowpin_start() {
	WEIGHTS=(- 1 1 1)
	flowpin_conf >"$WORK/fp.conf"
	start_flowpin "$WORK/fp.conf" || return 1
	wait_until 3 flowpin_up 3 || { echo "flowpin: links not up" >&2; return 1; }
}
flowpin_conf() { TRACK="198.19.0.1 198.19.0.2" conf 3 "${WEIGHTS[@]:1}"; }
flowpin_up() { [ "$(status | jq '[.links[] | select(.state == "up")] | length')" = "$1" ]; }
flowpin_stop() { stop_flowpin; }
flowpin_event() {
	[ "$1" = weight ] || return 0
	set_weights "$@"
	flowpin_conf >"$WORK/fp.conf"
	kill -HUP "$FLOWPIN_PID"
}

# rules_conf: flowpin's configuration (flowpin_conf, its own control
# socket) and RULES rules of RULE_PREFIXES destination prefixes each,
# alternately to policy p1 (links wan1 wan2) and p2 (wan3). The prefixes
# are the /24s of 100.64.0.0/10 (shared address space, RFC 6598, which
# the bench's network does not use) from 100.64.0.0 up, dealt out to the
# rules in turn: rule K (0 up) holds the /24s numbered K, K + RULES, K +
# 2 RULES..., so no two of a rule are adjacent (a set cannot merge them)
# and no two rules share one. Each rule gives its list on lines of 50.
RULES=100 RULE_PREFIXES=100
rules_conf() {
	flowpin_conf | sed "s|^control = .*|control = $WORK/rules.sock|"
	awk -v rules=$RULES -v per=$RULE_PREFIXES 'BEGIN {
		printf "[policy p1]\nlinks = wan1 wan2\n[policy p2]\nlinks = wan3\n"
		for (k = 0; k < rules; k++) {
			printf "[rule r%d]", k + 1
			for (j = 0; j < per; j++) {
				n = j * rules + k
				if (j % 50 == 0) printf "\ndst ="
				printf " 100.%d.%d.0/24", 64 + int(n / 256), n % 256
			}
			printf "\npolicy = p%d\n", k % 2 + 1
		}
	}'
}
rules_status() { "$FLOWPIN" -c "$WORK/rules.conf" -j status 2>/dev/null; }
rules_up() {
	rules_status | jq -e '[.links[] | select(.state == "up")] | length == 3' >/dev/null
}
rules_start() {
	rules_conf >"$WORK/rules.conf"
	# not through ns(): $! must be the daemon
	ip netns exec "${P}rtr" "$FLOWPIN" run -c "$WORK/rules.conf" 2>>"$WORK/rules.log" &
	RULES_PID=$!
	PIDS+=("$RULES_PID")
	wait_until 5 rules_up && return 0
	echo "rules: links not up:" >&2
	rules_status >&2
	cat "$WORK/rules.log" >&2
	return 1
}
rules_stop() {
	kill -TERM "$RULES_PID" 2>/dev/null
	wait "$RULES_PID"
}

# Every namespace's conntrack table, emptied between contenders.
flush_conntrack() {
	local n
	for n in rtr isp1 isp2 isp3; do ns "$n" conntrack -F >/dev/null 2>&1; done
}

# admin_health CONTENDER: a careful admin's health check for the kernel
# contenders, run in the background. Each link is pinged beyond its first
# hop once a second (1 s timeout, through its own table, so that a link
# taken out of the default route is still probed); 3 lost in a row take
# it out of the route, 3 answered bring it back. admin_health_setup and
# admin_health_teardown add and remove the per-link probe routing.
admin_health_setup() {
	local k
	for k in 1 2 3; do
		ns rtr ip route add default via "${GWS[$k]}" dev "wan$k" table $((110 + k))
		ns rtr ip rule add prio 90 oif "wan$k" table $((110 + k))
	done
}
admin_health_teardown() {
	local k
	for k in 1 2 3; do
		ns rtr ip rule del prio 90
		ns rtr ip route flush table $((110 + k))
	done
}
admin_health() {
	local c=$1 k t0 pid=() lost=(- 0 0 0) got=(- 0 0 0) up=(- 1 1 1)
	while :; do
		t0=$(date +%s%N)
		for k in 1 2 3; do
			ns rtr ping -q -n -c1 -W1 -I "wan$k" 198.19.0.1 >/dev/null 2>&1 &
			pid[k]=$!
		done
		for k in 1 2 3; do
			if wait "${pid[k]}"; then
				lost[k]=0 got[k]=$((got[k] + 1))
			else
				got[k]=0 lost[k]=$((lost[k] + 1))
			fi
			if [ "${up[k]}" = 1 ] && [ "${lost[k]}" -ge 3 ]; then
				up[k]=0
				"${c}_event" fail "$k"
			elif [ "${up[k]}" = 0 ] && [ "${got[k]}" -ge 3 ]; then
				up[k]=1
				"${c}_event" recover "$k"
			fi
		done
		# the next round a second after this one began
		sleep "$(awk -v t="$(( $(date +%s%N) - t0 ))" 'BEGIN { s = 1 - t / 1e9; print (s > 0 ? s : 0) }')"
	done
}

# IPv6: the forwarding contenders again, each on a topology of its own
# (topology6_nat below), and with the same names and a 6:
#
#   kernel6     one IPv6 multipath default route in the main table (the
#               topology's), net.ipv6.fib_multipath_hash_policy=1
#   conntrack6  kernel6, and an nftables rule that makes the router track
#               IPv6 connections: the reference, as conntrack is for IPv4
#   seed6       the seed's first answer translated to IPv6 (ip -6 route,
#               ip -6 rule, ip6tables and inet6 ipsets), rule for rule
#   flowpin6    the daemon on both families (conf6: gateway6, nat6 none,
#               probes of IPv4 and IPv6 targets beyond the first hop)
#
# No events and no failover: they are IPv4's.

GWS6=(- 2001:db8:1::1 2001:db8:2::1 2001:db8:3::1)

# topology6_nat: lib.sh's topology6 for three providers, made what the
# IPv4 bench's network is: each provider masquerades (NAT66) what leaves
# toward the server, as each masquerades IPv4, and routes the LAN's ULA
# prefix back to the router; the lan host has its ULA address fd00:1::2
# only, which the router forwards as it is. (topology6's providers
# translate nothing and drop other sources, BCP 38: the IPv6 tests'
# network, where the router translates or sources are the providers'.)
topology6_nat() {
	local k
	topology6 3 || return 1
	for k in 1 2 3; do
		ns lan ip addr del "2001:db8:${k}00::2/64" dev eth0
		ns "isp$k" nft delete table ip6 isp6
		ns "isp$k" nft -f - <<-EOF
		table ip6 isp {
			chain post {
				type nat hook postrouting priority srcnat;
				oifname "tonet" masquerade
			}
		}
		EOF
		ns "isp$k" ip -6 route add fd00:1::/64 via "2001:db8:$k::2"
	done
}

# the IPv6 default route's next hops, every link at weight 1
nexthops6() {
	local k
	for k in 1 2 3; do printf ' nexthop via %s dev wan%d weight 1' "${GWS6[$k]}" "$k"; done
}
# The main table's IPv6 default route as topology6 made it.
default_route6() {
	# shellcheck disable=SC2046
	ns rtr ip -6 route replace default $(nexthops6)
}

kernel6_start() { :; }
kernel6_stop() { default_route6; }

conntrack6_start() {
	ns rtr nft -f - <<-EOT
		table ip6 fp_ctref {
			chain prerouting {
				type filter hook prerouting priority mangle; policy accept;
				ct state new counter
			}
		}
	EOT
}
conntrack6_stop() {
	ns rtr nft delete table ip6 fp_ctref
	kernel6_stop
}

# The IPv4 recipe's translation to IPv6: the seed's first answer
# (seed_start above, IPv4 only as the thread wrote it) line by line, the
# same table numbers, rule priorities and marks, ip -6 route and
# ip -6 rule for ip route and ip rule, ip6tables (iptables-nft) for
# iptables, ipsets of family inet6 (lb6_linkK). The providers' networks
# are wanK's 2001:db8:K::/64.
seed6_start() {
	local k m c
	for k in 1 2 3; do
		ns rtr ip -6 route add default via "${GWS6[$k]}" table $((200 + k))
		ns rtr ip -6 route add "2001:db8:$k::/64" dev "wan$k" table $((200 + k))
	done
	# shellcheck disable=SC2046
	ns rtr ip -6 route replace default proto static scope global table 200 $(nexthops6)
	ns rtr ip -6 rule add prio 10 table main
	for k in 1 2 3; do
		ns rtr ip -6 rule add prio $((19 + k)) from "2001:db8:$k::/64" table $((200 + k))
		ns rtr ip -6 rule add prio $((49 + k)) fwmark $((0x300 + k)) table $((200 + k))
	done
	ns rtr ip -6 rule add prio 100 table 200
	ns rtr ip -6 route del default

	ns rtr ip6tables -t mangle -N SETMARK
	ns rtr ip6tables -t mangle -N GETMARK
	for k in 1 2 3; do
		m=$(printf '0x%x' $((0x300 + k)))
		ns rtr ipset create "lb6_link$k" hash:ip,port,ip family inet6 timeout 1200
		ns rtr ip6tables -t mangle -A SETMARK -o "wan$k" -j MARK --set-mark "$m"
		ns rtr ip6tables -t mangle -A SETMARK -m mark --mark "$m" -m set ! \
			--match-set "lb6_link$k" src,dstport,dst -j SET --add-set "lb6_link$k" src,dstport,dst
		ns rtr ip6tables -t mangle -A GETMARK -m mark --mark 0x0 -m set \
			--match-set "lb6_link$k" src,dstport,dst -j MARK --set-mark "$m"
	done
	ns rtr ip6tables -t mangle -N CNTRACK
	for k in 1 2 3; do
		ns rtr ip6tables -t mangle -A CNTRACK -o "wan$k" -m mark --mark 0x0 -j SETMARK
	done
	ns rtr ip6tables -t mangle -A CNTRACK -m mark ! --mark 0x0 -j CONNMARK --save-mark
	ns rtr ip6tables -t mangle -A POSTROUTING -j CNTRACK
	for c in OUTPUT PREROUTING; do
		ns rtr ip6tables -t mangle -A "$c" -m mark --mark 0x0 -j CONNMARK --restore-mark
		ns rtr ip6tables -t mangle -A "$c" -m mark --mark 0x0 -j GETMARK
	done
}
seed6_stop() {
	local k
	ns rtr ip6tables -t mangle -F
	ns rtr ip6tables -t mangle -X
	# ip6tables-nft leaves its empty table behind
	ns rtr nft delete table ip6 mangle 2>/dev/null
	for k in 1 2 3; do ns rtr ipset destroy "lb6_link$k"; done
	for k in 10 20 21 22 50 51 52 100; do ns rtr ip -6 rule del prio "$k"; done
	for k in 200 201 202 203; do ns rtr ip -6 route flush table "$k"; done
	default_route6
}

# flowpin6: a daemon of its own (its own control socket and log: the IPv4
# contender's may run meanwhile), configured as flowpin's and for IPv6:
# each link's gateway6, nat6 none (the providers translate, as for IPv4),
# and IPv6 targets to probe beside the IPv4 ones.
flowpin6_conf() {
	TRACK="198.19.0.1 198.19.0.2 2001:db8:ffff::1 2001:db8:ffff::2" NAT6=none conf6 3 |
		sed "s|^control = .*|control = $WORK/flowpin6.sock|"
}
flowpin6_status() { "$FLOWPIN" -c "$WORK/fp6.conf" -j status 2>/dev/null; }
flowpin6_up() {
	flowpin6_status | jq -e '[.links[] | select(.ipv6.state == "up")] | length == 3' >/dev/null
}
flowpin6_start() {
	flowpin6_conf >"$WORK/fp6.conf"
	# not through ns(): $! must be the daemon
	ip netns exec "${P}rtr" "$FLOWPIN" run -c "$WORK/fp6.conf" 2>>"$WORK/flowpin6.log" &
	FLOWPIN6_PID=$!
	PIDS+=("$FLOWPIN6_PID")
	wait_until 5 flowpin6_up && return 0
	echo "flowpin6: links' IPv6 not up:" >&2
	flowpin6_status >&2
	cat "$WORK/flowpin6.log" >&2
	return 1
}
flowpin6_stop() {
	kill -TERM "$FLOWPIN6_PID" 2>/dev/null
	wait "$FLOWPIN6_PID"
}
