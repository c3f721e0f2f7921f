#!/usr/bin/env bash
# `make demo`: the whole product on embedded defaults, on a throwaway local cluster and a file
# repository. Backs up (full + logical + globals), archives WAL continuously, restores the
# cluster to a point in time (dry run first) and one database logically, verifies, and prints
# what happened. Nothing outside one temp directory is touched; KEEP=1 keeps it for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
PGBIN="${PGKEEP_PG_BINDIR:-/usr/lib/postgresql/15/bin}"
DEMO="$(mktemp -d -t pgkeep-demo-XXXXXX)"
chmod 755 "$DEMO"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# The server (and so archive_command) runs as `postgres` when we are root: give it its own
# copy of Node 24 and the bundle in a directory it can read.
mkdir -p "$DEMO/bin" "$DEMO/repo"
cp node_modules/node/bin/node "$DEMO/bin/node"
cp -r dist/cli "$DEMO/bin/cli"
NODE="$DEMO/bin/node"
CLI="$DEMO/bin/cli/index.js"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$DEMO"; fi

PORT=$(( 20000 + RANDOM % 20000 ))
RPORT=$(( PORT + 1 ))
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGDATABASE=postgres
export PGKEEP_REPO="file://$DEMO/repo"
pgkeep() { as_pg env PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER PGKEEP_REPO="$PGKEEP_REPO" PGKEEP_PG_BINDIR="$PGBIN" "$NODE" "$CLI" "$@"; }
psqlc() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$DEMO/restored" -m immediate stop >/dev/null 2>&1 || true
  as_pg "$PGBIN/pg_ctl" -D "$DEMO/data" -m immediate stop >/dev/null 2>&1 || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $DEMO"; else rm -rf "$DEMO"; fi
}
trap cleanup EXIT

say "1. A throwaway PostgreSQL 15 on port $PORT, archiving WAL with pgkeep wal-push"
as_pg "$PGBIN/initdb" -D "$DEMO/data" -U postgres -A trust --no-sync >/dev/null
cat >> "$DEMO/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DEMO'
wal_level = replica
archive_mode = on
archive_timeout = 60
archive_command = '"$NODE" "$CLI" wal-push --repo "$PGKEEP_REPO" %p'
track_commit_timestamp = on
CONF
as_pg "$PGBIN/pg_ctl" -D "$DEMO/data" -l "$DEMO/server.log" -w start >/dev/null

say "2. Sample databases core, keycloak, grafana (and a role that owns objects)"
psqlc -c "create role app login password 'demo-secret'" -c "create database core owner app" -c "create database keycloak" -c "create database grafana"
psqlc -d core -U app -c "create table orders(id bigserial primary key, customer text, amount numeric(10,2), created timestamptz default now())" \
  -c "insert into orders(customer, amount) select 'c' || g % 97, g * 1.5 from generate_series(1, 20000) g"
psqlc -d keycloak -c "create table users(id uuid primary key default gen_random_uuid(), name text)" -c "insert into users(name) select 'u' || g from generate_series(1, 5000) g"
psqlc -d grafana -c "create table dashboards(id serial primary key, doc jsonb)" -c "insert into dashboards(doc) select jsonb_build_object('n', g) from generate_series(1, 2000) g"

say "3. Full physical backup, then logical backups of every database with globals"
pgkeep backup --type full --checkpoint fast
pgkeep backup --type logical

say "4. More writes; remember the instant T between them"
psqlc -d core -c "insert into orders(customer, amount) values ('before-T', 1)"
sleep 1
T=$(psqlc -At -c "select to_char(now() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
sleep 1
psqlc -d core -c "insert into orders(customer, amount) values ('after-T', 2)"
psqlc -At -c "select pg_switch_wal()" >/dev/null
for i in $(seq 1 60); do
  [ "$(psqlc -At -c "select count(*) from pg_ls_archive_statusdir() where name like '%.ready'")" = 0 ] && break
  sleep 1
done
echo "T = $T"

say "5. pgkeep list"
pgkeep list

say "6. Point-in-time restore to T: dry run first, then for real, then start it"
pgkeep restore --time "$T" --to "$DEMO/restored" --dry-run
pgkeep restore --time "$T" --to "$DEMO/restored"
sed -i "s/^port = .*/port = $RPORT/" "$DEMO/restored/postgresql.conf"
as_pg "$PGBIN/pg_ctl" -D "$DEMO/restored" -l "$DEMO/restored.log" -w -t 120 start >/dev/null
for i in $(seq 1 60); do [ "$(psqlc -p $RPORT -At -c 'select pg_is_in_recovery()')" = f ] && break; sleep 1; done
BEFORE=$(psqlc -p $RPORT -d core -At -c "select count(*) from orders where customer = 'before-T'")
AFTER=$(psqlc -p $RPORT -d core -At -c "select count(*) from orders where customer = 'after-T'")
echo "restored cluster at T: row written before T present=$BEFORE (want 1), row written after T present=$AFTER (want 0)"
[ "$BEFORE" = 1 ] && [ "$AFTER" = 0 ] || { echo "PITR result is wrong" >&2; exit 1; }

say "7. Logical restore of core into core_restore (never over core), compare"
pgkeep restore --logical --database core
A=$(psqlc -d core -At -c "select count(*) from orders where customer not in ('before-T','after-T')")
B=$(psqlc -d core_restore -At -c "select count(*) from orders")
echo "core: $A original rows, core_restore: $B rows"
[ "$A" = "$B" ] || { echo "logical restore mismatch" >&2; exit 1; }

say "8. Verify every object, the WAL chain, pg_restore --list and pg_verifybackup"
pgkeep verify

say "Done: backups, WAL archive, PITR to T, logical restore and verification all worked (repo: $PGKEEP_REPO)"
