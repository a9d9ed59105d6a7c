#!/bin/sh
# Runs cmocka test binaries (optionally under $WRAP, e.g. valgrind) from the repo root,
# adds up cmocka's counts and ends with one line: "tests: N passed, N failed".
set -u
passed=0
failed=0
broken=""
for t in "$@"; do
	out=$(mktemp)
	${WRAP:-} "$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$out" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$out" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# crashed, a sanitizer or valgrind error, or no cmocka summary
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$rc" -ne 0 ] && broken="$broken $(basename "$t")(rc=$rc)"
	rm -f "$out"
done
[ -n "$broken" ] && echo "failing binaries:$broken"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ -z "$broken" ]
