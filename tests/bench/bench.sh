#!/bin/sh
# tests/bench/bench.sh BUILD: `make bench`. Audits flymock's synthetic orgs (100, 1000, 10000
# apps by default) with injected latency and prints, per size: requests R, concurrency c,
# wall time, the bound r*(2+R/c) of ARCHITECTURE.md section 8, the ratio, the speed-up over
# a sequential run, peak RSS, CPU per app, retries and 429s. Also HTTP/1.1 against HTTP/2
# through nghttpx (when installed). Writes BUILD/bench-results.json. A benchmark, not a test:
# it asserts nothing about time; it exits non-zero only when a run fails or loses results.
#
# Knobs (environment): BENCH_SIZES="100 1000 10000", BENCH_LATENCY=50 (ms), BENCH_JITTER=0,
# BENCH_CONCURRENCY=32, BENCH_GLOBAL_RATE= (flymock --global-rate), BENCH_H2_SIZE=1000,
# BENCH_SEQ_SIZE=100, BENCH_FORMAT=json, BENCH_BP_SIZE=300 and BENCH_BP_RATE=100 (the
# back-pressure run: that many apps under flymock --global-rate BENCH_BP_RATE; 0 skips it),
# BENCH_IMG_SIZE=1000 (the image case: the synthetic org's apps share 40 images on flymock's
# registry, plus one on the "other" registry; registry requests are reported per unique
# image; 0 skips it).
# BENCH_PROBE=1 (the --probe run on the demo org, tests/bench/bench-probe.sh; 0 skips it).
# BENCH_BOMB_SIZE=20: apps of the gzip-bomb run (peak RSS must stay under 256 MiB; 0 skips it).
# BENCH_LAYERS=1 (the --image-layers case, tests/bench/bench-layers.sh; 0 skips it).
set -u
BUILD=${1:-build}
SIZES=${BENCH_SIZES:-"100 1000 10000"}
LAT=${BENCH_LATENCY:-50}
JIT=${BENCH_JITTER:-0}
CONC=${BENCH_CONCURRENCY:-32}
GRATE=${BENCH_GLOBAL_RATE:-}
H2SIZE=${BENCH_H2_SIZE:-1000}
SEQSIZE=${BENCH_SEQ_SIZE:-100}
FORMAT=${BENCH_FORMAT:-json}
BPSIZE=${BENCH_BP_SIZE:-300}
BPRATE=${BENCH_BP_RATE:-100}
IMGSIZE=${BENCH_IMG_SIZE:-1000}
OUT=$BUILD/bench-results.json
FA=$BUILD/flyaudit
MOCK=$BUILD/flymock
CERTS=$BUILD/test-certs

for t in jq /usr/bin/time; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench: needs $t" >&2; exit 2; }
done
[ -x "$FA" ] && [ -x "$MOCK" ] || { echo "bench: build first (make)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/flyaudit-bench.XXXXXX") || exit 2
MOCK_PID=
PROXY_PID=
cleanup() {
	[ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null
	[ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null && wait "$MOCK_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
FAILED=0

# start_mock N: sets URL and MOCK_PID
start_mock() {
	set -- --synthetic "$1" --latency "$LAT" --quiet
	[ "$JIT" != 0 ] && set -- "$@" --jitter "$JIT"
	[ -n "$GRATE" ] && set -- "$@" --global-rate "$GRATE"
	rm -f "$TMP/mock.out"
	"$MOCK" "$@" >"$TMP/mock.out" 2>"$TMP/mock.err" &
	MOCK_PID=$!
	i=0
	while [ ! -s "$TMP/mock.out" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	URL=$(awk 'NR==1{print $4}' "$TMP/mock.out")
	[ -n "$URL" ] || { echo "bench: flymock did not start" >&2; cat "$TMP/mock.err" >&2; exit 2; }
}

stop_mock() {
	kill "$MOCK_PID" 2>/dev/null
	wait "$MOCK_PID" 2>/dev/null
	MOCK_PID=
}

mock_stats() {
	curl -s "$URL/__mock/stats"
}

# run_audit BASE CONC EXTRA...: runs the audit, leaves $TMP/report.json and $TMP/time
# ("maxrss_kib wall_s user_s sys_s"); returns flyaudit's exit code.
run_audit() {
	base=$1
	c=$2
	shift 2
	rm -f "$TMP/report.json"
	env FLY_API_TOKEN=bench-token FLY_FLAPS_BASE_URL="$base" FLY_API_BASE_URL="$base" FLY_REGISTRY_HOST="$base" \
		/usr/bin/time -f '%M %e %U %S' -o "$TMP/time" \
		"$FA" audit --org synth --format "$FORMAT" -o "$TMP/report.json" --no-progress -q \
		--concurrency "$c" "$@" 2>"$TMP/fa.err"
}

# checks that every app was read and every result written; prints "ok" or the reason
check_complete() {
	n=$1
	[ "$FORMAT" = json ] || { echo ok; return; }
	jq -r --argjson n "$n" '
	  if .coverage.apps != $n then "apps \(.coverage.apps) of \($n)"
	  elif .coverage.apps_complete != $n then "complete \(.coverage.apps_complete) of \($n)"
	  elif (.coverage.errors | length) != 0 then "coverage errors: \(.coverage.errors | length)"
	  elif (.results | length) != .summary.total then "results \(.results | length) != summary \(.summary.total)"
	  else "ok" end' "$TMP/report.json" 2>/dev/null || echo "unreadable report"
}

field() { jq -r "$1" "$TMP/report.json"; }

echo "flyaudit bench: latency ${LAT} ms, jitter ${JIT} ms, concurrency $CONC${GRATE:+, global rate $GRATE/s}, format $FORMAT"

# 1. the sequential reference: --concurrency 1 on the SEQSIZE-app org
start_mock "$SEQSIZE"
run_audit "$URL" 1
rc=$?
read -r s_rss s_wall s_user s_sys <<EOF
$(tail -n 1 "$TMP/time")
EOF
s_req=$(field .crawl.requests)
stop_mock
SEQ_R_MS=$(awk -v w="$s_wall" -v r="$s_req" 'BEGIN{printf "%.3f", w * 1000 / r}')
echo "sequential ($SEQSIZE apps, --concurrency 1): R=$s_req wall=${s_wall}s per request=${SEQ_R_MS} ms (exit $rc)"
# r, the round trip of ARCHITECTURE.md section 8: what one request costs a sequential client
R_MS=$SEQ_R_MS

printf '%-7s %7s %4s %9s %9s %6s %8s %9s %11s %8s %5s %6s\n' apps R c wall_s bound_s ratio speedup rss_MiB cpu_us/app retries 429s complete
ROWS=
one_size() {
	n=$1
	label=$2
	base=$3
	rc=$4
	read -r rss wall user sys <<EOF
$(tail -n 1 "$TMP/time")
EOF
	req=$(field .crawl.requests)
	retries=$(field .crawl.retries)
	total=$(field .summary.total)
	st=$(mock_stats)
	s429=$(printf '%s' "$st" | jq -r '.status["429"] // 0')
	limited=$(printf '%s' "$st" | jq -r '.rate_limited // 0')
	complete=$(check_complete "$n")
	[ "$complete" = ok ] || FAILED=1
	case $rc in 0 | 1) ;; *) FAILED=1 ;; esac
	row=$(awk -v n="$n" -v R="$req" -v c="$CONC" -v w="$wall" -v r="$R_MS" -v rss="$rss" \
		-v u="$user" -v s="$sys" -v sr="$SEQ_R_MS" 'BEGIN{
		bound = r / 1000 * (2 + R / c);
		printf "%s %s %s %.2f %.2f %.3f %.1f %.1f %.0f", n, R, c, w, bound, w / bound,
			(sr / 1000) / (w / R), rss / 1024, (u + s) * 1e6 / n }')
	set -- $row
	printf '%-7s %7s %4s %9s %9s %6s %8s %9s %11s %8s %5s %6s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7x" "$8" "$9" "$retries" "$s429" "$complete"
	json=$(jq -n --arg lbl "$label" --argjson apps "$1" --argjson R "$2" --argjson c "$3" \
		--argjson wall "$4" --argjson bound "$5" --argjson ratio "$6" --argjson speedup "$7" \
		--argjson rss_kib "$rss" --argjson cpu_us "$9" --argjson retries "$retries" \
		--argjson s429 "$s429" --argjson limited "$limited" --argjson results "$total" \
		--arg complete "$complete" --argjson exit "$rc" \
		'{label: $lbl, apps: $apps, requests: $R, concurrency: $c, wall_s: $wall,
		  bound_s: $bound, ratio: $ratio, speedup_vs_sequential: $speedup,
		  peak_rss_kib: $rss_kib, cpu_us_per_app: $cpu_us, retries: $retries,
		  status_429: $s429, rate_limited: $limited, results: $results,
		  complete: $complete, exit: $exit}')
	ROWS="$ROWS${ROWS:+,}$json"
}

# 2. each size over plain HTTP/1.1 on loopback
for n in $SIZES; do
	start_mock "$n"
	run_audit "$URL" "$CONC"
	one_size "$n" "http1" "$URL" $?
	stop_mock
done

# 2b. back-pressure: an org-wide limit well below the crawl's pace; the crawl must slow
# down and still read every app (exit 0 or 1, no coverage error)
if [ "$BPSIZE" != 0 ]; then
	saved_grate=$GRATE
	GRATE=$BPRATE
	start_mock "$BPSIZE"
	run_audit "$URL" "$CONC"
	rc=$?
	bp_ok=$(jq -r '(.crawl.requests // 0) - (.crawl.retries // 0)' "$TMP/report.json" 2>/dev/null || echo 0)
	bp_wall=$(tail -n 1 "$TMP/time" | awk '{print $2}')
	one_size "$BPSIZE" "global-rate-$BPRATE" "$URL" $rc
	echo "        ^ back-pressure: flymock --global-rate $BPRATE; floor (R - retries)/rate = $(awk -v r="$bp_ok" -v g="$BPRATE" -v w="$bp_wall" 'BEGIN{f = r / g; printf "%.2f s, wall/floor %.2f", f, (f > 0 ? w / f : 0)}')"
	stop_mock
	GRATE=$saved_grate
fi

# 2c. a gzip bomb on every per-app endpoint (each 200 inflates to 31 MiB, a few tens of KB
# on the wire): the audit ends partial (exit 3) and its peak RSS stays under 256 MiB,
# however many responses are in flight (the transport caps what they hold together).
BOMBSIZE=${BENCH_BOMB_SIZE:-20}
BOMB_RSS=
if [ "$BOMBSIZE" != 0 ]; then
	set -- --synthetic "$BOMBSIZE" --quiet
	for p in /machines /volumes /secrets /ips /certificates /graphql; do
		set -- "$@" --fault "gzipbomb,path=$p"
	done
	rm -f "$TMP/mock.out"
	"$MOCK" "$@" >"$TMP/mock.out" 2>"$TMP/mock.err" &
	MOCK_PID=$!
	i=0
	while [ ! -s "$TMP/mock.out" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	URL=$(awk 'NR==1{print $4}' "$TMP/mock.out")
	run_audit "$URL" "$CONC"
	rc=$?
	read -r b_rss b_wall b_user b_sys <<EOF
$(tail -n 1 "$TMP/time")
EOF
	BOMB_RSS=$b_rss
	echo "gzip bomb ($BOMBSIZE apps, every endpoint, --concurrency $CONC): exit $rc, peak RSS $((b_rss / 1024)) MiB, wall ${b_wall}s"
	if [ "$rc" != 3 ] || [ "$b_rss" -ge $((256 * 1024)) ]; then
		echo "bench: FAILED: under the gzip bomb the audit must end partial (3) under 256 MiB" >&2
		FAILED=1
	fi
	stop_mock
fi

# 2d. images: every synthetic app's machines run one of 40 shared images (and a few the
# nginx image of another registry); one fetch per digest: about 2 registry requests per
# unique image (manifest + config; 4 for the anonymous other registry: challenge + token)
IMGNOTE=
if [ "$IMGSIZE" != 0 ]; then
	start_mock "$IMGSIZE"
	run_audit "$URL" "$CONC"
	rc=$?
	st=$(mock_stats)
	regreq=$(printf '%s' "$st" | jq -r '.registry_requests // 0')
	leaks=$(printf '%s' "$st" | jq -r '.registry_leaks // 0')
	one_size "$IMGSIZE" "images" "$URL" $rc
	IMGNOTE="registry requests $regreq for 41 unique images ($(awk -v r="$regreq" 'BEGIN{printf "%.2f", r / 41}') per image), leaks $leaks"
	echo "        ^ images: $IMGNOTE"
	[ "$leaks" = 0 ] || FAILED=1
	stop_mock
fi

# 2e. --image-layers (tests/bench/bench-layers.sh): bytes read per second over big layers,
# and peak RSS under a gzip-bomb layer (bounded by the caps, not the layer size)
LAYERS=null
if [ "${BENCH_LAYERS:-1}" != 0 ]; then
	sh tests/bench/bench-layers.sh "$BUILD" || FAILED=1
	[ -s "$BUILD/bench-layers.json" ] && LAYERS=$(cat "$BUILD/bench-layers.json")
fi

# 3. HTTP/1.1 against HTTP/2 through nghttpx with TLS (skipped when nghttpx is missing)
H2NOTE=
if command -v nghttpx >/dev/null 2>&1 && [ -f "$CERTS/server.pem" ]; then
	for proto in h2 http/1.1; do
		start_mock "$H2SIZE"
		mport=${URL##*:}
		pport=$(awk 'BEGIN{srand(); print 20000 + int(rand() * 20000)}')
		nghttpx --frontend="127.0.0.1,$pport" --backend="127.0.0.1,$mport" \
			--conf=/dev/null --npn-list="$proto" --no-ocsp --workers=1 \
			--backend-keep-alive-timeout=60s --log-level=ERROR --errorlog-file="$TMP/nghttpx.err" \
			"$CERTS/server.key" "$CERTS/server.pem" >/dev/null 2>&1 &
		PROXY_PID=$!
		i=0
		while ! curl -s --cacert "$CERTS/ca.pem" -o /dev/null "https://127.0.0.1:$pport/__mock/stats" && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		run_audit "https://127.0.0.1:$pport" "$CONC" --ca-file "$CERTS/ca.pem"
		rc=$?
		conns=$(mock_stats | jq -r .connections)
		one_size "$H2SIZE" "tls-$proto" "https://127.0.0.1:$pport" $rc
		echo "        ^ via nghttpx, ALPN $proto (flymock saw $conns backend connections)"
		kill "$PROXY_PID" 2>/dev/null
		wait "$PROXY_PID" 2>/dev/null
		PROXY_PID=
		stop_mock
	done
else
	H2NOTE="nghttpx not installed (Debian: nghttp2-proxy): HTTP/2 comparison skipped"
	echo "bench: $H2NOTE"
fi

# 4. --probe on the demo org against flymock --edge (BENCH_PROBE=0 skips it)
PROBE=null
if [ "${BENCH_PROBE:-1}" != 0 ]; then
	sh tests/bench/bench-probe.sh "$BUILD" || FAILED=1
	[ -s "$BUILD/bench-probe.json" ] && PROBE=$(cat "$BUILD/bench-probe.json")
fi

jq -n --argjson latency "$LAT" --argjson jitter "$JIT" --argjson conc "$CONC" \
	--arg r_ms "$R_MS" --argjson seq_req "$s_req" --argjson seq_wall "$s_wall" \
	--arg h2note "$H2NOTE" --arg grate "$GRATE" --arg format "$FORMAT" --arg bomb_rss "$BOMB_RSS" --arg imgnote "$IMGNOTE" \
	"{schema: \"flyaudit.bench/v1\", latency_ms: \$latency, jitter_ms: \$jitter,
	  concurrency: \$conc, global_rate: \$grate, format: \$format,
	  round_trip_ms: (\$r_ms | tonumber),
	  sequential: {apps: $SEQSIZE, requests: \$seq_req, wall_s: \$seq_wall},
	  runs: [$ROWS], probe: $PROBE, image_layers: $LAYERS, note: \$h2note,
	  images: \$imgnote, gzip_bomb: {apps: $BOMBSIZE, peak_rss_kib: (\$bomb_rss | tonumber? // null)}}" >"$OUT"
echo "bench: figures written to $OUT"
exit $FAILED
