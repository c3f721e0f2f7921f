// The totals line CI reads (`N passed, N failed`, scripts/test-summary.mjs) must count every way a
// run can fail, not only failed tests: real vitest runs small fixture suites (in a temp dir, with
// their own config, so the main run never picks them up) and the summary step reads its report
// and exit status exactly as scripts/run-tests.sh does.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const NODE24 = path.join(ROOT, 'node_modules/node/bin/node');
const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');

const FIXTURES: Record<string, string> = {
  // Its own config: the report goes where PGKEEP_TEST_JSON says, as in the project's config.
  'vitest.config.mjs': `export default { test: { include: ['*.case.mjs'], pool: 'forks', cache: false, testTimeout: 5000, hookTimeout: 5000,
  reporters: process.env.PGKEEP_TEST_JSON ? ['default', ['json', { outputFile: process.env.PGKEEP_TEST_JSON }]] : ['default'] } };\n`,
  'pass.case.mjs': `import { it } from 'vitest';\nit('passes', () => {});\nit.skip('is skipped on purpose', () => {});\n`,
  'failing-test.case.mjs': `import { it, expect } from 'vitest';\nit('fails', () => { expect(1).toBe(2); });\n`,
  'failing-before-all.case.mjs': `import { beforeAll, describe, it } from 'vitest';
describe('suite', () => { beforeAll(() => { throw new Error('setup broke'); }); it('one', () => {}); it('two', () => {}); });\n`,
  'failing-after-all.case.mjs': `import { afterAll, describe, it } from 'vitest';
describe('suite', () => { afterAll(() => { throw new Error('teardown broke'); }); it('runs', () => {}); });\n`,
  'import-error.case.mjs': `import { it } from 'vitest';\nthrow new Error('import broke');\nit('never defined', () => {});\n`,
  'unhandled-rejection.case.mjs': `import { it } from 'vitest';
it('leaves a rejection behind', async () => { Promise.reject(new Error('nobody listens')); await new Promise((r) => setTimeout(r, 50)); });\n`,
  'uncaught-exception.case.mjs': `import { it } from 'vitest';
it('throws from a timer', async () => { setTimeout(() => { throw new Error('late throw'); }, 1); await new Promise((r) => setTimeout(r, 50)); });\n`,
  'process-exit.case.mjs': `import { it } from 'vitest';\nit('exits', () => { process.exit(3); });\n`,
  'crashed-worker.case.mjs': `import { it } from 'vitest';
it('is killed', async () => { process.kill(process.pid, 'SIGKILL'); await new Promise((r) => setTimeout(r, 5000)); });\n`,
};

/** The environment of a fresh shell: nothing of the vitest run this test itself runs in. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(VITEST|PGKEEP_TEST_JSON$|NODE_OPTIONS$|TEST$|NODE_ENV$)/.test(k)) env[k] = v;
  return { ...env, PATH: `${path.dirname(NODE24)}:${process.env.PATH}`, ...extra };
}

describe('totals line of the test run (scripts/test-summary.mjs)', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pgkeep-summary-'));
    for (const [name, text] of Object.entries(FIXTURES)) writeFileSync(path.join(dir, name), text);
    // The fixtures import 'vitest' from the project's own install.
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** vitest on the given fixtures, then the summary step with its report and exit status. */
  function run(...fixtures: string[]): { vitest: number; code: number; lines: string[] } {
    const report = path.join(dir, `report-${fixtures.join('+')}.json`);
    writeFileSync(report, ''); // as mktemp leaves it: a crash that writes nothing must not read an old report
    const v = spawnSync(NODE24, [VITEST, 'run', '--root', dir, '--config', path.join(dir, 'vitest.config.mjs'), ...fixtures], {
      cwd: dir,
      env: cleanEnv({ PGKEEP_TEST_JSON: report }),
      encoding: 'utf8',
      timeout: 30_000,
    });
    const s = spawnSync(NODE24, [path.join(ROOT, 'scripts/test-summary.mjs'), report, String(v.status ?? 1)], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8' });
    return { vitest: v.status ?? -1, code: s.status ?? -1, lines: s.stdout.trim().split('\n') };
  }

  it('all passing: counts passed and skipped and exits 0', () => {
    const r = run('pass.case.mjs');
    expect(r.vitest).toBe(0);
    expect(r.lines).toEqual(['1 passed, 0 failed, 1 skipped']);
    expect(r.code).toBe(0);
  });

  it('a failing test is one failure', () => {
    const r = run('pass.case.mjs', 'failing-test.case.mjs');
    expect(r.lines.at(-1)).toBe('1 passed, 1 failed, 1 skipped');
    expect(r.code).toBe(1);
  });

  it('a failed beforeAll counts the tests it kept from running as failed, not skipped', () => {
    const r = run('pass.case.mjs', 'failing-before-all.case.mjs');
    expect(r.lines.at(-1)).toBe('1 passed, 2 failed, 1 skipped');
    expect(r.lines.join('\n')).toMatch(/FAILED outside a test: .*failing-before-all\.case\.mjs \(a beforeAll hook failed/);
    expect(r.code).toBe(1);
  });

  it('a failed afterAll is a failure although its tests passed', () => {
    const r = run('pass.case.mjs', 'failing-after-all.case.mjs');
    expect(r.lines.at(-1)).toBe('2 passed, 1 failed, 1 skipped');
    expect(r.lines.join('\n')).toMatch(/failing-after-all\.case\.mjs/);
    expect(r.code).toBe(1);
  });

  it('a file that fails to import is a failure, with its error', () => {
    const r = run('pass.case.mjs', 'import-error.case.mjs');
    expect(r.lines.at(-1)).toBe('1 passed, 1 failed, 1 skipped');
    expect(r.lines.join('\n')).toMatch(/import-error\.case\.mjs: import broke/);
    expect(r.code).toBe(1);
  });

  it('an unhandled rejection (absent from the JSON report) is a failure, from vitest exit status', () => {
    const r = run('pass.case.mjs', 'unhandled-rejection.case.mjs');
    expect(r.vitest).not.toBe(0);
    expect(r.lines.at(-1)).toBe('2 passed, 1 failed, 1 skipped');
    expect(r.lines.join('\n')).toMatch(/vitest exited with status 1 although no test failed/);
    expect(r.code).toBe(1);
  });

  it('an uncaught exception after a test passed is a failure', () => {
    const r = run('pass.case.mjs', 'uncaught-exception.case.mjs');
    expect(r.lines.at(-1)).toBe('2 passed, 1 failed, 1 skipped');
    expect(r.code).toBe(1);
  });

  it('process.exit in a test is a failure (vitest reports it as a failed test)', () => {
    const r = run('pass.case.mjs', 'process-exit.case.mjs');
    expect(r.lines.at(-1)).toBe('1 passed, 1 failed, 1 skipped');
    expect(r.code).toBe(1);
  });

  it('a crashed worker (no report written at all) is a failure, with the reason', () => {
    const r = run('pass.case.mjs', 'crashed-worker.case.mjs');
    expect(r.vitest).not.toBe(0);
    expect(r.lines.at(-1)).toBe('0 passed, 1 failed');
    expect(r.lines.join('\n')).toMatch(/no readable JSON report \(vitest exited with status 1\)/);
    expect(r.code).toBe(1);
  });

  it('scripts/run-tests.sh hands vitest exit status to the summary and fails the run', () => {
    const r = spawnSync('bash', [path.join(ROOT, 'scripts/run-tests.sh'), '--root', dir, '--config', path.join(dir, 'vitest.config.mjs'), 'pass.case.mjs', 'unhandled-rejection.case.mjs'], {
      cwd: ROOT,
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stdout.trim().split('\n').at(-1)).toBe('2 passed, 1 failed, 1 skipped');
    expect(r.status).not.toBe(0);
  });
});
