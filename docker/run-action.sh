#!/bin/sh
# run-action NAME [input=value ...]: run dist/NAME/index.js as the Actions runner does (input
# names upper-cased with hyphens kept, e.g. INPUT_DRY-RUN; GITHUB_OUTPUT and GITHUB_STEP_SUMMARY
# files), then print the outputs and the job summary. Example: run-action pg-restore dry-run=true
set -eu
name=$1
shift
tmp=$(mktemp -d)
: >"$tmp/output"
: >"$tmp/summary"
n=$#
i=0
# Rebuild "$@" as INPUT_<NAME>=value words for env(1): sh cannot export names with '-'.
while [ "$i" -lt "$n" ]; do
  kv=$1
  shift
  key=$(printf '%s' "${kv%%=*}" | tr 'a-z ' 'A-Z_')
  set -- "$@" "INPUT_$key=${kv#*=}"
  i=$((i + 1))
done
status=0
env "$@" GITHUB_OUTPUT="$tmp/output" GITHUB_STEP_SUMMARY="$tmp/summary" node "/opt/pgkeep/dist/$name/index.js" || status=$?
echo "--- outputs"
cat "$tmp/output"
echo "--- job summary"
cat "$tmp/summary"
rm -rf "$tmp"
exit "$status"
