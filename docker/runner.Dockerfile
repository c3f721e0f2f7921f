# A runner-like container: Node 24, PostgreSQL 16 client and server binaries (drills start a
# throwaway cluster), the CLI and the three action bundles, and `run-action` which runs a bundle
# exactly as the Actions runner does (INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY).
FROM node:24-bookworm-slim AS node

FROM postgres:16-bookworm
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY dist /opt/pgkeep/dist
COPY actions /opt/pgkeep/actions
COPY docker/pgkeep.sh /usr/local/bin/pgkeep
COPY docker/run-action.sh /usr/local/bin/run-action
RUN chmod 0755 /usr/local/bin/pgkeep /usr/local/bin/run-action \
 && mkdir -p /work && chown postgres:postgres /work
# Drills run initdb/pg_ctl, which refuse root: act as the postgres OS user, like a runner service account.
USER postgres
WORKDIR /work
ENV PATH=/usr/lib/postgresql/16/bin:$PATH PGKEEP_PG_BINDIR=/usr/lib/postgresql/16/bin
ENTRYPOINT []
CMD ["sleep", "infinity"]
