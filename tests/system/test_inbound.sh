#!/bin/bash
# Reply symmetry: the server opens connections to a port that provider 2
# forwards to the lan host. Each reply must leave by provider 2 again.
# Without flowpin, with the kernel's own multipath hashing (the thread's
# other answer), replies leave by whichever provider the hash picks and
# many connections fail: the test can tell.
source "$(dirname "$0")/lib.sh"

topology 3
start_server

say "kernel multipath, L4 hash, no flowpin"
ns rtr sysctl -qw net.ipv4.fib_multipath_hash_policy=1
ns net "$TRAFFIC" tcp -n 30 -t 200 198.18.2.2 8080 >"$WORK/multipath"
check "without flowpin replies leave by the wrong provider ($(value ok "$WORK/multipath")/30 ok)" \
	[ "$(value ok "$WORK/multipath")" -lt 25 ]

say "with flowpin"
conf 3 >"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1
ns net "$TRAFFIC" tcp -n 300 -t 2000 198.18.2.2 8080 >"$WORK/inbound"
check "300 of 300 inbound connections through provider 2 succeed" \
	[ "$(value ok "$WORK/inbound")" = 300 ]
flows=$(status | jq '.links[] | select(.name == "wan2") | .flows')
check "they are pinned to wan2 ($flows)" [ "$flows" -ge 300 ]
finish
