#!/usr/bin/env bash
# WAL push keeping up: a cluster with archive_command = pgkeep wal-push (the bundle) under a
# write load of large inserts for 40 s; prints the WAL rate, the most and the final number of
# segments waiting in pg_wal/archive_status, and how long the archive took to drain.
# Asserts nothing. Run as root (the server runs as postgres).
# Usage: bench/wal-push.sh [scratch-dir] [clients=4] [seconds=40] [tx-per-second=36 (≈1.1 MB of WAL each; 0 = unthrottled)]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S=${1:-/tmp/pgkeep-bench-wal}
C=${2:-4}
SECS=${3:-40}
RATE=${4:-36}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | head -1)
PORT=${PORT:-55433}
rm -rf "$S"; mkdir -p "$S/repo"; chmod 755 "$S"
cp "$ROOT/node_modules/node/bin/node" "$S/node"; cp -r "$ROOT/dist/cli" "$S/cli"
chown -R postgres:postgres "$S"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
su postgres -c "$BIN/initdb -D $S/data -A trust -U postgres --no-sync >/dev/null"
cat >> "$S/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$S'
wal_level = replica
archive_mode = on
archive_command = '$S/node $S/cli/index.js wal-push --repo file://$S/repo %p'
max_wal_size = '4GB'
synchronous_commit = off
CONF
su postgres -c "$BIN/pg_ctl -D $S/data -l $S/server.log -w start >/dev/null"
trap 'kill $MON 2>/dev/null || true; su postgres -c "$BIN/pg_ctl -D $S/data -m immediate stop" >/dev/null 2>&1 || true' EXIT
psql -qX -c "create table w(id int, v text)"
echo "insert into w select g, repeat(md5(g::text), 16) from generate_series(1, 2000) g;" > "$S/load.sql"
MAX=0
( while sleep 0.5; do ls "$S/data/pg_wal/archive_status" | grep -c '\.ready$' || true; done > "$S/ready.log" ) & MON=$!
L0=$(psql -qAtX -c "select pg_current_wal_lsn()")
R=(); [ "$RATE" != 0 ] && R=(-R "$RATE")
"$BIN/pgbench" -n -f "$S/load.sql" -c "$C" -j 2 -T "$SECS" "${R[@]}" >/dev/null 2>&1
L1=$(psql -qAtX -c "select pg_current_wal_lsn()")
END_READY=$(ls "$S/data/pg_wal/archive_status" | grep -c '\.ready$' || true)
T0=$(date +%s.%N)
LAST=$(psql -qAtX -c "select pg_walfile_name(pg_switch_wal())")
until [ "$(psql -qAtX -c "select coalesce(last_archived_wal,'') >= '$LAST' from pg_stat_archiver")" = t ]; do sleep 0.2; done
T1=$(date +%s.%N)
kill $MON 2>/dev/null || true
MAX=$(sort -n "$S/ready.log" | tail -1)
psql -qAtX -c "select 'WAL ' || round(pg_wal_lsn_diff('$L1', '$L0') / 1048576 / $SECS.0, 1) || ' MB/s over $SECS s'"
echo "segments waiting: at most $MAX during the load, $END_READY when it stopped; drained in $(echo "$T1 - $T0" | bc) s"
psql -qAtX -c "select 'archiver: ' || archived_count || ' archived, ' || failed_count || ' failed' from pg_stat_archiver"
du -sb "$S/repo/wal" | awk -v l0="$L0" '{printf "repository wal/: %.0f MiB\n", $1/1048576}'
