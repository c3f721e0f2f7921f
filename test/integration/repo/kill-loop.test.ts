// kill -9 at random points, then run again at once: no lock left by a killed pgkeep may refuse
// the next run, a killed backup leaves no manifest, and the repository always verifies and
// restores to its newest instant. The killed process is left a ZOMBIE (its parent is `sleep`,
// which never reaps), as a runner's killed step is while the kernel tears it down: kill(pid, 0)
// still succeeds for it, which is what made the old lock refuse ("Another pgkeep backup-full is
// running … pid N") with pid N long dead. Ground truth: rows inserted before the last archived
// WAL switch are counted on the restored server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalCluster, chownForServer, freePort, serverRunAs } from '../../../src/postgres/local-cluster.js';
import { withClient } from '../../../src/postgres/client.js';
import { runTool } from '../../../src/postgres/pg-tools.js';
import { manifestKey, walKey } from '../../../src/repo/layout.js';
import { archivingSettings, makeServerRepo, serverReadableCli } from '../../helpers/archiving.js';
import { CLI_BUNDLE, NODE24, pgkeep, type CliResult } from '../../helpers/cli.js';
import { binDir, startCluster } from '../../helpers/pg.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Process state letter from /proc/PID/stat ('' when the pid is gone). */
function procState(pid: number): string {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2)[0];
  } catch {
    return '';
  }
}

/** Small seeded PRNG (mulberry32): a failing round can be replayed with PGKEEP_TEST_SEED. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Cmd = 'backup' | 'expire' | 'wal-push';

describe('kill -9 at random points (backup, expire, wal-push): the next run starts at once', () => {
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let env: Record<string, string>;
  let work: string;
  const parents: ChildProcess[] = [];
  let restoredDir = '';

  beforeAll(async () => {
    repo = await makeServerRepo();
    c = await startCluster(archivingSettings(repo.url));
    env = { ...c.env, PGKEEP_REPO: repo.url, PGKEEP_WAL_WAIT_SECONDS: '60' };
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-kill-'));
    await fsp.chmod(work, 0o755);
    await c.psql('create table t(id serial primary key, round int, v text)');
  });
  afterAll(async () => {
    for (const p of parents) p.kill('SIGKILL');
    if (restoredDir && existsSync(path.join(restoredDir, 'postmaster.pid')))
      await runTool(binDir(), 'pg_ctl', ['-D', restoredDir, '-m', 'immediate', '-w', 'stop'], { ...serverRunAs(), what: 'pg_ctl stop' }).catch(() => undefined);
    await c?.destroy();
    await fsp.rm(work, { recursive: true, force: true });
    await fsp.rm(repo.dir, { recursive: true, force: true });
  });

  /**
   * `pgkeep <args>` as the child of a `sleep` that never reaps it: once killed it stays a zombie
   * until the test kills the sleep.
   */
  async function startUnreaped(args: string[]): Promise<number> {
    const cli = asServer(args) ? serverReadableCli() : { node: NODE24, bundle: CLI_BUNDLE };
    const parent = spawn('sh', ['-c', '"$@" >/dev/null 2>&1 & echo $!; exec sleep 300', 'sh', cli.node, cli.bundle, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
      ...(asServer(args) ? serverRunAs() : {}),
    });
    parents.push(parent);
    return Number(await new Promise<string>((r) => parent.stdout!.once('data', (d) => r(String(d).trim()))));
  }

  /**
   * wal-push runs as the server's OS user, as archive_command does: a segment pushed by root
   * would be unreadable to the archiver's own push of it (which compares contents).
   */
  const asServer = (args: string[]) => args[0] === 'wal-push';

  /** The next run: wal-push as the server user (see asServer), the rest in-process. */
  async function runNext(args: string[]): Promise<CliResult> {
    if (!asServer(args)) return pgkeep(args, env);
    const { node, bundle } = serverReadableCli();
    return new Promise((resolve) => {
      const child = spawn(node, [bundle, ...args], { env: { PATH: process.env.PATH, ...env }, ...serverRunAs() });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  async function backupDirs(): Promise<string[]> {
    return (await fsp.readdir(path.join(repo.dir, 'backups')).catch(() => [] as string[])).sort();
  }

  /** A just-completed WAL segment copied out of pg_wal (what archive_command is given). */
  async function freshSegment(): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const seg = (await c.psql('select pg_walfile_name(pg_switch_wal())')).trim();
      const dest = path.join(work, seg);
      try {
        await fsp.copyFile(path.join(c.dataDir, 'pg_wal', seg), dest);
      } catch (e) {
        // Archived and recycled by a checkpoint already (a killed backup's may still run): take the next.
        if (attempt < 3 && (e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      await chownForServer(dest);
      return dest;
    }
  }

  async function argsFor(cmd: Cmd): Promise<string[]> {
    if (cmd === 'backup') return ['backup', '--type', 'full', '--checkpoint', 'fast'];
    if (cmd === 'expire') return ['expire', '--retention-days', '1'];
    return ['wal-push', await freshSegment()];
  }

  it('survives 12 kills; verify passes and restore --latest brings back every row', async () => {
    const seed = Number(process.env.PGKEEP_TEST_SEED ?? Date.now() % 1_000_000);
    const rand = rng(seed);
    console.log(`seed ${seed} (PGKEEP_TEST_SEED replays it)`);
    const first = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast'], env);
    expect(first.code, first.stderr).toBe(0);
    // Kill instants are drawn within each command's own run time, measured here: fixed delays
    // miss on a fast machine (everything has exited) or a slow one (nothing has started).
    const runMs: Record<string, number> = {};
    for (const cmd of ['backup', 'expire', 'wal-push'] as const) {
      const t0 = Date.now();
      const r = await runNext(await argsFor(cmd));
      expect(r.code, `${cmd}: ${r.stderr}`).toBe(0);
      runMs[cmd] = Date.now() - t0;
    }
    console.log(`run times (ms): ${JSON.stringify(runMs)}`);
    const stats = { killedRunning: 0, locksLeft: 0, zombies: 0, incompleteLeft: 0 };
    const rounds: string[] = [];
    const cmds: Cmd[] = ['backup', 'expire', 'wal-push'];
    for (let round = 0; round < 12; round++) {
      await c.psql(`insert into t(round, v) select ${round}, md5(g::text) from generate_series(1, 200) g`);
      const killed = cmds[round % 3];
      // Every (killed, next) pair comes up once in 9 rounds; the kill instants are random.
      const next = cmds[(round + Math.floor(round / 3)) % 3];
      const dirsBefore = await backupDirs();
      const args = await argsFor(killed);
      // Within the measured run time: most kills land mid-run (start-up, stream or upload).
      const delay = Math.floor((0.15 + rand() * 0.7) * runMs[killed]);
      console.log(`round ${round}: ${killed} ${args.join(' ')}, kill after ${delay} ms, then ${next}`);
      const pid = await startUnreaped(args);
      await sleep(delay);
      const running = procState(pid) !== 'Z' && procState(pid) !== '';
      process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 200 && procState(pid) !== 'Z'; i++) await sleep(5);
      if (procState(pid) === 'Z') stats.zombies++;
      if (running) stats.killedRunning++;
      const locks = await fsp.readdir(path.join(repo.dir, 'locks')).catch(() => [] as string[]);
      if (locks.some((f) => f.endsWith('.lock'))) stats.locksLeft++;
      // A backup killed before it finished has no manifest (it is incomplete, never listed).
      if (killed === 'backup' && running) {
        for (const id of (await backupDirs()).filter((d) => !dirsBefore.includes(d))) {
          const hasManifest = existsSync(path.join(repo.dir, manifestKey(id)));
          if (!hasManifest) stats.incompleteLeft++;
          else {
            // Only a backup that got as far as writing its manifest may have one: it is then complete.
            const m = JSON.parse(await fsp.readFile(path.join(repo.dir, manifestKey(id)), 'utf8'));
            for (const o of m.objects) expect(existsSync(path.join(repo.dir, 'backups', id, o.name)), `${id}/${o.name}`).toBe(true);
          }
        }
      }
      // The next run, at once, with the killed one still a zombie.
      const t0 = Date.now();
      const r = await runNext(await argsFor(next));
      rounds.push(`${round}: kill ${killed} after ${delay} ms (${running ? 'running' : 'already exited'}), then ${next}: exit ${r.code} in ${Date.now() - t0} ms`);
      expect(r.stderr, `round ${round} (seed ${seed}): ${rounds.at(-1)}`).not.toMatch(/Another pgkeep/);
      expect(r.code, `round ${round} (seed ${seed}): ${r.stderr}`).toBe(0);
      parents.pop()!.kill('SIGKILL');
    }
    console.log(`seed ${seed}: ${JSON.stringify(stats)}\n${rounds.join('\n')}`);
    // Most kills must land mid-run (a command may still run faster than measured: at least half).
    expect(stats.killedRunning).toBeGreaterThanOrEqual(6);

    // Ground truth: every row committed before the last archived switch.
    await c.psql(`insert into t(round, v) select 99, 'last' from generate_series(1, 100) g`);
    const expected = Number((await c.psql('select count(*) from t')).trim());
    const seg = (await c.psql('select pg_walfile_name(pg_switch_wal())')).trim();
    for (let i = 0; !existsSync(path.join(repo.dir, walKey(seg))); i++) {
      if (i > 600) throw new Error(`segment ${seg} was not archived`);
      await sleep(100);
    }
    const v = await pgkeep(['verify'], env);
    expect(v.code, v.stderr + v.stdout).toBe(0);
    restoredDir = path.join(work, 'restored');
    const port = await freePort();
    const rr = await pgkeep(['restore', '--latest', '--to', restoredDir, '--start', '--port', String(port)], env);
    expect(rr.code, rr.stderr).toBe(0);
    const rows = await withClient({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, 'postgres', async (cl) =>
      Number((await cl.query<{ n: string }>('select count(*)::text as n from t')).rows[0].n),
    );
    expect(rows).toBe(expected);
  });
});
