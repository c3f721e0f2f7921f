// A real repository for the verify/retention/drill tests: a PostgreSQL 15 cluster archiving WAL
// with `pgkeep wal-push` (the CLI bundle as archive_command), a full backup, a logical backup,
// then more writes and WAL switches, all archived.
import { promises as fsp } from 'node:fs';
import { expect } from 'vitest';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { binDir, startCluster } from '../../helpers/pg.js';
import { pgkeep } from '../../helpers/cli.js';
import { archivingSettings, makeServerRepo } from '../../helpers/archiving.js';

export interface RealRepo {
  cluster: LocalCluster;
  /** Repository root (file://). */
  repoDir: string;
  repoUrl: string;
  env: Record<string, string>;
  /** Run pgkeep with --json against this repository (or `repoUrl`); stdout parsed when JSON. */
  run(args: string[], repoUrl?: string, extraEnv?: Record<string, string>): Promise<{ code: number; json: any; stderr: string; stdout: string }>;
  /** Write rows, switch WAL, wait until everything is archived. */
  moreWal(rounds: number): Promise<void>;
  waitArchived(): Promise<void>;
}

export async function makeRealRepo(opts: { rows?: number } = {}): Promise<RealRepo> {
  const { dir: repoDir, url: repoUrl } = await makeServerRepo();
  const cluster = await startCluster({ ...archivingSettings(repoUrl), max_wal_senders: 5, track_commit_timestamp: 'on' });
  const env: Record<string, string> = { ...cluster.env, PGKEEP_REPO: repoUrl, PGKEEP_PG_BINDIR: binDir() };
  const run = async (args: string[], url?: string, extraEnv: Record<string, string> = {}) => {
    const r = await pgkeep([...args, '--json'], { ...env, ...(url ? { PGKEEP_REPO: url } : {}), ...extraEnv });
    let json: any;
    try {
      json = JSON.parse(r.stdout);
    } catch {
      json = undefined;
    }
    return { ...r, json };
  };
  const waitArchived = async () => {
    for (let i = 0; i < 600; i++) {
      const ready = (await cluster.psql(`select count(*) from pg_ls_archive_statusdir() where name like '%.ready'`)).trim();
      if (ready === '0') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`WAL archiving stalled: ${await cluster.serverLog()}`);
  };
  const moreWal = async (rounds: number) => {
    for (let i = 0; i < rounds; i++) {
      await cluster.psql(`insert into t(v) select 'more-' || g from generate_series(1, 300) g`, 'app');
      await cluster.psql('select pg_switch_wal()');
    }
    await waitArchived();
  };
  await cluster.psql('create database app');
  await cluster.psql(
    `create table t(id bigserial primary key, v text not null, at timestamptz default clock_timestamp());
     create index on t(v);
     insert into t(v) select md5(g::text) from generate_series(1, ${opts.rows ?? 5000}) g;`,
    'app',
  );
  const repo: RealRepo = { cluster, repoDir, repoUrl, env, run, moreWal, waitArchived };
  await takeFull(repo);
  await moreWal(2);
  const logical = await run(['backup', '--type', 'logical']);
  expect(logical.code, logical.stderr).toBe(0);
  await moreWal(3);
  return repo;
}

/** `pgkeep backup --type full` (the real producer); returns the new backup's id. */
export async function takeFull(repo: RealRepo): Promise<string> {
  const full = await repo.run(['backup', '--type', 'full', '--checkpoint', 'fast']);
  expect(full.code, full.stderr).toBe(0);
  return full.json.id;
}

/** A file-only copy of a file repository (for tests that damage it). */
export async function copyRepo(from: string, to: string): Promise<string> {
  await fsp.cp(from, to, { recursive: true });
  return `file://${to}`;
}

