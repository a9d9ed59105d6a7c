#!/bin/sh
# tests/bench/bench-layers.sh BUILD: the --image-layers case of `make bench` (also runnable
# alone). flymock's synthetic org with `--registry layers`: its 41 images have one gzip
# layer each, 8 distinct ones (image k has layer k % 8) of FLYMOCK_LAYER_MB (default 32) MiB
# of incompressible bytes and a .env; the audit streams each distinct layer (a digest is
# read once per run) and reports bytes read per second and peak RSS. Then `--registry bomb` (one layer of 3 GiB of zeros in a few MiB, stopped at the
# 2 GiB decompressed cap): peak RSS must stay bounded by the caps and libarchive's buffers,
# not by the layer size. Writes BUILD/bench-layers.json.
#
# Knobs: BENCH_LAYERS_APPS=41 (apps of the synthetic org; images are shared by index),
# BENCH_LAYERS_MB=32 (FLYMOCK_LAYER_MB), BENCH_BOMB_APPS=2 (0 skips the bomb run).
set -u
BUILD=${1:-build}
APPS=${BENCH_LAYERS_APPS:-41}
MB=${BENCH_LAYERS_MB:-32}
BAPPS=${BENCH_BOMB_APPS:-2}
FA=$BUILD/flyaudit
MOCK=$BUILD/flymock
for t in jq /usr/bin/time; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench-layers: needs $t" >&2; exit 2; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/flyaudit-bench-layers.XXXXXX") || exit 2
MOCK_PID=
cleanup() {
	[ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null && wait "$MOCK_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
FAILED=0

# one_run MODE APPS: starts flymock, audits with --image-layers; sets RSS WALL LINE RC
one_run() {
	rm -f "$TMP/mock.out"
	FLYMOCK_LAYER_MB=$MB "$MOCK" --synthetic "$2" --registry "$1" --quiet >"$TMP/mock.out" 2>"$TMP/mock.err" &
	MOCK_PID=$!
	i=0
	while [ ! -s "$TMP/mock.out" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
	URL=$(awk 'NR==1{print $4}' "$TMP/mock.out")
	[ -n "$URL" ] || { echo "bench-layers: flymock did not start" >&2; cat "$TMP/mock.err" >&2; exit 2; }
	env FLY_API_TOKEN=bench-token FLY_FLAPS_BASE_URL="$URL" FLY_API_BASE_URL="$URL" FLY_REGISTRY_HOST="$URL" \
		/usr/bin/time -f '%M %e' -o "$TMP/time" \
		"$FA" audit --org synth --image-layers --format json -o "$TMP/report.json" --no-progress \
		2>"$TMP/fa.err"
	RC=$?
	read -r RSS WALL <<EOF
$(tail -n 1 "$TMP/time")
EOF
	LINE=$(grep 'image layer' "$TMP/fa.err" | tail -n 1)
	kill "$MOCK_PID" 2>/dev/null
	wait "$MOCK_PID" 2>/dev/null
	MOCK_PID=
}

one_run layers "$APPS"
got=$(printf '%s' "$LINE" | sed -n 's/.*: \([0-9]*\) MiB compressed.*/\1/p')
unp=$(printf '%s' "$LINE" | sed -n 's/.* \([0-9]*\) MiB decompressed.*/\1/p')
fails=$(jq '[.results[] | select(.check == "secrets.image_files" and .status == "fail")] | length' "$TMP/report.json" 2>/dev/null || echo 0)
rate=$(awk -v b="${got:-0}" -v w="$WALL" 'BEGIN{printf "%.1f", (w > 0 ? b / w : 0)}')
echo "image layers ($APPS apps, ${MB} MiB layers): $LINE; wall ${WALL}s, ${rate} MiB/s compressed read, peak RSS $((RSS / 1024)) MiB, secrets.image_files fails $fails (exit $RC)"
[ "$RC" = 1 ] && [ "${fails:-0}" -gt 0 ] || FAILED=1
L_RSS=$RSS
L_WALL=$WALL
B_RSS=null
B_WALL=null
B_RC=null
if [ "$BAPPS" != 0 ]; then
	one_run bomb "$BAPPS"
	echo "gzip bomb layer ($BAPPS apps): $LINE; wall ${WALL}s, peak RSS $((RSS / 1024)) MiB (exit $RC; 3: stopped at the cap)"
	[ "$RC" = 1 ] || [ "$RC" = 3 ] || FAILED=1
	[ "$RSS" -lt $((256 * 1024)) ] || { echo "bench-layers: FAILED: the bomb run went over 256 MiB" >&2; FAILED=1; }
	B_RSS=$RSS
	B_WALL=$WALL
	B_RC=$RC
fi
jq -n --argjson apps "$APPS" --argjson mb "$MB" --argjson rss "$L_RSS" --argjson wall "$L_WALL" \
	--argjson mib "${got:-0}" --argjson unp "${unp:-0}" --argjson rate "$rate" \
	--argjson brss "$B_RSS" --argjson bwall "$B_WALL" --argjson brc "$B_RC" \
	'{apps: $apps, layer_mib: $mb, compressed_mib: $mib, decompressed_mib: $unp, wall_s: $wall,
	  mib_per_s: $rate, peak_rss_kib: $rss,
	  bomb: {peak_rss_kib: $brss, wall_s: $bwall, exit: $brc}}' >"$BUILD/bench-layers.json"
exit $FAILED
