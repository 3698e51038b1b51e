#!/bin/bash
# What the service manager hears (Type=notify), through a notification
# socket of the test's own in place of systemd's (NOTIFY_SOCKET, the
# protocol sd_notify speaks): READY=1 once the kernel is programmed (the
# rules are there by then), RELOADING=1 with MONOTONIC_USEC and READY=1
# around a SIGHUP, WATCHDOG=1 twice per WATCHDOG_USEC, STOPPING=1 at
# SIGTERM. Without NOTIFY_SOCKET nothing is sent (the other tests).
source "$(dirname "$0")/lib.sh"
CLIENT=${CLIENT:-$(dirname "$TRAFFIC")/fp-unixclient}

topology 2
conf 2 >"$WORK/f.conf"
"$CLIENT" notify "$WORK/notify" >"$WORK/heard" &
PIDS+=($!)
wait_until 5 [ -S "$WORK/notify" ]

# rules_then_ready: the first READY=1 came when the rules were in place
export NOTIFY_SOCKET=$WORK/notify WATCHDOG_USEC=200000
start_flowpin "$WORK/f.conf" || exit 1
unset NOTIFY_SOCKET WATCHDOG_USEC
check "READY=1, with a status line" wait_until 5 grep -q "^READY=1 STATUS=2 links from $WORK/f.conf" "$WORK/heard"
check "  once the rules are in place" [ "$(ns rtr ip rule | grep -c 'proto 241')" = 4 ]
sleep 1
n=$(grep -c '^WATCHDOG=1' "$WORK/heard")
check "the watchdog's keep-alive every 100 ms ($n in about a second)" [ "$n" -ge 5 ]
check "  and the log says so" grep -q "watchdog: a keep-alive every 100 ms" "$WORK/flowpin.log"

lines=$(wc -l <"$WORK/heard")
kill -HUP "$FLOWPIN_PID"
check "SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1" wait_until 5 \
	bash -c "tail -n +$((lines + 1)) '$WORK/heard' | grep -v WATCHDOG | tr '\n' '|' | grep -qE '^RELOADING=1 MONOTONIC_USEC=[0-9]+\|READY=1 '"
stop_flowpin
check "SIGTERM: STOPPING=1" wait_until 5 grep -q '^STOPPING=1' "$WORK/heard"
say "heard: $(grep -v WATCHDOG "$WORK/heard" | tr '\n' ';')"
finish
