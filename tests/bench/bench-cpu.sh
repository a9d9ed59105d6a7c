#!/bin/sh
# tests/bench/bench-cpu.sh BUILD: `make bench-cpu`. Instructions per app, counted by
# valgrind --tool=callgrind, for `flyaudit audit --from SNAPSHOT` on fixed snapshots of
# flymock's deterministic synthetic org (BENCH_CPU_SMALL and BENCH_CPU_LARGE apps, 20 and 200
# by default). Per app = (I(large) - I(small)) / (large - small): start-up cancels out, so
# decoding, checks and report writing can be optimised against a repeatable figure.
# Writes BUILD/bench-cpu.json and keeps the callgrind profiles in BUILD/bench-cpu/.
set -u
BUILD=${1:-build}
SMALL=${BENCH_CPU_SMALL:-20}
LARGE=${BENCH_CPU_LARGE:-200}
OUTDIR=$BUILD/bench-cpu
command -v valgrind >/dev/null 2>&1 || { echo "bench-cpu: SKIPPED: valgrind not installed"; exit 0; }
mkdir -p "$OUTDIR"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/flyaudit-cpu.XXXXXX") || exit 2
MOCK_PID=
trap '[ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM

snapshot() {
	n=$1
	[ -s "$OUTDIR/synth-$n.jsonl" ] && return 0
	"$BUILD/flymock" --synthetic "$n" --quiet >"$TMP/mock.out" 2>&1 &
	MOCK_PID=$!
	i=0
	while [ ! -s "$TMP/mock.out" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	url=$(awk 'NR==1{print $4}' "$TMP/mock.out")
	FLY_API_TOKEN=bench FLY_FLAPS_BASE_URL=$url FLY_API_BASE_URL=$url FLY_REGISTRY_HOST=$url \
		"$BUILD/flyaudit" snapshot --org synth -o "$OUTDIR/synth-$n.jsonl" -q --no-progress
	kill "$MOCK_PID"
	wait "$MOCK_PID" 2>/dev/null
	MOCK_PID=
}

instructions() {
	n=$1
	valgrind --tool=callgrind --callgrind-out-file="$OUTDIR/callgrind.$n.out" \
		"$BUILD/flyaudit" audit --from "$OUTDIR/synth-$n.jsonl" --format json -o "$TMP/r.json" \
		-q --no-progress >/dev/null 2>"$TMP/vg.err"
	sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$OUTDIR/callgrind.$n.out"
}

snapshot "$SMALL" && snapshot "$LARGE" || { echo "bench-cpu: cannot make the snapshots" >&2; exit 2; }
is=$(instructions "$SMALL")
il=$(instructions "$LARGE")
per=$(awk -v a="$is" -v b="$il" -v s="$SMALL" -v l="$LARGE" 'BEGIN{printf "%.0f", (b - a) / (l - s)}')
echo "bench-cpu: $SMALL apps: $is instructions; $LARGE apps: $il; per app: $per"
echo "bench-cpu: profiles in $OUTDIR (callgrind_annotate $OUTDIR/callgrind.$LARGE.out)"
printf '{"small_apps":%s,"small_instructions":%s,"large_apps":%s,"large_instructions":%s,"instructions_per_app":%s}\n' \
	"$SMALL" "$is" "$LARGE" "$il" "$per" >"$BUILD/bench-cpu.json"
