#!/bin/sh
# Install the Debian packages flowpin needs to build, test and demo.
# Idempotent: does nothing when everything is already installed.
set -eu

PKGS="gcc make pkg-config libc6-dev
libnftables-dev libmnl-dev libnetfilter-conntrack-dev libinih-dev
libjson-c-dev libpcap-dev libcmocka-dev libsystemd-dev libmicrohttpd-dev
iproute2 nftables conntrack tcpdump procps clang-format jq
iptables ipset iputils-ping
dnsmasq-base isc-dhcp-client busybox udhcpc"
# The DHCP tests' server and clients, binaries only: dnsmasq-base is
# dnsmasq without its service (the dnsmasq package would start one),
# isc-dhcp-client is dhclient and dhclient-script, udhcpc is Debian's
# /etc/udhcpc/default.script for busybox's udhcpc. None has an init script
# or a systemd unit, so installing them starts nothing (no policy-rc.d
# needed); their maintainer scripts only add the user dnsmasq and
# /run/dnsmasq (dnsmasq-base), load dhclient's AppArmor profile
# (isc-dhcp-client), and have initramfs-tools, if installed, rebuild the
# initramfs (busybox's trigger).

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
# A fresh machine may have no package lists yet: refresh once and retry.
apt-get install -y --no-install-recommends $missing >/dev/null ||
	{ apt-get update -q >/dev/null && apt-get install -y --no-install-recommends $missing >/dev/null; }
