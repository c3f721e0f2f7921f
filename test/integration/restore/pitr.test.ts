// Point-in-time restore against a real PostgreSQL 15 archiving through the CLI bundle into a
// file repository. Ground truth: every row is its own transaction and track_commit_timestamp
// records when it committed, so after a restore to T exactly the rows committed at or before
// T must exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalCluster, freePort, serverRunAs } from '../../../src/postgres/local-cluster.js';
import { withClient } from '../../../src/postgres/client.js';
import { runTool, toolMajor } from '../../../src/postgres/pg-tools.js';
import { backupObjectKey, walKey } from '../../../src/repo/layout.js';
import { microsToIso, parseTargetTime } from '../../../src/restore/target-time.js';
import { parseSegmentName, segmentName } from '../../../src/wal/segment.js';
import { serverReadableCli } from '../../helpers/archiving.js';
import { startArchivingCluster, type ArchivingCluster } from '../../helpers/archiving-cluster.js';
import { pgkeep } from '../../helpers/cli.js';
import { binDir, PG_MAJOR, stopDataDir as stopDir } from '../../helpers/pg.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Commit {
  id: number;
  ts: string; // ISO-8601 UTC, microseconds
  micros: bigint;
}

describe('point-in-time restore (physical)', () => {
  let setup: ArchivingCluster;
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let env: Record<string, string>;
  let work: string;
  let backupId = '';
  let stopWal = '';
  const commits: Commit[] = [];
  let lsnAfter8 = '';
  let running: string[];
  const copies: string[] = [];

  async function commitRows(ids: number[], on: LocalCluster = c): Promise<Commit[]> {
    const out: Commit[] = [];
    for (const id of ids) {
      await on.psql(`insert into t values (${id}, now())`);
      await sleep(30);
    }
    const rows = (await on.psql(
      `select id, to_char(pg_xact_commit_timestamp(xmin) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') from t where id in (${ids.join(',')}) order by id`,
    ))
      .trim()
      .split('\n');
    for (const r of rows) {
      const [id, ts] = r.split('|');
      out.push({ id: Number(id), ts, micros: parseTargetTime(ts).micros });
    }
    return out;
  }

  async function rowsIn(port: number): Promise<number[]> {
    return withClient({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, 'postgres', async (cl) =>
      (await cl.query<{ id: number }>('select id from t order by id')).rows.map((r) => r.id),
    );
  }

  /** pgkeep restore --start on a free port; returns the rows the restored cluster holds. */
  async function restoreAndCount(name: string, args: string[], env2 = env): Promise<{ ids: number[]; out: Record<string, unknown>; dir: string }> {
    const dir = path.join(work, name);
    const port = await freePort();
    running.push(dir);
    const r = await pgkeep(['restore', ...args, '--to', dir, '--start', '--port', String(port), '--json'], env2);
    expect(r.stderr.split('\n').filter((l) => /^pgkeep restore:/.test(l))).toEqual([]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const ids = await rowsIn(port);
    return { ids, out, dir };
  }

  beforeAll(async () => {
    // Restored copies must not archive into the repository (new timelines), except where a
    // test wants exactly that.
    setup = await startArchivingCluster({ workPrefix: 'pgkeep-pitr-', settings: { track_commit_timestamp: 'on' }, env: { PGKEEP_RESTORE_ARCHIVE_MODE: 'off' } });
    ({ cluster: c, repo, env, work, running } = setup);
    await c.psql('create table t(id int primary key, at timestamptz)');
    commits.push(...(await commitRows([1, 2, 3, 4, 5])));
    const b = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], env);
    expect(b.stderr).not.toMatch(/pgkeep backup:/);
    backupId = JSON.parse(b.stdout).id;
    stopWal = JSON.parse(await fsp.readFile(path.join(repo.dir, 'backups', backupId, 'manifest.json'), 'utf8')).stopWal;
    commits.push(...(await commitRows([6, 7, 8])));
    lsnAfter8 = (await c.psql('select pg_current_wal_insert_lsn()')).trim();
    commits.push(...(await commitRows([9, 10])));
    await setup.switchAndWait();
    commits.push(...(await commitRows([11, 12, 13, 14, 15])));
    await setup.switchAndWait();
  });

  afterAll(async () => {
    await setup?.destroy();
    for (const d of copies) await fsp.rm(d, { recursive: true, force: true });
  });

  const commit = (id: number) => commits.find((x) => x.id === id)!;

  it('restores to a time exactly on a commit: that commit is included, the next is not', async () => {
    const { ids, out, dir } = await restoreAndCount('exact', ['--time', commit(7).ts]);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // syncfs served the recovery start only: once promoted, the cluster's configuration is its own again.
    expect(await fsp.readFile(path.join(dir, 'postgresql.auto.conf'), 'utf8')).not.toMatch(/recovery_init_sync_method/);
    expect(out.backupId).toBe(backupId);
    expect(out.recoveredTo).toBe(commit(7).ts);
    expect(String((out.started as { stopLine: string }).stopLine)).toMatch(/recovery stopping before commit/);
  });

  it('restores to a time between two commits, in a later WAL segment, with an offset in the input', async () => {
    const mid = (commit(12).micros + commit(13).micros) / 2n;
    // The same instant written as +02:00, with all six fraction digits.
    const iso = microsToIso(mid + 2n * 3600n * 1_000_000n).replace('Z', '+02:00');
    const { ids, out } = await restoreAndCount('between', ['--time', iso]);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(out.recoveredTo).toBe(commit(12).ts);
  });

  it('writes a directory that plain pg_ctl start replays and promotes (no --start)', async () => {
    const dir = path.join(work, 'plain');
    // The bundle as an operator runs it; restore_command names that same node and bundle.
    const cli = serverReadableCli();
    const { PGKEEP_CLI_PATH: _c, PGKEEP_NODE_PATH: _n, ...plainEnv } = env;
    const r = spawnSync(cli.node, [cli.bundle, 'restore', '--time', commit(9).ts, '--to', dir], { env: { PATH: process.env.PATH, ...plainEnv }, encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/pgkeep restore:/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Restored backup ${backupId}`);
    expect(await fsp.readFile(path.join(dir, 'postgresql.auto.conf'), 'utf8')).toContain(`&& ${cli.node} ${cli.bundle} wal-fetch`);
    expect((await fsp.stat(dir)).mode & 0o777).toBe(0o700);
    expect(existsSync(path.join(dir, 'recovery.signal'))).toBe(true);
    expect(existsSync(path.join(dir, 'backup_manifest'))).toBe(true);
    expect(existsSync(path.join(dir, 'recovery.conf'))).toBe(false);
    const auto = await fsp.readFile(path.join(dir, 'postgresql.auto.conf'), 'utf8');
    expect(auto).toContain(`recovery_target_time = '${commit(9).ts.replace('T', ' ').replace('Z', '+00')}'`);
    expect(auto).toMatch(/restore_command = 'if \[ -f pg_wal\/pgkeep-prefetch\/%f \]; then mv -f pg_wal\/pgkeep-prefetch\/%f %p \|\| exit 200; elif \[ %f = 00000001\.history \]; then exit 1; else .* && \/\S+\/node \/\S+\/cli\/index\.js wal-fetch --repo file:\/\/\S+ %f %p; fi'/);
    // The planned WAL is staged in the directory, so replay starts no process per segment.
    const planned = JSON.parse((await pgkeep(['restore', '--time', commit(9).ts, '--dry-run', '--json'], env)).stdout).wal;
    const staged = (await fsp.readdir(path.join(dir, 'pg_wal/pgkeep-prefetch'))).sort();
    expect(staged).toHaveLength(planned.count);
    expect([staged[0], staged[staged.length - 1]]).toEqual([planned.first, planned.last]);
    expect(auto).toContain("recovery_target_action = 'promote'");
    expect(auto).toContain("recovery_target_inclusive = 'true'");
    // Plain pg_ctl, as an operator would (port and socket moved off the original's).
    const port = await freePort();
    const sock = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-sock-'));
    await fsp.chmod(sock, 0o777);
    running.push(dir);
    await runTool(binDir(), 'pg_ctl', ['-D', dir, '-l', path.join(sock, 'log'), '-o', `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1 -c archive_mode=off`, '-w', 'start'], {
      ...serverRunAs(),
      what: 'pg_ctl start',
    });
    const end = Date.now() + 120_000;
    while ((await withClient({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, 'postgres', async (cl) => (await cl.query('select pg_is_in_recovery() r')).rows[0].r)) && Date.now() < end)
      await sleep(200);
    expect(await rowsIn(port)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await stopDir(dir);
  });

  it('restores the same rows with the in-process zstd decoder as with the zstd CLI', async () => {
    expect((await restoreAndCount('lsn-js', ['--lsn', lsnAfter8], { ...env, PGKEEP_NO_ZSTD_CLI: '1' })).ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('restores to an LSN (inclusive), to the latest archived WAL and to the end of the backup', async () => {
    expect((await restoreAndCount('lsn', ['--lsn', lsnAfter8])).ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await restoreAndCount('latest', ['--latest'])).ids).toHaveLength(15);
    const imm = await restoreAndCount('immediate', ['--immediate']);
    expect(imm.ids).toEqual([1, 2, 3, 4, 5]);
    expect(imm.out.wal).toMatchObject({ last: stopWal });
  });

  it('--dry-run prints the plan and writes nothing', async () => {
    const dir = path.join(work, 'dry');
    const r = await pgkeep(['restore', '--time', commit(13).ts, '--to', dir, '--dry-run'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Dry run: nothing was written');
    expect(r.stdout).toContain(backupId);
    expect(r.stdout).toMatch(/WAL: [0-9A-F]{24} \.\. [0-9A-F]{24}, \d+ segment\(s\)/);
    expect(r.stdout).toMatch(/Fetch: .*estimated .* at .*\/s/);
    expect(existsSync(dir)).toBe(false);
    const j = JSON.parse((await pgkeep(['restore', '--latest', '--dry-run', '--json'], env)).stdout);
    expect(j.dryRun).toBe(true);
    expect(j.wal.count).toBe(Number(parseSegmentName(j.wal.last).segno - parseSegmentName(j.wal.first).segno) + 1);
  });

  describe('refuses, with nothing written', () => {
    async function refused(args: string[], dir: string, env2 = env): Promise<string> {
      const r = await pgkeep(['restore', ...args, '--to', dir], env2);
      expect(r.code).not.toBe(0);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      return r.stderr;
    }

    it('a target before the oldest backup', async () => {
      const dir = path.join(work, 'r-before');
      expect(await refused(['--time', commit(2).ts], dir)).toMatch(/before the oldest backup finished/);
      expect(existsSync(dir)).toBe(false);
    });

    // pg_waldump reads only its own major's WAL: where 18's stands in (16), pgkeep cannot read the
    // newest archived commit and bounds the target by archive times; PostgreSQL itself then refuses
    // a target no commit passes ("recovery ended before configured recovery target was reached").
    const waldumpOwn = toolMajor(path.join(binDir(), 'pg_waldump')) === PG_MAJOR;
    it(`a target after the newest archived WAL, and one in the future${waldumpOwn ? '' : ` (no pg_waldump ${PG_MAJOR} here: a target past the last commit fails at start instead, nothing promoted)`}`, async () => {
      const dir = path.join(work, 'r-after');
      // After the last archived commit (pg_waldump reads it), though before the segment was archived.
      const afterLast = microsToIso(commit(15).micros + 1n);
      if (waldumpOwn) {
        expect(await refused(['--time', afterLast], dir)).toContain(`not before the newest archived commit (${commit(15).ts})`);
        expect(await refused(['--time', commit(15).ts], dir)).toMatch(/newest archived commit/);
      } else {
        const started = path.join(work, 'r-after-started');
        running.push(started);
        const r = await pgkeep(['restore', '--time', afterLast, '--to', started, '--start', '--json'], env);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(/recovery ended before configured recovery target was reached|did not start|stopped during recovery/);
        expect(existsSync(path.join(started, 'recovery.signal'))).toBe(true); // never promoted
        await stopDir(started);
      }
      expect((await pgkeep(['restore', '--time', microsToIso(commit(15).micros - 1n), '--dry-run'], env)).code).toBe(0);
      await sleep(1100);
      const justNow = new Date().toISOString();
      expect(await refused(['--time', justNow], dir)).toMatch(/after the newest archived WAL/);
      const future = new Date(Date.now() + 3600_000).toISOString();
      expect(await refused(['--time', future], dir)).toMatch(/in the future/);
      expect(await refused(['--lsn', 'FF/0'], dir)).toMatch(/after the newest archived WAL/);
      expect(existsSync(dir)).toBe(false);
    });

    it('an unparseable time', async () => {
      const dir = path.join(work, 'r-bad');
      const err = await refused(['--time', '2025-11-08 14:30'], dir);
      expect(err).toContain('"2025-11-08 14:30"');
      expect(err).toContain('2025-11-08T14:30:00Z');
      expect(existsSync(dir)).toBe(false);
    });

    it('a non-empty directory', async () => {
      const dir = path.join(work, 'r-full');
      await fsp.mkdir(dir);
      await fsp.writeFile(path.join(dir, 'precious'), 'keep me');
      expect(await refused(['--time', commit(9).ts], dir)).toMatch(/is not empty/);
      expect(await refused(['--time', commit(9).ts, '--dry-run'], dir)).toMatch(/is not empty/);
      expect(await fsp.readdir(dir)).toEqual(['precious']);
      expect(await fsp.readFile(path.join(dir, 'precious'), 'utf8')).toBe('keep me');
    });

    it('a missing WAL segment in the middle of the chain (the dry run names it)', async () => {
      const copy = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-pitr-gap-'));
      copies.push(copy);
      execFileSync('cp', ['-a', `${repo.dir}/.`, copy]);
      const gap = segmentName(1, parseSegmentName(stopWal).segno + 1n);
      await fsp.rm(path.join(copy, walKey(gap)));
      const env2 = { ...env, PGKEEP_REPO: `file://${copy}` };
      const dry = await pgkeep(['restore', '--time', commit(13).ts, '--dry-run'], env2);
      expect(dry.code).toBe(1);
      expect(dry.stderr).toContain(`WAL segment ${gap} is missing`);
      const dir = path.join(work, 'r-gap');
      expect(await refused(['--time', commit(13).ts], dir, env2)).toContain(gap);
      expect(existsSync(dir)).toBe(false);
      // A time target cannot prove it stops before the gap, so it is refused even for an early
      // time; --immediate needs only the backup's own WAL and still plans.
      expect((await pgkeep(['restore', '--time', commit(7).ts, '--dry-run'], env2)).stderr).toContain(gap);
      expect((await pgkeep(['restore', '--immediate', '--dry-run'], env2)).code).toBe(0);
      await fsp.rm(copy, { recursive: true, force: true });
    });

    it('a corrupt base backup found at the end of the stream: what was extracted is removed', async () => {
      const copy = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-pitr-bad-'));
      copies.push(copy);
      execFileSync('cp', ['-a', `${repo.dir}/.`, copy]);
      const obj = path.join(copy, backupObjectKey(backupId, 'base.tar.zst'));
      const buf = await fsp.readFile(obj);
      buf[buf.length - 20] ^= 0xff;
      await fsp.writeFile(obj, buf);
      const dir = path.join(work, 'r-corrupt');
      const err = await refused(['--time', commit(9).ts], dir, { ...env, PGKEEP_REPO: `file://${copy}` });
      expect(err).toMatch(/corrupt|could not be read back/);
      expect(existsSync(dir)).toBe(false);
      await fsp.rm(copy, { recursive: true, force: true });
    });
  });

  it('follows a timeline switch: restore, promote, write more, restore again to a time on timeline 2', async () => {
    // The first restore is made the new primary: it keeps the backed-up archive settings, so
    // once promoted (timeline 2) it archives its history file and new WAL into the same
    // repository, and timeline.json makes timeline 2 the one later restores follow.
    const first = await restoreAndCount('tl2', ['--time', commit(9).ts, '--new-primary']);
    expect(first.ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const port = (first.out.started as { port: number }).port;
    const on = { psql: (sql: string) => runTool(binDir(), 'psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', '-c', sql], { env: { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, what: 'psql' }) } as unknown as LocalCluster;
    expect((await on.psql('select timeline_id from pg_control_checkpoint()')).trim()).toBe('2');
    const more = await commitRows([101, 102, 103], on);
    const seg = await setup.switchAndWait(on);
    expect(seg.startsWith('00000002')).toBe(true);
    expect(existsSync(path.join(repo.dir, walKey('00000002.history')))).toBe(true);
    await stopDir(first.dir);

    const mid = (more[1].micros + more[2].micros) / 2n;
    const again = await restoreAndCount('tl2-again', ['--time', microsToIso(mid)]);
    expect(again.out.timelines).toEqual([1, 2]);
    expect(again.out.targetTimeline).toBe(2);
    expect(again.ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 101, 102]);
    expect(again.out.recoveredTo).toBe(more[1].ts);
  });
});
