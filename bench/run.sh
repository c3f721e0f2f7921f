#!/usr/bin/env bash
# `make bench`: pgkeep side by side with its peers on one data set, in interleaved rounds, and a
# report in bench/results/<date>.md with an SVG of archive lag. Asserts nothing (tests never
# assert timings); a failed command is recorded as failed and the run goes on.
#
#   full backup      pgkeep backup --type full  | pgbackrest backup (zst-3, process-max 2) | pg_basebackup -Ft -z -Xs
#   logical backup   pgkeep backup --type logical | the ticket's serial `pg_dump | gzip` | a shell
#                    pipeline, 3 × `pg_dump -Fc -Z0 | zstd -3` in parallel
#   logical restore  pgkeep restore --logical --databases (one run) | the serial `gunzip | psql` (rows checked)
#   PITR restore     pgkeep restore --time --start | pgbackrest restore --type=time + pg_ctl start (to promotion, rows checked)
#   verify           pgkeep verify --checksums-only | pgbackrest verify
#   WAL archiving    archive_command = pgkeep wal-push, then pgbackrest archive-push, a fresh
#                    cluster each under the same pgbench load; .ready files sampled each second
#
# Settings (environment; make passes QUICK=1 as BENCH_QUICK=1):
#   BENCH_SIZE_GB=1     data set size (≈ GB on disk; tens of GB work, the load runs in parallel)
#   BENCH_ROUNDS=3      interleaved rounds per comparison (medians in the report)
#   BENCH_PHASES=full-backup,logical-backup,logical-restore,pitr-restore,verify,wal
#   BENCH_WAL_SECONDS=40 BENCH_WAL_RATE=30 (pgbench tx/s, ≈1 MB of WAL each) BENCH_WAL_CLIENTS=4
#   BENCH_PITR_WAL_MB=0 (WAL written between the last backup and the PITR target, in MB:
#                       restores then measure fetching and replaying it, not only extraction)
#   BENCH_VARIANTS=1    also pgkeep's other modes: full backup compressed on the runner
#                       (PGKEEP_COMPRESS_AT=client; the default, auto, compresses in the
#                       walsender here: same host, PostgreSQL built with zstd), logical restore --jobs 2 and
#                       one CLI run per database
#   BENCH_CLI_BASE=DIR  also run another build of the CLI (a dist/cli directory, e.g. from the
#                       previous commit) as "pgkeep (base)" in the logical phases: before/after, same run
#   BENCH_QUICK=1       CI smoke: ~20 MB, 1 round, 6 s of WAL load; well under a minute
#   BENCH_OUT=bench/results  BENCH_DIR (scratch, default a new /tmp dir)  BENCH_KEEP=1 (keep it)
#   PGBIN=/usr/lib/postgresql/15/bin
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

QUICK=${BENCH_QUICK:-}
[ "$QUICK" = 0 ] && QUICK=
SIZE_GB=${BENCH_SIZE_GB:-$([ -n "$QUICK" ] && echo 0.02 || echo 1)}
ROUNDS=${BENCH_ROUNDS:-$([ -n "$QUICK" ] && echo 1 || echo 3)}
WAL_SECONDS=${BENCH_WAL_SECONDS:-$([ -n "$QUICK" ] && echo 6 || echo 40)}
WAL_RATE=${BENCH_WAL_RATE:-$([ -n "$QUICK" ] && echo 8 || echo 30)}
WAL_CLIENTS=${BENCH_WAL_CLIENTS:-4}
PITR_WAL_MB=${BENCH_PITR_WAL_MB:-0}
DRAIN_MAX=${BENCH_DRAIN_MAX:-$([ -n "$QUICK" ] && echo 30 || echo 300)}
PHASES=,${BENCH_PHASES:-full-backup,logical-backup,logical-restore,pitr-restore,verify,wal},
OUT=${BENCH_OUT:-$BENCH_ROOT/bench/results}
want() { [[ $PHASES == *",$1,"* ]]; }
# What a phase needs runs even when only the later phase was asked for.
{ want pitr-restore || want verify; } && ! want full-backup && PHASES+="full-backup,"
want logical-restore && ! want logical-backup && PHASES+="logical-backup,"

bench_init
ensure_pgbackrest
machine_facts
STAMP=$(date -u +%Y-%m-%d)
NAME=$STAMP$([ -n "$QUICK" ] && echo -quick || true)
[ -e "$OUT/$NAME.md" ] && NAME="$NAME-$(date -u +%H%M%S)"
fact title "pgkeep bench $NAME$([ -n "$QUICK" ] && echo ' (quick mode: tiny data, timings mean nothing)')"
fact "settings" "BENCH_SIZE_GB=$SIZE_GB, rounds=$ROUNDS, WAL load ${WAL_SECONDS} s at ${WAL_RATE} tx/s × $WAL_CLIENTS clients"
log "scratch $W; size ${SIZE_GB} GB, $ROUNDS round(s), phases ${PHASES//,/ }"

SRC=$W/src
PORT=$(free_port)
REPO=file://$W/repo-pgkeep
LREPO=file://$W/repo-pgkeep-logical
BRCONF=$W/pgbackrest.conf
BR=(pgbackrest "--config=$BRCONF" --stanza=bench)
pgbr_conf "$BRCONF" bench "$SRC" "$PORT" "$W/repo-pgbackrest"

if want full-backup || want logical-backup; then
  # Loading writes as much WAL as data: archive it nowhere until the backups start.
  cluster_start "$SRC" "$PORT" <<EOF
wal_level = replica
archive_mode = on
archive_command = '/bin/true'
track_commit_timestamp = on
shared_buffers = 256MB
max_wal_size = 4GB
checkpoint_timeout = 30min
EOF
  log "loading the data set (${SIZE_GB} GB)"
  t=$(now); load_dataset "$PORT" "$SIZE_GB"
  fact "data set" "$(psql_at "$PORT" -c "select pg_size_pretty(sum(pg_database_size(datname))) || ' in core/keycloak/grafana (' || string_agg(datname || ' ' || pg_size_pretty(pg_database_size(datname)), ', ' order by datname) || '), loaded in $(echo "$(now) - $t" | bc | cut -d. -f1) s' from pg_database where datname in ('core','keycloak','grafana')")"
  # Both archivers from here on, so each tool's restore finds its own WAL.
  psql_at "$PORT" -c "alter system set archive_command = '$W/bin/node $CLI wal-push --repo $REPO %p && pgbackrest --config=$BRCONF --stanza=bench archive-push %p'" -c "select pg_reload_conf()" >/dev/null
  as_pg "${BR[@]}" stanza-create >/dev/null
  export PGPORT=$PORT
fi

if want full-backup; then
  log "== full backup, $ROUNDS round(s)"
  for r in $(seq "$ROUNDS"); do
    for tool in $(rotate "$r" pgkeep pgbackrest basebackup-z ${BENCH_VARIANTS:+pgkeep-client}); do
      case $tool in
        pgkeep-client) timed env PGKEEP_REPO="$REPO" PGKEEP_COMPRESS_AT=client "$W/bin/node" "$CLI" backup --type full --checkpoint fast --quiet
          record full-backup "pgkeep backup --type full, zstd on the runner (PGKEEP_COMPRESS_AT=client)" "$r" ;;
        pgkeep) timed env PGKEEP_REPO="$REPO" "$W/bin/node" "$CLI" backup --type full --checkpoint fast --quiet
          record full-backup "pgkeep backup --type full" "$r" "stored $(mib_of "$(ls -d "$W"/repo-pgkeep/backups/*/ | tail -1)") MiB" ;;
        pgbackrest) timed runuser -u postgres -- "${BR[@]}" --type=full backup
          record full-backup "pgbackrest backup (zst-3, process-max 2)" "$r" "stored $(mib_of "$(ls -d "$W"/repo-pgbackrest/backup/bench/*F/ | tail -1)") MiB" ;;
        basebackup-z) rm -rf "$W/basebackup"
          timed "$PGBIN/pg_basebackup" -D "$W/basebackup" -Ft -z -Xs -c fast
          record full-backup "pg_basebackup -Ft -z -Xs" "$r" "stored $(mib_of "$W/basebackup") MiB"; rm -rf "$W/basebackup" ;;
      esac
    done
  done
fi

DBS=(core keycloak grafana)
if want logical-backup; then
  log "== logical backup, $ROUNDS round(s)"
  mkdir -p "$W/gz"
  for r in $(seq "$ROUNDS"); do
    for tool in $(rotate "$r" pgkeep script shell ${BENCH_CLI_BASE:+pgkeep-base}); do
      case $tool in
        pgkeep) timed env PGKEEP_REPO="$LREPO" "$W/bin/node" "$CLI" backup --type logical --databases core,keycloak,grafana --quiet
          record logical-backup "pgkeep backup --type logical" "$r" "stored $(mib_of "$(ls -d "$W"/repo-pgkeep-logical/backups/*/ | tail -1)") MiB" ;;
        pgkeep-base) timed env PGKEEP_REPO="file://$W/repo-pgkeep-base" "$W/bin/node" "$CLI_BASE" backup --type logical --databases core,keycloak,grafana --quiet
          record logical-backup "pgkeep (base) backup --type logical" "$r" "stored $(mib_of "$(ls -d "$W"/repo-pgkeep-base/backups/*/ | tail -1)") MiB"
          rm -rf "$W/repo-pgkeep-base" ;;
        script) timed bash -c "set -o pipefail; for db in ${DBS[*]}; do pg_dump -d \$db | gzip > '$W/gz/'\$db.sql.gz || exit 1; done"
          record logical-backup "script: pg_dump | gzip (serial)" "$r" "stored $(mib_of "$W/gz") MiB" ;;
        shell) mkdir -p "$W/zst"
          timed bash -c "set -o pipefail; p=(); for db in ${DBS[*]}; do (pg_dump -Fc -Z0 -d \$db | zstd -3 -q -o '$W/zst/'\$db.dump.zst -f) & p+=(\$!); done; for j in \${p[*]}; do wait \$j || exit 1; done"
          record logical-backup "shell: 3 × pg_dump -Fc -Z0 | zstd -3, in parallel" "$r" "stored $(mib_of "$W/zst") MiB"; rm -rf "$W/zst" ;;
      esac
    done
  done
fi

if want logical-restore; then
  log "== logical restore, $ROUNDS round(s)"
  declare -A EXPECT_ROWS
  for db in "${DBS[@]}"; do EXPECT_ROWS[$db]=$(rows_of "$PORT" "$db"); done
  # Every restored database must hold the source's rows, or the round is recorded as failed.
  check_rows() { local suffix=$1 db; for db in "${DBS[@]}"; do [ "$(rows_of "$PORT" "${db}$suffix" 2>/dev/null)" = "${EXPECT_ROWS[$db]}" ] || { log "rows differ in ${db}$suffix"; T_OK=0; }; done; }
  drop_all() { local db; for db in "${DBS[@]}"; do psql_at "$PORT" -c "drop database if exists ${db}$1" >/dev/null; done; }
  for r in $(seq "$ROUNDS"); do
    for tool in $(rotate "$r" pgkeep script ${BENCH_VARIANTS:+pgkeep-jobs pgkeep-each} ${BENCH_CLI_BASE:+pgkeep-base}); do
      case $tool in
        pgkeep) timed env PGKEEP_REPO="$LREPO" "$W/bin/node" "$CLI" restore --logical --databases "$(IFS=,; echo "${DBS[*]}")" --quiet
          check_rows _restore; record logical-restore "pgkeep restore --logical --databases (one run)" "$r"; drop_all _restore ;;
        pgkeep-jobs) timed env PGKEEP_REPO="$LREPO" "$W/bin/node" "$CLI" restore --logical --databases "$(IFS=,; echo "${DBS[*]}")" --jobs 2 --quiet
          check_rows _restore; record logical-restore "pgkeep restore --logical --databases --jobs 2" "$r"; drop_all _restore ;;
        pgkeep-each) timed env PGKEEP_REPO="$LREPO" bash -c "for db in ${DBS[*]}; do '$W/bin/node' '$CLI' restore --logical --database \$db --into \${db}_pk --quiet || exit 1; done"
          check_rows _pk; record logical-restore "pgkeep restore --logical, one run per database" "$r"; drop_all _pk ;;
        pgkeep-base) timed env PGKEEP_REPO="$LREPO" bash -c "for db in ${DBS[*]}; do '$W/bin/node' '$CLI_BASE' restore --logical --database \$db --into \${db}_pk --quiet || exit 1; done"
          check_rows _pk; record logical-restore "pgkeep (base) restore --logical, one run per database" "$r"; drop_all _pk ;;
        script) timed bash -c "set -o pipefail; for db in ${DBS[*]}; do createdb \${db}_gz && gunzip -c '$W/gz/'\$db.sql.gz | psql -X -q -v ON_ERROR_STOP=1 -d \${db}_gz >/dev/null || exit 1; done"
          check_rows _gz; record logical-restore "script: gunzip | psql (serial)" "$r"; drop_all _gz ;;
      esac
    done
  done
fi

if want pitr-restore; then
  log "== PITR restore, $ROUNDS round(s)"
  sleep 2 # pgBackRest records its stop time after the archive check: keep the target clear of it
  if [ "$PITR_WAL_MB" -gt 0 ]; then
    # ≈ 1 MB of WAL per 3,000 rows of ~250 bytes (heap + index + full-page images), in 64 MB batches.
    psql_at "$PORT" core -c "create table if not exists pitr_load(id bigint primary key, pad text)" >/dev/null
    rows=$((PITR_WAL_MB * 3000)); step=$((64 * 3000)); from=1
    while [ "$from" -le "$rows" ]; do
      psql_at "$PORT" core -c "insert into pitr_load select g, md5(g::text) || repeat('x', 200) from generate_series($from, $((from + step - 1))) g" >/dev/null
      from=$((from + step))
    done
    fact "PITR WAL" "$(psql_at "$PORT" core -c "select pg_size_pretty(count(*) * 250) from pitr_load") of rows inserted after the backup (BENCH_PITR_WAL_MB=$PITR_WAL_MB)"
  fi
  for i in $(seq 1 40); do psql_at "$PORT" core -c "update orders set status = 'audited-$i' where id = $i"; done
  TARGET=$(psql_at "$PORT" core -c "select to_char(pg_xact_commit_timestamp(xmin) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') from orders where id = 20")
  for i in $(seq 41 60); do psql_at "$PORT" core -c "update orders set status = 'audited-$i' where id = $i"; done
  EXPECT=$(psql_at "$PORT" core -c "select count(*) from orders where status like 'audited-%' and pg_xact_commit_timestamp(xmin) <= '$TARGET'")
  wait_archived "$PORT"
  fact "PITR target" "$TARGET (a commit after the last backup; $EXPECT audited rows expected)"
fi
# The source is done once logical restores are: stop it so restores and verify get the machine.
[ -f "$SRC/postmaster.pid" ] && cluster_stop "$SRC"

if want pitr-restore; then
  P2=$(free_port)
  PG_TARGET=${TARGET/T/ }; PG_TARGET=${PG_TARGET/Z/+00}
  rows_at() { psql_at "$1" core -c "select count(*) from orders where status like 'audited-%'" 2>/dev/null || echo '?'; }
  for r in $(seq "$ROUNDS"); do
    for tool in $(rotate "$r" pgkeep pgbackrest); do
      D=$W/restored-$tool; rm -rf "$D"; mkdir -p "$D"; chown postgres:postgres "$D"; chmod 700 "$D"; BENCH_CLUSTERS+=("$D")
      t=$(now)
      case $tool in
        pgkeep) timed "$W/bin/node" "$CLI" restore --time "$TARGET" --to "$D" --start --port "$P2" --repo "$REPO" --quiet ;;
        pgbackrest) timed runuser -u postgres -- "${BR[@]}" restore "--pg1-path=$D" --type=time "--target=$PG_TARGET" --target-action=promote --archive-mode=off
          as_pg "$PGBIN/pg_ctl" -D "$D" -l "$W/log/restored-pgbackrest.log" -o "-p $P2 -k $W/sock" -w -t 3600 start >/dev/null || T_OK=0 ;;
      esac
      RSS=$T_RSS; OK=$T_OK
      [ "$OK" = 1 ] && wait_promoted "$P2"
      T_SECS=$(printf %.2f "$(echo "$(now) - $t" | bc)"); T_RSS=$RSS
      GOT=$(rows_at "$P2"); [ "$GOT" = "$EXPECT" ] || T_OK=0
      record pitr-restore "$([ "$tool" = pgkeep ] && echo 'pgkeep restore --time --start' || echo 'pgbackrest restore --type=time + pg_ctl start')" "$r" "rows at target $GOT of $EXPECT"
      as_pg "$PGBIN/pg_ctl" -D "$D" -m immediate stop >/dev/null 2>&1 || true
      rm -rf "$D"
    done
  done
fi

if want verify; then
  log "== verify, $ROUNDS round(s)"
  for r in $(seq "$ROUNDS"); do
    for tool in $(rotate "$r" pgkeep pgbackrest); do
      case $tool in
        pgkeep) timed "$W/bin/node" "$CLI" verify --checksums-only --repo "$REPO" --quiet
          record verify "pgkeep verify --checksums-only" "$r" "repository $(mib_of "$W/repo-pgkeep") MiB" ;;
        pgbackrest) timed runuser -u postgres -- "${BR[@]}" verify
          record verify "pgbackrest verify" "$r" "repository $(mib_of "$W/repo-pgbackrest") MiB" ;;
      esac
    done
  done
fi

if want wal; then
  # The same write load against a fresh cluster per archiver, one after the other: tpcb-like
  # bulk inserts of random text (≈1 MB of WAL per transaction), throttled to the same rate.
  log "== WAL archiving under load: ${WAL_SECONDS} s at ${WAL_RATE} tx/s"
  fact "wal load" "pgbench -c $WAL_CLIENTS -R $WAL_RATE -T $WAL_SECONDS, each transaction inserts 2000 rows of 512 random hex characters (synchronous_commit off)"
  echo "insert into w select g, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) from generate_series(1, 2000) g;" > "$W/wal-load.sql"
  SVG_SERIES=()
  for tool in pgkeep pgbackrest; do
    D=$W/lag-$tool; P=$(free_port)
    case $tool in
      pgkeep) LABEL="pgkeep wal-push"; AC="$W/bin/node $CLI wal-push --repo file://$W/lag-repo-pgkeep %p" ;;
      pgbackrest) LABEL="pgbackrest archive-push (zst-3)"; pgbr_conf "$W/lag-pgbackrest.conf" lag "$D" "$P" "$W/lag-repo-pgbackrest"
        AC="pgbackrest --config=$W/lag-pgbackrest.conf --stanza=lag archive-push %p" ;;
    esac
    cluster_start "$D" "$P" <<EOF
wal_level = replica
archive_mode = on
archive_command = '$AC'
max_wal_size = 4GB
synchronous_commit = off
EOF
    [ "$tool" = pgbackrest ] && as_pg pgbackrest "--config=$W/lag-pgbackrest.conf" --stanza=lag stanza-create >/dev/null
    psql_at "$P" -c "create table w(id int, v text)"
    wait_archived "$P"
    L0=$(psql_at "$P" -c "select pg_current_wal_lsn()")
    T0=$(now)
    ( while :; do echo "$(echo "$(now) - $T0" | bc) $(ready_count "$D")"; sleep 1; done ) > "$W/lag-$tool.tsv" & SAMPLER=$!
    "$PGBIN/pgbench" -h 127.0.0.1 -p "$P" -U postgres -n -f "$W/wal-load.sql" -c "$WAL_CLIENTS" -j 2 -T "$WAL_SECONDS" -R "$WAL_RATE" postgres >"$W/log/pgbench-$tool.out" 2>&1 || log "pgbench failed: $(tail -2 "$W/log/pgbench-$tool.out")"
    L1=$(psql_at "$P" -c "select pg_current_wal_lsn()")
    END_READY=$(ready_count "$D")
    T1=$(now)
    SEG=$(psql_at "$P" -c "select pg_walfile_name(pg_switch_wal())")
    until [ "$(psql_at "$P" -c "select coalesce(last_archived_wal, '') >= '$SEG' from pg_stat_archiver")" = t ] || [ "$(echo "$(now) - $T1 > $DRAIN_MAX" | bc)" = 1 ]; do sleep 0.2; done
    DRAIN=$(printf %.2f "$(echo "$(now) - $T1" | bc)")
    sleep 1; kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null || true
    MBPS=$(psql_at "$P" -c "select round(pg_wal_lsn_diff('$L1', '$L0') / 1048576 / $WAL_SECONDS.0, 1)")
    read -r ARCHIVED FAILED < <(psql_at "$P" -F ' ' -c "select archived_count, failed_count from pg_stat_archiver")
    MAX=$(awk 'max < $2 {max = $2} END {print max + 0}' "$W/lag-$tool.tsv")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$LABEL" "$MBPS" "$MAX" "$END_READY" "$DRAIN" "$ARCHIVED" "$FAILED" >> "$W/lag-summary.tsv"
    log "  $LABEL: $MBPS MB/s of WAL, at most $MAX waiting, $END_READY when the load stopped, drained in $DRAIN s, $ARCHIVED archived, $FAILED failed"
    SVG_SERIES+=("$LABEL=$W/lag-$tool.tsv")
    as_pg "$PGBIN/pg_ctl" -D "$D" -m immediate stop >/dev/null
    rm -rf "$D" "$W/lag-repo-$tool"
  done
fi

fact "load average at the end" "$(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$OUT"
SVG=""
if want wal; then
  SVG=$NAME-archive-lag.svg
  "$W/bin/node" "$BENCH_ROOT/bench/lag-svg.ts" "$OUT/$SVG" "Segments waiting to be archived, ${WAL_RATE} tx/s × ~1 MB for ${WAL_SECONDS} s" "$WAL_SECONDS" "${SVG_SERIES[@]}"
fi
"$W/bin/node" "$BENCH_ROOT/bench/report.ts" "$W" "$OUT/$NAME.md" "$SVG"
log "report: $OUT/$NAME.md${SVG:+ (+ $OUT/$SVG)}"
