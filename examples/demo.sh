#!/bin/sh
# make demo: start flymock with the demo org over HTTPS (a throwaway CA made at build
# time), then run flyaudit against it as a user would: the inventory, then the audit.
# Usage: sh examples/demo.sh [BUILD_DIR]
set -u
B=${1:-build}
CERTS="$B/test-certs"
# a read-only org token shaped as `fly tokens create readonly` makes them (never committed)
DEMO_TOKEN=${DEMO_TOKEN:-$("$B/flymock" --mint-token readonly)}

tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
FLYMOCK_TOKENS="$DEMO_TOKEN" "$B/flymock" --org demo --fixtures mocks/fixtures \
	--tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" >"$tmp/out" 2>"$tmp/err" &
pid=$!
i=0
while [ ! -s "$tmp/out" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
url=$(head -n 1 "$tmp/out" | awk '{print $4}')
if [ -z "$url" ]; then
	echo "demo: flymock did not start:" >&2
	cat "$tmp/err" >&2
	exit 1
fi
export FLY_FLAPS_BASE_URL="$url" FLY_API_BASE_URL="$url" FLY_REGISTRY_HOST="$url" FLY_API_TOKEN="$DEMO_TOKEN"
FA="$B/flyaudit --ca-file $CERTS/ca.pem --no-progress"

echo "== flymock serves the demo org at $url (TLS, verified against a test CA)"
echo
echo "\$ flyaudit whoami"
$FA whoami
echo
echo "\$ flyaudit apps"
$FA apps
echo
echo "\$ flyaudit machines leaky-env"
$FA machines leaky-env
echo
echo "\$ flyaudit ips idle-ip"
$FA ips idle-ip
echo
echo "\$ flyaudit members"
$FA members
echo
echo "\$ flyaudit audit --image-layers"
$FA audit --image-layers
rc=$?
echo
echo "(flyaudit audit exited $rc: 0 clean, 1 failures at or above --fail-on, 2 usage/auth, 3 partial)"
exit 0
