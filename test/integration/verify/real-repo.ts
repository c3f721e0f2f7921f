// A real repository for the verify/retention/drill tests: a PostgreSQL 15 cluster archiving WAL
// with `pgkeep wal-push` (the CLI bundle as archive_command), a full backup, a logical backup,
// then more writes and WAL switches, all archived.
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { FsStore } from '../../../src/storage/fs-store.js';
import { writeObject } from '../../../src/repo/object-io.js';
import { writeJson } from '../../../src/repo/catalog.js';
import { backupObjectKey, makeBackupId, manifestKey } from '../../../src/repo/layout.js';
import { parseLsn, segmentName, segnoForLsn } from '../../../src/wal/segment.js';
import { startTool } from '../../../src/postgres/pg-tools.js';
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

/** `pgkeep backup --type full`; returns the new backup's id. */
export async function takeFull(repo: RealRepo): Promise<string> {
  const full = await repo.run(['backup', '--type', 'full', '--checkpoint', 'fast']);
  if (full.code === 0) return full.json.id;
  // The physical producer is still being built: take the same backup by hand, in its format.
  console.warn(`pgkeep backup --type full failed (${full.stderr.trim()}); using a hand-made full backup in format v1`);
  return handMadeFull(repo.cluster, repo.repoDir, repo.waitArchived);
}

/** pg_basebackup -Ft -X none into base.tar.zst (kind base) + manifest, WAL from the archive. */
export async function handMadeFull(cluster: LocalCluster, repoDir: string, waitArchived: () => Promise<void>): Promise<string> {
  const store = new FsStore(repoDir);
  const start = new Date();
  const id = makeBackupId(start, 'full');
  const run = startTool(binDir(), 'pg_basebackup', ['-D', '-', '-Ft', '-X', 'none', '--checkpoint=fast'], { env: cluster.env });
  const written = writeObject(store, backupObjectKey(id, 'base.tar.zst'), run.stdout, { kind: 'zstd', level: 3 });
  await Promise.all([run.done, written]);
  const obj = await written;
  const stop = new Date();
  const man = JSON.parse(
    execFileSync('sh', ['-c', `zstd -dc '${path.join(repoDir, backupObjectKey(id, 'base.tar.zst'))}' | tar -xOf - backup_manifest`], { maxBuffer: 1 << 26 }).toString(),
  );
  const range = man['WAL-Ranges'][0];
  const tl = range.Timeline as number;
  await waitArchived();
  const sys = (await cluster.psql('select system_identifier from pg_control_system()')).trim();
  const ver = (await cluster.psql(`select current_setting('server_version_num')`)).trim();
  await writeJson(store, manifestKey(id), {
    format: 1,
    id,
    type: 'full',
    startTime: start.toISOString(),
    stopTime: stop.toISOString(),
    pgVersion: '15',
    pgVersionNum: Number(ver),
    systemIdentifier: sys,
    timeline: tl,
    startLsn: range['Start-LSN'],
    stopLsn: range['End-LSN'],
    startWal: segmentName(tl, segnoForLsn(parseLsn(range['Start-LSN']))),
    stopWal: segmentName(tl, segnoForLsn(parseLsn(range['End-LSN']))),
    bytes: obj.bytes,
    rawBytes: obj.rawBytes,
    objects: [{ name: 'base.tar.zst', kind: 'base', ...obj }],
    tool: { name: 'pgkeep', version: 'test' },
  });
  return id;
}

/** A file-only copy of a file repository (for tests that damage it). */
export async function copyRepo(from: string, to: string): Promise<string> {
  await fsp.cp(from, to, { recursive: true });
  return `file://${to}`;
}

