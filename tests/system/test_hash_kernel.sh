#!/bin/bash
# The flow hash, checked against the live kernel: for every hash mode and
# protocol of both families, with random seeds and bucket counts, the
# bucket the kernel's nftables jhash computes (read back as a conntrack
# mark) is the bucket flowpin explain computes. The unit test's vectors
# were captured this way.
source "$(dirname "$0")/lib.sh"

add_ns h
link h eth0 10.0.0.1/24 h peer 10.0.0.2/24 # a peer that answers nothing
# IPv6 (add_ns disables it): sources from four prefixes, each chosen by
# the destination's, so that the source varies too
ipv6_on h
PREFIX6=(2001:db8:1 2001:db8:2 2001:db8:ff00:ab 2001:db8:ffff:ffff)
for p in "${PREFIX6[@]}"; do
	ns h ip -6 addr add "$p::1/64" dev eth0 nodad
done

# fields FAMILY MODE PROTO: the nftables expression flowpin's rule hashes
fields() {
	local a=ip
	[ "$1" = 6 ] && a=ip6
	case $2 in
	src) echo "$a saddr" ;;
	l3) echo "$a saddr . $a daddr" ;;
	l4) if [ "$3" = icmp ] || [ "$3" = icmpv6 ]; then echo "$a saddr . $a daddr . meta l4proto"
	    else echo "$a saddr . $a daddr . meta l4proto . th sport . th dport"; fi ;;
	esac
}

# dst6 K: an address in the Kth of eth0's IPv6 prefixes (modulo), nobody's
dst6() {
	printf '%s::%x:%x\n' "${PREFIX6[$1 % ${#PREFIX6[@]}]}" $((RANDOM + 2)) $RANDOM
}

# traffic FAMILY PROTO: new connections of PROTO to addresses nobody has
# (their first packets make the conntrack entries)
traffic() {
	local d
	case $1.$2 in
	4.tcp) ns h "$TRAFFIC" tcp -n 20 -s $((10000 + RANDOM)) -t 20 10.0.0.$((2 + RANDOM % 200)) 443 >/dev/null ;;
	4.udp) ns h "$TRAFFIC" udp -q -n 20 -s $((10000 + RANDOM)) 10.0.0.$((2 + RANDOM % 200)) 4242 >/dev/null ;;
	4.icmp) for d in 3 4 5 6 7; do ns h "$TRAFFIC" icmp -n 1 -t 10 10.0.0.$d >/dev/null; done ;;
	6.tcp) for d in 1 2 3 4; do
		ns h "$TRAFFIC" tcp -n 5 -s $((10000 + RANDOM)) -t 20 "$(dst6 $d)" 443 >/dev/null
	    done ;;
	6.udp) for d in 1 2 3 4; do
		ns h "$TRAFFIC" udp -q -n 5 -s $((10000 + RANDOM)) "$(dst6 $d)" 4242 >/dev/null
	    done ;;
	# fp-traffic's icmp is IPv4's: ping's echo requests, all at once
	6.icmpv6) for d in 1 2 3 4 5 6; do
		ns h ping -6 -n -q -c 1 -W 1 "$(dst6 $d)" >/dev/null 2>&1 &
	    done
	    wait ;;
	esac
}

# conntrack's view of FAMILY PROTO into $WORK/kernel: "PROTO SRC[:SPORT]
# DST[:DPORT] MARK", IPv6 with ports in brackets; true with 5 or more
listed() {
	ns h conntrack -L -f ipv$1 -p $2 2>/dev/null | awk -v p=$2 '{
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			if (!(kv[1] in f)) f[kv[1]] = kv[2]
		}
		if (p ~ /^icmp/) printf "%s %s %s %s\n", p, f["src"], f["dst"], f["mark"]
		else if (f["src"] ~ /:/) printf "%s [%s]:%s [%s]:%s %s\n", p, f["src"], f["sport"], f["dst"], f["dport"], f["mark"]
		else printf "%s %s:%s %s:%s %s\n", p, f["src"], f["sport"], f["dst"], f["dport"], f["mark"]
		delete f
	}' >"$WORK/kernel"
	[ "$(wc -l <"$WORK/kernel")" -ge 5 ]
}

for fam in 4 6; do
	protos="tcp udp icmp"
	table=ip
	if [ $fam = 6 ]; then
		protos="tcp udp icmpv6"
		table=inet # as flowpin's own table
	fi
	for mode in l4 l3 src; do
		for proto in $protos; do
			seed=$(( (RANDOM << 16 | RANDOM) & 0xffffffff ))
			buckets=$(( 16 + RANDOM % 4000 ))
			printf '[global]\nlan = eth0\nhash = %s\nseed = %u\nbuckets = %u\n[link a]\ninterface = peer\n' \
				$mode $seed $buckets >"$WORK/h.conf"
			ns h conntrack -F >/dev/null 2>&1
			ns h nft flush ruleset
			ns h nft add table $table t
			ns h nft add chain $table t o '{ type filter hook output priority 0; }'
			ns h nft add rule $table t o meta l4proto $proto ct mark set jhash \
				"$(fields $fam $mode $proto)" mod $buckets seed $seed
			traffic $fam $proto
			# On a fresh machine the first run once found no entry at
			# all (conntrack and its netlink modules are loaded by the
			# rule and by the first conntrack command here): wait for
			# them, and make the flows again once if none came.
			if ! wait_until 3 listed $fam $proto; then
				say "no conntrack entry after the first flows: again"
				traffic $fam $proto
				wait_until 3 listed $fam $proto ||
					ns h conntrack -L 2>&1 | sed -n 's/^/    | /; 1,5p'
			fi
			cut -d' ' -f1-3 "$WORK/kernel" | "$FLOWPIN" -c "$WORK/h.conf" -j explain - |
				jq -r '.bucket' >"$WORK/ours"
			n=$(wc -l <"$WORK/kernel")
			srcs=$(cut -d' ' -f2 "$WORK/kernel" | sed 's/^\[\(.*\)\]:.*/\1/' | sort -u | wc -l)
			same=$(paste -d' ' <(cut -d' ' -f4 "$WORK/kernel") "$WORK/ours" | awk '$1 == $2' | wc -l)
			what="IPv$fam $mode $proto (seed $seed, $buckets buckets)"
			check "$what: $same of $n flows in the kernel's bucket" \
				[ "$n" -ge 5 -a "$same" = "$n" ]
			[ $fam = 6 ] && check "$what: from $srcs sources" [ "$srcs" = 4 ]
		done
	done
done
finish
