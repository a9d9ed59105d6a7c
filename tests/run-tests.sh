#!/bin/sh
# Runs cmocka test binaries (optionally under $WRAP, e.g. valgrind) from the repo root,
# JOBS at a time (default: one per CPU), then prints each binary's output in the order
# given, how long it took, and ends with one line: "tests: N passed, N failed".
#
# The binaries are independent: every mock listens on a port of its own, every scratch
# file is named after its test or made by mkdtemp. Binaries named in $SLOW_FIRST start
# first, so the longest ones do not start last and leave the other CPUs idle at the end.
set -u
JOBS=${JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
SLOW_FIRST=${SLOW_FIRST:-"test_e2e test_hostile test_net test_probe test_formats test_examples test_report"}
dir=$(mktemp -d "${TMPDIR:-/tmp}/flyaudit-tests-XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

# One binary: output, exit code and seconds into $dir, named after the binary.
run_one() {
	name=$(basename "$1")
	start=$(date +%s)
	${WRAP:-} "$1" >"$dir/$name.out" 2>&1
	echo $? >"$dir/$name.rc"
	echo $(($(date +%s) - start)) >"$dir/$name.secs"
}

order=""
for s in $SLOW_FIRST; do
	for t in "$@"; do
		[ "$(basename "$t")" = "$s" ] && order="$order $t"
	done
done
for t in "$@"; do
	case " $SLOW_FIRST " in
	*" $(basename "$t") "*) ;;
	*) order="$order $t" ;;
	esac
done

if [ "$JOBS" -le 1 ]; then
	for t in $order; do
		run_one "$t"
	done
else
	# a pool of JOBS workers, each taking the next binary from a shared queue
	queue="$dir/queue"
	for t in $order; do
		echo "$t"
	done >"$queue"
	lock="$dir/lock"
	: >"$dir/next"
	worker() {
		while :; do
			# mkdir is atomic: whoever makes the lock takes the next line
			while ! mkdir "$lock" 2>/dev/null; do
				sleep 0.05
			done
			n=$(($(wc -l <"$dir/next") + 1))
			echo x >>"$dir/next"
			rmdir "$lock"
			t=$(sed -n "${n}p" "$queue")
			[ -n "$t" ] || return 0
			run_one "$t"
		done
	}
	i=0
	while [ "$i" -lt "$JOBS" ]; do
		worker &
		i=$((i + 1))
	done
	wait
fi

passed=0
failed=0
broken=""
for t in "$@"; do
	name=$(basename "$t")
	out="$dir/$name.out"
	rc=$(cat "$dir/$name.rc" 2>/dev/null || echo 127)
	cat "$out" 2>/dev/null
	echo "-- $name: $(cat "$dir/$name.secs" 2>/dev/null || echo '?') s"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$out" 2>/dev/null | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$out" 2>/dev/null | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# crashed, a sanitizer or valgrind error, or no cmocka summary
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$rc" -ne 0 ] && broken="$broken $name(rc=$rc)"
done
[ -n "$broken" ] && echo "failing binaries:$broken"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ -z "$broken" ]
