#!/usr/bin/env bash
# Logical backup and restore side by side with the ticket's pg_dump | gzip script
# Now one phase of bench/run.sh (`make bench`), which shares its setup with the others
# and writes bench/results/<date>.md; settings as there (BENCH_SIZE_GB, BENCH_ROUNDS, BENCH_QUICK…).
exec env BENCH_PHASES="${BENCH_PHASES:-logical-backup,logical-restore}" BENCH_VARIANTS="${BENCH_VARIANTS:-1}" bash "$(dirname "$0")/run.sh"
