#!/bin/sh
# pre-deploy.sh: scan the app's repository offline, then deploy only if the scan passes.
#   sh examples/pre-deploy.sh [DIR] [fly deploy options...]
# Exit 1 (findings at or above FLYAUDIT_FAIL_ON, default high) or 3 (a file could not be
# parsed) stops before `fly deploy`. No Fly token is needed for the scan itself.
set -eu
dir=${1:-.}
[ $# -gt 0 ] && shift
FLYAUDIT=${FLYAUDIT:-flyaudit}
if ! "$FLYAUDIT" --no-progress scan "$dir" --fail-on "${FLYAUDIT_FAIL_ON:-high}"; then
	echo "pre-deploy: flyaudit scan found problems in $dir: not deploying" >&2
	exit 1
fi
cd "$dir"
exec fly deploy "$@"
