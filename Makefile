# pgkeep — make targets from the operators' ticket, plus demo/test/bundle.
# Node 24 comes from the `node` devDependency: npm scripts and $(NODE) use it.
NODE := node_modules/node/bin/node
PGKEEP := $(NODE) dist/cli/index.js

.PHONY: deps demo test bundle typecheck bench db-backup db-restore db-verify db-expire db-status

deps:
	bash scripts/install-deps.sh

## Run the whole product on embedded defaults: throwaway cluster + file repository.
demo: deps
	bash scripts/demo.sh

## The test suite (what CI runs); prints `N passed, N failed` last.
test: deps
	bash scripts/run-tests.sh

bundle:
	npm run build

typecheck:
	npx tsc --noEmit -p .

## pgkeep side by side with pgBackRest, pg_basebackup -z and the pg_dump | gzip script, interleaved
## rounds; writes bench/results/<date>.md and an archive-lag SVG (as root; installs pgbackrest if missing).
## make bench [QUICK=1] [BENCH_SIZE_GB=1] [BENCH_ROUNDS=3] [BENCH_PHASES=full-backup,logical-backup,…]
bench:
	BENCH_QUICK=$(or $(QUICK),$(BENCH_QUICK)) bash bench/run.sh

## Operators' targets (configuration from the environment: PGHOST…/DATABASE_URL, PGKEEP_REPO, AWS_*).
## make db-backup [TYPE=logical|full|incr] [DATABASES=a,b]
db-backup:
	$(PGKEEP) backup --type $(or $(TYPE),logical) $(if $(DATABASES),--databases '$(DATABASES)')

## make db-restore TIMESTAMP="2025-11-08T14:30:00Z" [DRY_RUN=1] [TARGET=/path/to/empty/pgdata]
## make db-restore DATABASE=core [TIMESTAMP=…] [TARGET=core_restore] [DRY_RUN=1]   (logical, never overwrites)
## Without TIMESTAMP a physical restore goes to the newest archived WAL (--latest).
db-restore:
ifneq ($(DATABASE),)
	$(PGKEEP) restore --logical --database '$(DATABASE)' $(if $(TARGET),--into '$(TARGET)') $(if $(TIMESTAMP),--time '$(TIMESTAMP)') $(if $(DRY_RUN),--dry-run)
else
	$(PGKEEP) restore $(if $(TIMESTAMP),--time '$(TIMESTAMP)',--latest) $(if $(TARGET),--to '$(TARGET)') $(if $(DRY_RUN),--dry-run)
endif

## make db-verify [DRILL=1] [BACKUP=id]
db-verify:
	$(PGKEEP) verify $(if $(DRILL),--drill) $(if $(BACKUP),--backup '$(BACKUP)')

## make db-expire [DRY_RUN=1] [RETENTION_DAYS=30]
db-expire:
	$(PGKEEP) expire $(if $(DRY_RUN),--dry-run) $(if $(RETENTION_DAYS),--retention-days $(RETENTION_DAYS))

## make db-status [MAX_AGE_HOURS=26]: exits non-zero when backups or WAL are stale (use from cron as a dead-man check)
db-status:
	$(PGKEEP) status $(if $(MAX_AGE_HOURS),--max-age-hours $(MAX_AGE_HOURS))
