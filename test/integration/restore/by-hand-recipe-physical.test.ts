// The README's physical by-hand restore ("Physical, to a point in time"), run as the README
// prints it: the sh block is read from README.md and only its placeholders are filled in (the
// data directory, the backup id, the repository path, the target time, a free port), then run by
// bash as the server's OS user with zstd, tar and pg_ctl alone. Ground truth: every row is its own
// transaction and track_commit_timestamp says when it committed, so after the restore exactly the
// rows committed at or before the target must exist — and a damaged WAL segment must stop the
// recovery loudly instead of promoting early with fewer rows.
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, closeSync, promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chownForServer, freePort, serverRunAs, type LocalCluster } from '../../../src/postgres/local-cluster.js';
import { withClient } from '../../../src/postgres/client.js';
import { walKey } from '../../../src/repo/layout.js';
import { parseTargetTime } from '../../../src/restore/target-time.js';
import { setLogSink } from '../../../src/util/log.js';
import { archivingSettings, makeServerRepo, switchWalAndWait } from '../../helpers/archiving.js';
import { pgkeep } from '../../helpers/cli.js';
import { binDir, REPO_ROOT, serverLabel, startCluster, stopDataDir as stopDir } from '../../helpers/pg.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TOOLS = ['zstd', 'tar', 'cut', 'bash'];
const missing = TOOLS.filter((t) => !['/usr/bin', '/bin', '/usr/local/bin'].some((d) => existsSync(path.join(d, t))));
if (missing.length) console.warn(`physical by-hand recipe test skipped: ${missing.join(', ')} not installed (apt-get install zstd tar coreutils)`);

/** The README's sh block after "Physical, to a point in time". */
function readmeRecipe(): string {
  const m = /Physical, to a point in time[\s\S]*?```sh\n([\s\S]*?)```/.exec(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'));
  if (!m) throw new Error('README.md has no "Physical, to a point in time:" sh block');
  return m[1];
}

/** Fill in the recipe's placeholders; each must be there, so a README edit cannot silently bypass one. */
function fillIn(recipe: string, v: { dir: string; id: string; repo: string; time: string; port: number }): string {
  const subs: [RegExp, string][] = [
    [/\/srv\/restore/g, v.dir],
    [/backups\/<id>/g, `backups/${v.id}`],
    [/\/repo\//g, `${v.repo}/`],
    [/recovery_target_time = '[^']*'/g, `recovery_target_time = '${v.time}'`],
    [/^port = \d+/gm, `port = ${v.port}`],
  ];
  let s = recipe;
  for (const [re, to] of subs) {
    if (!re.test(s)) throw new Error(`README's physical recipe no longer has ${re}: update this test with it`);
    s = s.replace(re, to);
  }
  return s;
}

interface Commit {
  id: number;
  micros: bigint;
}

describe.skipIf(missing.length > 0)(`physical by-hand restore recipe, zstd + tar + pg_ctl only (${serverLabel()})`, () => {
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let work: string;
  let backupId = '';
  let damaged = ''; // a segment after the backup, needed by every target below
  const commits: Commit[] = [];
  const started: string[] = [];

  async function commitRows(ids: number[]): Promise<void> {
    for (const id of ids) {
      await c.psql(`insert into t values (${id})`);
      await sleep(20);
    }
    const rows = (
      await c.psql(
        `select id, to_char(pg_xact_commit_timestamp(xmin) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') from t where id in (${ids.join(',')}) order by id`,
      )
    ).trim().split('\n');
    for (const r of rows) {
      const [id, ts] = r.split('|');
      commits.push({ id: Number(id), micros: parseTargetTime(ts).micros });
    }
  }

  /** `YYYY-MM-DD HH:MM:SS.ffffff+00`, the README's form of recovery_target_time. */
  function pgTime(micros: bigint): string {
    const d = new Date(Number(micros / 1000n));
    const frac = String(micros % 1_000_000n).padStart(6, '0');
    return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${frac}+00`;
  }

  /** The recipe, typed into bash in the repository directory by the server's OS user. */
  async function runRecipe(name: string, time: string): Promise<{ dir: string; port: number; code: number | null; out: string }> {
    const dir = path.join(work, name);
    const port = await freePort();
    const script = fillIn(readmeRecipe(), { dir, id: backupId, repo: repo.dir, time, port });
    started.push(dir);
    // pg_ctl start without -l leaves the server writing to the terminal: a file here, so the
    // server does not hold a pipe of ours open.
    const log = path.join(work, `${name}.out`);
    const fd = openSync(log, 'w', 0o644);
    try {
      const r = spawnSync('bash', ['-c', `set -euo pipefail\n${script}`], {
        cwd: repo.dir,
        env: { PATH: `${binDir()}:/usr/local/bin:/usr/bin:/bin`, HOME: work, LANG: 'C.UTF-8' },
        stdio: ['ignore', fd, fd],
        timeout: 120_000,
        ...serverRunAs(),
      });
      return { dir, port, code: r.status, out: readFileSync(log, 'utf8') };
    } finally {
      closeSync(fd);
    }
  }

  async function query<T>(port: number, sql: string): Promise<T[]> {
    return withClient({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, 'postgres', async (cl) => (await cl.query(sql)).rows as T[]);
  }

  const idsUpTo = (micros: bigint) => commits.filter((x) => x.micros <= micros).map((x) => x.id);

  beforeAll(async () => {
    setLogSink(() => undefined);
    repo = await makeServerRepo();
    c = await startCluster({ ...archivingSettings(repo.url), track_commit_timestamp: 'on' });
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-byhand-'));
    await fsp.chmod(work, 0o755);
    await chownForServer(work);
    await c.psql('create table t(id int primary key)');
    await commitRows([1, 2, 3, 4, 5]);
    const b = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], { ...c.env, PGKEEP_REPO: repo.url });
    expect(b.code, b.stderr).toBe(0);
    backupId = JSON.parse(b.stdout).id;
    await commitRows([6, 7, 8, 9, 10]);
    damaged = await switchWalAndWait(c, repo.dir);
    await commitRows([11, 12, 13, 14, 15]);
    await switchWalAndWait(c, repo.dir);
    // The server's OS user restores: restore_command runs as that user, so it reads the
    // repository (the backup objects were written by the test's root user, mode 0640).
    await chownForServer(repo.dir);
  });

  afterAll(async () => {
    setLogSink((l) => process.stderr.write(l + '\n'));
    for (const d of started) await stopDir(d);
    await c?.destroy();
    if (work) await fsp.rm(work, { recursive: true, force: true });
    if (repo) await fsp.rm(repo.dir, { recursive: true, force: true });
  });

  it('restores to an instant between two commits, two segments after the backup, with exactly the rows committed by then', async () => {
    const at = (commits.find((x) => x.id === 12)!.micros + commits.find((x) => x.id === 13)!.micros) / 2n;
    const walBefore = (await fsp.readdir(path.join(repo.dir, 'wal'))).sort();
    const r = await runRecipe('between', pgTime(at));
    expect(r.code, r.out).toBe(0);
    // pg_ctl returns once connections are accepted (a hot standby can be before the target).
    const end = Date.now() + 60_000;
    while ((await query<{ r: boolean }>(r.port, 'select pg_is_in_recovery() as r'))[0].r) {
      if (Date.now() > end) throw new Error(`recovery did not finish:\n${r.out}`);
      await sleep(200);
    }
    const ids = (await query<{ id: number }>(r.port, 'select id from t order by id')).map((x) => x.id);
    expect(ids).toEqual(idsUpTo(at));
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // The copy must not archive its new timeline into the production repository (a later
    // restore would follow it): the recipe turns archiving off.
    expect((await query<{ archive_mode: string }>(r.port, 'show archive_mode'))[0].archive_mode).toBe('off');
    await query(r.port, 'select pg_switch_wal()');
    expect((await fsp.readdir(path.join(repo.dir, 'wal'))).sort()).toEqual(walBefore);
  });

  it('a damaged archived segment stops the recovery (FATAL), never a promotion with fewer rows', async () => {
    const f = path.join(repo.dir, walKey(damaged));
    const good = await fsp.readFile(f);
    const bad = Buffer.from(good);
    bad[bad.length >> 1] ^= 0xff;
    await fsp.writeFile(f, bad);
    try {
      const r = await runRecipe('damaged', pgTime(commits.at(-1)!.micros));
      // pg_ctl may return before replay reaches the damaged segment; the server must then stop.
      const end = Date.now() + 60_000;
      while (existsSync(path.join(r.dir, 'postmaster.pid')) && Date.now() < end) await sleep(200);
      const out = readFileSync(path.join(work, 'damaged.out'), 'utf8');
      expect(existsSync(path.join(r.dir, 'postmaster.pid')), out).toBe(false);
      // Named as what it is (exit 200 from restore_command), not as an unreached target or end of WAL.
      expect(out).toMatch(new RegExp(`FATAL: +could not restore file "${damaged}" from archive: child process exited with exit code 200`));
      expect(out).not.toMatch(/archive recovery complete|selected new timeline ID/);
    } finally {
      await fsp.writeFile(f, good);
    }
  });
});
