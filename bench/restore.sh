#!/usr/bin/env bash
# Restore to a point in time, to promotion, side by side with pgBackRest (rows checked)
# Now one phase of bench/run.sh (`make bench`), which shares its setup with the others
# and writes bench/results/<date>.md; settings as there (BENCH_SIZE_GB, BENCH_ROUNDS, BENCH_QUICK…).
exec env BENCH_PHASES="${BENCH_PHASES:-pitr-restore}" bash "$(dirname "$0")/run.sh"
