# postgres:16 with Node 24 and the pgkeep bundle, so archive_command = 'pgkeep wal-push %p'
# runs inside the server container. Build from the repository root (needs dist/: npm run build).
FROM node:24-bookworm-slim AS node

FROM postgres:16-bookworm
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY dist/cli /opt/pgkeep/dist/cli
COPY docker/pgkeep.sh /usr/local/bin/pgkeep
COPY docker/initdb-replication.sh /docker-entrypoint-initdb.d/10-replication.sh
RUN chmod 0755 /usr/local/bin/pgkeep && node --version && pgkeep --version
