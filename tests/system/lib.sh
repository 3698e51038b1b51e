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
