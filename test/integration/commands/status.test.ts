// `pgkeep status` on a real repository written by a real backup: recovery window, newest
// backup, WAL age from the store's write times, and the dead-man exit code.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { pgkeep } from '../../helpers/cli.js';
import { binDir, startCluster } from '../../helpers/pg.js';

describe('pgkeep status', () => {
  let c: LocalCluster;
  let repo: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    c = await startCluster();
    await c.psql('create database shop');
    repo = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-status-repo-'));
    env = { ...c.env, PGKEEP_REPO: `file://${repo}`, PGKEEP_PG_BINDIR: binDir() };
  });
  afterAll(async () => {
    await c?.destroy();
    if (repo) await fsp.rm(repo, { recursive: true, force: true });
  });

  it('an empty repository is stale: exit 1 and the reason', async () => {
    const r = await pgkeep(['status'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('The repository holds no backup at all.');
  });

  it('after a logical backup: window = that backup, fresh under the threshold, stale over it', async () => {
    const b = await pgkeep(['backup', '--type', 'logical', '--json'], env);
    expect(b.code).toBe(0);
    const backup = JSON.parse(b.stdout);
    const r = await pgkeep(['status', '--json'], env);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.backups).toMatchObject({ count: 1, logical: 1, full: 0, bytes: backup.bytes });
    expect(s.window).toEqual({ oldest: backup.stopTime, newest: backup.stopTime });
    expect(s.newestLogical.id).toBe(backup.id);
    expect(s.stale).toBe(false);
    await new Promise((res) => setTimeout(res, 1200));
    const stale = await pgkeep(['status', '--max-age-hours', '0.0002'], env);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(new RegExp(`newest logical backup ${backup.id} finished .* more than the allowed 0\\.0002 h`));
  });

  it('WAL age comes from when the segment was written to the repository', async () => {
    // A segment as wal-push would store it; its mtime is its archive time.
    const dir = path.join(repo, 'wal', '00000001');
    await fsp.mkdir(dir, { recursive: true });
    const seg = path.join(dir, '000000010000000000000009.zst');
    await fsp.writeFile(seg, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await fsp.utimes(seg, twoHoursAgo, twoHoursAgo);
    const s = JSON.parse((await pgkeep(['status', '--json'], env)).stdout);
    expect(s.newestWal.name).toBe('000000010000000000000009');
    expect(s.newestWal.ageHours).toBeCloseTo(2, 1);
  });

  it('rejects a bad threshold as a usage error', async () => {
    const r = await pgkeep(['status', '--max-age-hours', 'soon'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-age-hours="soon" is not valid');
  });
});
