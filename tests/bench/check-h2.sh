#!/bin/sh
# tests/bench/check-h2.sh BUILD: `make check-h2`. Puts nghttpx (Debian: nghttp2-proxy) with
# TLS in front of flymock and proves HTTP/2 multiplexing: BUILD/bench/h2check sends 200
# concurrent requests that must share ONE connection as HTTP/2 (CURLINFO_NUM_CONNECTS,
# CURLINFO_HTTP_VERSION) with many streams in flight; the same with HTTP/1.1 forced needs
# many connections. Skips (exit 0) when nghttpx is not installed.
set -u
BUILD=${1:-build}
CERTS=$BUILD/test-certs
if ! command -v nghttpx >/dev/null 2>&1; then
	echo "check-h2: SKIPPED: nghttpx not installed (Debian: apt-get install nghttp2-proxy)"
	exit 0
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/flyaudit-h2.XXXXXX") || exit 2
MOCK_PID=
PROXY_PID=
cleanup() {
	[ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null
	[ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null && wait "$MOCK_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

"$BUILD/flymock" --synthetic 100 --latency 50 --rate-limit off --quiet >"$TMP/mock.out" 2>&1 &
MOCK_PID=$!
i=0
while [ ! -s "$TMP/mock.out" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
URL=$(awk 'NR==1{print $4}' "$TMP/mock.out")
[ -n "$URL" ] || { echo "check-h2: flymock did not start" >&2; exit 2; }
PORT=$(awk 'BEGIN{srand(); print 20000 + int(rand() * 20000)}')
nghttpx --conf=/dev/null --frontend="127.0.0.1,$PORT" --backend="127.0.0.1,${URL##*:}" \
	--no-ocsp --workers=1 --log-level=ERROR --errorlog-file="$TMP/nghttpx.err" \
	"$CERTS/server.key" "$CERTS/server.pem" >/dev/null 2>&1 &
PROXY_PID=$!
i=0
while ! curl -s --cacert "$CERTS/ca.pem" -o /dev/null "https://127.0.0.1:$PORT/__mock/stats" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
H2=$("$BUILD/bench/h2check" "https://127.0.0.1:$PORT" "$CERTS/ca.pem" 200)
h2rc=$?
H1=$("$BUILD/bench/h2check" "https://127.0.0.1:$PORT" "$CERTS/ca.pem" 200 http1)
echo "HTTP/2:   $H2"
echo "HTTP/1.1: $H1"
peak=$(curl -s "$URL/__mock/stats" | sed -n 's/.*"peak_in_flight":\([0-9]*\).*/\1/p')
echo "flymock behind nghttpx: peak in flight $peak"
if [ $h2rc -eq 0 ]; then
	echo "check-h2: OK: one connection, HTTP/2, many concurrent streams"
	exit 0
fi
echo "check-h2: FAILED: no multiplexing" >&2
[ -s "$TMP/nghttpx.err" ] && cat "$TMP/nghttpx.err" >&2
exit 1
