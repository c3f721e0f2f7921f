import { describe, expect, it } from 'vitest';
import { pgkeep } from '../../helpers/cli.js';

describe('pgkeep CLI frame', () => {
  it('prints usage with every contract command', async () => {
    const r = await pgkeep(['--help'], {});
    expect(r.code).toBe(0);
    for (const c of ['backup', 'list', 'restore', 'swap', 'wal-push', 'wal-fetch', 'verify', 'expire', 'status']) expect(r.stdout).toContain(`pgkeep ${c}`);
  });

  it('rejects an unknown command and an unknown flag with exit 2 and no stack trace', async () => {
    const a = await pgkeep(['bogus'], {});
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/unknown command "bogus"/);
    const b = await pgkeep(['list', '--frobnicate'], { PGKEEP_REPO: 'file:///tmp/x' });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/frobnicate/);
    expect(b.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the variable when the repository is missing or malformed', async () => {
    const a = await pgkeep(['list'], {});
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/PGKEEP_REPO is empty/);
    const b = await pgkeep(['list'], { PGKEEP_REPO: 's3://AB' });
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/PGKEEP_REPO entry "s3:\/\/AB" is not valid/);
  });

  it('prints a JSON error object with --json', async () => {
    const r = await pgkeep(['list', '--json'], { PGKEEP_REPO: 'ftp://x' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'bad-config' } });
  });
});
