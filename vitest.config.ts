import { defineConfig } from 'vitest/config';

/**
 * Suites that start a server and exercise a restore path: they run on every supported major
 * (15 with the whole suite; 16, 17 and 18 from npm builds, test/helpers/pg-servers.ts).
 */
const SERVER_SUITES = [
  'test/integration/backup/physical-full.test.ts',
  'test/integration/backup/logical-backup.test.ts',
  'test/integration/postgres/replication.test.ts',
  'test/integration/restore/pitr*.test.ts',
  'test/integration/restore/by-hand-recipe-physical.test.ts',
  'test/integration/restore/logical-restore*.test.ts',
  'test/integration/restore/replay-confirmed.test.ts',
  'test/integration/restore/restore-isolation.test.ts',
  'test/integration/verify/*.test.ts',
  'test/integration/wal/*.test.ts',
];
/** Suites that pick their own majors (incremental chains need 17+; majors.test.ts loops over all). */
const OWN_MAJORS = ['test/integration/restore/pitr-incremental.test.ts'];

/** PGKEEP_TEST_PG_MAJOR=16 npx vitest run … runs only that major's project, as GitHub's matrix does. */
const only = process.env.PGKEEP_TEST_PG_MAJOR;
const majors = only ? [Number(only)] : [15, 16, 17, 18];

export default defineConfig({
  test: {
    // Rebuilds dist/cli/index.js when src/ changed: archive_command tests run the bundle.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Integration files each start their own PostgreSQL; two at a time fits a 2-core machine.
    maxWorkers: 2,
    minWorkers: 1,
    reporters: process.env.PGKEEP_TEST_JSON ? ['default', ['json', { outputFile: process.env.PGKEEP_TEST_JSON }]] : ['default'],
    projects: majors.map((major) => ({
      extends: true,
      test: {
        name: `pg${major}`,
        // The first major runs everything; the others run the server suites again.
        include: major === majors[0] ? ['test/**/*.test.ts'] : SERVER_SUITES,
        exclude: major === majors[0] ? [] : OWN_MAJORS,
        env: { PGKEEP_TEST_PG_MAJOR: String(major) },
        setupFiles: ['test/setup-pg-major.ts'],
      },
    })),
  },
});
