#!/bin/bash
# Who may ask the daemon: the control socket is root's (0600) unless
# control_group names a group, whose members then read status and
# explain (nothing on the socket changes anything). A user without access
# is told exactly that, and how to get it. The user here is nobody
# (setpriv, no account made): in nogroup, not in users.
source "$(dirname "$0")/lib.sh"
need setpriv jq

topology 2
chmod 0755 "$WORK" # nobody reaches the socket's directory
as_nobody() { setpriv --reuid=65534 --regid=65534 --init-groups "$@"; }

conf 2 >"$WORK/root.conf"
start_flowpin "$WORK/root.conf" || exit 1
check "default: the socket is root's, 0600 ($(stat -c '%a %G' "$WORK/flowpin.sock"))" \
	[ "$(stat -c %a "$WORK/flowpin.sock")" = 600 ]
as_nobody "$FLOWPIN" -c "$WORK/root.conf" status >"$WORK/out" 2>&1
rc=$?
check "nobody's status: exit 1, told the socket is root's and about control_group ($(cat "$WORK/out"))" \
	[ "$rc" = 1 ] && grep -q "is root's: run as root, or let a group read status, explain and metrics with control_group = GROUP" "$WORK/out"
as_nobody "$FLOWPIN" -c "$WORK/root.conf" explain tcp 192.168.1.2:40000 198.19.0.1:7000 >"$WORK/out" 2>&1
check "nobody's explain says so too, then answers from the configuration" \
	grep -q "is root's" "$WORK/out" && grep -q "configured table" "$WORK/out"
stop_flowpin

for group in nogroup users; do
	conf 2 | sed "s/^lan = lan0$/lan = lan0\ncontrol_group = $group/" >"$WORK/$group.conf"
	start_flowpin "$WORK/$group.conf" || exit 1
	check "control_group = $group: 0660 of $group ($(stat -c '%a %G' "$WORK/flowpin.sock"))" \
		[ "$(stat -c '%a %G' "$WORK/flowpin.sock")" = "660 $group" ]
	as_nobody "$FLOWPIN" -c "$WORK/$group.conf" -j status >"$WORK/out" 2>&1
	rc=$?
	if [ "$group" = nogroup ]; then
		check "  a member (nobody, of nogroup) reads status" \
			[ "$rc" = 0 ] && [ "$(jq '.links | length' "$WORK/out")" = 2 ]
		check "  and explain, from the live table" \
			bash -c "setpriv --reuid=65534 --regid=65534 --init-groups '$FLOWPIN' -c '$WORK/$group.conf' explain tcp 192.168.1.2:40000 198.19.0.1:7000 | grep -q 'live table'"
	else
		check "  nobody, not a member, is told to join it ($(cat "$WORK/out"))" \
			[ "$rc" = 1 ] && grep -q "is for root and group users: join that group" "$WORK/out"
	fi
	stop_flowpin
done

conf 2 | sed 's/^lan = lan0$/lan = lan0\ncontrol_group = no-such-group/' >"$WORK/bad.conf"
check "an unknown group: check fails naming it" \
	fails_with 1 'control_group: no group "no-such-group" on this system' \
	"$FLOWPIN" check -c "$WORK/bad.conf"
check "  and run refuses to start" \
	fails_with 1 'control_group: no group "no-such-group"' \
	ip netns exec "${P}rtr" "$FLOWPIN" run -c "$WORK/bad.conf"
finish
