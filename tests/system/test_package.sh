#!/bin/bash
# The Debian package: make deb (dpkg-buildpackage -b -us -uc) in a copy of
# the tree under $WORK, then what it holds (dpkg-deb -c and -x into a
# scratch root): the binary, both man pages, the unit, the example
# config; that its maintainer scripts enable the unit and start nothing
# (run with stand-ins for deb-systemd-helper, deb-systemd-invoke and
# systemctl, in a mount namespace of their own where /run/systemd/system
# exists); systemd-analyze verify and security on the unit; lintian with
# no error; and the unit run by systemd itself, in a container that boots
# this machine's /usr (systemd-nspawn --volatile=yes, a network of its
# own): the sandbox lets the daemon program the kernel and probe its links,
# and systemd sees it start, reload and stop, and restarts it when its
# watchdog starves. Nothing is built or left in the tree itself.
source "$(dirname "$0")/lib.sh"

need dpkg-buildpackage dpkg-deb dpkg-architecture dpkg-parsechangelog \
	dpkg-checkbuilddeps dh lintian systemd-analyze unshare systemd-nspawn
if ! dpkg-checkbuilddeps "$ROOT/debian/control" >"$WORK/builddeps" 2>&1; then
	skip "$(sed 's/^dpkg-checkbuilddeps: error: //' "$WORK/builddeps" | head -n 1) (scripts/deps.sh)"
fi

VERSION=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
DEB=$WORK/flowpin_${VERSION}_$ARCH.deb
say "flowpin $VERSION for $ARCH"

# The tree as it is, edits included, without its builds: dpkg-buildpackage
# writes the package beside the tree it builds, here into $WORK.
tree_before=$(cd "$ROOT" && find debian -print | sort; ls -d ../flowpin_* 2>/dev/null)
mkdir "$WORK/src"
tar -C "$ROOT" -c --exclude=./.git --exclude=./build --exclude=./debian/build \
	--exclude=./debian/flowpin --exclude=./debian/.debhelper . |
	tar -x -C "$WORK/src"
if make -C "$WORK/src" --no-print-directory deb >"$WORK/build.log" 2>&1; then
	ok "make deb: $(grep -c '^dpkg-deb: building package' "$WORK/build.log") packages built"
else
	fail "make deb failed:"
	tail -n 40 "$WORK/build.log" | sed 's/^/    | /'
	finish
fi
check "make deb names its package" grep -q "DEB    ../${DEB##*/}" "$WORK/build.log"
check "${DEB##*/} is there" [ -f "$DEB" ]
check "its Version is debian/changelog's" \
	[ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ]
check "the tree itself is untouched (no build products in debian/ or beside it)" \
	[ "$tree_before" = "$(cd "$ROOT" && find debian -print | sort; ls -d ../flowpin_* 2>/dev/null)" ]

# What the package holds.
dpkg-deb -c "$DEB" | awk '{ print $1, $6 }' >"$WORK/contents"
has() { grep -qxF -- "$1" "$WORK/contents" || { echo "    not in the package: $1"; return 1; }; }
check "the binary, /usr/sbin/flowpin, executable" has "-rwxr-xr-x ./usr/sbin/flowpin"
check "flowpin(8)" has "-rw-r--r-- ./usr/share/man/man8/flowpin.8.gz"
check "flowpin.conf(5)" has "-rw-r--r-- ./usr/share/man/man5/flowpin.conf.5.gz"
check "the unit, /lib/systemd/system/flowpin.service" \
	has "-rw-r--r-- ./lib/systemd/system/flowpin.service"
check "the example config, /etc/flowpin/flowpin.conf.example" \
	has "-rw-r--r-- ./etc/flowpin/flowpin.conf.example"
check "no /etc/flowpin/flowpin.conf: the configuration is the admin's" \
	not grep -q ' ./etc/flowpin/flowpin.conf$' "$WORK/contents"
check "the copyright file" has "-rw-r--r-- ./usr/share/doc/flowpin/copyright"

R=$WORK/root
dpkg-deb -x "$DEB" "$R"
check "the example is examples/flowpin.conf" \
	cmp "$R/etc/flowpin/flowpin.conf.example" "$ROOT/examples/flowpin.conf"
check "flowpin(8) is man/flowpin.8" \
	cmp <(zcat "$R/usr/share/man/man8/flowpin.8.gz") "$ROOT/man/flowpin.8"
check "flowpin.conf(5) is man/flowpin.conf.5" \
	cmp <(zcat "$R/usr/share/man/man5/flowpin.conf.5.gz") "$ROOT/man/flowpin.conf.5"
check "the packaged binary runs, and reads /etc/flowpin/flowpin.conf by default" \
	fails_with 0 'default /etc/flowpin/flowpin.conf' "$R/usr/sbin/flowpin" -h

U=$R/lib/systemd/system/flowpin.service
# unit_has LINE...: the unit has each LINE, whole
unit_has() {
	local l r=0
	for l; do
		grep -qxF -- "$l" "$U" || { echo "    not in the unit: $l"; r=1; }
	done
	return $r
}
check "the unit runs the packaged binary on /etc/flowpin/flowpin.conf" \
	unit_has "ExecStart=/usr/sbin/flowpin run -c /etc/flowpin/flowpin.conf"
check "the unit is Type=notify, reloads with SIGHUP, has a watchdog" \
	unit_has "Type=notify" 'ExecReload=/bin/kill -HUP $MAINPID' "WatchdogSec=10s"
check "the unit bounds its capabilities to CAP_NET_ADMIN CAP_NET_RAW" \
	unit_has "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW"
check "the unit's file system is read-only but /run" \
	unit_has "ProtectSystem=strict" "ReadWritePaths=/run"
check "the unit is wanted by multi-user.target" unit_has "WantedBy=multi-user.target"

# systemd-analyze verify needs ExecStart's binary and the Documentation=
# man pages: a copy of the unit runs the extracted binary, man finds the
# extracted pages.
mkdir "$WORK/unit"
sed "s|^ExecStart=/usr/sbin/flowpin |ExecStart=$R/usr/sbin/flowpin |" "$U" \
	>"$WORK/unit/flowpin.service"
verify() {
	MANPATH=$R/usr/share/man systemd-analyze verify "$WORK/unit/flowpin.service" \
		>"$WORK/verify.out" 2>&1
	local rc=$?
	[ "$rc" -eq 0 ] && [ ! -s "$WORK/verify.out" ] && return 0
	echo "    exit $rc:"
	sed 's/^/    | /' "$WORK/verify.out"
	return 1
}
check "systemd-analyze verify: no complaint" verify
# Exposure 0 (locked down) to 10 (none): the unit scores 2.1 ("OK"); a
# hardening line lost pushes it above 3.
systemd-analyze security --offline=yes --threshold=30 "$WORK/unit/flowpin.service" \
	>"$WORK/security.out" 2>&1
rc=$?
say "$(grep -o 'Overall exposure level.*' "$WORK/security.out")"
check "systemd-analyze security: exposure at most 3.0" [ "$rc" -eq 0 ]

# The maintainer scripts, as debhelper wrote them: run on a systemd
# machine (a mount namespace where /run/systemd/system exists), with the
# service commands they call replaced by ones that log and succeed.
mkdir -p "$WORK/ctl" "$WORK/stub"
dpkg-deb -e "$DEB" "$WORK/ctl"
check "the example config is a conffile" \
	grep -qxF /etc/flowpin/flowpin.conf.example "$WORK/ctl/conffiles"
for c in deb-systemd-helper deb-systemd-invoke systemctl; do
	printf '#!/bin/sh\necho "%s $*" >>"$STUB_LOG"\n' "$c" >"$WORK/stub/$c"
	chmod +x "$WORK/stub/$c"
done
# script NAME ARGS...: what maintainer script NAME called, one line each
script() {
	local s=$WORK/ctl/$1 log=$WORK/calls.$1.$#
	shift
	: >"$log"
	[ -f "$s" ] || return 0 # none: it calls nothing
	STUB_LOG=$log PATH=$WORK/stub:$PATH unshare --mount sh -c \
		'mount -t tmpfs fp-run /run && mkdir -p /run/systemd/system && exec sh "$@"' \
		sh "$s" "$@" || echo "(exit $?)"
	cat "$log"
}
# calls WANT NAME ARGS...: script NAME, with ARGS, called exactly WANT
calls() {
	local want=$1 got
	shift
	got=$(script "$@")
	[ "$got" = "$want" ] && return 0
	printf '    %s %s called:\n%s\n    want:\n%s\n' "$1" "${*:2}" \
		"$(sed 's/^/    | /' <<<"$got")" "$(sed 's/^/    | /' <<<"$want")"
	return 1
}
check "first install: postinst enables the unit and starts nothing" \
	calls "deb-systemd-helper unmask flowpin.service
deb-systemd-helper --quiet was-enabled flowpin.service
deb-systemd-helper enable flowpin.service
systemctl --system daemon-reload" postinst configure ""
check "upgrade: preinst stops nothing" calls "" preinst upgrade 0.10.0
check "upgrade: postinst restarts it only if it runs (try-restart)" \
	calls "deb-systemd-helper unmask flowpin.service
deb-systemd-helper --quiet was-enabled flowpin.service
deb-systemd-helper enable flowpin.service
systemctl --system daemon-reload
deb-systemd-invoke try-restart flowpin.service" postinst configure 0.10.0
check "upgrade: prerm stops nothing" calls "" prerm upgrade "$VERSION"
check "remove: prerm stops it" calls "deb-systemd-invoke stop flowpin.service" prerm remove
check "purge: postrm forgets the unit" \
	calls "deb-systemd-helper purge flowpin.service" postrm purge
scripts=()
for s in preinst postinst prerm postrm; do
	[ -f "$WORK/ctl/$s" ] && scripts+=("$WORK/ctl/$s")
done
check "no maintainer script starts the service" \
	not grep -nE 'deb-systemd-invoke +(start|restart)|systemctl .*[^-]start' \
	"${scripts[@]}" /dev/null

# The unit under systemd: a container boots this machine's /usr with an
# empty /etc (the package's unit in its /etc/systemd/system, a drop-in
# pointing ExecStart at the packaged binary, bound at /opt/flowpin since
# /usr is read-only there) and a network of its own: a LAN and two
# providers (namespaces in the container, each answering the probes to
# 198.51.100.1). probe.sh runs there as a service (with what /usr has:
# /etc/alternatives, awk's, is not there) and writes what it saw
# to /out/result, one "NAME VALUE" a line; then the container powers off.
C=$WORK/ct
mkdir -p "$C/sd/flowpin.service.d" "$C/sd/multi-user.target.wants" "$C/etc" "$C/out"
cp "$U" "$C/sd/flowpin.service"
printf '[Service]\nExecStart=\nExecStart=/opt/flowpin/flowpin run -c /etc/flowpin/flowpin.conf\n' \
	>"$C/sd/flowpin.service.d/opt.conf"
printf '[Service]\nType=oneshot\nExecStart=/bin/bash /out/probe.sh\n' >"$C/sd/probe.service"
ln -s ../probe.service "$C/sd/multi-user.target.wants/probe.service"
printf '[global]\nlan = lan0\n' >"$C/out/flowpin.conf"
for k in 1 2; do
	printf '[link wan%d]\ninterface = wan%d\ngateway = 10.%d.0.1\ntrack = 198.51.100.1\n' \
		"$k" "$k" "$k" >>"$C/out/flowpin.conf"
done
cat >"$C/out/probe.sh" <<'PROBE'
exec >/out/probe.log 2>&1
set -x
r() { echo "$1 $2" >>/out/result; }
show() { systemctl show -p "$1" --value flowpin; }
up() { /opt/flowpin/flowpin status | grep -c '^link wan[12] .* up for'; }
# wait_for SECONDS COMMAND...
wait_for() {
	local i n=$(($1 * 10))
	shift
	for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
	return 1
}
ip link add lan0 type veth peer name lanp
ip addr add 192.168.1.1/24 dev lan0
ip link set lan0 up
ip link set lanp up
for k in 1 2; do
	ip netns add isp$k
	ip link add wan$k type veth peer name pe netns isp$k
	ip addr add 10.$k.0.2/30 dev wan$k
	ip link set wan$k up
	ip -n isp$k addr add 10.$k.0.1/30 dev pe
	ip -n isp$k link set pe up
	ip -n isp$k link set lo up
	ip -n isp$k addr add 198.51.100.1/32 dev lo
done
systemctl start flowpin
r noconfig "$(show ActiveState)/$(show ConditionResult)"
cp /out/flowpin.conf /etc/flowpin/flowpin.conf
systemctl start flowpin
r start $?
r state "$(show ActiveState)/$(show SubState)"
r status_text "$(show StatusText)"
r watchdog "$(show WatchdogUSec)"
pid=$(show MainPID)
# no awk here: /etc/alternatives is in the /etc the container lacks
field() { sed -n "s/^$1:[[:space:]]*//p" /proc/$pid/status; }
r caps "$(field CapEff)"
r nnp "$(field NoNewPrivs)"
r seccomp "$(field Seccomp)"
r rw "$(while read -r _ _ _ _ at opts _; do
	[ "$at" = / ] && echo "${opts%%,*}"; done </proc/$pid/mountinfo | tail -n 1)"
r socket "$(stat -c %F:%a /run/flowpin.sock)"
wait_for 5 [ "$(up)" = 2 ]
r up "$(up)"
ip -n isp1 link set pe down
wait_for 5 [ "$(up)" = 1 ]
r failover "$(up)"
systemctl reload flowpin
r reload $?
r reloaded "$(show ActiveState)/$([ "$(show MainPID)" = "$pid" ] && echo same)"
kill -STOP "$pid"
wait_for 20 [ "$(show NRestarts)" = 1 ] && wait_for 5 [ "$(show ActiveState)" = active ]
r restarted "$(show NRestarts)/$(show ActiveState)"
wait_for 5 [ "$(up)" = 1 ]
r after_restart "$(up)"
systemctl stop flowpin
r stop $?
r stopped "$(show ActiveState)"
r rules_left "$(ip rule | grep -c 'proto 241')"
r tables_left "$(nft list tables | wc -l)"
journalctl -u flowpin --no-pager -o short-monotonic >/out/journal
r journal "$(grep -cE 'Watchdog timeout|took over|reloaded: 2 links' /out/journal)"
r "done" yes
systemctl poweroff
PROBE
# nspawn leaves its empty directories in /run/systemd: those it makes go
nspawn_dirs=()
for d in /run/systemd/nspawn /run/systemd/nspawn-root; do
	[ -e "$d" ] || nspawn_dirs+=("$d")
done
timeout 120 systemd-nspawn --quiet -D / --volatile=yes --private-network \
	--register=no --keep-unit --machine="$P" --console=passive \
	--bind-ro="$C/sd:/etc/systemd/system" --bind="$C/etc:/etc/flowpin" \
	--bind-ro="$R/usr/sbin:/opt/flowpin" --bind="$C/out:/out" \
	-b systemd.firstboot=off systemd.unit=multi-user.target \
	</dev/null >"$WORK/nspawn.log" 2>&1
rc=$?
for d in "${nspawn_dirs[@]}"; do
	rmdir "$d/propagate" "$d" 2>/dev/null
done
# result NAME: what probe.sh saw; is NAME VALUE...: each NAME is its VALUE
result() { awk -v k="$1" '$1 == k { sub("^[^ ]* ", ""); print; exit }' "$C/out/result"; }
is() {
	local r=0
	while [ $# -ge 2 ]; do
		if [ "$(result "$1")" != "$2" ]; then
			echo "    $1: '$(result "$1")', want '$2'"
			r=1
		fi
		shift 2
	done
	return $r
}
if [ "$(result "done" 2>/dev/null)" != yes ]; then
	fail "the container did not finish (systemd-nspawn exit $rc):"
	tail -n 20 "$WORK/nspawn.log" | sed 's/^/    | /'
	tail -n 30 "$C/out/probe.log" 2>/dev/null | sed 's/^/    | /'
else
	ok "the unit under systemd $(systemctl --version | awk 'NR == 1 { print $2 }'), in a container"
	check "no configuration yet: the unit is skipped, not failed" is noconfig inactive/no
	check "systemctl start returns once the daemon is ready (READY=1)" is start 0
	check "it is active and running" is state active/running
	check "its status line is the daemon's" \
		is status_text "2 links from /etc/flowpin/flowpin.conf"
	check "its watchdog is 10 s" is watchdog 10s
	check "its capabilities are CAP_NET_ADMIN and CAP_NET_RAW only" is caps 0000000000003000
	check "no new privileges, a system call filter" is nnp 1 seccomp 2
	check "its root file system is read-only" is rw ro
	check "its control socket is made in /run, 0600" is socket socket:600
	check "in the sandbox it programs the kernel and probes both links: up" is up 2
	check "a link that loses its carrier goes down" is failover 1
	check "systemctl reload: SIGHUP, the same daemon, still active" \
		is reload 0 reloaded active/same
	check "a hung event loop starves the watchdog: systemd restarts it" \
		is restarted 1/active
	check "the restart takes over: one link up, one down" is after_restart 1
	check "systemctl stop: inactive, no rule or table left" \
		is stop 0 stopped inactive rules_left 0 tables_left 0
	check "the journal tells the reload, the watchdog and the takeover" is journal 3
fi

# lintian: no error (E:); what else it says is shown.
lintian --pedantic --display-info "$DEB" >"$WORK/lintian.out" 2>&1
say "lintian: $(grep -cE '^E: ' "$WORK/lintian.out") errors, $(grep -cE '^W: ' "$WORK/lintian.out") warnings, $(grep -cE '^[IPX]: ' "$WORK/lintian.out") notes"
grep -E '^[EWIPX]: ' "$WORK/lintian.out" | sed 's/^/    | /'
check "lintian: no E: line" not grep -q '^E: ' "$WORK/lintian.out"
finish
