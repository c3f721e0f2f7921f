# pgkeep — make targets from the operators' ticket, plus demo/test/bundle.
# Node 24 comes from the `node` devDependency: npm scripts and $(NODE) use it.
NODE := node_modules/node/bin/node
PGKEEP := $(NODE) dist/cli/index.js

.PHONY: deps demo test bundle typecheck db-backup db-restore db-verify db-expire db-status

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
