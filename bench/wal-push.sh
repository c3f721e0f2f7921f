#!/usr/bin/env bash
# WAL archiving under load: pgkeep wal-push and pgBackRest archive-push, segments waiting per second
# Now one phase of bench/run.sh (`make bench`), which shares its setup with the others
# and writes bench/results/<date>.md; settings as there (BENCH_SIZE_GB, BENCH_ROUNDS, BENCH_QUICK…).
exec env BENCH_PHASES="${BENCH_PHASES:-wal}" bash "$(dirname "$0")/run.sh"
