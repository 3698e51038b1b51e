#!/bin/bash
# Weights 2:1:1 over three providers: new connections split 50/25/25,
# each within 4 points. Source ports are chosen (20000..21999), so the
# hashes, and the result, are the same on every run.
source "$(dirname "$0")/lib.sh"

topology 3
start_server
conf 3 2 1 1 >"$WORK/fp.conf"
start_flowpin "$WORK/fp.conf" || exit 1

ns lan "$TRAFFIC" tcp -n 2000 -s 20000 -t 2000 198.19.0.1 7000 >"$WORK/tcp"
check "2000 of 2000 connections succeed" [ "$(value ok "$WORK/tcp")" = 2000 ]
for k in 1 2 3; do
	n=$(awk -v a="198.18.$k.2" '$1 == "seen" && $2 == a { print $3 }' "$WORK/tcp")
	want=$([ "$k" = 1 ] && echo 50 || echo 25)
	pct=$(( ${n:-0} * 1000 / 2000 ))   # tenths of a percent
	check "provider $k carries $((pct / 10)).$((pct % 10))% (want $want% +-4)" \
		[ "$pct" -ge $(( (want - 4) * 10 )) -a "$pct" -le $(( (want + 4) * 10 )) ]
done
shares=$(status | jq -r '[.links[].buckets] | join(" ")')
check "bucket table is 512/256/256 ($shares)" [ "$shares" = "512 256 256" ]
finish
