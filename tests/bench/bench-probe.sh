#!/bin/sh
# tests/bench/bench-probe.sh BUILD: the --probe case of `make bench`. Audits the demo org
# (flymock) with --probe against `flymock --edge` through --connect-to and prints the probed
# hostnames, the probe requests the edge saw, the wall time, and the rate per host, which
# the probe keeps at 2 requests/s and one at a time (20 requests a host: about 10 s
# whatever the number of hosts, up to the total cap). Writes BUILD/bench-probe.json.
set -u
BUILD=${1:-build}
FA=$BUILD/flyaudit
MOCK=$BUILD/flymock
CERTS=$BUILD/test-certs
for t in jq curl; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench-probe: needs $t" >&2; exit 2; }
done
[ -x "$FA" ] && [ -x "$MOCK" ] && [ -f "$CERTS/ca.key" ] || { echo "bench-probe: build first (make all certs)" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/flyaudit-probe.XXXXXX") || exit 2
API_PID=
EDGE_PID=
trap '[ -n "$API_PID" ] && kill "$API_PID"; [ -n "$EDGE_PID" ] && kill "$EDGE_PID"; rm -rf "$TMP"' EXIT INT TERM

sh tests/gen-edge-certs.sh "$TMP/edge" "$CERTS" || exit 2
"$MOCK" --quiet >"$TMP/api.out" 2>&1 &
API_PID=$!
"$MOCK" --edge --tls-cert "$TMP/edge/edge.pem" --tls-key "$TMP/edge/edge.key" \
	--expiring-cert "$TMP/edge/expiring.pem" --expiring-key "$TMP/edge/expiring.key" >"$TMP/edge.out" 2>&1 &
EDGE_PID=$!
i=0
while { [ ! -s "$TMP/api.out" ] || [ ! -s "$TMP/edge.out" ]; } && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
URL=$(awk 'NR==1{print $4}' "$TMP/api.out")
set -- $(tr '=' ' ' <"$TMP/edge.out" | awk 'NR==1{print $5, $7, $9, $11}')
[ -n "$URL" ] && [ $# -eq 4 ] || { echo "bench-probe: the mocks did not start" >&2; exit 2; }
HTTP=$1 HTTPS=$2 LEGACY=$3 EXPIRING=$4
start=$(date +%s.%N)
FLY_API_TOKEN=bench FLY_FLAPS_BASE_URL=$URL FLY_API_BASE_URL=$URL "$FA" audit --org demo --probe \
	--ca-file "$CERTS/ca.pem" --connect-to "http-only.fly.dev:443:127.0.0.1:$LEGACY" \
	--connect-to "always-on.example:443:127.0.0.1:$EXPIRING" --connect-to ":80:127.0.0.1:$HTTP" \
	--connect-to ":443:127.0.0.1:$HTTPS" --format json -o "$TMP/report.json" --no-progress -q
rc=$?
end=$(date +%s.%N)
curl -s "http://127.0.0.1:$HTTP/__mock/edge-stats" >"$TMP/stats.json"
hosts=$(jq '.hosts | length' "$TMP/stats.json")
seen=$(jq '.total' "$TMP/stats.json")
maxper=$(jq '[.hosts[]] | max' "$TMP/stats.json")
wall=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b - a}')
sent=$(jq '[.results[] | select(.resource.type == "hostname")] | length' "$TMP/report.json")
per=$(awk -v w="$wall" 'BEGIN{printf "%.2f", 20 / w}')
echo "bench-probe: $hosts hostnames, $seen requests reached HTTP (20 sent per host, TLS 1.0/1.1 refused at the handshake), $sent results, wall ${wall}s, exit $rc"
echo "bench-probe: per host: $maxper requests at most, ${per} requests/s (limit 2/s, one at a time)"
jq -n --argjson hosts "$hosts" --argjson seen "$seen" --argjson maxper "$maxper" --argjson wall "$wall" \
	--argjson per "$per" --argjson rc "$rc" \
	'{hosts: $hosts, edge_requests: $seen, max_per_host: $maxper, wall_s: $wall,
	  requests_per_s_per_host: $per, exit: $rc}' >"$BUILD/bench-probe.json"
[ "$rc" -eq 1 ]
