#!/bin/sh
# Install the Debian packages flowpin needs to build, test and demo.
# Idempotent: does nothing when everything is already installed.
set -eu

PKGS="gcc make pkg-config libc6-dev
libnftables-dev libmnl-dev libnetfilter-conntrack-dev libinih-dev
libjson-c-dev libpcap-dev libcmocka-dev libsystemd-dev libmicrohttpd-dev
iproute2 nftables conntrack tcpdump procps clang-format jq
iptables ipset iputils-ping
dnsmasq-base isc-dhcp-client busybox udhcpc
libnfnetlink-dev
dpkg-dev debhelper lintian systemd systemd-container"
# The DHCP tests' server and clients, binaries only: dnsmasq-base is
# dnsmasq without its service (the dnsmasq package would start one),
# isc-dhcp-client is dhclient and dhclient-script, udhcpc is Debian's
# /etc/udhcpc/default.script for busybox's udhcpc. None has an init script
# or a systemd unit, so installing them starts nothing (no policy-rc.d
# needed); their maintainer scripts only add the user dnsmasq and
# /run/dnsmasq (dnsmasq-base), load dhclient's AppArmor profile
# (isc-dhcp-client), and have initramfs-tools, if installed, rebuild the
# initramfs (busybox's trigger).
# The Debian package's build and checks (make deb, test_package.sh):
# dpkg-dev and debhelper build it (debian/control's Build-Depends are the
# -dev packages above), lintian checks it, systemd's systemd-analyze
# verifies its unit and systemd-container's systemd-nspawn boots a
# container to run it. Tools and libraries only: none of them starts a
# service when installed (systemd is already there on a systemd machine,
# and where it is not PID 1 their maintainer scripts start nothing;
# systemd-container's machined and importd start only when asked).
# The metrics test: curl scrapes the endpoint, promtool (in Debian's
# prometheus package) checks the text. That package has a Prometheus
# server and would start it: its postinst runs invoke-rc.d (sysvinit) and
# deb-systemd-invoke (systemd), and both ask /usr/sbin/policy-rc.d first
# and start nothing when it exits 101. So one stands there while apt-get
# runs (unless the machine has its own, as Docker images do), and once
# installed the server is disabled at boot too (deb-systemd-helper and
# update-rc.d, what the postinst enabled): promtool is all we use of it.
# --no-install-recommends keeps out prometheus-node-exporter, another
# service.
PKGS="$PKGS curl prometheus"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if [ ! -e /usr/sbin/policy-rc.d ]; then
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	printf '#!/bin/sh\n# scripts/deps.sh: no service starts\nexit 101\n' \
		>/usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
fi
# A fresh machine may have no package lists yet: refresh once and retry.
apt-get install -y --no-install-recommends $missing >/dev/null ||
	{ apt-get update -q >/dev/null && apt-get install -y --no-install-recommends $missing >/dev/null; }
case " $missing " in
*" prometheus "*)
	deb-systemd-helper disable prometheus.service >/dev/null 2>&1 || true
	update-rc.d prometheus disable >/dev/null 2>&1 || true
	;;
esac
