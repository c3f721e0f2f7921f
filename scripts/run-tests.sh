#!/usr/bin/env bash
# The test command (make test, .ci/run): vitest under the project's Node 24, then the totals line.
set -uo pipefail
cd "$(dirname "$0")/.."
report="$(mktemp -t pgkeep-vitest-XXXXXX.json)"
PGKEEP_TEST_JSON="$report" npx vitest run "$@"
status=$?
# vitest's status too: unhandled errors and crashed workers fail the run but are not in the report.
node scripts/test-summary.mjs "$report" "$status"
summary=$?
rm -f "$report"
[ $status -eq 0 ] && [ $summary -eq 0 ]
