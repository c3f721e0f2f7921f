// A drill's throwaway cluster is private and dies with a cancelled run. While `pgkeep verify
// --drill` (the bundle, as a runner runs it) has its restored cluster up: the socket directory is
// 0700, the server does not listen on TCP, its pg_hba.conf has no host rule, and another local
// user (nobody) cannot connect through either. Then SIGTERM (what a cancelled workflow sends):
// pgkeep stops that cluster, removes its directories, and ends by the signal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fsp, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { archivingSettings, makeServerRepo, serverReadableCli } from '../../helpers/archiving.js';
import { CLI_BUNDLE, NODE24, pgkeep } from '../../helpers/cli.js';
import { binDir, startCluster } from '../../helpers/pg.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('drill clusters are private and stopped on cancel', () => {
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let env: Record<string, string>;
  let work: string;
  const leftover: string[] = [];

  beforeAll(async () => {
    repo = await makeServerRepo();
    c = await startCluster(archivingSettings(repo.url));
    const cli = serverReadableCli();
    env = { ...c.env, PGKEEP_REPO: repo.url, PGKEEP_NODE_PATH: cli.node, PGKEEP_CLI_PATH: cli.bundle, PGKEEP_PG_BINDIR: binDir() };
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-drill-cancel-'));
    await fsp.chmod(work, 0o755);
    await c.psql('create table t(id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 50000) g');
    const b = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], env);
    expect(b.code, b.stderr).toBe(0);
    // A few segments to replay, so the drill's cluster is up long enough to look at.
    for (let i = 0; i < 6; i++) await c.psql(`insert into t select g, 'more' from generate_series(${50001 + i * 20000}, ${70000 + i * 20000}) g; select pg_switch_wal();`);
    for (let i = 0; i < 600; i++) {
      if ((await c.psql(`select count(*) from pg_ls_archive_statusdir() where name like '%.ready'`)).trim() === '0') break;
      await sleep(100);
    }
  });

  afterAll(async () => {
    // Whatever a failed run left behind (before the fix: a running drill cluster).
    for (const d of leftover) if (existsSync(path.join(d, 'postmaster.pid'))) spawnSync('runuser', ['-u', 'postgres', '--', path.join(binDir(), 'pg_ctl'), '-D', d, '-m', 'immediate', 'stop']);
    await c?.destroy();
    if (work) await fsp.rm(work, { recursive: true, force: true });
  });

  it('no TCP, a 0700 socket nobody else can use, and SIGTERM stops the cluster and removes its directories', { timeout: 180_000 }, async () => {
    const tmp = path.join(work, 'tmp');
    await fsp.mkdir(tmp, { mode: 0o755 });
    const child = spawn(NODE24, [CLI_BUNDLE, 'verify', '--drill', '--json'], { env: { PATH: process.env.PATH, ...env, TMPDIR: tmp } as NodeJS.ProcessEnv });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));

    // Wait for the drill's restored cluster: its postmaster.pid in the drill's data directory.
    let dataDir = '';
    let pid = 0;
    let port = 0;
    for (let i = 0; i < 1200 && !pid; i++) {
      await sleep(50);
      for (const d of await fsp.readdir(tmp)) {
        const pidFile = path.join(tmp, d, 'data', 'postmaster.pid');
        if (!d.startsWith('pgkeep-drill-') || !existsSync(pidFile)) continue;
        const lines = (await fsp.readFile(pidFile, 'utf8')).split('\n');
        if (lines.length < 7 || !lines[4]) continue; // socket directory line not written yet (line 6, the TCP address, stays empty without TCP)
        dataDir = path.join(tmp, d, 'data');
        leftover.push(dataDir);
        pid = Number(lines[0]);
        port = Number(lines[3]);
      }
    }
    expect(pid, `the drill never started its cluster: ${stderr.slice(-2000)}`).toBeGreaterThan(0);
    const socketDir = (await fsp.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[4];
    expect(statSync(socketDir).mode & 0o777).toBe(0o700);
    // No TCP: postmaster.pid's sixth line is the first address it listens on, empty without TCP.
    // (Probing the port would race: other test files' clusters may take the same number.)
    expect((await fsp.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[5]).toBe('');
    expect((await fsp.readFile(path.join(dataDir, 'pg_hba.conf'), 'utf8')).split('\n').filter((l) => /^\s*host/.test(l))).toEqual([]);
    for (const host of [socketDir]) {
      const r = spawnSync('runuser', ['-u', 'nobody', '--', path.join(binDir(), 'psql'), '-X', '-h', host, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', 'select 1'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
      expect(r.status, `nobody connected through ${host}: ${r.stdout}`).not.toBe(0);
    }

    child.kill('SIGTERM');
    const end = await exited;
    expect(end.signal ?? end.code).toBe(end.signal ? 'SIGTERM' : 143);
    expect(stderr).toMatch(/SIGTERM received: undoing .*the PostgreSQL cluster on port/);
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
    expect(alive(pid)).toBe(false);
    // (pgkeep-node-cache-* is Node's compile cache of the bundle, kept on purpose.)
    expect((await fsp.readdir(tmp)).filter((d) => /^pgkeep-(drill|cluster)-/.test(d))).toEqual([]);
  });
});
