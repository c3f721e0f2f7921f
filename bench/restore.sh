#!/usr/bin/env bash
# Restore-to-time, side by side: pgkeep vs pgBackRest on the same ~1 GB cluster of realistic
# rows, the same target instant, both measured from "start restore" to "promoted and
# accepting writes". Prints durations, the ratio and pgkeep's peak RSS; asserts nothing.
#
#   sudo bench/restore.sh            # ROWS=4000000 (≈1 GB) by default
#   ROWS=400000 bench/restore.sh     # quick run (≈100 MB)
#
# Needs: PostgreSQL 15 (Debian layout), pgbackrest (apt-get install -y pgbackrest), the built
# bundle dist/cli/index.js and Node 24 in node_modules. Run as root (servers run as postgres).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
NODE="${NODE:-$ROOT/node_modules/node/bin/node}"
CLI="$ROOT/dist/cli/index.js"
ROWS="${ROWS:-4000000}"
W="$(mktemp -d /tmp/pgkeep-bench-restore-XXXXXX)"
chmod 755 "$W"
PORT=$((20000 + RANDOM % 10000))
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
now() { date +%s.%N; }
cleanup() {
  for d in "$W/src" "$W/r-pgkeep" "$W/r-pgbackrest"; do [ -f "$d/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl -D $d -m immediate stop" >/dev/null 2>&1 || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT

mkdir -p "$W/repo-pgkeep" "$W/repo-pgbackrest" "$W/sock" "$W/log"
# A private copy of the bundle: dist/ may be rebuilt while this runs.
cp -r "$(dirname "$CLI")" "$W/cli"; CLI="$W/cli/index.js"
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$W"
cat >"$W/pgbackrest.conf" <<EOF
[global]
repo1-path=$W/repo-pgbackrest
compress-type=zst
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
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
# Like pgBackRest's --archive-mode=off below: the restored copies must not archive.
export PGKEEP_RESTORE_ARCHIVE_MODE=off

echo "== cluster: initdb, $ROWS rows"
as_pg "$PGBIN/initdb -D $W/src -U postgres -A trust --no-sync >/dev/null"
cat >>"$W/src/postgresql.conf" <<EOF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$W/sock'
wal_level = replica
archive_mode = on
archive_command = '$NODE $CLI wal-push --repo $REPO %p && $BR archive-push %p'
track_commit_timestamp = on
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

echo "== backups"
t=$(now); "$NODE" "$CLI" backup --type full --checkpoint fast --repo "$REPO" --quiet >/dev/null \
  < /dev/null 2>"$W/log/pgkeep-backup.err" || { cat "$W/log/pgkeep-backup.err"; exit 1; }
echo "   pgkeep full backup:     $(echo "$(now) - $t" | bc) s"
t=$(now); as_pg "$BR backup --type=full" >/dev/null
echo "   pgbackrest full backup: $(echo "$(now) - $t" | bc) s"

echo "== commits after the backups; target = a commit in the middle"
sleep 3   # pgBackRest records its stop time after the archive check: keep the target clear of it
for i in $(seq 1 40); do $PSQL -c "update orders set status = 'audited-$i' where id = $i"; done
TARGET=$($PSQL -c "select to_char(pg_xact_commit_timestamp(xmin) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') from orders where id = 20")
for i in $(seq 41 60); do $PSQL -c "update orders set status = 'audited-$i' where id = $i"; done
SEG=$($PSQL -c "select pg_walfile_name(pg_switch_wal())")
until [ "$($PSQL -c "select coalesce(last_archived_wal,'') >= '$SEG' from pg_stat_archiver")" = t ]; do sleep 0.2; done
EXPECT=$($PSQL -c "select count(*) from orders where status like 'audited-%' and pg_xact_commit_timestamp(xmin) <= '$TARGET'")
as_pg "$PGBIN/pg_ctl -D $W/src -m fast -w stop" >/dev/null   # both restores get the machine to themselves
echo "   target $TARGET (expect $EXPECT audited rows)"

wait_promoted() { # port
  until [ "$($PGBIN/psql -X -A -t -h 127.0.0.1 -p "$1" -U postgres -d postgres -c 'select pg_is_in_recovery()' 2>/dev/null)" = f ]; do sleep 0.1; done
}

echo "== pgkeep restore --time (extract + replay + promote)"
P1=$((PORT + 1))
t=$(now)
/usr/bin/time -f '%M' -o "$W/log/pgkeep-rss" "$NODE" "$CLI" restore --time "$TARGET" --to "$W/r-pgkeep" --start --port "$P1" --repo "$REPO" --quiet >/dev/null
wait_promoted "$P1"
T_PGKEEP=$(echo "$(now) - $t" | bc)
GOT1=$($PGBIN/psql -X -A -t -h 127.0.0.1 -p "$P1" -U postgres -d postgres -c "select count(*) from orders where status like 'audited-%'")
as_pg "$PGBIN/pg_ctl -D $W/r-pgkeep -m immediate stop" >/dev/null

echo "== pgbackrest restore --type=time (restore + pg_ctl start + replay + promote)"
P2=$((PORT + 2))
PG_TARGET="${TARGET/T/ }"; PG_TARGET="${PG_TARGET/Z/+00}"
t=$(now)
as_pg "$BR restore --pg1-path=$W/r-pgbackrest --type=time --target='$PG_TARGET' --target-action=promote --archive-mode=off" >/dev/null
as_pg "$PGBIN/pg_ctl -D $W/r-pgbackrest -l $W/log/r-pgbackrest.log -o '-p $P2 -k $W/sock' -w start" >/dev/null
wait_promoted "$P2"
T_BR=$(echo "$(now) - $t" | bc)
GOT2=$($PGBIN/psql -X -A -t -h 127.0.0.1 -p "$P2" -U postgres -d postgres -c "select count(*) from orders where status like 'audited-%'")

echo
echo "restore to $TARGET on $(nproc) cores, $($PGBIN/postgres --version)"
printf '  pgkeep     %7.1f s  (rows at target: %s of %s expected; peak RSS %s MiB)\n' "$T_PGKEEP" "$GOT1" "$EXPECT" "$(( $(cat "$W/log/pgkeep-rss") / 1024 ))"
printf '  pgbackrest %7.1f s  (rows at target: %s)\n' "$T_BR" "$GOT2"
printf '  ratio pgbackrest/pgkeep: %.2fx\n' "$(echo "$T_BR / $T_PGKEEP" | bc -l)"
