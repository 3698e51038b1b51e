#!/bin/bash
# Run every system test (or those named) and summarize. Needs root.
cd "$(dirname "$0")" || exit 1
if [ "$(id -u)" -ne 0 ]; then
	echo "system tests need root (network namespaces, nftables)" >&2
	exit 1
fi
# NAME, test_NAME or test_NAME.sh
tests=()
for t in "$@"; do
	t=${t%.sh}
	tests+=("test_${t#test_}.sh")
done
[ ${#tests[@]} -gt 0 ] || tests=(test_*.sh)
failed=()
for t in "${tests[@]}"; do
	echo "== $t"
	start=$(date +%s)
	if bash "./$t"; then
		echo "== $t: pass ($(($(date +%s) - start))s)"
	else
		echo "== $t: FAIL"
		failed+=("$t")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "system tests failed: ${failed[*]}"
	exit 1
fi
echo "all ${#tests[@]} system tests passed"
