#!/bin/bash
# The control socket under unruly clients: idle connections are closed at
# their deadline and lock nobody out meanwhile; hundreds of concurrent
# status calls are all served, none reset; a request over the size limit
# gets an error reply; a daemon that does not answer (stopped) gets a
# clear timeout from the CLI, not a hang. Status reads the links'
# counters as nftables has them.
source "$(dirname "$0")/lib.sh"
CLIENT=${CLIENT:-$(dirname "$TRAFFIC")/fp-unixclient}
need jq

topology 2
conf 2 >"$WORK/f.conf"
start_flowpin "$WORK/f.conf" || exit 1
SOCK=$WORK/flowpin.sock
start_server
quiet() { "$@" >/dev/null; }

say "status reads each link's counter"
ns lan "$TRAFFIC" tcp -n 40 198.19.0.1 7000 >/dev/null
for k in 1 2; do
	nft_p=$(ns rtr nft -j list counter inet flowpin "wan$k" | jq '.nftables[] | select(.counter) | .counter.packets')
	nft_b=$(ns rtr nft -j list counter inet flowpin "wan$k" | jq '.nftables[] | select(.counter) | .counter.bytes')
	st=$(status | jq -r --arg n "wan$k" '.links[] | select(.name == $n) | "\(.packets) \(.bytes)"')
	check "wan$k: status says $st, nftables $nft_p $nft_b" \
		[ "$st" = "$nft_p $nft_b" -a "${nft_p:-0}" -gt 0 ]
done

say "40 idle connections, more than the daemon serves at once (32)"
"$CLIENT" hold "$SOCK" 40 7 >"$WORK/hold.out" &
HOLDER=$!
sleep 0.5
check "status answers while they are open" \
	wait_until 3 quiet "$FLOWPIN" -c "$WORK/f.conf" status
wait "$HOLDER"
check "every idle one was closed at its deadline ($(cat "$WORK/hold.out"))" \
	grep -qx "connected 40 closed 40" "$WORK/hold.out"

say "200 status calls at once"
PIDS_ST=()
for i in $(seq 1 200); do
	"$FLOWPIN" -c "$WORK/f.conf" -j status >"$WORK/st.$i" 2>&1 &
	PIDS_ST+=($!)
done
bad=0
for p in "${PIDS_ST[@]}"; do wait "$p" || bad=$((bad + 1)); done
valid=$(cat "$WORK"/st.* | jq -s '[.[] | select(.links | length == 2)] | length' 2>/dev/null)
check "all 200 succeed ($bad failed), each a status of 2 links ($valid)" \
	[ "$bad" = 0 -a "$valid" = 200 ]
check "none was reset" not grep -l "reset" "$WORK"/st.*

say "a request over the limit"
"$CLIENT" send "$SOCK" 5000 >"$WORK/big.out" 2>&1
check "an error reply: $(cat "$WORK/big.out")" \
	grep -q '"error":"request longer than 4096 bytes"' "$WORK/big.out"
check "the daemon still answers" quiet "$FLOWPIN" -c "$WORK/f.conf" status

say "a daemon that does not answer"
kill -STOP "$FLOWPIN_PID"
start=$(date +%s)
"$FLOWPIN" -c "$WORK/f.conf" status >"$WORK/stopped.out" 2>&1
rc=$?
took=$(($(date +%s) - start))
kill -CONT "$FLOWPIN_PID"
check "the CLI gives up with exit 1 and says why ($(cat "$WORK/stopped.out"))" \
	[ "$rc" = 1 ] && grep -q "timed out" "$WORK/stopped.out"
check "within its timeout ($took s)" [ "$took" -le 10 ]
check "and the daemon answers again" \
	wait_until 5 quiet "$FLOWPIN" -c "$WORK/f.conf" status
finish
