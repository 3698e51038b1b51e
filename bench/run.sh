#!/bin/bash
# make bench [QUICK=1]: flowpin side by side with what users run today
# (compare.sh), then flowpin's own targets (targets.sh) and uplinks and a
# table that change under it (dynamic.sh), each figure against a baseline
# measured in the same run. The full run (about 10 minutes) rewrites
# docs/benchmarks.md; QUICK=1 (under 3 minutes: two rounds of the side by
# side and one run of each event, no own targets) writes
# benchmarks-quick.md in the build directory instead.
#
# The binaries are those of the build directory: B (as make's B=DIR:
# make B=DIR bench), default build/, or FLOWPIN=DIR/flowpin's DIR.
if [ "$(id -u)" -ne 0 ]; then
	echo "make bench needs root (network namespaces, nftables)" >&2
	exit 1
fi
cd "$(dirname "$0")/.." || exit 1
QUICK=${QUICK:-0}
export QUICK
B=${B:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
FLOWPIN=${FLOWPIN:-$B/flowpin}
export FLOWPIN
if [ "$QUICK" = 1 ]; then
	doc=$(dirname "$FLOWPIN")/benchmarks-quick.md
else
	doc=docs/benchmarks.md
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)

bash bench/compare.sh "$tmp/compare.md" || exit 1
if [ "$QUICK" != 1 ]; then
	echo
	bash bench/targets.sh | tee "$tmp/targets.txt"
	[ "${PIPESTATUS[0]}" = 0 ] || exit 1
	echo
	bash bench/dynamic.sh | tee "$tmp/dynamic.txt"
	[ "${PIPESTATUS[0]}" = 0 ] || exit 1
fi

mkdir -p "$(dirname "$doc")"
{
	cat <<-EOT
	# Benchmarks

	Written by \`make bench\`$([ "$QUICK" = 1 ] && echo " QUICK=1") on $(date -u +%Y-%m-%d) in $(($(date +%s) - start)) s, on
	Linux $(uname -r), $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)).
	Run it again rather than edit this file. Every figure comes from the same
	run as the figures it is compared with.

	## Side by side with what users run today

	Each contender runs in turn on one namespace topology, the seed's: a LAN
	host, a router, three providers that masquerade, and a server beyond
	them. Traffic goes from the LAN host to 16 ports of the server.
	The IPv6 contenders have the same network dual-stack: the LAN host
	sends from its ULA address (fd00:1::2), which the router forwards as
	it is, and each provider masquerades IPv6 too (NAT66), as it does IPv4.

	- **kernel multipath**: one multipath default route, \`fib_multipath_hash_policy=1\`
	  (for IPv6, \`net.ipv6.fib_multipath_hash_policy=1\`).
	- **resilient group**: the same next hops as a resilient nexthop group
	  (128 buckets, kernel default timers); IPv4 only.
	- **kernel multipath + conntrack**, a reference rather than a contender:
	  kernel multipath on a router that tracks connections (one nftables
	  rule). Every design that pins connections through conntrack, the seed
	  recipe and flowpin among them, pays at least what this one pays.
	- **seed recipe**: the first answer of the seed thread as written: per-link
	  tables, ip rules, and the mangle/ipset/CONNMARK chains (iptables-nft);
	  for IPv6 its translation, rule for rule (ip -6 rule, ip6tables, inet6
	  ipsets).
	- **flowpin**, with its default probes beyond the first hop; for IPv6 on
	  both families (\`gateway6\`, \`nat6 = none\`: the providers translate),
	  probing IPv4 and IPv6 targets.
	- **flowpin + 100 rules**: flowpin as above (IPv4) with 100 \`[rule]\`
	  sections holding 10,000 destination prefixes in all, 100 /24s of
	  100.64.0.0/10 each (none adjacent within a rule), half of them to a
	  policy of wan1 and wan2, half to one of wan3. The bench's traffic goes
	  to none of them: every new connection pays every rule's set lookup
	  before the default policy takes it, the worst case of such a
	  configuration.

	Forwarding figures are medians of several rounds (contenders in a new
	order each round, IPv6 after IPv4 in the same round), then the median
	of the rounds' ratios to kernel multipath of the same family and the
	range of the middle half of those ratios. flowpin's forwarding targets,
	for each family: at least 0.95× kernel multipath + conntrack, the cost
	that pinning in conntrack cannot avoid, and at least 1.0× the seed
	recipe, each ratio of the same run; its ratio to plain kernel multipath
	is there for information. With 100 rules, at least 0.95× the new
	connections per second of flowpin without rules, the median of the
	rounds' ratios (its other figures' ratios to flowpin for
	information). Long-lived
	connections (90) count as broken when they stop answering; only those
	on links that stayed healthy count. On a failure and a recovery the
	kernel contenders get the route update a careful admin script makes;
	the seed recipe has no health checking and gets none, only the weight
	change. Failover is timed under a stream of new connections (one every
	10 ms): the kernel contenders then have such a script, pinging each
	link beyond its first hop once a second and acting on 3 in a row.

	Reading the figures: the resilient group forwards through the same code
	as kernel multipath, so how far its forwarding ratios stray from 1.00×
	is the noise of this machine (IPv4's: it has no IPv6 row). The IPv6
	UDP rows send the IPv4 rows' 18-byte payload, in 84-byte frames.
	The rules are paid by a connection's first packet only: of flowpin +
	100 rules, only the connection rate can differ from flowpin's, and how
	far its other figures stray from flowpin's is noise.
	Beyond conntrack, flowpin spends per new connection a hash, a few
	set and map lookups and a FIB address-type check in nftables, two
	conntrack events to the daemon (its live
	per-link counts: one when the connection starts, one when conntrack
	forgets it) and a NAT chain (unpinning, and the router's own
	connections' address; the NAT core then records a binding for every
	connection, which a router that masquerades pays anyway); per packet,
	the mark restored from conntrack, a counter, and a second FIB lookup
	for the rule that keeps the main table's specific routes first, as the
	seed recipe has too. A connection on a failed link cannot survive
	under NAT, so only those on the healthy links count; a resilient group
	gives a returning next hop only buckets idle for its idle timer (120 s
	by default), so after a recovery it carries few new connections for
	minutes: each run of the events starts from freshly set up contenders.

	EOT
	cat "$tmp/compare.md"
	if [ "$QUICK" != 1 ]; then
		cat <<-EOT

		## flowpin's own targets

		Apply, status, health and simulation, each against a baseline of
		the same run (\`bench/targets.sh\`). Apply includes the table of
		flowpin + 100 rules, loaded whole in one transaction (target 50 ms),
		against the same table without its rules.

		\`\`\`
		EOT
		sed "s|$tmp|...|g" "$tmp/targets.txt"
		echo '```'
		cat <<-EOT

		## Uplinks and a table that change under flowpin

		A router with two masquerading providers, wan1 on DHCP (\`gateway =
		auto\`: its next hop learned from the DHCP client's default route in
		the main table), both probed (\`bench/dynamic.sh\`).

		- **renumber**: provider 1 moves wan1 to another /30 and back, as
		  dhclient-script does it (the address flushed, the new one added,
		  then the new default route). Times run from just before the new
		  default route is added: until flowpin's table for wan1 has it, and
		  until the first new connection from ports flowpin puts on wan1 (the
		  LAN host starts one every millisecond) reaches the server through
		  provider 1. The baseline is the same router without flowpin, where
		  the kernel takes the main table's new route at once. Then what the
		  other connections did: while wan1 has no address flowpin gives its
		  buckets to wan2, so some go through provider 2 meanwhile;
		  "stalled" ones failed or lost their first SYN (retried after 1 s).
		- **heal**: another process runs \`nft flush ruleset\`. Timed on the
		  nftables monitor, from just before nft starts and from its commit,
		  until flowpin has its mark-restoring chains back, then its whole
		  table; a UDP stream pinned to wan2 counts the packets that reach
		  provider 1 meanwhile by the main table's default route. The
		  baseline runs the same two transactions directly, started as the
		  flush's end is seen. Both have two modes, about 1 ms and 10 to 20
		  ms: when nft exits, the kernel releases its netlink socket holding
		  the nftables commit lock until the flush's objects are freed, after
		  an RCU grace period, and a transaction that comes after that waits
		  for it; "within 5 ms" counts the fast ones.

		\`\`\`
		EOT
		sed "s|$tmp|...|g" "$tmp/dynamic.txt"
		echo '```'
	fi
} >"$doc"
echo
echo "bench: written to $doc in $(($(date +%s) - start)) s"
