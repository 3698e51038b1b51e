#!/bin/bash
# Bad policies and rules are refused at FILE:LINE, with a non-zero exit
# and the kernel unchanged, by flowpin check, by flowpin run, and by a
# running daemon's reload (SIGHUP), which keeps its rules. A rule an
# earlier one shadows is a warning naming both lines: check succeeds, and
# a reload runs with it.
source "$(dirname "$0")/lib.sh"

topology 2
conf 2 >"$WORK/base.conf" # 11 lines: what each case adds starts at line 12
before=$(snapshot)

# CASES: NAME, the line of the error, its message (grep -F), what follows
# the links (\n for a new line)
CASES='unknown-policy|14|[rule r]: policy: unknown policy "nope"|[rule r]\nproto = tcp\npolicy = nope
unknown-link|13|[policy p]: links: unknown link "wan9"|[policy p]\nlinks = wan1 wan9\n[rule r]\nproto = tcp\npolicy = p
bad-prefix|13|[rule r]: dst: "198.19.1.0/33" is not|[rule r]\ndst = 198.19.1.0/33\npolicy = default
host-bits|14|[rule r]: src: "192.168.1.1/24" is not an address or a prefix ADDRESS/LEN with its host bits 0|[rule r]\nproto = tcp\nsrc = 192.168.1.1/24\npolicy = default
host-bits6|13|[rule r]: dst: "2001:db8::1/32" is not|[rule r]\ndst = 2001:db8::1/32\npolicy = default
range-reversed|14|[rule r]: dport 20000-10000: range reversed|[rule r]\nproto = udp\ndport = 5060 20000-10000\npolicy = default
ports-without-ports|13|[rule r]: proto icmp has no ports to match|[rule r]\nproto = icmp\nsport = 80\npolicy = default
not-lan|13|[rule r]: lan: wan1 is not one of [global] lan|[rule r]\nlan = wan1\npolicy = default
duplicate-rule|15|duplicate rule "r" (first at line 12)|[rule r]\nproto = tcp\npolicy = default\n[rule r]\nproto = udp\npolicy = default
policy-main|12|[policy main]: "main" is not a policy name|[policy main]\nlinks = wan1\n[rule r]\nproto = tcp\npolicy = main
no-family|12|[rule r]: src and dst share no address family|[rule r]\nsrc = 192.168.1.0/24\ndst = 2001:db8::/32\npolicy = default
bad-protocol|13|[rule r]: proto: "tcpp" is not a protocol|[rule r]\nproto = udp tcpp\npolicy = default'
# a rule of 300 sources and 300 destinations: a set of 90000 elements
big='[rule big]'
for i in $(seq 0 299); do big+="\\nsrc = 10.0.$((i / 256)).$((i % 256))"; done
for i in $(seq 0 299); do big+="\\ndst = 172.16.$((i / 256)).$((i % 256))"; done
CASES+=$'\n'"set-too-large|12|[rule big]: its IPv4 set would hold 90000 elements|$big\\npolicy = default"

jqe() { jq -e "$@" >/dev/null; }
# refused NAME CODE EXPECTED COMMAND...: exit CODE, EXPECTED (grep -F) in
# the output, the router as before
refused() {
	local name=$1 code=$2 want=$3 rc
	shift 3
	ns rtr "$@" >"$WORK/out" 2>&1
	rc=$?
	if [ "$rc" -ne "$code" ]; then
		fail "$name: exit $rc, not $code: $(head -3 "$WORK/out" | tr '\n' ' ')"
	elif ! grep -qF -- "$want" "$WORK/out"; then
		fail "$name: output \"$(head -3 "$WORK/out" | tr '\n' ' ')\" lacks \"$want\""
	elif [ "$before" != "$(snapshot)" ]; then
		fail "$name: the kernel changed"
	else
		ok "$name: exit $rc, $(grep -F -- "$want" "$WORK/out" | head -1)"
	fi
}

while IFS='|' read -r name line msg text; do
	f=$WORK/$name.conf
	{ cat "$WORK/base.conf"; printf '%b\n' "$text"; } >"$f"
	refused "check, $name" 1 "$f:$line: $msg" "$FLOWPIN" check -c "$f"
	j=$(ns rtr "$FLOWPIN" -j check -c "$f")
	check "  check -j: not ok, the error at line $line" \
		jqe --argjson l "$line" '(.ok | not) and .errors[0].line == $l' <<<"$j"
	refused "run, $name" 1 "$f:$line: $msg" timeout 10 "$FLOWPIN" run -c "$f"
done <<<"$CASES"

# a mark mask of 3 slots: 2 links and 2 members of a policy failing back
{ sed 's/^lan = lan0$/&\nmark_mask = 0x300/' "$WORK/base.conf"
  printf '[policy p]\nlinks = wan1 wan2\nfailback = all\n[rule r]\nproto = tcp\npolicy = p\n'; } >"$WORK/mask.conf"
msg="$WORK/mask.conf:1: mark_mask 0x300 holds 3 slots, 4 are needed"
refused "check, mark mask too narrow" 1 "$msg" "$FLOWPIN" check -c "$WORK/mask.conf"
refused "run, mark mask too narrow" 1 "$msg" timeout 10 "$FLOWPIN" run -c "$WORK/mask.conf"

say "a shadowed rule: a warning, and check succeeds"
# after the base: lines 12 to 22, the second rule at 18
rules='[policy p]\nlinks = wan2\n[rule sip]\nproto = udp\ndport = 5060\npolicy = p\n[rule sip-server]\nproto = udp\ndst = 198.19.0.0/16\ndport = 5060\npolicy = default'
{ cat "$WORK/base.conf"; printf '%b\n' "$rules"; } >"$WORK/shadow.conf"
warning="$WORK/shadow.conf:18: warning: [rule sip-server]: never matches: rule sip (line 14) before it matches everything it would"
out=$(ns rtr "$FLOWPIN" check -c "$WORK/shadow.conf" 2>&1)
check "check succeeds ($?), warning: $(grep -F "$warning" <<<"$out" | cut -d: -f2-)" \
	grep -qF -- "$warning" <<<"$out"
check "  and touches nothing" [ "$before" = "$(snapshot)" ]
check "check -j: ok, the warning at line 18" jqe \
	'.ok and (.errors | length == 0) and ([.warnings[] | select(.line == 18 and (.message | test("never matches")))] | length == 1)' \
	<<<"$(ns rtr "$FLOWPIN" -j check -c "$WORK/shadow.conf")"

say "a running daemon's reload"
{ cat "$WORK/base.conf"; printf '%b\n' "$rules" | sed '/^\[rule sip-server\]/,$d'; } >"$WORK/good.conf"
cp "$WORK/good.conf" "$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1
running=$(snapshot)
rules_were=$(status | jq -c '[.rules[] | [.name, .line, .policy]]')
while IFS='|' read -r name line msg text; do
	cp "$WORK/$name.conf" "$WORK/fp.conf"
	n=$(log_lines)
	if ! reload "reload: .* has errors"; then
		fail "reload, $name: no \"has errors\" in the log"
		continue
	fi
	tail -n +$((n + 1)) "$WORK/flowpin.log" >"$WORK/reload.log"
	if ! grep -qF -- "$WORK/fp.conf:$line: $msg" "$WORK/reload.log"; then
		fail "reload, $name: the log lacks \"$WORK/fp.conf:$line: $msg\": $(tr '\n' ' ' <"$WORK/reload.log")"
	elif [ "$running" != "$(snapshot)" ]; then
		fail "reload, $name: the kernel changed"
	elif [ "$(status | jq -c '[.rules[] | [.name, .line, .policy]]')" != "$rules_were" ]; then
		fail "reload, $name: the daemon's rules changed: $(status | jq -c '.rules')"
	else
		ok "reload, $name: $(grep -F -- "$WORK/fp.conf:$line:" "$WORK/reload.log" | head -1 | cut -d' ' -f3-)"
	fi
done <<<"$CASES"
check "the daemon still runs, with its rules" [ "$(status | jq -c '[.rules[] | [.name, .line, .policy]]')" = "$rules_were" ]
cp "$WORK/shadow.conf" "$WORK/fp.conf"
n=$(log_lines)
check "a reload with the shadowed rule runs" reload "reloaded: 2 links"
tail -n +$((n + 1)) "$WORK/flowpin.log" >"$WORK/reload.log"
check "  and logs the warning" grep -qF -- "warning: $WORK/fp.conf:18: [rule sip-server]: never matches: rule sip (line 14)" "$WORK/reload.log"
check "  both rules are the daemon's" \
	[ "$(status | jq -c '[.rules[] | .name]')" = '["sip","sip-server"]' ]
stop_flowpin
check "stop leaves the router as it was found" [ "$before" = "$(snapshot)" ]
finish
