#!/bin/bash
# flowpin explain predicts the kernel's choice exactly: for connections
# with chosen source ports, the link explain names is the link the server
# saw each one arrive from. 100%, before and after a link failure.
source "$(dirname "$0")/lib.sh"

topology 3
start_server
TRACK=198.19.0.1 conf 3 2 1 1 >"$WORK/fp.conf"

# predict PROTO FIRST N: explain's link for each source port, as the
# address the server would see ("198.18.K.2" for link wanK)
predict() {
	local p
	for p in $(seq "$2" $(($2 + $3 - 1))); do
		echo "$1 192.168.1.2:$p 198.19.0.1:7000"
	done | "$FLOWPIN" -c "$WORK/fp.conf" -j explain - |
		jq -r '"conn \(.tuple | capture(":(?<p>[0-9]+) ->").p) 198.18.\(.link | ltrimstr("wan")).2"'
}
# compare NAME PREDICTED ACTUAL
compare() {
	local n same
	n=$(grep -c '^conn' "$3")
	same=$(grep '^conn' "$3" | sort | comm -12 - <(sort "$2") | wc -l)
	check "$1: $same of $n connections on the predicted link" [ "$n" -gt 0 -a "$same" = "$n" ]
}

say "no daemon: the configured table"
predict tcp 20000 50 >"$WORK/pred0"
check "explain works without a daemon" grep -q 'conn 20000 198.18.[123].2' "$WORK/pred0"
check "one tuple or a batch: the same answer" [ "$(head -1 "$WORK/pred0")" = \
	"$("$FLOWPIN" -c "$WORK/fp.conf" -j explain tcp 192.168.1.2:20000 198.19.0.1:7000 |
		jq -r '"conn 20000 198.18.\(.link | ltrimstr("wan")).2"')" ]

start_flowpin "$WORK/fp.conf" || exit 1
sleep 1.2
predict tcp 20000 300 >"$WORK/pred"
check "the configured and the live table agree on a fresh start" \
	diff -q <(head -50 "$WORK/pred") "$WORK/pred0"
ns lan "$TRAFFIC" tcp -v -n 300 -s 20000 -t 2000 198.19.0.1 7000 >"$WORK/real"
compare "tcp, all links up" "$WORK/pred" "$WORK/real"
predict udp 30000 200 >"$WORK/pred"
ns lan "$TRAFFIC" udp -v -n 200 -k 3 -s 30000 -t 2000 198.19.0.1 7000 >"$WORK/real"
compare "udp, all links up" "$WORK/pred" "$WORK/real"

say "wan1 fails"
upstream 1 down
wait_log "link wan1 down" 3
predict tcp 21000 300 >"$WORK/pred"
check "explain no longer names wan1" lacks '198\.18\.1\.2' "$WORK/pred"
ns lan "$TRAFFIC" tcp -v -n 300 -s 21000 -t 2000 198.19.0.1 7000 >"$WORK/real"
compare "tcp, wan1 down" "$WORK/pred" "$WORK/real"

say "explain refuses bad arguments"
check "unknown protocol" fails_with 2 '"tcpp" is not a protocol' \
	"$FLOWPIN" -c "$WORK/fp.conf" explain tcpp 1.2.3.4 5.6.7.8
check "port out of range" fails_with 2 '"1\.2\.3\.4:70000" is not ADDRESS\[:PORT\]' \
	"$FLOWPIN" -c "$WORK/fp.conf" explain tcp 1.2.3.4:70000 5.6.7.8
check "ports on icmp" fails_with 2 'icmp has no ports' \
	"$FLOWPIN" -c "$WORK/fp.conf" explain icmp 1.2.3.4:1 5.6.7.8
check "mixed families" fails_with 2 '1\.2\.3\.4 and ::1 are not of one address family' \
	"$FLOWPIN" -c "$WORK/fp.conf" explain udp 1.2.3.4 ::1
check "a bad line in a batch" fails_with 2 'stdin:2: want PROTO SRC\[:PORT\] DST\[:PORT\]' \
	"$FLOWPIN" -c "$WORK/fp.conf" explain - <<<$'tcp 192.168.1.2:20000 198.19.0.1:7000\ntcp 1.2.3.4'
finish
