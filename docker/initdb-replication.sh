#!/bin/sh
# Let pgkeep's pg_basebackup (from the runner container) connect for replication with a password.
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
