#!/bin/bash
# The flow hash, checked against the live kernel: for every hash mode and
# protocol, with random seeds and bucket counts, the bucket the kernel's
# nftables jhash computes (read back as a conntrack mark) is the bucket
# flowpin explain computes. The unit test's vectors were captured this way.
source "$(dirname "$0")/lib.sh"

add_ns h
link h eth0 10.0.0.1/24 h peer 10.0.0.2/24 # a peer that answers nothing

# fields MODE PROTO: the nftables expression flowpin's rule hashes
fields() {
	case $1 in
	src) echo "ip saddr" ;;
	l3) echo "ip saddr . ip daddr" ;;
	l4) if [ "$2" = icmp ]; then echo "ip saddr . ip daddr . meta l4proto"
	    else echo "ip saddr . ip daddr . meta l4proto . th sport . th dport"; fi ;;
	esac
}

for mode in l4 l3 src; do
	for proto in tcp udp icmp; do
		seed=$(( (RANDOM << 16 | RANDOM) & 0xffffffff ))
		buckets=$(( 16 + RANDOM % 4000 ))
		printf '[global]\nlan = eth0\nhash = %s\nseed = %u\nbuckets = %u\n[link a]\ninterface = peer\n' \
			$mode $seed $buckets >"$WORK/h.conf"
		ns h conntrack -F >/dev/null 2>&1
		ns h nft flush ruleset
		ns h nft add table ip t
		ns h nft add chain ip t o '{ type filter hook output priority 0; }'
		ns h nft add rule ip t o meta l4proto $proto ct mark set jhash \
			"$(fields $mode $proto)" mod $buckets seed $seed
		dst=10.0.0.$((2 + RANDOM % 200))
		case $proto in
		tcp) ns h "$TRAFFIC" tcp -n 20 -s $((10000 + RANDOM)) -t 20 $dst 443 >/dev/null ;;
		udp) ns h "$TRAFFIC" udp -q -n 20 -s $((10000 + RANDOM)) $dst 4242 >/dev/null ;;
		icmp) for d in 3 4 5 6 7; do ns h "$TRAFFIC" icmp -n 1 -t 10 10.0.0.$d >/dev/null; done ;;
		esac
		# conntrack's view: "PROTO SRC:SPORT DST:DPORT MARK"
		ns h conntrack -L -p $proto 2>/dev/null | awk -v p=$proto '{
			for (i = 1; i <= NF; i++) {
				split($i, kv, "=")
				if (!(kv[1] in f)) f[kv[1]] = kv[2]
			}
			if (p == "icmp") printf "%s %s %s %s\n", p, f["src"], f["dst"], f["mark"]
			else printf "%s %s:%s %s:%s %s\n", p, f["src"], f["sport"], f["dst"], f["dport"], f["mark"]
			delete f
		}' >"$WORK/kernel"
		cut -d' ' -f1-3 "$WORK/kernel" | "$FLOWPIN" -c "$WORK/h.conf" -j explain - |
			jq -r '.bucket' >"$WORK/ours"
		n=$(wc -l <"$WORK/kernel")
		same=$(paste -d' ' <(cut -d' ' -f4 "$WORK/kernel") "$WORK/ours" | awk '$1 == $2' | wc -l)
		check "$mode $proto (seed $seed, $buckets buckets): $same of $n flows in the kernel's bucket" \
			[ "$n" -ge 5 -a "$same" = "$n" ]
	done
done
finish
