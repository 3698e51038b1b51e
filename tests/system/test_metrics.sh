#!/bin/bash
# flowpin metrics, and GET /metrics of metrics = 127.0.0.1:PORT:
#
# - the text passes the real promtool check metrics; the endpoint serves
#   the same metric families, in Prometheus' content type;
# - a link's connections, packets and bytes are what status says;
# - a reload is counted and keeps what the links counted; one that
#   changes metrics is refused (a restart) and counted failed;
# - a failover (provider 2's upstream cut, the links probed) counts a
#   state change, lost probes and one apply time, and its recovery
#   another change;
# - 404 for another path, 405 for another method; -j refused (exit 2);
# - more clients than the limit (8) neither block status nor hang a
#   scrape (it waits in the backlog); an idle client is closed after the
#   timeout (5 s); libmicrohttpd runs in the daemon's loop, no thread.
source "$(dirname "$0")/lib.sh"
need promtool curl

PORT=9108
URL=http://127.0.0.1:$PORT
topology 2
start_server
conf 2 | sed "/^\[global\]\$/a metrics = 127.0.0.1:$PORT" >"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1

metrics() { "$FLOWPIN" -c "$FLOWPIN_CONF" metrics; }
# scrape CURL-ARGS...: curl in the router's namespace
scrape() { ns rtr curl -sS --max-time 5 "$@"; }
# sample FILE NAME [LABELS]: a sample's value (LABELS as written:
# 'link="wan2",family="ipv4"'), empty when there is none
sample() {
	K=$2${3:+"{$3}"} awk '$1 == ENVIRON["K"] { print $2 }' "$1"
}
# link_sum FILE NAME LINK: a link's samples of NAME, both families, added
link_sum() {
	awk -v n="$2" -v l="link=\"$3\"" 'index($1, n "{" l) == 1 { s += $2 } END { print s + 0 }' "$1"
}
# promtool_ok FILE: promtool check metrics finds nothing; says what it said
promtool_ok() {
	local rc
	promtool check metrics <"$1" >"$1.promtool" 2>&1
	rc=$?
	say "promtool check metrics <$(basename "$1"): exit $rc${2:-}, $(wc -l <"$1.promtool") lines of problems"
	sed 's/^/      | /' "$1.promtool"
	[ "$rc" = 0 ] && [ ! -s "$1.promtool" ]
}
ms_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

say "connections through both links, no probes (the counters stay still)"
ns lan "$TRAFFIC" tcp -n 40 198.19.0.1 7000 >"$WORK/tcp"
check "40 of 40 connections" [ "$(value ok "$WORK/tcp")" = 40 ]
check "flowpin metrics prints the text" eval 'metrics >"$WORK/m.txt"'
check "  which promtool check metrics passes" promtool_ok "$WORK/m.txt"
check "  with the build's version" grep -q '^flowpin_build_info{version="[0-9.]*"} 1$' "$WORK/m.txt"
check "GET /metrics: 200" scrape -D "$WORK/h.head" -o "$WORK/h.txt" "$URL/metrics"
check "  in Prometheus' text format 0.0.4" \
	grep -qi '^content-type: text/plain; version=0.0.4' "$WORK/h.head"
check "  the same metric families as flowpin metrics" \
	diff <(grep '^# TYPE' "$WORK/m.txt") <(grep '^# TYPE' "$WORK/h.txt")
check "  which promtool check metrics passes" promtool_ok "$WORK/h.txt"
say "families: $(grep -c '^# TYPE' "$WORK/h.txt"), samples: $(grep -vc '^#' "$WORK/h.txt")"

status >"$WORK/st.json"
scrape -o "$WORK/m2.txt" "$URL/metrics"
for l in wan1 wan2; do
	for k in flows packets bytes; do
		want=$(jq --arg l "$l" ".links[] | select(.name == \$l) | .$k" "$WORK/st.json")
		case $k in
		flows) got=$(link_sum "$WORK/m2.txt" flowpin_link_connections "$l") ;;
		*) got=$(sample "$WORK/m2.txt" "flowpin_link_${k}_total" "link=\"$l\"") ;;
		esac
		check "$l: $k $got, as status says ($want)" [ "$got" = "$want" ]
	done
done
check "the connections are counted (some on each link)" \
	[ "$(link_sum "$WORK/m2.txt" flowpin_link_connections wan2)" -gt 0 ]

say "reload: both links probed"
sed -i '/^gateway = /a track = 198.19.0.1 198.19.0.2' "$WORK/fp.conf"
kill -HUP "$FLOWPIN_PID"
check "the daemon reloads" wait_log "reloaded: 2 links" 5
sleep 1.5 # the probes answer
metrics >"$WORK/m3.txt"
check "a reload counted" [ "$(sample "$WORK/m3.txt" flowpin_reloads_total)" = 1 ]
check "  and no failure" [ "$(sample "$WORK/m3.txt" flowpin_reload_failures_total)" = 0 ]
W2='link="wan2",family="ipv4"'
sent=$(sample "$WORK/m3.txt" flowpin_link_probes_sent_total "$W2")
rtts=$(sample "$WORK/m3.txt" flowpin_link_probe_rtt_seconds_count "$W2")
check "wan2's probes: $sent sent, $rtts round trips in the histogram" \
	[ "${sent:-0}" -ge 20 ] && [ "${rtts:-0}" -ge 15 ]
check "  none lost" [ "$(sample "$WORK/m3.txt" flowpin_link_probes_lost_total "$W2")" = 0 ]
changes0=$(sample "$WORK/m3.txt" flowpin_link_state_changes_total "$W2")
apply0=$(sample "$WORK/m3.txt" flowpin_failover_apply_seconds_count 'family="ipv4"')

say "failover: provider 2's upstream cut"
upstream 2 down
check "wan2 is declared down" wait_log "link wan2 down" 5
metrics >"$WORK/m4.txt"
check "  flowpin_link_up of wan2 is 0" [ "$(sample "$WORK/m4.txt" flowpin_link_up "$W2")" = 0 ]
check "  one state change more ($changes0 before)" \
	[ "$(sample "$WORK/m4.txt" flowpin_link_state_changes_total "$W2")" = $((changes0 + 1)) ]
apply=$(sample "$WORK/m4.txt" flowpin_failover_apply_seconds_count 'family="ipv4"')
check "  one apply time more in the histogram ($apply0 before, $apply now; sum $(sample "$WORK/m4.txt" flowpin_failover_apply_seconds_sum 'family="ipv4"') s)" \
	[ "$apply" = $((apply0 + 1)) ]
check "  wan2 lost probes ($(sample "$WORK/m4.txt" flowpin_link_probes_lost_total "$W2"))" \
	[ "$(sample "$WORK/m4.txt" flowpin_link_probes_lost_total "$W2")" -ge 10 ]
check "  wan2's recent loss above 0" \
	awk -v v="$(sample "$WORK/m4.txt" flowpin_link_probe_loss_ratio "$W2")" 'BEGIN { exit !(v > 0 && v <= 1) }'
check "  wan2 owns no IPv4 bucket" [ "$(sample "$WORK/m4.txt" flowpin_link_buckets "$W2")" = 0 ]
check "  promtool check metrics passes" promtool_ok "$WORK/m4.txt"
upstream 2 up
check "wan2 is declared up again" wait_log "link wan2 up" 5
metrics >"$WORK/m5.txt"
check "  another state change" \
	[ "$(sample "$WORK/m5.txt" flowpin_link_state_changes_total "$W2")" = $((changes0 + 2)) ]

say "a reload that changes metrics"
sed -i "s/^metrics = .*/metrics = 127.0.0.1:$((PORT + 1))/" "$WORK/fp.conf"
kill -HUP "$FLOWPIN_PID"
check "is refused: a restart" wait_log "metrics can only change with a restart" 5
sed -i "s/^metrics = .*/metrics = 127.0.0.1:$PORT/" "$WORK/fp.conf"
scrape -o "$WORK/m6.txt" "$URL/metrics"
check "  and counted failed (2 reloads, 1 failed)" \
	[ "$(sample "$WORK/m6.txt" flowpin_reloads_total)" = 2 ] && \
	[ "$(sample "$WORK/m6.txt" flowpin_reload_failures_total)" = 1 ]
reloaded_twice() { [ "$(grep -c 'reloaded: 2 links' "$WORK/flowpin.log")" = 2 ]; }
kill -HUP "$FLOWPIN_PID"
check "the next reload applies" wait_until 5 reloaded_twice
metrics >"$WORK/m7.txt"
check "  and the links keep what they counted: 2 state changes of wan2" \
	[ "$(sample "$WORK/m7.txt" flowpin_link_state_changes_total "$W2")" = $((changes0 + 2)) ]
check "  its probes sent go on from $(sample "$WORK/m5.txt" flowpin_link_probes_sent_total "$W2")" \
	[ "$(sample "$WORK/m7.txt" flowpin_link_probes_sent_total "$W2")" -ge "$(sample "$WORK/m5.txt" flowpin_link_probes_sent_total "$W2")" ]

say "what else is asked"
check "404 for another path" [ "$(scrape -o /dev/null -w '%{http_code}' "$URL/")" = 404 ]
check "405 for POST" [ "$(scrape -o /dev/null -w '%{http_code}' -d x "$URL/metrics")" = 405 ]
check "HEAD /metrics: 200" [ "$(scrape -I -o /dev/null -w '%{http_code}' "$URL/metrics")" = 200 ]
check "two scrapes on one connection (keep-alive)" \
	eval "scrape -v -o /dev/null -o /dev/null '$URL/metrics' '$URL/metrics' 2>&1 | grep -q 'Re-using existing connection'"
check "flowpin -j metrics is refused" fails_with 2 "no JSON output" "$FLOWPIN" -c "$FLOWPIN_CONF" -j metrics

say "12 idle HTTP clients, more than the limit (8)"
slow() { grep -c "event loop: one cycle took" "$WORK/flowpin.log"; }
slow0=$(slow)
ns rtr bash -c "for i in \$(seq 12); do exec {fd}<>/dev/tcp/127.0.0.1/$PORT || exit 1; done; sleep 30" &
IDLE=$!
PIDS+=("$IDLE")
wait_until 2 [ "$(ns rtr ss -tnH state established "( dport = :$PORT )" | wc -l)" -ge 12 ]
t=$(date +%s.%N)
status >/dev/null
ms=$(ms_since "$t")
check "status answers at once ($ms ms)" [ "$ms" -lt 1000 ]
check "  flowpin metrics too" eval 'metrics >/dev/null'
t=$(date +%s.%N)
code=$(scrape --max-time 15 -o /dev/null -w '%{http_code}' "$URL/metrics")
ms=$(ms_since "$t")
check "a scrape beyond the limit waits for a place: 200 after $ms ms (the idle ones time out in 5 s)" \
	[ "$code" = 200 ] && [ "$ms" -lt 9000 ]
kill "$IDLE" 2>/dev/null
wait "$IDLE" 2>/dev/null

out=$(ns rtr bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT; s=\$(date +%s%N); read -r -t 15 -u 3; rc=\$?; echo \$rc \$(( (\$(date +%s%N) - s) / 1000000 ))")
check "an idle client is closed after the timeout: after ${out#* } ms" \
	[ "${out% *}" = 1 ] && [ "${out#* }" -ge 4500 ] && [ "${out#* }" -lt 8000 ]
check "libmicrohttpd runs in the loop: the daemon has one thread" \
	[ "$(ls "/proc/$FLOWPIN_PID/task" | wc -l)" = 1 ]
check "  nor was any cycle of the event loop slow meanwhile" [ "$(slow)" = "$slow0" ]
check "the daemon is still serving" scrape -o /dev/null "$URL/metrics"
stop_flowpin
check "stopped: nothing listens on $PORT" not ns rtr curl -s -o /dev/null "$URL/metrics"
finish
