#!/usr/bin/env bash
# Full physical backup side by side (pgBackRest, pg_basebackup -z), then WAL archiving under load
# Now one phase of bench/run.sh (`make bench`), which shares its setup with the others
# and writes bench/results/<date>.md; settings as there (BENCH_SIZE_GB, BENCH_ROUNDS, BENCH_QUICK…).
exec env BENCH_PHASES="${BENCH_PHASES:-full-backup,wal}" BENCH_VARIANTS="${BENCH_VARIANTS:-1}" bash "$(dirname "$0")/run.sh"
