#!/usr/bin/env bash
# Checksum pass over the stored backups, side by side with pgbackrest verify
# Now one phase of bench/run.sh (`make bench`), which shares its setup with the others
# and writes bench/results/<date>.md; settings as there (BENCH_SIZE_GB, BENCH_ROUNDS, BENCH_QUICK…).
exec env BENCH_PHASES="${BENCH_PHASES:-verify}" bash "$(dirname "$0")/run.sh"
