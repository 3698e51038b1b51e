#!/bin/bash
# The other hash modes, and a non-default mark mask, table and priority,
# loaded into the real kernel and used by real connections.
source "$(dirname "$0")/lib.sh"

topology 3
start_server
before=$(snapshot)

# providers N: how many providers the last run's connections used
providers() { grep -c '^seen' "$WORK/tcp"; }

conf 3 | sed 's/^lan = lan0$/lan = lan0\nhash = src/' >"$WORK/src.conf"
start_flowpin "$WORK/src.conf" || exit 1
ns lan "$TRAFFIC" tcp -n 100 -t 2000 198.19.0.1 7000 >"$WORK/tcp"
check "hash src: 100 of 100 succeed" [ "$(value ok "$WORK/tcp")" = 100 ]
check "hash src: one host, one provider" [ "$(providers)" = 1 ]
stop_flowpin

conf 3 | sed 's/^lan = lan0$/lan = lan0\nhash = l3/' >"$WORK/l3.conf"
start_flowpin "$WORK/l3.conf" || exit 1
ns lan "$TRAFFIC" tcp -n 100 -t 2000 198.19.0.1 7000 >"$WORK/tcp"
check "hash l3: 100 of 100 succeed" [ "$(value ok "$WORK/tcp")" = 100 ]
check "hash l3: one host and server, one provider" [ "$(providers)" = 1 ]
ns lan "$TRAFFIC" tcp -n 100 -t 2000 198.19.0.2 7000 >/dev/null
stop_flowpin

conf 3 | sed 's/^lan = lan0$/lan = lan0\nmark_mask = 0x00f00000\ntable = 5000\npriority = 300/' >"$WORK/mask.conf"
ns rtr nft add table ip other
ns rtr nft add chain ip other pre '{ type filter hook prerouting priority raw; }'
# someone else's mark bits survive flowpin's: set before, counted after
ns rtr nft add rule ip other pre iifname lan0 meta mark set 0x5
ns rtr nft add chain ip other fw '{ type filter hook forward priority filter; }'
ns rtr nft add rule ip other fw iifname lan0 meta mark and 0xff == 0x5 meta mark and 0x00f00000 != 0 counter
ns rtr nft add rule ip other fw iifname lan0 counter
start_flowpin "$WORK/mask.conf" || exit 1
ns rtr ip rule >"$WORK/rules"
check "mask: rules use the mask and priorities" \
	grep -q '^301:.*fwmark 0x100000/0xf00000 lookup 5001' "$WORK/rules"
ns lan "$TRAFFIC" tcp -n 100 -t 2000 198.19.0.1 7000 >"$WORK/tcp"
check "mask: 100 of 100 succeed over $(providers) providers" \
	[ "$(value ok "$WORK/tcp")" = 100 -a "$(providers)" = 3 ]
ns rtr nft list chain ip other fw | grep -o 'packets [0-9]*' >"$WORK/marks"
check "mask: forwarded packets carry flowpin's mark and the other bits ($(tr '\n' ' ' <"$WORK/marks"))" \
	[ "$(wc -l <"$WORK/marks")" = 2 -a "$(sed -n 1p "$WORK/marks")" = "$(sed -n 2p "$WORK/marks")" \
		-a "$(sed -n 2p "$WORK/marks")" != "packets 0" ]
stop_flowpin
ns rtr nft delete table ip other
check "stop leaves the router as it was" [ "$before" = "$(snapshot)" ]
finish
