#!/bin/sh
# Validates flyaudit's SARIF with Microsoft's SARIF multitool (npm @microsoft/sarif-multitool):
# the demo org's report and a partial run's report (coverage errors as notifications) must
# have zero errors; warnings are printed for a person to look at.
# Usage: sh tests/sarif-multitool.sh [BUILD_DIR]
set -u
B=${1:-build}
MT_DIR="$B/sarif-multitool"
MT="$MT_DIR/node_modules/.bin/sarif-multitool"
if [ ! -x "$MT" ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "sarif-multitool: SKIPPED: npm is not installed (apt-get install npm)" >&2
		exit 0
	fi
	mkdir -p "$MT_DIR"
	(cd "$MT_DIR" && npm install --silent --no-audit --no-fund @microsoft/sarif-multitool@5.7.0 >/dev/null 2>&1) || {
		echo "sarif-multitool: cannot install @microsoft/sarif-multitool from npm" >&2
		exit 1
	}
fi
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM

run_case() { # name, flymock extra args
	name=$1
	shift
	"$B/flymock" --quiet --org demo --fixtures mocks/fixtures "$@" >"$tmp/url" 2>"$tmp/mock.err" &
	pid=$!
	i=0
	while [ ! -s "$tmp/url" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	url=$(head -n 1 "$tmp/url" | awk '{print $4}')
	FLY_API_TOKEN=tok FLY_FLAPS_BASE_URL="$url" FLY_API_BASE_URL="$url" \
		"$B/flyaudit" --no-progress -q --org demo audit --format sarif -o "$tmp/$name.sarif"
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	"$MT" validate "$tmp/$name.sarif" --output "$tmp/$name.validation.sarif" --log ForceOverwrite >"$tmp/$name.log" 2>&1
	errors=$(grep -cE ': error (SARIF|JSON)[0-9]*' "$tmp/$name.log")
	warnings=$(grep -cE ': warning (SARIF|JSON)?[0-9]*' "$tmp/$name.log")
	grep -E ': (error|warning) ' "$tmp/$name.log" | cut -c1-240
	echo "sarif-multitool: $name: $errors errors, $warnings warnings"
	[ "$errors" -eq 0 ] || return 1
	grep -q 'Analysis completed successfully' "$tmp/$name.log" || { cat "$tmp/$name.log"; return 1; }
}

# flyaudit scan: results with physical locations (artifactLocation.uri relative to SRCROOT)
scan_case() {
	"$B/flyaudit" --no-progress -q scan tests/fixtures/scan/planted --format sarif -o "$tmp/scan.sarif"
	"$MT" validate "$tmp/scan.sarif" --output "$tmp/scan.validation.sarif" --log ForceOverwrite >"$tmp/scan.log" 2>&1
	errors=$(grep -cE ': error (SARIF|JSON)[0-9]*' "$tmp/scan.log")
	warnings=$(grep -cE ': warning (SARIF|JSON)?[0-9]*' "$tmp/scan.log")
	grep -E ': (error|warning) ' "$tmp/scan.log" | cut -c1-240
	echo "sarif-multitool: scan: $errors errors, $warnings warnings"
	[ "$errors" -eq 0 ] || return 1
	grep -q 'Analysis completed successfully' "$tmp/scan.log" || { cat "$tmp/scan.log"; return 1; }
}

rc=0
scan_case || rc=1
run_case demo || rc=1
run_case partial --fault "503,path=/volumes" || rc=1
exit $rc
