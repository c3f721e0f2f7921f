// `expire --now` moves the clock retention plans with; applied for real, a future --now would
// delete backups still inside the recovery window. It is a dry-run (audit) option only.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExpire } from '../../../src/commands/expire.js';
import { loadConfig } from '../../../src/config/config.js';
import { pgkeep } from '../../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pgkeep-expire-now-'));
const env = { PGKEEP_REPO: `file://${dir}` };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('expire --now', () => {
  it('is a usage error (exit 2) without --dry-run, naming both flags', async () => {
    for (const json of [[], ['--json']]) {
      const r = await pgkeep(['expire', '--now', '2099-01-01T00:00:00Z', ...json], env);
      expect(r.code).toBe(2);
      expect(r.stderr + r.stdout).toMatch(/--now is accepted only with --dry-run/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('works with --dry-run', async () => {
    const r = await pgkeep(['expire', '--now', '2099-01-01T00:00:00Z', '--dry-run', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, plan: { now: '2099-01-01T00:00:00.000Z' } });
  });

  it('is refused by the command itself too, not only by the CLI', async () => {
    await expect(runExpire(loadConfig(env), { now: '2099-01-01T00:00:00Z', dryRun: false })).rejects.toMatchObject({ code: 'bad-usage' });
  });
});
