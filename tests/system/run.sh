#!/bin/bash
# Run every system test, or those named (NAME, test_NAME or test_NAME.sh),
# and summarize: a line per test, then, always, a closing line
# "N passed, N failed, N skipped".
#
# A test passes when it exits 0 and fails on any other status but one:
# SKIP (4, from lib.sh's skip REASON) counts it skipped, with its reason.
# An exit 4 without a reason is a failure: no test is skipped silently.
#
# Needs root, the binaries built (FLOWPIN and TRAFFIC override their
# paths, as in lib.sh) and the commands the tests use; each one missing is
# named before anything runs.
#
# Exit status: 0 when no test failed, 1 when one did, 2 when the tests
# could not run (a prerequisite missing, an unknown test), 130 when
# interrupted.
cd "$(dirname "$0")" || exit 2
ROOT=$(cd ../.. && pwd)
FLOWPIN=${FLOWPIN:-$ROOT/build/asan/flowpin}
TRAFFIC=${TRAFFIC:-$ROOT/build/tools/fp-traffic}
export FLOWPIN TRAFFIC
SKIP=4 # as in lib.sh

passed=() failed=() skipped=()
interrupted=0
tmp=""
summary() {
	[ -z "$tmp" ] || rm -rf "$tmp"
	if [ ${#failed[@]} -gt 0 ]; then echo "failed: ${failed[*]}"; fi
	if [ ${#skipped[@]} -gt 0 ]; then printf 'skipped: %s\n' "${skipped[@]}"; fi
	echo "${#passed[@]} passed, ${#failed[@]} failed, ${#skipped[@]} skipped"
}
trap summary EXIT

# Prerequisites, all of them reported at once.
missing=()
[ "$(id -u)" -eq 0 ] || missing+=("root: the tests make network namespaces and nftables tables")
for b in "$FLOWPIN" "$TRAFFIC"; do
	[ -x "$b" ] || missing+=("$b: not built (make all)")
done
for c in ip nft conntrack jq tcpdump ping setpriv; do
	command -v "$c" >/dev/null 2>&1 || missing+=("command $c: not installed (scripts/deps.sh)")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "system tests cannot run:" >&2
	printf '  missing %s\n' "${missing[@]}" >&2
	exit 2
fi

tests=()
for t in "$@"; do
	t=${t##*/}
	t=${t%.sh}
	t=test_${t#test_}.sh
	if [ ! -f "$t" ]; then
		echo "no such system test: $t" >&2
		exit 2
	fi
	tests+=("$t")
done
[ ${#tests[@]} -gt 0 ] || tests=(test_*.sh)

tmp=$(mktemp -d /tmp/fp-run.XXXXXX) || exit 2
# Ctrl-C ends the test running (it cleans up) and then the run.
trap 'interrupted=1' INT TERM
for t in "${tests[@]}"; do
	echo "== $t"
	start=$(date +%s)
	rm -f "$tmp/skip"
	FP_SKIP_FILE=$tmp/skip bash "./$t"
	rc=$?
	secs=$(($(date +%s) - start))
	if [ "$interrupted" = 1 ]; then
		echo "== $t: interrupted (${secs}s)"
		failed+=("$t")
		exit 130
	elif [ "$rc" -eq 0 ]; then
		echo "== $t: pass (${secs}s)"
		passed+=("$t")
	elif [ "$rc" -eq "$SKIP" ] && [ -s "$tmp/skip" ]; then
		reason=$(head -n 1 "$tmp/skip")
		echo "== $t: SKIP: $reason"
		skipped+=("$t: $reason")
	elif [ "$rc" -eq "$SKIP" ]; then
		echo "== $t: FAIL: exit $SKIP without a reason (skip REASON gives one) (${secs}s)"
		failed+=("$t")
	else
		echo "== $t: FAIL: exit $rc (${secs}s)"
		failed+=("$t")
	fi
done
[ ${#failed[@]} -eq 0 ] || exit 1
exit 0
