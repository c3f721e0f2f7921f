#!/usr/bin/env bash
# Verify and drill, side by side: pgkeep vs pgBackRest on the same ~1 GB cluster.
#   - checksum pass: `pgkeep verify --checksums-only` (size + SHA-256 of every stored object and
#     every WAL frame) vs `pgbackrest verify` (checksums of every backup file and WAL segment);
#   - full verify: pgkeep adds pg_verifybackup (extract + check every file) and pg_restore --list;
#   - drill: `pgkeep verify --drill` RTO (restore + replay + promote + pg_amcheck) vs a pgBackRest
#     restore of the same target (latest) started to promotion (no amcheck).
# Prints MB/s, seconds and ratios; asserts nothing.
#
#   sudo bench/verify.sh              # ROWS=4000000 (≈1 GB) by default
#   ROWS=400000 bench/verify.sh       # quick run (≈100 MB)
#
# Needs: PostgreSQL 15 (Debian layout), pgbackrest, Node 24 in node_modules. Run as root.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
NODE_SRC="${NODE:-$ROOT/node_modules/node/bin/node}"
ROWS="${ROWS:-4000000}"
W="$(mktemp -d /tmp/pgkeep-bench-verify-XXXXXX)"
chmod 755 "$W"
PORT=$((20000 + RANDOM % 10000))
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
now() { date +%s.%N; }
cleanup() {
  for d in "$W/src" "$W/r-pgbackrest"; do [ -f "$d/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl -D $d -m immediate stop" >/dev/null 2>&1 || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT

echo "== bundle the CLI from src/ (into $W/cli, readable by postgres)"
mkdir -p "$W/cli" "$W/repo-pgkeep" "$W/repo-pgbackrest" "$W/sock" "$W/log"
(cd "$ROOT" && npx ncc build src/cli/index.ts -o "$W/cli" --target es2022 -q)
cp "$NODE_SRC" "$W/cli/node"
NODE="$W/cli/node"
CLI="$W/cli/index.js"
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$W"
cat >"$W/pgbackrest.conf" <<EOF
[global]
repo1-path=$W/repo-pgbackrest
compress-type=zst
compress-level=3
process-max=2
log-level-console=warn
log-path=$W/log
lock-path=$W/log
spool-path=$W/log
start-fast=y
[bench]
pg1-path=$W/src
pg1-port=$PORT
pg1-socket-path=$W/sock
EOF
chmod 644 "$W/pgbackrest.conf"
BR="pgbackrest --config=$W/pgbackrest.conf --stanza=bench"
REPO="file://$W/repo-pgkeep"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres PGKEEP_REPO="$REPO" PGKEEP_PG_BINDIR="$PGBIN"
pgkeep() { "$NODE" "$CLI" "$@"; }

echo "== cluster: initdb, $ROWS rows"
as_pg "$PGBIN/initdb -D $W/src -U postgres -A trust --no-sync >/dev/null"
cat >>"$W/src/postgresql.conf" <<EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$W/sock'
wal_level = replica
archive_mode = on
archive_command = '$NODE $CLI wal-push --repo $REPO %p && $BR archive-push %p'
max_wal_size = 4GB
checkpoint_timeout = 30min
EOF
as_pg "$PGBIN/pg_ctl -D $W/src -l $W/log/src.log -w start >/dev/null"
PSQL="$PGBIN/psql -X -q -A -t -h 127.0.0.1 -p $PORT -U postgres -d postgres"
as_pg "$BR stanza-create" >/dev/null
$PSQL -c "create table orders(id bigint primary key, placed_at timestamptz, customer text, amount numeric(10,2), status text, items jsonb)"
$PSQL -c "insert into orders select g, now() - g * interval '7 seconds', 'customer-' || (g % 50000), round((random() * 500)::numeric, 2),
  (array['new','paid','shipped','returned'])[1 + g % 4],
  jsonb_build_object('sku', 'SKU-' || (g % 9973), 'qty', 1 + g % 5, 'note', md5(g::text) || ' ' || md5((g * 7)::text))
  from generate_series(1, $ROWS) g"
$PSQL -c "create index on orders(customer)"
echo "   database size: $($PSQL -c "select pg_size_pretty(pg_database_size('postgres'))")"

echo "== backups (pgkeep full + logical, pgbackrest full), then 100 WAL segments of writes"
pgkeep backup --type full --checkpoint fast --quiet >/dev/null 2>"$W/log/pgkeep-backup.err" || { cat "$W/log/pgkeep-backup.err"; exit 1; }
pgkeep backup --type logical --quiet >/dev/null 2>>"$W/log/pgkeep-backup.err" || { cat "$W/log/pgkeep-backup.err"; exit 1; }
as_pg "$BR backup --type=full" >/dev/null
for i in $(seq 1 100); do
  $PSQL -c "update orders set status = 'audited-$i' where id between $((i * 1000)) and $((i * 1000 + 500))" -c "select pg_switch_wal()" >/dev/null
done
SEG=$($PSQL -c "select pg_walfile_name(pg_switch_wal())")
until [ "$($PSQL -c "select coalesce(last_archived_wal,'') >= '$SEG' from pg_stat_archiver")" = t ]; do sleep 0.2; done
as_pg "$PGBIN/pg_ctl -D $W/src -m fast -w stop" >/dev/null   # the checks get the machine to themselves
STORED_PGKEEP=$(du -sb "$W/repo-pgkeep" | cut -f1)
STORED_BR=$(du -sb "$W/repo-pgbackrest" | cut -f1)
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true

echo "== pgkeep verify --checksums-only"
t=$(now); /usr/bin/time -f '%M' -o "$W/log/rss1" "$NODE" "$CLI" verify --checksums-only --json --quiet >"$W/log/v1.json"
T1=$(echo "$(now) - $t" | bc)
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
echo "== pgbackrest verify"
t=$(now); as_pg "$BR verify" >"$W/log/brv.out" 2>&1 || { echo "pgbackrest verify failed:"; cat "$W/log/brv.out"; }
T2=$(echo "$(now) - $t" | bc)
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
echo "== pgkeep verify (checksums + pg_verifybackup + pg_restore --list + WAL chain)"
t=$(now); /usr/bin/time -f '%M' -o "$W/log/rss2" "$NODE" "$CLI" verify --json --quiet >"$W/log/v2.json" || true
T3=$(echo "$(now) - $t" | bc)
echo "== pgkeep verify --drill"
"$NODE" "$CLI" verify --drill --json --quiet >"$W/log/drill.json" || true
echo "== pgbackrest restore (latest) + start to promotion"
P2=$((PORT + 2))
t=$(now)
as_pg "$BR restore --pg1-path=$W/r-pgbackrest --archive-mode=off" >/dev/null
as_pg "$PGBIN/pg_ctl -D $W/r-pgbackrest -l $W/log/r-pgbackrest.log -o '-p $P2 -k $W/sock' -w -t 3600 start" >/dev/null
until [ "$($PGBIN/psql -X -A -t -h 127.0.0.1 -p "$P2" -U postgres -d postgres -c 'select pg_is_in_recovery()' 2>/dev/null)" = f ]; do sleep 0.1; done
T_BR_RESTORE=$(echo "$(now) - $t" | bc)

j() { "$NODE" -e "const r=JSON.parse(require('fs').readFileSync('$1','utf8')); console.log($2)"; }
echo
echo "verify on $(nproc) cores, $($PGBIN/postgres --version); stored: pgkeep $((STORED_PGKEEP / 1048576)) MiB, pgbackrest $((STORED_BR / 1048576)) MiB"
printf '  pgkeep verify --checksums-only %7.1f s  %7.1f MiB/s stored  (ok=%s, %s objects, %s WAL; peak RSS %s MiB)\n' "$T1" \
  "$(echo "$STORED_PGKEEP / 1048576 / $T1" | bc -l)" "$(j "$W/log/v1.json" 'r.ok')" "$(j "$W/log/v1.json" 'r.checked.objects')" "$(j "$W/log/v1.json" 'r.checked.walSegments')" "$(( $(cat "$W/log/rss1") / 1024 ))"
printf '  pgbackrest verify              %7.1f s  %7.1f MiB/s stored\n' "$T2" "$(echo "$STORED_BR / 1048576 / $T2" | bc -l)"
printf '  ratio (time) pgbackrest/pgkeep: %.2fx\n' "$(echo "$T2 / $T1" | bc -l)"
printf '  pgkeep verify (full)           %7.1f s  (ok=%s; + pg_verifybackup, pg_restore --list; peak RSS %s MiB)\n' "$T3" "$(j "$W/log/v2.json" 'r.ok')" "$(( $(cat "$W/log/rss2") / 1024 ))"
printf '  pgkeep drill RTO               %7.1f s  (ok=%s; phases %s; RPO %s s)\n' "$(j "$W/log/drill.json" 'r.rtoSeconds')" "$(j "$W/log/drill.json" 'r.ok')" "$(j "$W/log/drill.json" 'JSON.stringify(r.phases)')" "$(j "$W/log/drill.json" 'r.rpoSeconds')"
printf '  pgbackrest restore+promote     %7.1f s  (no amcheck)\n' "$T_BR_RESTORE"
