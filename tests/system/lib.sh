# shellcheck shell=bash
# The seed's network, in namespaces of this test run:
#
#   lan host ── router ──┬── isp1 ──┐
#   192.168.1.2   lan0   ├── isp2 ──┼── net (internet): server 198.19.0.1
#                        └── isp3 ──┘                   (and 198.19.0.2)
#
# router wanK 10.K.0.2/30, ispK 10.K.0.1/30 (tortr) and 198.18.K.2/24 (tonet);
# each isp masquerades what leaves by "tonet" (the server sees 198.18.K.2) and
# routes the LAN to the router, as the seed's border routers do. isp2
# forwards its port 8080 to the lan host (an inbound connection).
#
# Everything is named after this shell's PID, so runs never collide, and
# cleanup runs on every exit, failed or not.
#
# A test ends with finish (exit 0 when every check passed, else 1) or, when
# it cannot run here, with skip REASON (exit SKIP); run.sh counts each.

set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The system tests (the scripts beside this file) run with pipefail: a
# pipeline fails when any command in it does, so a check on one cannot pass
# over a crash upstream. demo/ and bench/ source this file too and keep the
# shell's default (their pipelines are not written for pipefail).
if [ "$(cd "$(dirname "${BASH_SOURCE[1]:-}")" 2>/dev/null && pwd)" = "$ROOT/tests/system" ]; then
	set -o pipefail
fi
FLOWPIN=${FLOWPIN:-$ROOT/build/asan/flowpin}
TRAFFIC=${TRAFFIC:-$ROOT/build/tools/fp-traffic}
P=fp$$
WORK=$(mktemp -d "/tmp/$P.XXXXXX")
NSES=()
PIDS=()
FAILED=0

# A sanitizer report fails the run; leaks in libraries we link are not ours.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# run a command in a namespace (in the background, use ip netns exec itself)
ns() { local n=$1; shift; ip netns exec "$P$n" "$@"; }

cleanup() {
	local pid n
	# SIGTERM first, so that a daemon still running tears down
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	done
	wait 2>/dev/null
	del_namespaces
	etc_netns_cleanup
	rm -rf "$WORK"
}

# del_namespaces: every namespace made so far goes, with what runs in it
del_namespaces() {
	local pid n
	for n in "${NSES[@]}"; do
		for pid in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
	done
	for n in "${NSES[@]}"; do ip netns del "$n" 2>/dev/null; done
	NSES=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CHECKS=0
say() { printf '  %s\n' "$*"; }
fail() { printf '  FAIL: %s\n' "$*"; FAILED=1; CHECKS=$((CHECKS + 1)); }
ok() { printf '  ok: %s\n' "$*"; CHECKS=$((CHECKS + 1)); }
# check DESCRIPTION COMMAND...: a test assertion
check() {
	local what=$1; shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
# finish: the end of a test; it passes when it checked something and every
# check passed
finish() {
	[ "$CHECKS" -gt 0 ] || fail "the test checked nothing"
	[ "$FAILED" -eq 0 ] || exit 1
	exit 0
}
# The exit status of a test that cannot run here (run.sh counts it skipped).
SKIP=4
# skip REASON: end the test unrun, saying why; never after a failed check
skip() {
	if [ "$FAILED" -ne 0 ]; then
		fail "skip after a failed check: $*"
		exit 1
	fi
	printf 'SKIP: %s\n' "$*"
	# run.sh reads the reason from here
	[ -z "${FP_SKIP_FILE:-}" ] || printf '%s\n' "$*" >"$FP_SKIP_FILE"
	exit "$SKIP"
}
# not COMMAND...: succeeds when the command fails. Any failure will do (a
# crash, a typo in an option): for a command that must fail, use fails_with;
# for a pattern a file must not hold, lacks.
not() { ! "$@"; }
# lacks PATTERN FILE: FILE exists, is not empty, and no line of it matches
# PATTERN (grep's basic regular expression); for check. Otherwise says why.
lacks() {
	local rc
	if [ ! -e "$2" ]; then
		printf '    %s: missing\n' "$2"
		return 1
	elif [ ! -s "$2" ]; then
		printf '    %s: empty\n' "$2"
		return 1
	fi
	grep -n -- "$1" "$2" >"$WORK/lacks.out" 2>&1
	rc=$?
	case $rc in
	1) return 0 ;;
	0) printf '    %s has /%s/:\n' "$2" "$1"
	   sed -n 's/^/      | /; 1,5p' "$WORK/lacks.out" ;;
	*) printf '    grep /%s/ %s failed (%s): %s\n' "$1" "$2" "$rc" "$(cat "$WORK/lacks.out")" ;;
	esac
	return 1
}

add_ns() {
	ip netns add "$P$1"
	NSES+=("$P$1") # in full: a run may build more than one topology
	# IPv4 only for now: no link-local routes appearing mid-test
	ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ns "$1" ip link set lo up
	ns "$1" sysctl -qw net.ipv4.ip_forward=1
}

# veth between two namespaces: link NS1 IF1 ADDR1 NS2 IF2 ADDR2
link() {
	ip link add "$P-x" netns "$P$1" type veth peer name "$P-y" netns "$P$4"
	ns "$1" ip link set "$P-x" name "$2"
	ns "$4" ip link set "$P-y" name "$5"
	ns "$1" ip addr add "$3" dev "$2"
	ns "$4" ip addr add "$6" dev "$5"
	ns "$1" ip link set "$2" up
	ns "$4" ip link set "$5" up
}

# topology N: the seed's router with N providers (2 or 3)
topology() {
	local n=$1 k
	add_ns lan; add_ns rtr; add_ns net
	link lan eth0 192.168.1.2/24 rtr lan0 192.168.1.1/24
	ns lan ip route add default via 192.168.1.1
	ns net ip addr add 198.19.0.1/32 dev lo
	ns net ip addr add 198.19.0.2/32 dev lo
	for k in $(seq 1 "$n"); do
		add_ns "isp$k"
		link rtr "wan$k" "10.$k.0.2/30" "isp$k" tortr "10.$k.0.1/30"
		link "isp$k" tonet "198.18.$k.2/24" net "isp$k" "198.18.$k.1/24"
		ns "isp$k" ip route add default via "198.18.$k.1"
		ns "isp$k" ip route add 192.168.1.0/24 via "10.$k.0.2"
		ns "isp$k" nft -f - <<-EOF
		table ip isp {
			chain pre {
				type nat hook prerouting priority dstnat;
				iifname "tonet" tcp dport 8080 dnat to 192.168.1.2
			}
			chain post {
				type nat hook postrouting priority srcnat;
				oifname "tonet" masquerade
			}
		}
		EOF
	done
	# the seed's main table: one multipath default route
	local hops=""
	for k in $(seq 1 "$n"); do hops="$hops nexthop via 10.$k.0.1 dev wan$k"; done
	# shellcheck disable=SC2086
	ns rtr ip route add default $hops
}

# A config for N links: [TRACK=TARGETS] conf N [weights...] > file; with
# TRACK, every link probes TARGETS
conf() {
	local n=$1 k; shift
	printf '[global]\nlan = lan0\ncontrol = %s/flowpin.sock\n' "$WORK"
	for k in $(seq 1 "$n"); do
		printf '[link wan%d]\ninterface = wan%d\ngateway = 10.%d.0.1\nweight = %s\n' \
			"$k" "$k" "$k" "${1:-1}"
		[ -n "${TRACK:-}" ] && printf 'track = %s\n' "$TRACK"
		[ $# -gt 0 ] && shift
	done
}

# upstream K down|up: provider K's path beyond its first hop (its link to
# the internet namespace) fails or comes back; its link to the router stays
upstream() {
	if [ "$2" = down ]; then
		ns "isp$1" ip link set tonet down
	else
		ns "isp$1" ip link set tonet up
		ns "isp$1" ip route replace default via "198.18.$1.1"
	fi
}

# The kernel state flowpin must leave as it found it.
snapshot() {
	{
		echo "== rules"; ns rtr ip rule
		echo "== routes"; ns rtr ip route show table all
		echo "== nft"; ns rtr nft list ruleset || echo "nft list ruleset failed: $?"
	} 2>&1
}

start_server() {
	ip netns exec "${P}net" "$TRAFFIC" serve -p 7000 -l "$WORK/server.log" &
	PIDS+=($!)
	ip netns exec "${P}lan" "$TRAFFIC" serve -p 8080 &
	PIDS+=($!)
	sleep 0.2
}

# start_flowpin CONFIG: run the daemon in the router, wait for its socket
start_flowpin() {
	# not through ns(): $! must be the daemon, not a subshell
	ip netns exec "${P}rtr" "$FLOWPIN" run -c "$1" 2>>"$WORK/flowpin.log" &
	FLOWPIN_PID=$!
	FLOWPIN_CONF=$1
	PIDS+=("$FLOWPIN_PID")
	for _ in $(seq 1 100); do
		[ -S "$WORK/flowpin.sock" ] && "$FLOWPIN" -c "$1" status >/dev/null 2>&1 && return 0
		kill -0 "$FLOWPIN_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "flowpin did not start:"; cat "$WORK/flowpin.log"
	return 1
}

stop_flowpin() {
	kill -TERM "$FLOWPIN_PID" 2>/dev/null
	wait "$FLOWPIN_PID"
}

# wait_until SECONDS COMMAND...: run COMMAND every 50 ms until it succeeds
wait_until() {
	local t=$1 _
	shift
	for _ in $(seq 1 $((t * 20))); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# wait_log PATTERN SECONDS: wait for a line of the daemon's log
wait_log() { wait_until "$2" grep -q "$1" "$WORK/flowpin.log"; }

# status [ARGS...]: flowpin -j status of the daemon start_flowpin started
status() { "$FLOWPIN" -c "$FLOWPIN_CONF" -j status "$@"; }
# flows: the connections status counts, over all links
flows() { status | jq '[.links[].flows] | add'; }

# hold FILE ARGS...: long-lived connections from the lan host (fp-traffic
# hold ARGS), reporting into FILE, up when this returns; unhold ends them
hold() {
	local f=$1
	shift
	ip netns exec "${P}lan" "$TRAFFIC" hold "$@" >"$f" &
	HOLD=$!
	PIDS+=("$HOLD")
	wait_until 5 grep -q ready "$f"
}
unhold() { kill -TERM "$HOLD"; wait "$HOLD"; }

# log_ms T PATTERN: ms from T (date +%s.%N) to the time stamp of the
# daemon's first log line matching PATTERN
log_ms() {
	local stamp
	stamp=$(grep -m1 "$2" "$WORK/flowpin.log" | cut -d' ' -f1)
	awk -v a="$1" -v b="$(date -d "$stamp" +%s.%N)" 'BEGIN { printf "%d", (b - a) * 1000 }'
}

# per_packet on|off: what the seed saw, LAN packets out of alternate
# providers one by one (fwmark rules and an nftables numgen rule)
per_packet() {
	if [ "$1" = on ]; then
		ns rtr ip rule add fwmark 1 table 101 priority 100
		ns rtr ip rule add fwmark 2 table 102 priority 100
		ns rtr ip route add default via 10.1.0.1 table 101
		ns rtr ip route add default via 10.2.0.1 table 102
		ns rtr nft add table ip seed
		ns rtr nft add chain ip seed pre '{ type filter hook prerouting priority mangle; }'
		ns rtr nft add rule ip seed pre iifname lan0 ip daddr != 192.168.1.0/24 \
			meta mark set numgen inc mod 2 offset 1
	else
		ns rtr nft delete table ip seed
		ns rtr ip rule del priority 100
		ns rtr ip rule del priority 100
		ns rtr ip route flush table 101
		ns rtr ip route flush table 102
	fi
}

# Source ports chosen by a test (-s) stay out of the ephemeral range
# (32768-60999): an ephemeral connection that used one before leaves it in
# TIME_WAIT, and a later connect() from it would fail. Holds use 61000 up.

# value KEY FILE: the number after KEY in fp-traffic's output
value() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
# count KEY ADDR FILE: fp-traffic's count of KEY ("seen", "lost") for ADDR
count() { awk -v k="$1" -v a="$2" '$1 == k && $2 == a { n += $3 } END { print n + 0 }' "$3"; }

# CLI assertions

# fails_with CODE PATTERN COMMAND...: COMMAND exits with status CODE and
# what it prints, standard output and error together, matches PATTERN
# (grep -E); for check. On a mismatch, says what it saw.
fails_with() {
	local code=$1 pattern=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$code" ] && grep -qE -- "$pattern" <<<"$out"; then
		return 0
	fi
	printf '    want exit %s and output matching /%s/\n' "$code" "$pattern"
	printf '    got exit %s and output:\n' "$rc"
	printf '%s\n' "$out" | sed -n 's/^/      | /; 1,20p'
	return 1
}

# Uplinks that come and go: a provider of a test's own, a PPP session, DHCP.

TUNLINK=${TUNLINK:-$(dirname "$TRAFFIC")/fp-tunlink}

# need COMMAND...: skip the test unless every COMMAND is installed
need() {
	local c
	for c; do
		command -v "$c" >/dev/null 2>&1 ||
			skip "command $c: not installed (scripts/deps.sh)"
	done
}

# link_get NAME KEY: KEY of link NAME in flowpin -j status (jq -r: "null"
# for a null); link_is NAME KEY VALUE: it is VALUE (for check, wait_until)
link_get() { status | jq -r --arg n "$1" ".links[] | select(.name == \$n) | .$2"; }
link_is() { [ "$(link_get "$1" "$2")" = "$3" ]; }

# provider K: the namespace ispK on the internet namespace as topology makes
# it (198.18.K.2/24, masquerading what leaves by "tonet": the server sees
# 198.18.K.2), without a link to the router: the test makes that
provider() {
	add_ns "isp$1"
	link "isp$1" tonet "198.18.$1.2/24" net "isp$1" "198.18.$1.1/24"
	ns "isp$1" ip route add default via "198.18.$1.1"
	ns "isp$1" nft -f - <<-EOF
	table ip isp {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "tonet" masquerade
		}
	}
	EOF
}

# reset_topology: end everything the test runs (as cleanup does: SIGTERM,
# a second, then the namespaces go with what runs in them) and the logs,
# for a test that builds another topology
reset_topology() {
	local pid
	{
		for pid in "${PIDS[@]}"; do kill "$pid"; done
		for pid in "${PIDS[@]}"; do
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				kill -0 "$pid" || break
				sleep 0.1
			done
		done
		del_namespaces
		for pid in "${PIDS[@]}"; do wait "$pid"; done
	} 2>/dev/null
	PIDS=()
	PPP_PID=() DHCPD_PID=() DHCPC_PID=() DHCPC_KIND=()
	rm -f "$WORK"/*.log "$WORK"/*.leases "$WORK"/*.pid "$WORK/flowpin.sock" \
		/run/dhclient-"$P".*
}

# PPP, emulated: this kernel may have no PPP, and a TUN device is what
# ppp0 is to the router, a POINTOPOINT, NOARP interface that vanishes when
# the session (fp-tunlink) ends.
#
# ppp_up NSROUTER IF NSPEER PEERIF LOCAL PEER: a session comes up, IF in
# NSROUTER and PEERIF in NSPEER (new interfaces, new ifindexes), addressed
# as pppd does (LOCAL peer PEER/32, and the reverse on the peer), up, with
# pppd's defaultroute: "default dev IF" in the router's main table, unless
# that table has a default route already (pppd does not replace one)
declare -gA PPP_PID=()
ppp_up() {
	local out=$WORK/tunlink.$2
	"$TUNLINK" "$P$1" "$2" "$P$3" "$4" >"$out" 2>&1 &
	PPP_PID[$2]=$!
	PIDS+=($!)
	if ! wait_until 5 grep -q '^ready$' "$out"; then
		echo "ppp_up $2: fp-tunlink did not start:"
		cat "$out"
		return 1
	fi
	ns "$1" ip addr add "$5" peer "$6/32" dev "$2" &&
		ns "$3" ip addr add "$6" peer "$5/32" dev "$4" &&
		ns "$1" ip link set "$2" up &&
		ns "$3" ip link set "$4" up || return 1
	if [ -n "$(ns "$1" ip -4 route show table main default)" ]; then
		say "ppp_up $2: a default route exists, not replaced (as pppd)"
	else
		ns "$1" ip route add default dev "$2"
	fi
}
# ppp_down IF: the session ends, and both its interfaces with it
ppp_down() {
	kill -TERM "${PPP_PID[$1]}"
	wait "${PPP_PID[$1]}"
	unset "PPP_PID[$1]"
}

# DHCP: a provider's server, dnsmasq (from dnsmasq-base: no service of its
# own), and the router's client, dhclient (isc-dhcp-client) or busybox's
# udhcpc with Debian's default.script (OpenWrt's client). Each installs its
# lease as the address and "default via ROUTER dev IF" (proto boot, metric
# 0) in the main table; a second default route of metric 0 there makes the
# client's fail, so a test's static default routes take a metric.
#
# A lease lasts 2 minutes, dnsmasq's least. Its T1 of 3 s (T2 5 s) makes
# dhclient renew every few seconds, so a renumbering reaches it within
# seconds as it would at its renewal time; udhcpc ignores T1 and T2 (it
# renews at half the lease), renumber asks it to renew.

# etc_netns NS: an empty /etc/netns/$P$NS/resolv.conf, which ip netns exec
# binds over /etc/resolv.conf for what it runs in NS from then on: a DHCP
# client's script may write resolv.conf (udhcpc's always does) and must not
# write the host's. cleanup removes it (and /etc/netns if it made that).
# The first call takes the host file's checksum for host_resolv_intact.
ETC_NETNS=()
etc_netns() {
	local d=/etc/netns/$P$1
	[ ! -d "$d" ] || return 0
	if [ ! -f /etc/resolv.conf ]; then
		echo "etc_netns: no /etc/resolv.conf for ip netns exec to cover"
		return 1
	fi
	[ -n "${RESOLV_SUM:-}" ] || RESOLV_SUM=$(cksum </etc/resolv.conf)
	[ -d /etc/netns ] || MADE_ETC_NETNS=1
	mkdir -p "$d" && : >"$d/resolv.conf" || return 1
	ETC_NETNS+=("$d")
}
etc_netns_cleanup() {
	local d
	for d in "${ETC_NETNS[@]}"; do rm -rf "$d"; done
	ETC_NETNS=()
	[ -z "${MADE_ETC_NETNS:-}" ] || rmdir /etc/netns 2>/dev/null
	rm -f /run/dhclient-"$P".*
}
# host_resolv_intact: the host's /etc/resolv.conf is as etc_netns found it
host_resolv_intact() { [ "$(cksum </etc/resolv.conf)" = "${RESOLV_SUM:-none}" ]; }

# dhcp_server NS IF RANGE_START RANGE_END ROUTER: dnsmasq in NS on IF (which
# has an address on the range's network) in the foreground: DHCP only
# (--port=0: no DNS, and no DNS server offered), leases of RANGE_START to
# RANGE_END with ROUTER as their router, authoritative (it refuses, NAKs, an
# address not of its network, as after a renumbering); lease file, pid file
# and log in $WORK
declare -gA DHCPD_PID=()
dhcp_server() {
	local ns=$1 pidf=$WORK/dnsmasq.$1.pid
	ip netns exec "$P$ns" dnsmasq --keep-in-foreground --log-facility=- \
		--log-dhcp --conf-file=/dev/null --no-resolv --no-hosts --port=0 \
		--interface="$2" --bind-interfaces --dhcp-authoritative \
		--no-ping --dhcp-range="$3,$4,2m" --dhcp-option=3,"$5" \
		--dhcp-option=option:T1,3 --dhcp-option=option:T2,5 \
		--dhcp-leasefile="$WORK/dnsmasq.$ns.leases" --pid-file="$pidf" \
		>>"$WORK/dnsmasq.$ns.log" 2>&1 &
	DHCPD_PID[$ns]=$!
	PIDS+=($!)
	if ! wait_until 5 [ -s "$pidf" ]; then
		echo "dhcp_server $ns: dnsmasq did not start:"
		cat "$WORK/dnsmasq.$ns.log"
		return 1
	fi
}

# dhcp_client dhclient|udhcpc NS IF: the router's DHCP client on IF, in the
# foreground, logging to $WORK/CLIENT.NS.IF.log; resolv.conf covered
# (etc_netns). dhclient asks for no DNS server; its lease and pid files are
# where its AppArmor profile lets it write (/run/dhclient*).
declare -gA DHCPC_PID=() DHCPC_KIND=()
dhcp_client() {
	local log=$WORK/$1.$2.$3.log
	etc_netns "$2" || return 1
	case $1 in
	dhclient)
		printf 'request subnet-mask, broadcast-address, routers;\n' \
			>"$WORK/dhclient.conf"
		ip netns exec "$P$2" dhclient -4 -d -v -cf "$WORK/dhclient.conf" \
			-lf "/run/dhclient-$P.$2.$3.leases" \
			-pf "/run/dhclient-$P.$2.$3.pid" "$3" >>"$log" 2>&1 &
		;;
	udhcpc)
		ip netns exec "$P$2" udhcpc -f -i "$3" \
			-s /etc/udhcpc/default.script >>"$log" 2>&1 &
		;;
	*)
		echo "dhcp_client: $1: not dhclient or udhcpc"
		return 1
		;;
	esac
	DHCPC_PID[$2/$3]=$!
	DHCPC_KIND[$2/$3]=$1
	PIDS+=($!)
}

# dhcp_bound NS IF ROUTER: the main table of NS has the default route
# "via ROUTER dev IF" that a client installs for a lease
dhcp_bound() {
	ns "$1" ip -4 route show table main default dev "$2" |
		awk -v r="$3" '$2 == "via" && $3 == r { f = 1 } END { exit !f }'
}

# dhcp_show NS IF: what IF has, addresses and main table routes with their
# protocols, for a test's log
dhcp_show() {
	ns "$1" ip -4 -o addr show dev "$2" |
		sed 's/^[0-9]*: *[^ ]* *//; s/\\//; s/  */ /g; s/^/    address: /'
	ns "$1" ip -d -4 route show table main dev "$2" | sed 's/^/    route: /'
}

# renumber NS IF ADDR/LEN RANGE_START RANGE_END CLIENTNS CLIENTIF: provider
# NS moves its network on IF to ADDR/LEN (ADDR, its new router), as a
# provider does: the new network goes up beside the old one, the DHCP
# server restarts with leases of the new one only (RANGE_START to
# RANGE_END) and NAKs the old address when the router's client renews
# (dhclient at its T1, udhcpc at once: SIGUSR1, its renew signal, which
# OpenWrt's netifd sends too); the client asks again, gets an address of the
# new network and replaces its address and default route; then the old
# network goes. Fails when the client has not moved within 30 s.
renumber() {
	local ns=$1 dev=$2 gw=${3%/*} key=$6/$7 old a
	old=$(ns "$ns" ip -4 -o addr show dev "$dev" | awk '{ print $4 }')
	kill -TERM "${DHCPD_PID[$ns]}"
	wait "${DHCPD_PID[$ns]}" 2>/dev/null
	rm -f "$WORK/dnsmasq.$ns.leases" "$WORK/dnsmasq.$ns.pid"
	ns "$ns" ip addr add "$3" dev "$dev" || return 1
	dhcp_server "$ns" "$dev" "$4" "$5" "$gw" || return 1
	if [ "${DHCPC_KIND[$key]}" = udhcpc ]; then
		kill -USR1 "${DHCPC_PID[$key]}"
	fi
	if ! wait_until 30 dhcp_bound "$6" "$7" "$gw"; then
		echo "renumber: the client on $7 did not move to $gw"
		return 1
	fi
	for a in $old; do ns "$ns" ip addr del "$a" dev "$dev"; done
}

# IPv6: the seed's network dual-stack.
#
#   lan host ── router ──┬── isp1 ──┐
#   fd00:1::2     lan0   ├── isp2 ──┼── net (internet): server 2001:db8:ffff::1
#                        └── isp3 ──┘                   (and 2001:db8:ffff::2)
#
# topology6 N [ra]: topology N, and IPv6 in every namespace of it (add_ns
# disables it), addressed at once (nodad, no duplicate address detection):
# - the lan host fd00:1::2/64 (a ULA, the LAN's own prefix), router lan0
#   fd00:1::1/64; and provider K's 2001:db8:K00::2/64 (K00::1 on lan0), a
#   /64 of the /56 it delegates to the router, deprecated (preferred_lft
#   0): the host takes it as the source only when bound to it (-b);
# - router wanK 2001:db8:K::2/64, ispK tortr 2001:db8:K::1/64, ispK tonet
#   2001:db8:ff0K::2/64, net 2001:db8:ff0K::1/64 on its "ispK";
# - provider K translates nothing: it routes its prefixes, 2001:db8:K::/64
#   and 2001:db8:K00::/56, to the router, and drops what the router sends
#   it from any other source (BCP 38: table ip6 isp6, chain bcp38, its drops
#   counted: spoofed6 K); the net namespace routes them back to K;
# - the router forwards IPv6. Its main table has the multipath default
#   route over the providers (2001:db8:K::1 dev wanK), as for IPv4; with
#   "ra", none: each provider advertises itself as the default router
#   (ra6, dnsmasq) and the router learns one default route per wan from
#   the advertisements (accept_ra 2, as a forwarding router needs: no
#   address or prefix route from them).
topology6() {
	local n=$1 mode=${2:-static} k hops=""
	topology "$n" || return 1
	ipv6_on lan; ipv6_on rtr; ipv6_on net
	for k in $(seq 1 "$n"); do ipv6_on "isp$k"; done
	ns rtr sysctl -qw net.ipv6.conf.all.forwarding=1
	ns lan ip addr add fd00:1::2/64 dev eth0 nodad
	ns rtr ip addr add fd00:1::1/64 dev lan0 nodad
	ns lan ip -6 route add default via fd00:1::1
	ns net ip addr add 2001:db8:ffff::1/128 dev lo
	ns net ip addr add 2001:db8:ffff::2/128 dev lo
	for k in $(seq 1 "$n"); do
		ns lan ip addr add "2001:db8:${k}00::2/64" dev eth0 nodad preferred_lft 0
		ns rtr ip addr add "2001:db8:${k}00::1/64" dev lan0 nodad
		ns rtr ip addr add "2001:db8:$k::2/64" dev "wan$k" nodad
		ns "isp$k" ip addr add "2001:db8:$k::1/64" dev tortr nodad
		ns "isp$k" ip addr add "2001:db8:ff0$k::2/64" dev tonet nodad
		ns net ip addr add "2001:db8:ff0$k::1/64" dev "isp$k" nodad
		ns "isp$k" sysctl -qw net.ipv6.conf.all.forwarding=1
		ns "isp$k" ip -6 route add default via "2001:db8:ff0$k::1"
		ns "isp$k" ip -6 route add "2001:db8:${k}00::/56" via "2001:db8:$k::2"
		ns net ip -6 route add "2001:db8:$k::/64" via "2001:db8:ff0$k::2"
		ns net ip -6 route add "2001:db8:${k}00::/56" via "2001:db8:ff0$k::2"
		ns "isp$k" nft -f - <<-EOF
		table ip6 isp6 {
			counter spoofed { }
			chain bcp38 {
				type filter hook forward priority filter;
				iifname "tortr" ip6 saddr != { 2001:db8:$k::/64, 2001:db8:${k}00::/56 } counter name spoofed drop
			}
		}
		EOF
		hops="$hops nexthop via 2001:db8:$k::1 dev wan$k"
	done
	if [ "$mode" = ra ]; then
		for k in $(seq 1 "$n"); do
			ns rtr sysctl -qw "net.ipv6.conf.wan$k.accept_ra=2" \
				"net.ipv6.conf.wan$k.accept_ra_pinfo=0" \
				"net.ipv6.conf.wan$k.autoconf=0"
			ra6 "isp$k" tortr || return 1
		done
		for k in $(seq 1 "$n"); do
			wait_until 10 ra6_learned "$k" || {
				echo "topology6: the router learned no default route from isp$k's advertisements"
				ns rtr ip -6 route show default
				cat "$WORK/ra6.isp$k.log"
				return 1
			}
		done
	else
		# shellcheck disable=SC2086
		ns rtr ip -6 route add default $hops
	fi
}

# ipv6_on NS: IPv6 in namespace NS, for what it has and what it makes;
# addresses and the link-local ones the kernel makes are usable at once
# (no duplicate address detection)
ipv6_on() {
	local d
	ns "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
	for d in $(ns "$1" ls /sys/class/net); do
		ns "$1" sysctl -qw "net.ipv6.conf.$d.accept_dad=0"
	done
	ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.default.disable_ipv6=0
}

# ra6 NS IF: router advertisements on IF of NS (dnsmasq, RA only: no DHCP,
# no DNS), every 10 s and at once to a solicitation, naming NS a default
# router for 30 minutes (with the prefix of IF's addresses: accept_ra_pinfo
# 0 on the router ignores it); its log in $WORK/ra6.NS.log
ra6() {
	local pidf=$WORK/ra6.$1.pid
	ip netns exec "$P$1" dnsmasq --keep-in-foreground --log-facility=- \
		--conf-file=/dev/null --no-resolv --no-hosts --port=0 \
		--interface="$2" --bind-interfaces --enable-ra \
		--dhcp-range="::,constructor:$2,ra-only" \
		--ra-param="$2,10,1800" --pid-file="$pidf" \
		>>"$WORK/ra6.$1.log" 2>&1 &
	PIDS+=($!)
	if ! wait_until 5 [ -s "$pidf" ]; then
		echo "ra6 $1: dnsmasq did not start:"
		cat "$WORK/ra6.$1.log"
		return 1
	fi
}

# linklocal6 NS IF: the link-local address of IF in NS
linklocal6() {
	ns "$1" ip -6 -o addr show dev "$2" scope link | awk '{ sub("/.*", "", $4); print $4; exit }'
}

# ra6_learned K: the router has a default route via isp K's link-local
# address on wanK, installed from its advertisement (proto ra)
ra6_learned() {
	local ll
	ll=$(linklocal6 "isp$1" tortr)
	[ -n "$ll" ] && ns rtr ip -6 route show default dev "wan$1" |
		awk -v g="$ll" '$2 == "via" && $3 == g && / proto ra / { f = 1 } END { exit !f }'
}

# spoofed6 K: how many packets provider K dropped for a source not its own
spoofed6() {
	ns "isp$1" nft -j list counter ip6 isp6 spoofed |
		jq '.nftables[] | select(.counter) | .counter.packets'
}

# The IPv6 kernel state flowpin must leave as it found it: snapshot's,
# with ip -6 (routes learned from advertisements lose their countdown)
snapshot6() {
	{
		echo "== rules"; ns rtr ip -6 rule
		echo "== routes"; ns rtr ip -6 route show table all |
			sed 's/ expires [0-9]*sec//'
		echo "== nft"; ns rtr nft list ruleset || echo "nft list ruleset failed: $?"
	} 2>&1
}

# start_server6: the IPv6 servers, beside start_server's IPv4 ones: the
# internet's on [::]:7000, logging to $WORK/server6.log, the lan host's on
# [::]:8080
start_server6() {
	ip netns exec "${P}net" "$TRAFFIC" serve -a :: -p 7000 -l "$WORK/server6.log" &
	PIDS+=($!)
	ip netns exec "${P}lan" "$TRAFFIC" serve -a :: -p 8080 &
	PIDS+=($!)
	sleep 0.2
}

# A dual-stack config for topology6's N links: [TRACK=TARGETS]
# [NAT6=MODE] [GW6=auto] conf6 N [weights...] > file. conf's config, and
# lan6 = fd00:1::/64, each link's gateway6 2001:db8:K::1 (GW6=auto: auto)
# and nat6 MODE (masquerade; "prefix": 2001:db8:K00::/64, the lan host's
# fd00:1::2 leaves as 2001:db8:K00::2)
conf6() {
	conf "$@" | awk -v gw6="${GW6:-}" -v nat6="${NAT6:-masquerade}" '
		function link_end() {
			if (!k) return
			printf "gateway6 = %s\n", gw6 == "auto" ? "auto" : "2001:db8:" k "::1"
			printf "nat6 = %s\n", nat6 == "prefix" ? "2001:db8:" k "00::/64" : nat6
		}
		/^\[link wan/ { link_end(); k = substr($2, 4) + 0 }
		{ print }
		/^lan = / { print "lan6 = fd00:1::/64" }
		END { link_end() }'
}

# upstream6 K down|up: provider K's IPv6 beyond its first hop fails (an
# nftables drop of what it would forward to or from the internet, IPv6
# only) or comes back; its IPv4, and its link to the router, stay up
upstream6() {
	if [ "$2" = down ]; then
		ns "isp$1" nft -f - <<-EOF
		table ip6 cut {
			chain upstream {
				type filter hook forward priority filter - 10;
				oifname "tonet" drop
				iifname "tonet" drop
			}
		}
		EOF
	else
		ns "isp$1" nft delete table ip6 cut
	fi
}

# log_lines: how many lines the daemon's log has (for log_ms_since)
log_lines() { wc -l <"$WORK/flowpin.log"; }
# log_ms_since N T PATTERN: ms from T (date +%s.%N) to the time stamp of
# the daemon's first log line after line N matching PATTERN (grep -E,
# case ignored); nothing, and a failure, when no line matches
log_ms_since() {
	local stamp
	stamp=$(tail -n +"$(($1 + 1))" "$WORK/flowpin.log" | grep -m1 -i -E -- "$3" | cut -d' ' -f1)
	[ -n "$stamp" ] || return 1
	awk -v a="$2" -v b="$(date -d "$stamp" +%s.%N)" 'BEGIN { printf "%d", (b - a) * 1000 }'
}

# dual_prefix6 FILE: topology6 3 with both families' servers, and in FILE a
# config probing 198.19.0.1 and 2001:db8:ffff::1, weights 1 2 1, wan1 with
# nat6 = none and prefix6 2001:db8:100::/56 (the lan host's
# 2001:db8:100::2 leaves by wan1 as it is), wan2 and wan3 masquerading
dual_prefix6() {
	topology6 3 || return 1
	start_server
	start_server6
	TRACK="198.19.0.1 2001:db8:ffff::1" conf6 3 1 2 1 |
		awk '/^\[link / { l = $2 }
		     l == "wan1]" && /^nat6 = / { print "nat6 = none\nprefix6 = 2001:db8:100::/56"; next }
		     { print }' >"$1"
}

# Policies and rules.

# serve PORT [NPORTS]: another server in the internet namespace (all its
# addresses), TCP and UDP on NPORTS (1) ports from PORT, beside
# start_server's; up when this returns
serve() {
	ip netns exec "${P}net" "$TRAFFIC" serve -p "$1" -P "${2:-1}" &
	PIDS+=($!)
	wait_until 5 listening $(($1 + ${2:-1} - 1))
}
# listening PORT: the internet namespace listens on TCP port PORT
listening() { [ -n "$(ns net ss -Hltn "sport = :$1")" ]; }

# tcp_result NS HOST PORT: how one TCP connection from NS to HOST:PORT
# ends, as the connecting program sees it: "connected", "refused" (a
# reset), "unreachable" (an ICMP unreachable), "timeout" (nothing within
# 3 s: dropped), or "error: MESSAGE"
tcp_result() {
	local out rc
	out=$(ns "$1" timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$2" "$3" 2>&1)
	rc=$?
	case $rc:$out in
	0:*) echo connected ;;
	124:*) echo timeout ;;
	*"Connection refused"*) echo refused ;;
	*"No route to host"* | *"Network is unreachable"*) echo unreachable ;;
	*) echo "error: $out" ;;
	esac
}

# reload PATTERN: SIGHUP to the daemon, then wait (5 s) for one more line
# of its log matching PATTERN than it had
reload() {
	local n
	n=$(grep -c -- "$1" "$WORK/flowpin.log")
	kill -HUP "$FLOWPIN_PID"
	wait_until 5 log_more "$1" "$n"
}
# log_more PATTERN N: the daemon's log has more than N lines matching PATTERN
log_more() { [ "$(grep -c -- "$1" "$WORK/flowpin.log")" -gt "$2" ]; }

# links_up N: N links are up (their IPv4 paths), for wait_until
links_up() { [ "$(status | jq '[.links[] | select(.state == "up")] | length')" = "$1" ]; }

# policy_get POLICY KEY: KEY of that policy in flowpin -j status (jq -r);
# member_get POLICY LINK KEY: KEY of LINK in the policy's links
policy_get() { status | jq -r --arg p "$1" ".policies[] | select(.name == \$p) | .$2"; }
member_get() {
	status | jq -r --arg p "$1" --arg l "$2" \
		".policies[] | select(.name == \$p) | .links[] | select(.name == \$l) | .$3"
}

# ct_marks ARGS...: the flowpin marks (bits 0xff00, as numbers) of the
# router's conntrack entries matching conntrack -L ARGS, one line per mark:
# "MARK COUNT", the entries without a mark as mark 0
ct_marks() {
	ns rtr conntrack -L "$@" 2>/dev/null |
		awk '{ m = 0; for (i = 1; i <= NF; i++) if ($i ~ /^mark=/) m = substr($i, 6) + 0
		       n[int(m / 256) % 256 * 256]++ }
		     END { for (k in n) print k, n[k] }' | sort -n
}
