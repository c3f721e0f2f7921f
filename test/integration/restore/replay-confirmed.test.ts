// restore --start and the drill confirm that replay reached what was planned. Ground truth:
// five batches of 1,000 rows, a WAL switch after each. When the last planned segment vanishes
// from the repository between planning and replay (nothing staged: PGKEEP_RESTORE_STAGE_SEGMENTS=0),
// wal-fetch truthfully answers "no such file", PostgreSQL ends recovery one segment early and
// promotes with 4,000 rows; before the fix that was reported as a successful restore.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { LocalCluster, freePort } from '../../../src/postgres/local-cluster.js';
import { withClient } from '../../../src/postgres/client.js';
import { walKey } from '../../../src/repo/layout.js';
import { startArchivingCluster, type ArchivingCluster } from '../../helpers/archiving-cluster.js';
import { pgkeep, pgkeepBundle } from '../../helpers/cli.js';
import { run as runRestoreAction } from '../../../src/actions/pg-restore/run.js';
import { stopDataDir as stopDir } from '../../helpers/pg.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('replay is confirmed to reach the planned end', () => {
  let setup: ArchivingCluster;
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let env: Record<string, string>;
  let work: string;
  let running: string[];
  let lastSeg = '';

  /** A copy of the repository (ownership kept: the server's restore_command reads it). */
  async function copyRepo(name: string): Promise<string> {
    const dir = path.join(work, name);
    execFileSync('cp', ['-a', repo.dir, dir]);
    return dir;
  }

  /** Once `marker` exists (the data directory is written, the server not yet started), remove `file`. */
  async function removeWhenWritten(marker: () => Promise<string | undefined>, file: string): Promise<boolean> {
    const end = Date.now() + 120_000;
    while (Date.now() < end) {
      if (await marker()) {
        await fsp.rm(file);
        return true;
      }
      await sleep(5);
    }
    return false;
  }

  beforeAll(async () => {
    setup = await startArchivingCluster({ workPrefix: 'pgkeep-replay-' });
    ({ cluster: c, repo, env, work, running } = setup);
    await c.psql('create table t(id int primary key)');
    const b = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], env);
    expect(b.code, b.stderr).toBe(0);
    for (let i = 0; i < 5; i++) {
      await c.psql(`insert into t select generate_series(${i * 1000 + 1}, ${(i + 1) * 1000})`);
      lastSeg = await setup.switchAndWait();
    }
  });

  afterAll(async () => {
    await setup?.destroy();
  });

  it('restore --latest --start reaches the planned end and says where (5,000 rows)', async () => {
    const dir = path.join(work, 'ok');
    const port = await freePort();
    running.push(dir);
    const r = await pgkeep(['restore', '--latest', '--to', dir, '--start', '--port', String(port), '--json'], { ...env, PGKEEP_RESTORE_STAGE_SEGMENTS: '0' });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.wal.last).toBe(lastSeg);
    expect(out.started.reachedLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const n = await withClient({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, 'postgres', async (cl) => (await cl.query('select count(*)::int n from t')).rows[0].n);
    expect(n).toBe(5000);
    await stopDir(dir);
  });

  it('restore --latest --start fails, naming planned and reached positions, when replay ends before the last planned segment', async () => {
    const root = await copyRepo('repo-cut');
    const dir = path.join(work, 'cut');
    const port = await freePort();
    running.push(dir);
    const seg = path.join(root, walKey(lastSeg));
    const removing = removeWhenWritten(async () => (existsSync(path.join(dir, 'recovery.signal')) ? dir : undefined), seg);
    const r = await pgkeep(['restore', '--latest', '--to', dir, '--start', '--port', String(port)], { ...env, PGKEEP_REPO: `file://${root}`, PGKEEP_RESTORE_STAGE_SEGMENTS: '0' });
    expect(await removing).toBe(true);
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect(r.stderr).toContain(lastSeg);
    expect(r.stderr).toMatch(/replay (ended|stopped) at [0-9A-F]+\/[0-9A-F]+/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).not.toMatch(/Restored backup/);
    console.log(`short replay: ${r.stderr.trim().split('\n').pop()}`);
    await stopDir(dir);
  });

  it('the pg-restore action with start: true confirms replay too (passes intact, fails when replay ends short)', { timeout: 300_000 }, async () => {
    // In-process, as the bundle runs it: inputs from INPUT_*, outputs into GITHUB_OUTPUT, failure
    // as process.exitCode. @actions/core keeps the first summary path it sees, so both runs share
    // one summary file; each run's part is what it appended.
    const files = await fsp.mkdtemp(path.join(work, 'gh-'));
    await fsp.writeFile(path.join(files, 'summary'), '');
    async function action(inputs: Record<string, string>, repoUrl: string): Promise<{ failed: boolean; outputs: string; summary: string }> {
      await fsp.writeFile(path.join(files, 'out'), '');
      const summaryBefore = (await fsp.readFile(path.join(files, 'summary'), 'utf8')).length;
      const saved = { ...process.env };
      const env = { ...process.env, ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])), GITHUB_OUTPUT: path.join(files, 'out'), GITHUB_STEP_SUMMARY: path.join(files, 'summary'), ...env_, PGKEEP_REPO: repoUrl, PGKEEP_RESTORE_STAGE_SEGMENTS: '0' };
      Object.assign(process.env, env);
      const before = process.exitCode;
      process.exitCode = undefined;
      try {
        await runRestoreAction(env);
        const failed = process.exitCode === 1;
        return { failed, outputs: await fsp.readFile(path.join(files, 'out'), 'utf8').catch(() => ''), summary: (await fsp.readFile(path.join(files, 'summary'), 'utf8')).slice(summaryBefore) };
      } finally {
        process.exitCode = before;
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
      }
    }
    const env_ = env;
    const okDir = path.join(work, 'action-ok');
    running.push(okDir);
    const ok = await action({ latest: 'true', target: okDir, start: 'true' }, repo.url);
    expect(ok.failed, ok.summary).toBe(false);
    expect(ok.outputs).toContain('recovered-to');
    expect(ok.summary).toMatch(/replay confirmed to [0-9A-F]+\/[0-9A-F]+/);
    expect(ok.summary).toMatch(/a copy: archive_mode = off/);
    await stopDir(okDir);

    const root = await copyRepo('repo-action');
    const dir = path.join(work, 'action-cut');
    running.push(dir);
    const removing = removeWhenWritten(async () => (existsSync(path.join(dir, 'recovery.signal')) ? dir : undefined), path.join(root, walKey(lastSeg)));
    const cut = await action({ latest: 'true', target: dir, start: 'true' }, `file://${root}`);
    expect(await removing).toBe(true);
    expect(cut.failed).toBe(true);
    expect(cut.summary).toContain(lastSeg);
    expect(cut.summary).toMatch(/replay ended at [0-9A-F]+\/[0-9A-F]+/);
    await stopDir(dir);
  });

  it('verify --drill reports ok=false when replay ends before the newest archived segment', { timeout: 300_000 }, async () => {
    const root = await copyRepo('repo-drill');
    const tmp = path.join(work, 'drill-tmp');
    await fsp.mkdir(tmp, { mode: 0o755 });
    await fsp.chmod(tmp, 0o755);
    const marker = async () => {
      for (const d of await fsp.readdir(tmp).catch(() => [] as string[]))
        if (existsSync(path.join(tmp, d, 'data', 'recovery.signal'))) return d;
      return undefined;
    };
    const removing = removeWhenWritten(marker, path.join(root, walKey(lastSeg)));
    const r = await pgkeepBundle(['verify', '--drill', '--json'], { ...env, PGKEEP_REPO: `file://${root}`, PGKEEP_RESTORE_STAGE_SEGMENTS: '0', TMPDIR: tmp });
    expect(await removing).toBe(true);
    expect(r.code, r.stderr.slice(-2000)).not.toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(false);
    const msg = j.problems.map((p: { message: string }) => p.message).join(' ');
    expect(msg).toContain(lastSeg);
    expect(msg).toMatch(/replay (ended|stopped) at [0-9A-F]+\/[0-9A-F]+/);
  });
});
