#!/usr/bin/env bash
# Logical backup and restore side by side on one cluster with three databases of realistic rows
# (core/keycloak/grafana, ≈1 GB of dump at the default scale):
#   the ticket's script: serial `pg_dump | gzip` per database, restore `gunzip | psql`
#   pgkeep backup --type logical (pg_dump -Fc -Z0 → zstd:3, 2 databases at a time, streamed)
#   pgkeep restore --logical (streamed into pg_restore) and --jobs 2
# Prints seconds, peak RSS and ratios; asserts nothing. Run as root (the server runs as postgres).
# Usage: bench/logical-backup.sh [scratch-dir] [scale=1 (≈1 GB)]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S=${1:-/tmp/pgkeep-bench-logical}
SCALE=${2:-1}
BIN=${PGBIN:-/usr/lib/postgresql/15/bin}
NODE="$ROOT/node_modules/node/bin/node"
CLI="$ROOT/dist/cli/index.js"
PORT=${PORT:-55441}
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
rm -rf "$S"; mkdir -p "$S/repo" "$S/gz"; chmod 755 "$S"; [ "$(id -u)" -eq 0 ] && chown postgres "$S"
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=postgres PGKEEP_REPO="file://$S/repo" PGKEEP_PG_BINDIR="$BIN"
export PATH="$BIN:$PATH"
T() { /usr/bin/time -f '%e %M' -o "$S/time" "$@"; read -r secs kib < "$S/time"; echo "$secs $((kib / 1024))"; }
trap 'as_pg pg_ctl -D "$S/data" -m immediate stop >/dev/null 2>&1 || true' EXIT

as_pg initdb -D "$S/data" -U postgres -A trust --no-sync >/dev/null
printf "port = $PORT\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '$S'\nfsync = off\nshared_buffers = 256MB\nmax_wal_size = 4GB\n" >> "$S/data/postgresql.conf"
as_pg pg_ctl -D "$S/data" -l "$S/server.log" -w start >/dev/null

echo "loading data (scale $SCALE)…"
N=$((SCALE * 2500000))
for db in core keycloak grafana; do psql -X -q -c "create database $db"; done
psql -X -q -d core -c "create table customers(id bigint primary key, name text, email text, created timestamptz);
  insert into customers select g, 'customer ' || g, 'c' || g || '@example.com', now() - g * interval '1 min' from generate_series(1, $N) g;
  create table orders(id bigint primary key, customer_id bigint, amount numeric(12,2), status text, note text);
  insert into orders select g, (g::bigint * 7919) % $N + 1, (g % 10000) / 3.0, (array['new','paid','shipped','returned'])[g % 4 + 1], md5(g::text) from generate_series(1, $N) g;
  create index on orders(customer_id);"
psql -X -q -d keycloak -c "create table users(id uuid primary key default gen_random_uuid(), username text, attrs jsonb);
  insert into users(username, attrs) select 'user' || g, jsonb_build_object('realm', 'r' || g % 10, 'roles', jsonb_build_array('a', 'b'), 'n', g) from generate_series(1, $((N / 2))) g;"
psql -X -q -d grafana -c "create table dashboard(id serial primary key, title text, data jsonb, updated timestamptz default now());
  insert into dashboard(title, data) select 'dash ' || g, jsonb_build_object('panels', jsonb_build_array(jsonb_build_object('id', g, 'query', repeat('rate(x[5m]) ', 5)))) from generate_series(1, $((N / 4))) g;"
psql -X -q -c "checkpoint"
echo "database sizes: $(psql -X -At -c "select string_agg(datname || ' ' || pg_size_pretty(pg_database_size(datname)), ', ') from pg_database where datname in ('core','keycloak','grafana')")"

read -r gz_s gz_m < <(T bash -c "for db in core keycloak grafana; do pg_dump -d \$db | gzip > '$S/gz/'\$db.sql.gz; done")
gz_bytes=$(du -cb "$S"/gz/* | tail -1 | cut -f1)
read -r pk_s pk_m < <(T bash -c "'$NODE' '$CLI' backup --type logical --databases core,keycloak,grafana --quiet >/dev/null")
pk_bytes=$(du -cb "$S"/repo/backups/*/*.zst | tail -1 | cut -f1)
read -r gzr_s gzr_m < <(T bash -c "for db in core keycloak grafana; do createdb \${db}_gz && gunzip -c '$S/gz/'\$db.sql.gz | psql -X -q -v ON_ERROR_STOP=1 -d \${db}_gz >/dev/null || exit 1; done")
read -r pkr_s pkr_m < <(T bash -c "for db in core keycloak grafana; do '$NODE' '$CLI' restore --logical --database \$db --quiet >/dev/null || exit 1; done")
for db in core keycloak grafana; do psql -X -q -c "drop database ${db}_restore"; done
read -r pkj_s pkj_m < <(T bash -c "for db in core keycloak grafana; do '$NODE' '$CLI' restore --logical --database \$db --jobs 2 --quiet >/dev/null || exit 1; done")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
printf '\n%-44s %8s %10s %12s\n' "step" "seconds" "peak MiB" "stored MiB"
printf '%-44s %8s %10s %12s\n' "script: pg_dump | gzip (serial)" "$gz_s" "$gz_m" "$((gz_bytes / 1048576))"
printf '%-44s %8s %10s %12s\n' "pgkeep backup --type logical" "$pk_s" "$pk_m" "$((pk_bytes / 1048576))"
printf '%-44s %8s %10s\n' "script: gunzip | psql (serial)" "$gzr_s" "$gzr_m"
printf '%-44s %8s %10s\n' "pgkeep restore --logical (3 dbs, streamed)" "$pkr_s" "$pkr_m"
printf '%-44s %8s %10s\n' "pgkeep restore --logical --jobs 2" "$pkj_s" "$pkj_m"
echo
echo "backup:  pgkeep is $(ratio "$gz_s" "$pk_s") faster than the gzip script"
echo "restore: pgkeep is $(ratio "$gzr_s" "$pkr_s") faster (streamed), $(ratio "$gzr_s" "$pkj_s") with --jobs 2"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
