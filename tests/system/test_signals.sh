#!/bin/bash
# Signals while the daemon starts (with 65536 buckets, a start takes a
# while): a SIGHUP in its first milliseconds does not kill it, it is
# acted on once the daemon runs; a SIGTERM at any moment of the start
# ends it with everything it installed removed: the kernel state after
# equals the state before.
#
# The daemon blocks the signals at its first step; before that (the exec
# and the dynamic loader, a millisecond or so, and ip netns exec before
# them) the default action applies, and nothing is installed yet. So the
# SIGHUPs are sent from the moment the process shows the signals blocked
# (SigBlk in /proc/PID/status), the SIGTERMs at any moment from launch.
source "$(dirname "$0")/lib.sh"

quiet() { "$@" >/dev/null 2>&1; }
topology 2
conf 2 | sed 's/^lan = lan0$/lan = lan0\nbuckets = 65536/' >"$WORK/f.conf"
before=$(snapshot)

# launch: the daemon in the router, not waiting for its socket
launch() {
	ip netns exec "${P}rtr" "$FLOWPIN" run -c "$WORK/f.conf" 2>>"$WORK/flowpin.log" &
	FLOWPIN_PID=$!
	FLOWPIN_CONF=$WORK/f.conf
	PIDS+=("$FLOWPIN_PID")
}

# blocked PID: SIGHUP, SIGINT and SIGTERM are blocked in process PID
blocked() {
	local m
	m=$(awk '$1 == "SigBlk:" { print $2 }' "/proc/$1/status" 2>/dev/null)
	[ -n "$m" ] && [ $((0x$m & 0x4003)) = $((0x4003)) ]
}

say "SIGHUP early in the start"
for ms in 0 5 20 80 300; do
	: >"$WORK/flowpin.log"
	launch
	wait_until 5 blocked "$FLOWPIN_PID"
	sleep "$(awk -v m="$ms" 'BEGIN { print m / 1000 }')"
	kill -HUP "$FLOWPIN_PID"
	check "HUP $ms ms after the signals are blocked: still running, then reloaded" \
		wait_log "SIGHUP: reloading" 20
	check "  and it answers status" wait_until 10 quiet status
	kill -TERM "$FLOWPIN_PID"
	wait "$FLOWPIN_PID"
	rc=$?
	check "  SIGTERM then: exit 0 ($rc)" [ "$rc" = 0 ]
	check "  the kernel as before" [ "$(snapshot)" = "$before" ]
done

say "SIGTERM at any moment of the start"
for ms in 0 2 10 30 100 250 600; do
	: >"$WORK/flowpin.log"
	launch
	sleep "$(awk -v m="$ms" 'BEGIN { print m / 1000 }')"
	kill -TERM "$FLOWPIN_PID"
	wait "$FLOWPIN_PID"
	rc=$?
	# 143: killed before its first step, having installed nothing
	check "TERM at $ms ms: exit 0 or 143 ($rc), the kernel as before" \
		[ "$rc" = 0 -o "$rc" = 143 ] && [ "$(snapshot)" = "$before" ]
	[ "$rc" = 0 ] || [ "$rc" = 143 ] || sed 's/^/    | /' "$WORK/flowpin.log"
done
finish
