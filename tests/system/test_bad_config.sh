#!/bin/bash
# Bad input is refused with a message naming the file and line (or the
# problem), a non-zero exit, and no change at all to the kernel.
source "$(dirname "$0")/lib.sh"

topology 2
conf 2 >"$WORK/good.conf"
before=$(snapshot)

# refused NAME CODE EXPECTED-MESSAGE COMMAND...: the command must fail with
# exit status CODE (1: bad input, 2: a bad command line) and that message,
# and the router must be as it was.
refused() {
	local name=$1 code=$2 want=$3 rc
	shift 3
	ns rtr "$@" >"$WORK/out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		fail "$name: accepted"
	elif [ "$rc" -ne "$code" ]; then
		fail "$name: exit $rc, not $code: $(head -1 "$WORK/out")"
	elif ! grep -qF -- "$want" "$WORK/out"; then
		fail "$name: message \"$(head -1 "$WORK/out")\" lacks \"$want\""
	elif [ "$before" != "$(snapshot)" ]; then
		fail "$name: the kernel changed"
	else
		ok "$name: exit $rc, $(grep -F -- "$want" "$WORK/out" | head -1)"
	fi
}

# bad NAME "LINE: MESSAGE" < FILE: one broken file per class of error
bad() {
	local name=$1 want=$2 f="$WORK/$1.conf"
	cat >"$f"
	refused "run, $name" 1 "$f:$want" "$FLOWPIN" run -c "$f"
	refused "check, $name" 1 "$f:$want" "$FLOWPIN" check -c "$f"
}

bad unknown-section "6: unknown section [wan9]" <<'END'
[global]
lan = lan0
[link wan1]
interface = wan1
gateway = 10.1.0.1
[wan9]
END
bad unknown-key "5: unknown key \"gatway\" in [link]" <<'END'
[global]
lan = lan0
[link wan1]
interface = wan1
gatway = 10.1.0.1
END
bad duplicate-link "6: duplicate link \"wan1\" (first at line 3)" <<'END'
[global]
lan = lan0
[link wan1]
interface = wan1
gateway = 10.1.0.1
[link wan1]
interface = wan2
gateway = 10.2.0.1
END
bad bad-number "6: weight: \"0\" is not an integer in 1..255" <<'END'
[global]
lan = lan0
[link wan1]
interface = wan1
gateway = 10.1.0.1
weight = 0
END
bad bad-address "5: gateway: \"10.1.0.300\" is neither \"auto\" nor a unicast IPv4 address" <<'END'
[global]
lan = lan0
[link wan1]
interface = wan1
gateway = 10.1.0.300
END
bad missing-key "3: [link wan1]: missing required key \"interface\"" <<'END'
[global]
lan = lan0
[link wan1]
gateway = 10.1.0.1
END
bad syntax "4: expected \"key = value\"" <<'END'
[global]
lan = lan0
[link wan1]
interface wan1
END
refused "missing file" 1 "/nonexistent.conf: No such file" "$FLOWPIN" run -c /nonexistent.conf
# long lines: 16 lan interfaces padded to 4000 characters are fine
{ printf '[global]\nlan = %3920s' lan0; printf ' lan%d' $(seq 1 15); printf '\n'; sed 1,2d "$WORK/good.conf"; } >"$WORK/long.conf"
check "a 4000-character line is read" fails_with 0 "long\.conf: ok, 2 links" \
	"$FLOWPIN" check -c "$WORK/long.conf"
refused "check, an endless file" 1 "/dev/zero: larger than 1048576 bytes" "$FLOWPIN" check -c /dev/zero
refused "run, an endless file" 1 "/dev/zero: larger than 1048576 bytes" "$FLOWPIN" run -c /dev/zero
refused "status, an endless file" 1 "cannot read /dev/zero" timeout 5 "$FLOWPIN" -c /dev/zero status

# warned NAME EXPECTED-MESSAGE COMMAND...: accepted (exit 0), with a
# warning; the router as it was
warned() {
	local name=$1 want=$2 rc
	shift 2
	ns rtr "$@" >"$WORK/out" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "$name: exit $rc: $(head -1 "$WORK/out")"
	elif ! grep -qF -- "$want" "$WORK/out"; then
		fail "$name: output \"$(head -1 "$WORK/out")\" lacks \"$want\""
	elif [ "$before" != "$(snapshot)" ]; then
		fail "$name: the kernel changed"
	else
		ok "$name: $(grep -F -- "$want" "$WORK/out" | head -1)"
	fi
}

# What is true only of this moment is a warning, not an error: run starts
# with such a link down (test_ppp.sh, test_dhcp.sh), check says so.
sed 's/interface = wan2/interface = wan7/' "$WORK/good.conf" >"$WORK/noif.conf"
warned "check, missing interface" "noif.conf:8: warning: link wan2: interface wan7 is missing" \
	"$FLOWPIN" check -c "$WORK/noif.conf"
sed 's/lan = lan0/lan = lan9/' "$WORK/good.conf" >"$WORK/nolan.conf"
warned "check, missing lan interface" "nolan.conf:2: warning: lan interface lan9 does not exist" \
	"$FLOWPIN" check -c "$WORK/nolan.conf"
sed 's/gateway = 10.2.0.1/gateway = 10.9.0.1/' "$WORK/good.conf" >"$WORK/offlink.conf"
warned "check, gateway off the link" "offlink.conf:8: warning: link wan2: gateway 10.9.0.1 is not on a network of wan2" \
	"$FLOWPIN" check -c "$WORK/offlink.conf"
sed '/gateway = 10.2.0.1/d' "$WORK/good.conf" >"$WORK/nogw.conf"
warned "check, no route to learn the gateway from" "nogw.conf:8: warning: link wan2: no default route through wan2 to learn the gateway from" \
	"$FLOWPIN" check -c "$WORK/nogw.conf"
check "check -j: the warning in \"warnings\", none in \"errors\"" \
	jq -e '.ok and (.errors | length == 0) and .warnings[0].line == 8' \
	<<<"$(ns rtr "$FLOWPIN" -j check -c "$WORK/nogw.conf")"
sed "s|control = .*|control = $WORK/no/such/dir/fp.sock|" "$WORK/good.conf" >"$WORK/nosock.conf"
refused "run, control socket directory missing" 1 "control socket $WORK/no/such/dir/fp.sock" \
	"$FLOWPIN" run -c "$WORK/nosock.conf"
refused "check, control socket directory missing" 1 "control socket $WORK/no/such/dir/fp.sock: No such file" \
	"$FLOWPIN" check -c "$WORK/nosock.conf"
# control naming the configuration itself: refused, and the file intact
sed "s|control = .*|control = $WORK/self.conf|" "$WORK/good.conf" >"$WORK/self.conf"
sum=$(cksum <"$WORK/self.conf")
refused "run, control names a file that is not a socket" 1 \
	"control socket $WORK/self.conf: a file that is not a socket is there" \
	"$FLOWPIN" run -c "$WORK/self.conf"
refused "check, control names a file that is not a socket" 1 \
	"control socket $WORK/self.conf: a file that is not a socket is there" \
	"$FLOWPIN" check -c "$WORK/self.conf"
check "  the file is intact" [ "$(cksum <"$WORK/self.conf")" = "$sum" ]
refused "no CAP_NET_ADMIN" 1 "run needs CAP_NET_ADMIN" \
	setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$FLOWPIN" run -c "$WORK/good.conf"

ns rtr ip route add 203.0.113.0/24 via 10.1.0.1 table 1002
before=$(snapshot)
# check and run agree on every error
refused "run, table in use" 1 "routing table 1002 holds 1 routes flowpin did not add" \
	"$FLOWPIN" run -c "$WORK/good.conf"
refused "check, table in use" 1 "routing table 1002 holds 1 routes flowpin did not add" \
	"$FLOWPIN" check -c "$WORK/good.conf"
ns rtr ip route flush table 1002
before=$(snapshot)

# Command line: a clear error and exit 2, before anything is read.
refused "unknown command" 2 "unknown command \"frobnicate\"" "$FLOWPIN" frobnicate
refused "unknown option" 2 "unrecognized option" "$FLOWPIN" --frobnicate status
refused "extra argument" 2 "flowpin run: unexpected argument \"now\"" \
	"$FLOWPIN" run -c "$WORK/good.conf" now

start_flowpin "$WORK/good.conf" || exit 1
check "the control socket is 0600, as flowpin(8) says ($(stat -c %a "$WORK/flowpin.sock"))" \
	[ "$(stat -c %a "$WORK/flowpin.sock")" = 600 ]
before=$(snapshot)
refused "second daemon" 1 "another flowpin (pid $FLOWPIN_PID) is running in this network namespace" \
	"$FLOWPIN" run -c "$WORK/good.conf"
# another control socket does not make it a different router
sed "s|control = .*|control = $WORK/other.sock|" "$WORK/good.conf" >"$WORK/other.conf"
refused "second daemon, another control socket" 1 "another flowpin (pid $FLOWPIN_PID) is running in this network namespace" \
	"$FLOWPIN" run -c "$WORK/other.conf"
check "the second left no control socket" test ! -e "$WORK/other.sock"
# the first answers each one: no number of them makes the next one wait
for _ in 1 2 3 4; do ns rtr "$FLOWPIN" run -c "$WORK/other.conf" >/dev/null 2>&1; done
refused "a sixth daemon, still told who runs" 1 "another flowpin (pid $FLOWPIN_PID) is running" \
	timeout 5 "$FLOWPIN" run -c "$WORK/other.conf"

# The control socket answers a bad request with an error and keeps serving.
reply=$("$TRAFFIC" unix "$WORK/flowpin.sock" 'not json')
check "bad request: $reply" grep -q '"error":"bad request' <<<"$reply"
reply=$("$TRAFFIC" unix "$WORK/flowpin.sock" '{"command":"reboot"}')
check "unknown request: $reply" grep -q '"error":"unknown command' <<<"$reply"
check "the daemon still answers" "$FLOWPIN" -c "$WORK/good.conf" status
stop_flowpin
finish
