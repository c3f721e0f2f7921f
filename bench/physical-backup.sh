#!/usr/bin/env bash
# Full physical backup side by side on one ~1 GB cluster of realistic rows:
#   pgkeep backup --type full (BASE_BACKUP over the replication protocol, zstd level 1 compressed
#     as parallel frames by pgkeep; then again with PGKEEP_COMPRESS_AT=server)
#   pg_basebackup -D - -Ft -X none --compress=client-zstd:level=1 to a file (pgkeep's floor)
#   pg_basebackup -Ft -z -Xs (the "script" baseline)
#   pgbackrest backup --type=full (compress-type=zst, process-max=2)
# then WAL push under a heavy pgbench load (segments waiting in archive_status when it stops).
# Prints times, peak RSS and ratios; asserts nothing. Run as root (the server runs as postgres).
# Usage: bench/physical-backup.sh [scratch-dir] [customers-millions=2]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S=${1:-/tmp/pgkeep-bench}
M=${2:-2}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | head -1)
NODE="$ROOT/node_modules/node/bin/node"
PORT=${PORT:-55432}
rm -rf "$S"; mkdir -p "$S"; chmod 755 "$S"
cp "$NODE" "$S/node"; cp -r "$ROOT/dist/cli" "$S/cli"
mkdir -p "$S/repo" "$S/pgbr-repo" "$S/pgbr-log" "$S/zbb" "$S/gzbb"
chown -R postgres:postgres "$S"
# The Unix socket (PGHOST=$S) by default, as pgBackRest, which reads the files directly, is not
# charged for TCP either; PGHOST=127.0.0.1 measures the loopback TCP path (≈0.4 s more per GB).
export PGHOST=${PGHOST_BENCH:-$S} PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
T() {
  /usr/bin/time -f '%e %M' -o "$S/time.out" "$@" 2>>"$S/tools.err" || { echo "FAILED: $*" >&2; tail -5 "$S/tools.err" >&2; }
  tail -1 "$S/time.out"
}

su postgres -c "$BIN/initdb -D $S/data -A trust -U postgres --no-sync >/dev/null"
cat >> "$S/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$S'
wal_level = replica
archive_mode = on
archive_command = '$S/node $S/cli/index.js wal-push --repo file://$S/repo %p'
max_wal_size = '1GB'
checkpoint_timeout = '5min'
shared_buffers = '256MB'
CONF
su postgres -c "$BIN/pg_ctl -D $S/data -l $S/server.log -w start >/dev/null"
trap 'su postgres -c "$BIN/pg_ctl -D $S/data -m immediate stop" >/dev/null 2>&1 || true' EXIT

echo "== loading ~1 GB of customers/orders rows (M=$M million customers)"
psql -qX <<SQL
create table customers(id bigserial primary key, name text not null, email text not null, country char(2), created_at timestamptz, balance numeric(12,2));
insert into customers(name, email, country, created_at, balance)
  select initcap(md5(g::text)), 'user' || g || '@' || (array['example.com','mail.org','corp.net'])[1 + g % 3],
         (array['DE','FR','US','GB','JP','BR'])[1 + g % 6], now() - (g % 1000) * interval '1 day', round((random() * 10000)::numeric, 2)
  from generate_series(1, $M * 1000000) g;
create table orders(id bigserial primary key, customer_id bigint not null, placed_at timestamptz not null, status text not null, total numeric(12,2), items jsonb, note text);
insert into orders(customer_id, placed_at, status, total, items, note)
  select 1 + (g::bigint * 7919) % ($M * 1000000), now() - (g % 100000) * interval '1 minute',
         (array['new','paid','shipped','delivered','returned'])[1 + g % 5], round((random() * 500)::numeric, 2),
         jsonb_build_array(jsonb_build_object('sku', 'SKU-' || (g % 5000), 'qty', 1 + g % 4, 'price', (g % 9000) / 100.0)),
         case when g % 4 = 0 then 'deliver to back door, ring twice ' || md5(g::text) end
  from generate_series(1, $M * 1500000) g;
create index on orders(customer_id); create index on orders(placed_at); create index on customers(email);
checkpoint;
SQL
SIZE=$(psql -qAtX -c "select pg_size_pretty(sum(pg_database_size(oid))) from pg_database")
echo "cluster size: $SIZE"
psql -qAtX -c "select pg_switch_wal()" >/dev/null; sleep 2

echo "== pgkeep backup --type full (fast checkpoint)"
read -r t_pgkeep rss_pgkeep < <(T sh -c "PGKEEP_REPO=file://$S/repo $S/node $S/cli/index.js backup --type full --checkpoint fast --json > $S/pgkeep.json")
du -sb "$S/repo/backups" | awk '{printf "  stored %.0f MiB\n", $1/1048576}'

echo "== pgkeep backup --type full, PGKEEP_COMPRESS_AT=server (zstd in the walsender)"
read -r t_pgkeep_s rss_pgkeep_s < <(T sh -c "PGKEEP_COMPRESS_AT=server PGKEEP_REPO=file://$S/repo $S/node $S/cli/index.js backup --type full --checkpoint fast --json > $S/pgkeep-s.json")

echo "== pg_basebackup -D - -Ft -Xnone --compress=client-zstd:level=1"
read -r t_czstd rss_czstd < <(T sh -c "$BIN/pg_basebackup -D - -Ft -X none -c fast --compress=client-zstd:level=1 > $S/zbb/base.tar.zst 2>/dev/null")
du -sb "$S/zbb" | awk '{printf "  stored %.0f MiB\n", $1/1048576}'

echo "== pg_basebackup -Ft -z -Xs"
read -r t_gz rss_gz < <(T "$BIN/pg_basebackup" -D "$S/gzbb/b" -Ft -z -X stream -c fast)
du -sb "$S/gzbb" | awk '{printf "  stored %.0f MiB\n", $1/1048576}'

echo "== pgbackrest backup --type=full (zst, process-max=2)"
cat > "$S/pgbackrest.conf" <<CONF
[global]
repo1-path=$S/pgbr-repo
log-path=$S/pgbr-log
lock-path=$S/pgbr-log
compress-type=zst
process-max=2
start-fast=y
archive-check=n
log-level-console=warn
[bench]
pg1-path=$S/data
pg1-port=$PORT
pg1-socket-path=$S
pg1-user=postgres
CONF
chown -R postgres:postgres "$S/pgbackrest.conf" "$S/pgbr-repo" "$S/pgbr-log"
su postgres -c "pgbackrest --config=$S/pgbackrest.conf --stanza=bench stanza-create" >/dev/null
read -r t_pgbr rss_pgbr < <(T su postgres -c "pgbackrest --config=$S/pgbackrest.conf --stanza=bench --type=full backup")
du -sb "$S/pgbr-repo/backup" | awk '{printf "  stored %.0f MiB\n", $1/1048576}'

echo
printf '%-44s %8s %10s\n' tool seconds 'peak RSS'
printf '%-44s %8s %8s MB\n' 'pgkeep backup --type full' "$t_pgkeep" $((rss_pgkeep / 1024))
printf '%-44s %8s %8s MB\n' 'pgkeep backup, PGKEEP_COMPRESS_AT=server' "$t_pgkeep_s" $((rss_pgkeep_s / 1024))
printf '%-44s %8s %8s MB\n' 'pg_basebackup client-zstd:level=1' "$t_czstd" $((rss_czstd / 1024))
printf '%-44s %8s %8s MB\n' 'pg_basebackup -Ft -z -Xs' "$t_gz" $((rss_gz / 1024))
printf '%-44s %8s %8s MB\n' 'pgbackrest backup (zst, process-max 2)' "$t_pgbr" $((rss_pgbr / 1024))
awk -v a="$t_pgkeep" -v b="$t_pgbr" -v c="$t_gz" -v d="$t_czstd" 'BEGIN {
  printf "pgkeep vs pgbackrest: %.2fx faster; vs pg_basebackup -z: %.2fx faster; vs client-zstd: %.2fx\n", b/a, c/a, d/a }'
awk -v a="$t_pgkeep_s" -v b="$t_pgbr" 'BEGIN { printf "pgkeep (server zstd) vs pgbackrest: %.2fx faster\n", b/a }'

# One run each is noisy on a shared 2-core VM: ROUNDS more, interleaved, and the medians.
# "server, 2 workers" is the like-for-like peer of pgBackRest process-max 2: both compress on
# the database host with two threads (pgkeep's default compresses on the runner instead).
ROUNDS=${ROUNDS:-3}
if [ "$ROUNDS" -gt 0 ]; then
  echo
  echo "== $ROUNDS interleaved rounds: pgkeep (runner zstd), pgkeep (server zstd, 2 workers), pgbackrest"
  : > "$S/rounds.txt"
  for r in $(seq "$ROUNDS"); do
    read -r a _ < <(T sh -c "PGKEEP_REPO=file://$S/repo $S/node $S/cli/index.js backup --type full --checkpoint fast --quiet > /dev/null")
    read -r c _ < <(T sh -c "PGKEEP_COMPRESS_AT=server PGKEEP_ZSTD_WORKERS=2 PGKEEP_REPO=file://$S/repo $S/node $S/cli/index.js backup --type full --checkpoint fast --quiet > /dev/null")
    read -r b _ < <(T su postgres -c "pgbackrest --config=$S/pgbackrest.conf --stanza=bench --type=full backup")
    echo "$a $c $b" | tee -a "$S/rounds.txt" | awk '{printf "  round: pgkeep %s s, pgkeep server-zstd %s s, pgbackrest %s s\n", $1, $2, $3}'
  done
  med() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
  A=$(awk '{print $1}' "$S/rounds.txt" | med); C=$(awk '{print $2}' "$S/rounds.txt" | med); B=$(awk '{print $3}' "$S/rounds.txt" | med)
  awk -v a="$A" -v c="$C" -v b="$B" 'BEGIN { printf "  medians: pgkeep %s s (%.2fx pgbackrest), pgkeep server-zstd 2 workers %s s (%.2fx), pgbackrest %s s\n", a, b/a, c, b/c, b }'
fi
[ -n "${SKIP_WAL_PUSH:-}" ] && exit 0

echo
echo "== WAL push under load: ~40 MB/s of WAL for 40 s (pgbench, 1000 tx/s of 40 rows x 960 bytes, synchronous_commit off)"
psql -qX -c "create table wal_load(v text)"
echo "insert into wal_load select repeat(md5(random()::text), 30) from generate_series(1, 40);" > "$S/wal-load.sql"
psql -qAtX -c "select pg_switch_wal()" >/dev/null
sleep 3
L0=$(psql -qAtX -c "select pg_current_wal_lsn()")
A0=$(psql -qAtX -c "select archived_count from pg_stat_archiver")
PGOPTIONS='-c synchronous_commit=off' "$BIN/pgbench" -n -c 4 -j 2 -T 40 -R 1000 -f "$S/wal-load.sql" >/dev/null 2>&1
READY=$(ls "$S/data/pg_wal/archive_status" | grep -c '\.ready$' || true)
L1=$(psql -qAtX -c "select pg_current_wal_lsn()")
A1=$(psql -qAtX -c "select archived_count || ' archived, ' || failed_count || ' failed' from pg_stat_archiver")
MB=$(psql -qAtX -c "select round(pg_wal_lsn_diff('$L1', '$L0') / 1048576 / 40.0, 1)")
echo "WAL rate ${MB} MB/s; segments waiting in archive_status at the end: $READY; archiver: $A1 (was $A0 archived)"
