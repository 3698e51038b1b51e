#!/bin/bash
# The hook: run on start, every link state change (with the facts in its
# environment), each failover, reload and stop, in order, in a process
# of its own. Its output goes to the log; a non-zero exit is logged; one
# that hangs (writing without pause, too) is killed after hook_timeout,
# and meanwhile the daemon goes on (status answers, the next failover
# happens, the events queue up).
source "$(dirname "$0")/lib.sh"

topology 2
start_server
cat >"$WORK/hook" <<END
#!/bin/sh
echo "\$FLOWPIN_EVENT \$FLOWPIN_LINK \$FLOWPIN_INTERFACE \$FLOWPIN_FAMILY \$FLOWPIN_STATE deleted=\$FLOWPIN_CONNECTIONS_DELETED moved=\$FLOWPIN_BUCKETS_MOVED up=\$FLOWPIN_LINKS_UP result=\$FLOWPIN_RESULT reason=\$FLOWPIN_REASON" >>"$WORK/events"
echo "hello from \$1"
case "\$FLOWPIN_EVENT" in
down) [ -e "$WORK/hang" ] && exec yes "flooding the daemon's log" ;;
up) exit 3 ;;
esac
exit 0
END
chmod 0755 "$WORK/hook"
# after N PATTERN: an event after the first N matches PATTERN
after() { tail -n +"$(($1 + 1))" "$WORK/events" | grep -qE "$2"; }
quiet() { "$@" >/dev/null; }
TRACK=198.19.0.2 conf 2 | sed "s|^lan = lan0\$|lan = lan0\nhook = $WORK/hook\nhook_timeout = 1s|" >"$WORK/f.conf"
start_flowpin "$WORK/f.conf" || exit 1
sleep 1.2
check "start: the hook ran" wait_until 5 grep -q "^start " "$WORK/events"
check "  its output is in the log" grep -q "hook $WORK/hook (start): hello from start" "$WORK/flowpin.log"

say "wan2 fails"
upstream 2 down
check "down: link, interface, family, state and why" wait_until 5 \
	grep -qE "^down wan2 wan2 ipv4 down deleted=[0-9]+ moved=512 up= result= reason=10 probes lost" "$WORK/events"
check "failover: what moved, what is up" wait_until 5 \
	grep -qE "^failover   ipv4  deleted=[0-9]+ moved=512 up=wan1 " "$WORK/events"
check "  in that order" [ "$(grep -nE '^(down|failover)' "$WORK/events" | cut -d' ' -f1 | tr '\n' ' ')" = "2:down 3:failover " ]

say "wan2 back: its hook exits 3"
upstream 2 up
check "up: the hook ran" wait_until 5 grep -q "^up wan2 wan2 ipv4 up" "$WORK/events"
check "  its exit status is logged" wait_log "hook $WORK/hook (up): exit status 3" 5

say "a hook that hangs, writing without pause"
touch "$WORK/hang"
n=$(wc -l <"$WORK/events")
upstream 2 down
check "down: the hook runs, and hangs" wait_until 5 after "$n" "^down wan2 .* down "
t0=$(date +%s%N)
check "  status answers meanwhile" quiet status
t1=$(date +%s%N)
say "  in $(((t1 - t0) / 1000000)) ms"
check "  it is killed after hook_timeout" wait_log "hook $WORK/hook (down): killed after 1000 ms" 5
# its hello, then the flood: 100 lines of it logged in all
flood=$(grep -c "(down): flooding the daemon's log" "$WORK/flowpin.log")
check "  of its output, the first 100 lines are logged (hello and $flood)" [ "$flood" = 99 ] &&
	grep -q "hook $WORK/hook (down): more output, not logged" "$WORK/flowpin.log"
check "  then the event queued behind it runs" wait_until 5 \
	after "$n" "^failover .* up=wan1 "
check "  no process of it is left" not pgrep -f "flooding the daemon"
rm -f "$WORK/hang"
n=$(wc -l <"$WORK/events")
upstream 2 up
wait_until 10 after "$n" "^up wan2"

say "reload and stop"
kill -HUP "$FLOWPIN_PID"
check "reload: the hook ran, result ok" wait_until 5 grep -q "^reload .* result=ok" "$WORK/events"
stop_flowpin
check "stop: the hook ran before the daemon exited" grep -q "^stop " "$WORK/events"
say "events: $(cut -d' ' -f1,2,5 "$WORK/events" | tr '\n' ';')"

chmod 0644 "$WORK/hook"
check "check warns about a hook that cannot run" \
	grep -q "warning: hook $WORK/hook: Permission denied" <("$FLOWPIN" check -c "$WORK/f.conf" 2>&1)
finish
