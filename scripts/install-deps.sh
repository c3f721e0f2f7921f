#!/usr/bin/env bash
# Install what pgkeep's demo and tests need on a fresh Debian 12 machine (as root):
# PostgreSQL 15 server + client tools, and the npm packages (Node 24 comes from the `node` devDependency).
set -euo pipefail
cd "$(dirname "$0")/.."
# postgresql-15: server + client tools (pgbench, pg_amcheck, pg_verifybackup included);
# zstd + jq: the README's by-hand restore recipe is tested with them.
missing=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
command -v zstd >/dev/null || missing+=(zstd)
command -v jq >/dev/null || missing+=(jq)
# age: the by-hand recipe for an encrypted repository (age -d | zstd -dc | …) is tested with it.
command -v age >/dev/null || missing+=(age)
# shellcheck: test/unit/workflows/lint.test.ts checks every workflow's run: scripts with it.
command -v shellcheck >/dev/null || missing+=(shellcheck)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "Missing packages: ${missing[*]}: run as root or: sudo apt-get install -y ${missing[*]}" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -x node_modules/node/bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
