#!/bin/bash
# The command line: each option belongs to its command, the global ones go
# before or after it, -j gives JSON everywhere (check's errors included),
# explain's batch answers one JSON document per line. No namespaces: these
# are the CLI's own checks, touching nothing.
source "$(dirname "$0")/lib.sh"

export WORK # for jq's $ENV.WORK
conf 2 >"$WORK/good.conf"
cat >"$WORK/two.conf" <<'END'
[global]
lan = lan0
[link wan1]
interface = wan1
weight = 0
gateway = 10.1.0.1
bogus
END

# json CODE FILTER COMMAND...: COMMAND exits with CODE and its standard
# output is one JSON document, for which FILTER (jq) is true; for check.
# Says what it saw.
json() {
	local code=$1 filter=$2 rc
	shift 2
	"$@" >"$WORK/json.out" 2>"$WORK/json.err"
	rc=$?
	if [ "$rc" -eq "$code" ] &&
		[ "$(jq -s "length == 1 and (.[0] | $filter)" "$WORK/json.out" 2>&1)" = true ]; then
		return 0
	fi
	printf '    want exit %s and JSON with %s\n' "$code" "$filter"
	printf '    got exit %s, output and error:\n' "$rc"
	sed -n 's/^/      | /; 1,10p' "$WORK/json.out" "$WORK/json.err"
	return 1
}

say "options belong to their command"
check "a sim option after status is refused" \
	fails_with 2 "^flowpin status: '--event' is an option of flowpin sim, not of flowpin status$" \
	"$FLOWPIN" status --event 1:wan1:down
check "a sim option before the command is refused" \
	fails_with 2 "^flowpin: '--flows' is an option of flowpin sim: give it after the command$" \
	"$FLOWPIN" --flows 10 sim --generate "$WORK/x.pcap"
check "a sim option after explain is refused" \
	fails_with 2 "^flowpin explain: '--seed' is an option of flowpin sim, not of flowpin explain$" \
	"$FLOWPIN" -c "$WORK/good.conf" explain --seed=3 tcp 1.2.3.4 5.6.7.8
check "an unknown option is named" \
	fails_with 2 "^flowpin check: unrecognized option '--frobnicate'" \
	"$FLOWPIN" check --frobnicate
check "an option without its argument" \
	fails_with 2 "^flowpin sim: option '--event' needs an argument$" \
	"$FLOWPIN" sim "$WORK/x.pcap" --event
check "run refuses -j, before or after" \
	fails_with 2 '^flowpin run: no JSON output' "$FLOWPIN" -j run -c "$WORK/good.conf"
check "run refuses -j after the command" \
	fails_with 2 '^flowpin run: no JSON output' "$FLOWPIN" run -c "$WORK/good.conf" -j

say "help per command"
check "status -h: status's usage" \
	fails_with 0 '^Usage: flowpin \[OPTIONS\] status$' "$FLOWPIN" status -h
check "sim -h: sim's own options" \
	fails_with 0 '^Options of sim:$' "$FLOWPIN" sim -h
check "sim -h lists --generate" \
	fails_with 0 '^  --generate OUT\.pcap ' "$FLOWPIN" sim -h
check "help explain: explain's usage" \
	fails_with 0 '^Usage: flowpin \[OPTIONS\] explain PROTO SRC\[:PORT\] DST\[:PORT\]$' \
	"$FLOWPIN" help explain
check "-h before a command: the general usage" \
	fails_with 0 '^Usage: flowpin \[OPTIONS\] COMMAND \[ARGS\]$' "$FLOWPIN" -h status

say "check -j"
check "a good file: ok, its links" \
	json 0 '.ok == true and .links == 2 and .file == $ENV.WORK + "/good.conf" and .errors == []' \
	"$FLOWPIN" check -j -c "$WORK/good.conf"
check "global options before the command: the same" \
	json 0 '.ok == true and .links == 2' "$FLOWPIN" -j -c "$WORK/good.conf" check
check "global options on both sides: the same" \
	json 0 '.ok == true and .links == 2' "$FLOWPIN" -c "$WORK/good.conf" check -j
check "text: ok and its links" \
	fails_with 0 "^$WORK/good\\.conf: ok, 2 links$" "$FLOWPIN" check -c "$WORK/good.conf"
check "two errors: both, with file, line and message" \
	json 1 '.ok == false and (.errors | length) == 2 and
	 ([.errors[].file] | unique) == [$ENV.WORK + "/two.conf"] and
	 .errors[0].line == 5 and (.errors[0].message | contains("weight: \"0\" is not an integer")) and
	 .errors[1].line == 7 and (.errors[1].message | contains("expected \"key = value\""))' \
	"$FLOWPIN" check -j -c "$WORK/two.conf"
check "two errors in text: FILE:LINE: message" \
	fails_with 1 "^$WORK/two\\.conf:7: expected \"key = value\"$" \
	"$FLOWPIN" check -c "$WORK/two.conf"
check "an unreadable file: an error of no line" \
	json 1 '.ok == false and (.errors | length) == 1 and .errors[0].file == "/nonexistent.conf" and
	 .errors[0].line == null and (.errors[0].message | contains("No such file"))' \
	"$FLOWPIN" check -j -c /nonexistent.conf

say "explain - -j: one JSON document per line"
for p in 20000 20001 20002 20003 20004; do
	echo "tcp 192.168.1.2:$p 198.19.0.1:7000"
done >"$WORK/tuples"
echo "udp 192.168.1.2 198.19.0.2" >>"$WORK/tuples"
# batch: answers of explain - (with ARGS) to the tuples: exit status, lines,
# the lines that are one JSON document each
batch() {
	local rc
	"$FLOWPIN" -c "$WORK/good.conf" explain "$@" - <"$WORK/tuples" >"$WORK/batch.out" 2>"$WORK/batch.err"
	rc=$?
	echo "$rc $(wc -l <"$WORK/batch.out")" \
		"$(while IFS= read -r l; do jq -ce . <<<"$l" 2>/dev/null; done <"$WORK/batch.out" | wc -l)"
}
got=$(batch -j)
check "6 tuples: exit 0, 6 lines, 6 documents ($got)" [ "$got" = "0 6 6" ]
check "each answer names its tuple" \
	[ "$(jq -r .tuple "$WORK/batch.out" | sed -n 3p)" = "tcp 192.168.1.2:20002 -> 198.19.0.1:7000" ]
got=$(batch -p)
check "-p changes nothing in a batch: exit 0, 6 lines, 6 documents ($got)" [ "$got" = "0 6 6" ]
sed -i '3s/.*/tcp 192.168.1.2/' "$WORK/tuples"
got=$(batch -j)
check "a bad line: exit 2, the 5 others answered, one per line ($got)" [ "$got" = "2 5 5" ]
check "a bad line: named on stderr as stdin:3" \
	grep -qx 'flowpin explain: stdin:3: want PROTO SRC\[:PORT\] DST\[:PORT\]' "$WORK/batch.err"
check "one tuple, -j after the command" \
	json 0 '.tuple == "tcp 192.168.1.2:20000 -> 198.19.0.1:7000" and (.link | test("^wan[12]$"))' \
	"$FLOWPIN" -c "$WORK/good.conf" explain -j tcp 192.168.1.2:20000 198.19.0.1:7000

say "sim --generate -j"
check "the capture written, as JSON" \
	json 0 '.file == $ENV.WORK + "/gen.pcap" and .connections == 50 and .packets > 0 and .duration == 2' \
	"$FLOWPIN" sim --generate "$WORK/gen.pcap" --flows 50 --duration 2 -j

say "the daemon's log lines"
# a file: dated (ISO 8601, milliseconds, offset), the same for a config
# error as for any other event
"$FLOWPIN" run -c "$WORK/two.conf" 2>"$WORK/log.file"
check "to a file: every line dated, $(head -1 "$WORK/log.file")" \
	not grep -vqE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2} flowpin: (error|warning): ' "$WORK/log.file"
check "  the config's errors among them, with file and line" \
	grep -q "flowpin: error: $WORK/two.conf:5: weight" "$WORK/log.file"
# journald's stream (JOURNAL_STREAM names stderr): priority prefixes only
: >"$WORK/log.journal"
JOURNAL_STREAM=$(stat -c '%d:%i' "$WORK/log.journal") \
	"$FLOWPIN" run -c "$WORK/two.conf" 2>>"$WORK/log.journal"
check "to the journal: <PRIO> and the message, nothing else ($(head -1 "$WORK/log.journal"))" \
	not grep -vqE '^<[0-7]>(error|warning): ' "$WORK/log.journal"
check "  an error is priority 3" grep -q "^<3>error: $WORK/two.conf:5: weight" "$WORK/log.journal"
check "  as many lines as to the file" \
	[ "$(wc -l <"$WORK/log.journal")" = "$(wc -l <"$WORK/log.file")" ]
finish
