#!/bin/bash
# SIGKILL at random moments: 20 times the daemon is killed while it
# reloads (a weight changed), while a link fails or recovers, or both, at
# a random delay after the event; each time it is started again and
# takes over. The kernel state converges each time (every rule once, the
# table there, status answering), connections held on the links that
# stayed healthy all survive, and at the end a stop leaves the kernel as
# it was before the first start.
source "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-20}

topology 3
start_server
TRACK=198.19.0.2 conf 3 >"$WORK/f.conf"
before=$(snapshot)
start_flowpin "$WORK/f.conf" || exit 1
sleep 1.5 # every link has answered probes
hold "$WORK/hold" -n 60 -i 50 -s 61000 198.19.0.1 7000

# flowpin's rules now: each family's 5 (3 links), each once
rules_ok() {
	[ "$(ns rtr ip rule | grep -c 'proto 241')" = 5 ] &&
		[ "$(ns rtr ip -6 rule | grep -c 'proto 241')" = 5 ] &&
		[ "$(ns rtr ip rule | grep 'proto 241' | sort | uniq -d | wc -l)" = 0 ]
}
converged() {
	rules_ok && ns rtr nft list table inet flowpin >/dev/null 2>&1 &&
		status >/dev/null 2>&1
}

weight=1 down=0 bad=0
say "$ROUNDS kills"
for i in $(seq 1 "$ROUNDS"); do
	what=""
	case $((RANDOM % 3)) in
	0|2)
		weight=$((3 - weight)) # 1, 2, 1, ...
		sed -i "0,/^weight = [0-9]*/s//weight = $weight/" "$WORK/f.conf"
		kill -HUP "$FLOWPIN_PID"
		what="reload (wan1 weight $weight)" ;;
	esac
	if [ -z "$what" ] || [ $((RANDOM % 2)) = 0 ]; then
		if [ "$down" = 0 ]; then upstream 3 down; down=1; else upstream 3 up; down=0; fi
		what="${what:+$what, }wan3 $([ "$down" = 1 ] && echo down || echo up)"
	fi
	delay=$((RANDOM % 600))
	sleep "$(awk -v m="$delay" 'BEGIN { print m / 1000 }')"
	kill -KILL "$FLOWPIN_PID"
	wait "$FLOWPIN_PID" 2>/dev/null
	if ! start_flowpin "$WORK/f.conf" >/dev/null || ! wait_until 5 converged; then
		bad=$((bad + 1))
		say "round $i: $what, killed after $delay ms: did not converge"
		ns rtr ip rule | sed 's/^/    | /'
		tail -5 "$WORK/flowpin.log" | sed 's/^/    | /'
	fi
done
check "after every one of the $ROUNDS kills the state converged ($bad did not)" [ "$bad" = 0 ]

[ "$down" = 1 ] && upstream 3 up
check "wan3 comes back" wait_until 10 link_is wan3 state up
unhold
say "held: $(tr '\n' ' ' <"$WORK/hold")"
l1=$(awk '$1 == "lost" && $2 == "198.18.1.2" { print $3 }' "$WORK/hold")
l2=$(awk '$1 == "lost" && $2 == "198.18.2.2" { print $3 }' "$WORK/hold")
check "no connection held on wan1 or wan2 broke (${l1:-0}, ${l2:-0})" \
	[ "${l1:-0}" = 0 -a "${l2:-0}" = 0 ]
check "none moved to another link" [ "$(value moved "$WORK/hold")" = 0 ]
check "the log has no sanitizer report" not grep -q "Sanitizer" "$WORK/flowpin.log"

stop_flowpin
check "stopped: the kernel as before the first start" [ "$(snapshot)" = "$before" ]
finish
