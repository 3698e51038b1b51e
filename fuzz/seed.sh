#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The fuzz targets' first inputs, from the examples and the tests, into
# DIR/TARGET/ (DIR: fuzz/corpus). make fuzz grows them, make fuzz-merge
# minimizes them into the committed corpus; this is only for a new start.
#
#   fuzz/seed.sh [FLOWPIN [DIR]]    FLOWPIN: build/flowpin, for its captures
set -euo pipefail
cd "$(dirname "$0")/.."
FLOWPIN=${1:-build/flowpin}
DIR=${2:-fuzz/corpus}
mkdir -p "$DIR"/{config,control,tuple,event,decoder}

# config: the example, tests/system/lib.sh's conf (and conf6), the broken
# files of test_bad_config.sh and test_cli.sh
c=$DIR/config
cp examples/flowpin.conf "$c/example"
conf() { # conf N [weights]: lib.sh's
	local n=$1 k
	shift
	printf '[global]\nlan = lan0\ncontrol = /tmp/fp/flowpin.sock\n'
	for k in $(seq 1 "$n"); do
		printf '[link wan%d]\ninterface = wan%d\ngateway = 10.%d.0.1\nweight = %s\n' \
			"$k" "$k" "$k" "${1:-1}"
		if [ -n "${TRACK:-}" ]; then printf 'track = %s\n' "$TRACK"; fi
		if [ $# -gt 0 ]; then shift; fi
	done
}
conf 2 >"$c/conf2"
TRACK="198.19.0.1 198.19.0.2" conf 3 2 1 1 >"$c/conf3-track"
conf 3 | sed 's/^lan = lan0$/lan = lan0\nhash = src/' >"$c/hash-src"
conf 3 | sed 's/^lan = lan0$/lan = lan0\nmark_mask = 0x00f00000\ntable = 5000\npriority = 300/' >"$c/mask"
conf 3 | sed 's/^\[global\]$/&\nown_table = no/' >"$c/own-table"
conf 2 | sed '/gateway = 10.1.0.1/d' >"$c/gateway-auto"
conf 2 | awk '/^\[link wan/ { if (k) printf "gateway6 = 2001:db8:%d::1\nnat6 = 2001:db8:%d00::/64\n", k, k; k = substr($2, 4) + 0 }
	{ print } /^lan = / { print "lan6 = fd00:1::/64" }
	END { printf "gateway6 = auto\nnat6 = masquerade\n" }' >"$c/conf6"
printf '[global]\nlan = lan0\n[link wan1]\ninterface = wan1\nprefix6 = 2001:db8:100::/56\n[link wan2]\ninterface = wan2\nprefix6 = 2001:db8:200::/56\nprobe = tcp:443\ntrack = 2001:db8:ffff::1\ninterval = 1.5s\ntimeout = 200ms\ndown = 3\nup = 1000\n' >"$c/prefix6"
printf '\xef\xbb\xbf[global]\r\nlan = lan0 lan1 ; comment\r\n# comment\n[link a]\ninterface=wan1\n' >"$c/bom-crlf"
printf '[global]\nlan = lan0\n[link wan1]\ninterface = wan1\ngateway = 10.1.0.1\n[wan9]\n' >"$c/bad-section"
printf '[global]\nlan = lan0\n[link wan1]\ninterface = wan1\ngatway = 10.1.0.1\n' >"$c/bad-key"
printf '[global]\nlan = lan0\n[link wan1]\ninterface = wan1\ngateway = 10.1.0.1\n[link wan1]\ninterface = wan2\n' >"$c/bad-duplicate"
printf '[global]\nlan = lan0\n[link wan1]\ninterface wan1\nweight = 0\n[link' >"$c/bad-syntax"
printf '[global]\nlan = lan0\n[link wan1]\ninterface = wan1\nnat = masquerade\nprobe = icmp\ninterval = 10ms\ntimeout = 2.6s\ntrack = 10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6 10.0.0.7 10.0.0.8 10.0.0.9\n' >"$c/bad-limits"
{ printf '[global]\nlan = lan0\n[link wan1]\ninterface = %5000s\n' wan1; } >"$c/bad-long-line"
{ printf '[global]\nlan = %3920s' lan0; printf ' lan%d' $(seq 1 15); printf '\n'; conf 2 | sed 1,2d; } >"$c/long-line"

# control: what flowpin status and explain send, and what they do not
d=$DIR/control
printf '{"command":"status"}' >"$d/status"
printf '{"command":"table"}' >"$d/table"
printf '{"command":"reload"}' >"$d/unknown"
printf '{"command":7}' >"$d/not-a-string"
printf '[1,2,{"command":"status"}]' >"$d/array"
printf 'status\n' >"$d/junk"

# tuple: PROTO\nSRC\nDST, from tests/system/test_explain.sh
t=$DIR/tuple
printf 'tcp\n192.168.1.2:20000\n198.19.0.1:7000' >"$t/tcp4"
printf 'udp\n[2001:db8:100::2]:40000\n[2001:db8:ffff::7]:7000' >"$t/udp6"
printf 'icmp\n1.2.3.4\n5.6.7.8' >"$t/icmp4"
printf 'icmpv6\n::ffff:192.0.2.1\n2001:db8::2' >"$t/icmp6-mapped"
printf 'tcpp\n1.2.3.4\n5.6.7.8' >"$t/bad-proto"
printf 'tcp\n1.2.3.4:70000\n5.6.7.8' >"$t/bad-port"
printf '47\n1.2.3.4\n::1' >"$t/bad-family"

# event: TIME:LINK:down|up|weight=N a line, from tests/system/test_sim.sh
e=$DIR/event
printf '20:wan1:down\n40:wan1:up\n' >"$e/down-up"
printf '4:wan2:down\n6:wan3:down\n6.5:lte:weight=9\n' >"$e/three"
printf '1:wan9:down\n' >"$e/unknown-link"
printf '2:wan1:down\n1:wan1:up\n' >"$e/out-of-order"
printf '0x1p3:wan2:weight=256\n' >"$e/bad-weight"

# decoder: the first records of generated captures of each link type
# (whole files), and single frames of each kind (pcap: a 24-byte file
# header, then a 16-byte header and caplen bytes per record)
g=$DIR/decoder
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for lt in ethernet sll raw; do
	"$FLOWPIN" sim --generate "$tmp/$lt.pcap" --flows 400 --duration 2 --linktype $lt >/dev/null
done
python3 - "$tmp" "$g" <<'END'
import struct, sys
tmp, out = sys.argv[1], sys.argv[2]
def records(path):
    data = open(path, 'rb').read()
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack('<I', data[off + 8:off + 12])[0]
        yield data[off:off + 16 + caplen]
        off += 16 + caplen
for lt in ('ethernet', 'sll', 'raw'):
    head = open('%s/%s.pcap' % (tmp, lt), 'rb').read()[:24]
    recs = list(records('%s/%s.pcap' % (tmp, lt)))
    open('%s/capture-%s' % (out, lt), 'wb').write(head + b''.join(recs[:12]))
# frames of the Ethernet capture, one of each kind: IP version, protocol
# (or IPv6 next header), fragment or not, ICMP type
seen = {}
for r in records('%s/ethernet.pcap' % tmp):
    f = r[16:]
    if f[12:14] == b'\x08\x00':
        kind = (4, f[23], bool(struct.unpack('>H', f[20:22])[0] & 0x3fff),
                f[34] if f[23] == 1 else None)
    elif f[12:14] == b'\x86\xdd':
        kind = (6, f[20], None, f[54] if f[20] == 58 else None)
    else:
        kind = (0, f[12:14], None, None)
    if kind not in seen:
        seen[kind] = f
for n, (kind, f) in enumerate(sorted(seen.items(), key=str)):
    open('%s/frame-%02d' % (out, n), 'wb').write(f)
END
