#!/bin/sh
# flyaudit-cron.sh: a scheduled org audit that writes a dated JSON report (mode 0600) and
# keeps the newest $FLYAUDIT_KEEP of them. Prints what changed since the previous report.
#
# Environment:
#   FLY_API_TOKEN         a read-only token: fly tokens create readonly ORG (never in argv)
#   FLYAUDIT_REPORT_DIR   where reports go (default /var/lib/flyaudit)
#   FLYAUDIT_KEEP         how many reports to keep (default 30)
#   FLYAUDIT              the flyaudit binary (default: flyaudit on PATH)
#   FLYAUDIT_ARGS         extra options, e.g. "--org acme --suppressions /etc/flyaudit/suppressions.json"
#   FLYAUDIT_ALSO         more formats written beside each JSON report from the same crawl, by
#                         extension (default "sarif txt"; e.g. "sarif txt html"; "" for none;
#                         plain extensions only, so that *.json stays the JSON reports)
#
# Exit status: flyaudit's (0 clean, 1 failures at or above --fail-on, 2 usage/auth, 3 partial).
set -u
dir=${FLYAUDIT_REPORT_DIR:-/var/lib/flyaudit}
keep=${FLYAUDIT_KEEP:-30}
fa=${FLYAUDIT:-flyaudit}

case "$keep" in ''|*[!0-9]*) echo "flyaudit-cron: FLYAUDIT_KEEP must be a number" >&2; exit 2 ;; esac
umask 077
mkdir -p "$dir" || exit 2
prev=$(ls -1 "$dir"/flyaudit-*.json 2>/dev/null | sort | tail -n 1)
out="$dir/flyaudit-$(date -u +%Y%m%dT%H%M%SZ).json"
[ -e "$out" ] && out="$dir/flyaudit-$(date -u +%Y%m%dT%H%M%SZ)-$$.json"

# one crawl, every report: the JSON report plus one file per extension in FLYAUDIT_ALSO
set -- -o "$out"
for ext in ${FLYAUDIT_ALSO-sarif txt}; do
	case "$ext" in *[!a-z]*|'') echo "flyaudit-cron: bad format '$ext' in FLYAUDIT_ALSO" >&2; exit 2 ;; esac
	set -- "$@" -o "${out%.json}.$ext"
done
# shellcheck disable=SC2086
$fa --no-progress -q ${FLYAUDIT_ARGS:-} audit "$@"
rc=$?
if [ "$rc" -eq 2 ] || [ ! -f "$out" ]; then
	echo "flyaudit-cron: the audit did not run (exit $rc); no report written" >&2
	exit "$rc"
fi
[ "$rc" -eq 3 ] && echo "flyaudit-cron: partial audit: see coverage.errors in $out" >&2
if [ -n "$prev" ] && [ "$prev" != "$out" ]; then
	$fa diff "$prev" "$out" --fail-on never || true
fi
# keep the newest $keep reports (and the files written beside each)
ls -1 "$dir"/flyaudit-*.json 2>/dev/null | sort -r | tail -n +"$((keep + 1))" |
	while IFS= read -r old; do rm -f -- "${old%.json}".*; done
exit "$rc"
