import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Rebuilds dist/cli/index.js when src/ changed: archive_command tests run the bundle.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Integration files each start their own PostgreSQL; two at a time fits a 2-core machine.
    maxWorkers: 2,
    minWorkers: 1,
    reporters: process.env.PGKEEP_TEST_JSON ? ['default', ['json', { outputFile: process.env.PGKEEP_TEST_JSON }]] : ['default'],
  },
});
