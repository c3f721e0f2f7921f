#!/usr/bin/env bash
# Install what pgkeep's demo and tests need on a fresh Debian 12 machine (as root):
# PostgreSQL 15 server + client tools, and the npm packages (Node 24 comes from the `node` devDependency).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "PostgreSQL 15 is missing: run as root or: sudo apt-get install -y postgresql-15" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
fi
if [ ! -x node_modules/node/bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
