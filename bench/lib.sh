# Shared setup for the benchmarks (sourced by bench/run.sh): the scratch directory, PostgreSQL
# clusters started and stopped as the postgres user, the ~1 GB data set of realistic rows,
# pgBackRest's install and configuration, timing with peak RSS, and the measures file that
# bench/report.ts turns into bench/results/<date>.md. Everything runs as root (servers run as
# postgres, so the scratch directory and the copies of node and the bundle are theirs).
# shellcheck shell=bash

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
NODE_SRC="$BENCH_ROOT/node_modules/node/bin/node"
CLI_SRC="$BENCH_ROOT/dist/cli/index.js"
CLI="" # the copy in the scratch directory, set by bench_init
BENCH_CLUSTERS=()

log() { printf '%s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "bench: $*"; exit 1; }
now() { date +%s.%N; }
as_pg() { runuser -u postgres -- "$@"; }
# psql_at PORT [DB] ARGS…: unaligned, tuples only, no psqlrc.
psql_at() { local p=$1 db=postgres; shift; if [[ ${1:-} != -* ]]; then db=$1; shift; fi; "$PGBIN/psql" -X -q -A -t -h 127.0.0.1 -p "$p" -U postgres -d "$db" -v ON_ERROR_STOP=1 "$@"; }

# bench_init: checks what the bench needs, makes the scratch directory $W and copies node and
# the committed bundle into it (the postgres user must read them as archive_command, and dist/
# may be rebuilt by someone else while a long run is going). The whole dist/cli directory is
# copied: index.js may be a launcher that imports the bundle beside it.
bench_init() {
  [ "$(id -u)" -eq 0 ] || die "run as root (the servers run as the postgres user)."
  [ -x "$PGBIN/initdb" ] || die "no PostgreSQL at $PGBIN (set PGBIN, or run make deps)."
  [ -x "$NODE_SRC" ] || die "no Node 24 at $NODE_SRC (run npm ci)."
  [ -f "$CLI_SRC" ] || die "no bundle at $CLI_SRC (run make bundle)."
  [ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install -y time)."
  command -v zstd >/dev/null || die "zstd is missing (apt-get install -y zstd)."
  W=${BENCH_DIR:-$(mktemp -d /tmp/pgkeep-bench-XXXXXX)}
  mkdir -p "$W"/{bin,log,sock}; chmod 755 "$W"
  # The source cluster, a restored copy, both repositories' rounds and the dumps: about 5× the
  # data set at the peak. Say so before an hour of loading, not when the disk fills.
  local need_mb free_mb
  need_mb=$(awk -v g="${SIZE_GB:-1}" 'BEGIN { printf "%d", g * 5 * 1024 + 512 }')
  free_mb=$(df -Pm "$W" | awk 'NR == 2 {print $4}')
  [ "$free_mb" -ge "$need_mb" ] || log "warning: $free_mb MB free under $W, the run may need about $need_mb MB (set BENCH_DIR elsewhere)"
  cp "$NODE_SRC" "$W/bin/node"; cp -r "$(dirname "$CLI_SRC")" "$W/bin/cli"; CLI="$W/bin/cli/index.js"
  if [ -n "${BENCH_CLI_BASE:-}" ]; then
    [ -f "$BENCH_CLI_BASE/index.js" ] || die "BENCH_CLI_BASE=$BENCH_CLI_BASE has no index.js (give a dist/cli directory)."
    cp -r "$BENCH_CLI_BASE" "$W/bin/cli-base"; CLI_BASE="$W/bin/cli-base/index.js"
  fi
  chown -R postgres:postgres "$W"
  : > "$W/measures.tsv"; : > "$W/facts.tsv"; : > "$W/lag-summary.tsv"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  export PGHOST=127.0.0.1 PGUSER=postgres PGKEEP_PG_BINDIR="$PGBIN" PATH="$PGBIN:$PATH"
}

bench_cleanup() {
  local d
  for d in "${BENCH_CLUSTERS[@]}"; do
    [ -f "$d/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1
  done
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "$W"
}

# ensure_pgbackrest: Debian's package, installed here (never by CI's test run) when missing.
ensure_pgbackrest() {
  command -v pgbackrest >/dev/null && return
  log "installing pgbackrest (apt-get)"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbackrest >/dev/null \
    || die "could not install pgbackrest: apt-get install -y pgbackrest"
}

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

# cluster_start DIR PORT: initdb + start; extra postgresql.conf lines come on stdin.
cluster_start() {
  local d=$1 p=$2
  as_pg "$PGBIN/initdb" -D "$d" -U postgres -A trust --no-sync >/dev/null
  {
    printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n" "$p" "$W/sock"
    cat
  } >> "$d/postgresql.conf"
  BENCH_CLUSTERS+=("$d")
  as_pg "$PGBIN/pg_ctl" -D "$d" -l "$W/log/$(basename "$d").log" -w -t 600 start >/dev/null
}
cluster_stop() { as_pg "$PGBIN/pg_ctl" -D "$1" -m fast -w -t 600 stop >/dev/null; }
wait_promoted() { until [ "$(psql_at "$1" -c 'select pg_is_in_recovery()' 2>/dev/null)" = f ]; do sleep 0.1; done; }
# wait_archived PORT [MAX_SECONDS=120]: switches to a new segment and waits until the archiver
# has it; a broken archive_command stops the run with the server's complaint.
wait_archived() {
  local seg t0; seg=$(psql_at "$1" -c "select pg_walfile_name(pg_switch_wal())"); t0=$SECONDS
  until [ "$(psql_at "$1" -c "select coalesce(last_archived_wal, '') >= '$seg' from pg_stat_archiver")" = t ]; do
    [ $((SECONDS - t0)) -lt "${2:-120}" ] || die "segment $seg not archived after ${2:-120} s: $(grep -h -A1 'archive command failed' "$W"/log/*.log | tail -2)"
    sleep 0.2
  done
}
ready_count() { find "$1/pg_wal/archive_status" -name '*.ready' 2>/dev/null | wc -l; }

# pgbr_conf FILE STANZA PGDATA PORT REPO: pgBackRest as the ticket runs it: zst level 3,
# process-max 2 (what two cores allow), synchronous archive-push (one process per segment).
pgbr_conf() {
  cat > "$1" <<EOF
[global]
repo1-path=$5
compress-type=zst
compress-level=3
process-max=2
start-fast=y
log-level-console=warn
log-level-file=off
log-path=$W/log
lock-path=$W/log
spool-path=$W/log
[$2]
pg1-path=$3
pg1-port=$4
pg1-socket-path=$W/sock
pg1-user=postgres
EOF
  mkdir -p "$5"; chown postgres:postgres "$1" "$5"
}

# timed CMD…: runs CMD, sets T_SECS, T_RSS (KiB, the largest process it waited for) and T_OK.
timed() {
  T_OK=1
  /usr/bin/time -f '%e %M' -o "$W/log/time.out" "$@" >>"$W/log/tools.out" 2>>"$W/log/tools.err" || {
    T_OK=0; log "FAILED: $*"; tail -5 "$W/log/tools.err" >&2
  }
  read -r T_SECS T_RSS < <(tail -1 "$W/log/time.out")
  case $T_SECS in ''|*[!0-9.]*) T_SECS=0 ;; esac
  case $T_RSS in ''|*[!0-9]*) T_RSS=0 ;; esac
}
# record PHASE TOOL ROUND [NOTE]: appends the last timed run to measures.tsv.
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$T_SECS" "$T_RSS" "$T_OK" "${4:-}" >> "$W/measures.tsv"
  log "  $2: ${T_SECS} s, $((T_RSS / 1024)) MiB$([ "$T_OK" = 1 ] || echo ', FAILED')${4:+, $4}"
}
fact() { printf '%s\t%s\n' "$1" "$2" >> "$W/facts.tsv"; }
# rotate R A B C…: the tools in the order of round R (each tool leads once every N rounds).
rotate() { local r=$1; shift; local n=$#; local a=("$@") i; for ((i = 0; i < n; i++)); do echo "${a[(i + r) % n]}"; done; }
mib_of() { du -sb "$@" 2>/dev/null | awk '{s += $1} END {printf "%.0f", s / 1048576}'; }

# load_dataset PORT SIZE_GB: three databases shaped like the operators' (core: customers and
# orders with jsonb line items and free-text notes; keycloak: users with uuid keys and jsonb
# attributes; grafana: dashboards as jsonb documents), loaded in parallel, indexed afterwards.
# About 1 GB on disk per SIZE_GB, beyond the ~7 MB of each empty database (calibrated on
# PostgreSQL 15: 0.06 → 46 MB of rows and indexes with 1.9 M rows per GB, hence 2.45 M).
load_dataset() {
  local p=$1 n
  n=$(awk -v g="$2" 'BEGIN { n = int(g * 2450000); print (n < 1000 ? 1000 : n) }')
  for db in core keycloak grafana; do psql_at "$p" -c "create database $db"; done
  psql_at "$p" core -c "
    create table customers(id bigint primary key, name text not null, email text not null, country char(2), created_at timestamptz, balance numeric(12,2));
    create table orders(id bigint primary key, customer_id bigint not null, placed_at timestamptz not null, status text not null, total numeric(12,2), items jsonb, note text);"
  local pids=()
  psql_at "$p" core -c "insert into customers
    select g, initcap(md5(g::text)), 'user' || g || '@' || (array['example.com','mail.org','corp.net'])[1 + g % 3],
           (array['DE','FR','US','GB','JP','BR'])[1 + g % 6], now() - (g % 1000) * interval '1 day', round((random() * 10000)::numeric, 2)
    from generate_series(1, $((n / 2))) g" & pids+=($!)
  psql_at "$p" core -c "insert into orders
    select g, 1 + (g::bigint * 7919) % $((n / 2)), now() - (g % 100000) * interval '1 minute',
           (array['new','paid','shipped','delivered','returned'])[1 + g % 5], round((random() * 500)::numeric, 2),
           jsonb_build_array(jsonb_build_object('sku', 'SKU-' || (g % 5000), 'qty', 1 + g % 4, 'price', (g % 9000) / 100.0)),
           case when g % 4 = 0 then 'deliver to back door, ring twice ' || md5(g::text) end
    from generate_series(1, $n) g" & pids+=($!)
  psql_at "$p" keycloak -c "create table users(id uuid primary key default gen_random_uuid(), username text, email text, attrs jsonb);
    insert into users(username, email, attrs) select 'user' || g, 'u' || g || '@example.com',
      jsonb_build_object('realm', 'r' || g % 10, 'roles', jsonb_build_array('view', 'edit'), 'n', g, 'locale', (array['de','en','fr'])[1 + g % 3])
    from generate_series(1, $((n / 3))) g" & pids+=($!)
  psql_at "$p" grafana -c "create table dashboard(id bigint primary key, title text, data jsonb, updated timestamptz default now());
    insert into dashboard(id, title, data) select g, 'dash ' || g,
      jsonb_build_object('panels', jsonb_build_array(jsonb_build_object('id', g, 'query', 'sum(rate(http_requests_total{job=\"api-' || g % 50 || '\"}[5m]))', 'title', md5(g::text))))
    from generate_series(1, $((n / 6))) g" & pids+=($!)
  local pid; for pid in "${pids[@]}"; do wait "$pid" || die "loading the data set failed"; done
  psql_at "$p" core -c "create index on orders(customer_id); create index on orders(placed_at); create index on customers(email)"
  psql_at "$p" keycloak -c "create index on users(username)"
  psql_at "$p" -c "checkpoint"
}
# rows_of PORT DB: exact row counts of a data-set database, to check a restore brought back all.
rows_of() {
  case $2 in
    core*) psql_at "$1" "$2" -c "select (select count(*) from customers) || '+' || (select count(*) from orders)" ;;
    keycloak*) psql_at "$1" "$2" -c "select count(*) from users" ;;
    grafana*) psql_at "$1" "$2" -c "select count(*) from dashboard" ;;
  esac
}

# machine_facts: what a reader needs to compare two reports.
machine_facts() {
  fact "date" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  fact "cores (nproc)" "$(nproc)"
  fact "memory" "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  fact "CPU" "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
  fact "kernel" "$(uname -r)"
  fact "PostgreSQL" "$("$PGBIN/postgres" --version)"
  fact "Node" "$("$W/bin/node" --version) (node_modules/node)"
  # index.js is only the launcher: the digest covers every file of dist/cli, so two builds differ here.
  fact "pgkeep bundle" "dist/cli ($(du -sb "$(dirname "$CLI_SRC")" | cut -f1) bytes, sha256 of its files $(cd "$(dirname "$CLI_SRC")" && sha256sum -- * | sha256sum | cut -c1-12)), commit $(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  fact "pgBackRest" "$(pgbackrest version 2>/dev/null || echo 'not installed')"
  fact "load average at start" "$(cut -d' ' -f1-3 /proc/loadavg)"
}
