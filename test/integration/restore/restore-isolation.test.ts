// A restore never changes what later restores bring back. A copy restored with --latest --start
// and written to must not archive into the production repository (before the fix it published
// 00000002.history and its own segments, and the next --latest restored the copy's branch);
// making a restore the new primary is an explicit --new-primary, recorded as the repository's
// current timeline; --timeline N|latest|current picks a branch. Ground truth: rows counted in
// each restored cluster (production rows 1..N, copy rows from 100001, new-primary rows from 200001).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { LocalCluster, freePort } from '../../../src/postgres/local-cluster.js';
import { withClient } from '../../../src/postgres/client.js';
import { walKey } from '../../../src/repo/layout.js';
import { startArchivingCluster, type ArchivingCluster } from '../../helpers/archiving-cluster.js';
import { pgkeep } from '../../helpers/cli.js';
import { stopDataDir as stopDir } from '../../helpers/pg.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a restore never changes what later restores bring back', () => {
  let setup: ArchivingCluster;
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let env: Record<string, string>;
  let work: string;
  let running: string[];

  const conn = (port: number) => ({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' });
  const sql = (port: number, q: string) => withClient(conn(port), 'postgres', (cl) => cl.query(q));
  async function counts(port: number): Promise<{ production: number; copy: number; newPrimary: number; max: number }> {
    const r = await sql(
      port,
      `select count(*) filter (where id <= 100000)::int p, count(*) filter (where id between 100001 and 200000)::int c, count(*) filter (where id > 200000)::int n, coalesce(max(id) filter (where id <= 100000), 0)::int m from t`,
    );
    const x = r.rows[0];
    return { production: x.p, copy: x.c, newPrimary: x.n, max: x.m };
  }

  /** After a switch in a restored copy: wait until its archiver has nothing left to do (or never had). */
  async function archiverIdle(dir: string): Promise<void> {
    const end = Date.now() + 60_000;
    for (;;) {
      const ready = (await fsp.readdir(path.join(dir, 'pg_wal', 'archive_status')).catch(() => [] as string[])).filter((f) => f.endsWith('.ready'));
      if (!ready.length) return;
      if (Date.now() > end) throw new Error(`the copy in ${dir} still has ${ready.join(', ')} to archive`);
      await sleep(100);
    }
  }

  async function restore(name: string, args: string[]): Promise<{ port: number; dir: string; out: any }> {
    const dir = path.join(work, name);
    const port = await freePort();
    running.push(dir);
    const r = await pgkeep(['restore', ...args, '--to', dir, '--start', '--port', String(port), '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    return { port, dir, out: JSON.parse(r.stdout) };
  }

  beforeAll(async () => {
    // No PGKEEP_RESTORE_ARCHIVE_MODE: the default is what is under test.
    setup = await startArchivingCluster({ workPrefix: 'pgkeep-isolation-' });
    ({ cluster: c, repo, env, work, running } = setup);
    await c.psql('create table t(id int primary key)');
    await c.psql('insert into t select generate_series(1, 1000)');
    const b = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], env);
    expect(b.code, b.stderr).toBe(0);
    await c.psql('insert into t select generate_series(1001, 2000)');
    await setup.switchAndWait(c.port);
  });

  afterAll(async () => {
    await setup?.destroy();
  });

  it('a copy written to after restore --latest --start archives nothing; the next --latest restores production', async () => {
    const copy = await restore('copy', ['--latest']);
    expect(await counts(copy.port)).toMatchObject({ production: 2000, copy: 0 });
    await sql(copy.port, 'insert into t select generate_series(100001, 104000)');
    await sql(copy.port, 'select pg_switch_wal()');
    await sql(copy.port, 'checkpoint');
    await archiverIdle(copy.dir);

    await c.psql('insert into t select generate_series(2001, 3000)');
    await setup.switchAndWait(c.port);

    const again = await restore('again', ['--latest']);
    expect(await counts(again.port)).toEqual({ production: 3000, copy: 0, newPrimary: 0, max: 3000 });
    expect(again.out.targetTimeline).toBe(1);
    expect(existsSync(path.join(repo.dir, walKey('00000002.history')))).toBe(false);
    await stopDir(copy.dir);
    await stopDir(again.dir);
    // The dry run says so.
    const dry = await pgkeep(['restore', '--latest', '--dry-run'], env);
    expect(dry.stdout).toMatch(/Archiving: off/);
    expect(dry.stdout).toMatch(/Timeline: 1, current: the timeline of the newest backup/);
  });

  it('--new-primary: the restored cluster archives on its new timeline and becomes current; --timeline picks either branch', { timeout: 300_000 }, async () => {
    const dry = await pgkeep(['restore', '--latest', '--new-primary', '--dry-run', '--json'], env);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.newPrimary).toBe(true);
    expect(plan.newTimeline).toBe(2);
    expect(plan.plan.join('\n')).toMatch(/New primary: .*timeline 2, forking from 1.*timeline\.json records timeline 2 as current/);
    expect(existsSync(path.join(repo.dir, 'timeline.json'))).toBe(false);

    const np = await restore('new-primary', ['--latest', '--new-primary']);
    expect(np.out.started.timeline).toBe(2);
    await sql(np.port, 'insert into t select generate_series(200001, 200500)');
    await setup.switchAndWait(np.port);
    expect(existsSync(path.join(repo.dir, walKey('00000002.history')))).toBe(true);
    const rec = JSON.parse(await fsp.readFile(path.join(repo.dir, 'timeline.json'), 'utf8'));
    expect(rec).toMatchObject({ format: 1, timeline: 2, parentTimeline: 1, confirmed: 'promoted' });
    await stopDir(np.dir);
    // Production (the old primary) goes on writing on timeline 1.
    await c.psql('insert into t select generate_series(3001, 3500)');
    await setup.switchAndWait(c.port);

    const current = await restore('follows-current', ['--latest']);
    expect(current.out.targetTimeline).toBe(2);
    expect(await counts(current.port)).toEqual({ production: 3000, copy: 0, newPrimary: 500, max: 3000 });
    await stopDir(current.dir);
    const two = await restore('tl2', ['--latest', '--timeline', '2']);
    expect(await counts(two.port)).toEqual({ production: 3000, copy: 0, newPrimary: 500, max: 3000 });
    await stopDir(two.dir);
    const one = await restore('tl1', ['--latest', '--timeline', '1']);
    expect(await counts(one.port)).toEqual({ production: 3500, copy: 0, newPrimary: 0, max: 3500 });
    await stopDir(one.dir);
    // The dry run of the default says which timeline it follows and which one it leaves.
    const d1 = await pgkeep(['restore', '--latest', '--timeline', '1', '--dry-run'], env);
    expect(d1.stdout).toMatch(/Note: timeline 2 \(forked from 1 at [0-9A-F]+\/[0-9A-F]+\) is in the repository and not followed/);

    // status shows the timelines and where each forked; list --json stays an array of backups.
    const st = JSON.parse((await pgkeep(['status', '--json'], env)).stdout);
    expect(st.currentTimeline).toMatchObject({ timeline: 2 });
    expect(st.timelines.map((t: any) => [t.timeline, t.parent, t.current])).toEqual([[1, undefined, false], [2, 1, true]]);
    expect(st.timelines[1].forkLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    const list = await pgkeep(['list', '--json'], env);
    expect(Array.isArray(JSON.parse(list.stdout))).toBe(true);
    const text = (await pgkeep(['list'], env)).stdout;
    expect(text).toMatch(/Timelines:\n\s+1: the original.*\n\s+2: forked from 1 at .*CURRENT/);

    // A backup that finishes after the declaration wins: production's timeline is current again.
    const b = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast'], env);
    expect(b.code, b.stderr).toBe(0);
    const after = JSON.parse((await pgkeep(['restore', '--latest', '--dry-run', '--json'], env)).stdout);
    expect(after.targetTimeline).toBe(1);
  });
});
