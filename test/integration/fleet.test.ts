// A fleet of two clusters sharing one PGKEEP_REPO that mirrors an S3 copy (with its own
// endpoint option, as the README's MinIO copy has) and a file copy. The cluster name picks
// each member's prefix of EVERY copy: db1 goes through the CLI with PGKEEP_CLUSTER (its
// archive_command reads the environment, as a systemd-run server does), db2 through the
// actions' `cluster` input (its archive_command passes --cluster). Each restore, with the file
// copy's WAL deleted so that WAL can only come from S3, brings back its own rows and only those.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { LocalCluster, chownForServer, freePort } from '../../src/postgres/local-cluster.js';
import { withClient } from '../../src/postgres/client.js';
import { walKey } from '../../src/repo/layout.js';
import { setLogSink } from '../../src/util/log.js';
import { cliCommand, makeServerRepo } from '../helpers/archiving.js';
import { pgkeep } from '../helpers/cli.js';
import { binDir } from '../helpers/pg.js';
import { startS3, type TestS3 } from '../helpers/s3.js';
import { ensureActionBundles } from '../e2e/actions/action-bundles.js';
import { runAction } from '../e2e/actions/run-action.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('a fleet of two clusters on a file + S3 mirror', () => {
  let s3: TestS3;
  let bucket: string;
  let local: { dir: string; url: string };
  let base: string;
  let keys: Record<string, string>;
  let work: string;
  const clusters: Record<string, LocalCluster> = {};
  const restored: LocalCluster[] = [];
  const ROWS = { db1: [1, 2, 3, 4, 5, 6, 7], db2: [101, 102, 103, 104, 105] } as const;

  const envFor = (name: 'db1' | 'db2', extra: Record<string, string> = {}) => ({
    ...clusters[name].env,
    ...keys,
    PGKEEP_REPO: base,
    PGKEEP_PG_BINDIR: binDir(),
    ...extra,
  });

  async function archiveNow(name: 'db1' | 'db2'): Promise<string> {
    const c = clusters[name];
    const seg = (await c.psql('select pg_walfile_name(pg_switch_wal())')).trim();
    const file = path.join(local.dir, name, walKey(seg));
    const end = Date.now() + 60_000;
    while (!existsSync(file)) {
      if (Date.now() > end) throw new Error(`${name}: segment ${seg} never reached ${file}`);
      await sleep(100);
    }
    return seg;
  }

  async function s3Keys(): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const r = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const o of r.Contents ?? []) out.push(o.Key!);
      token = r.NextContinuationToken;
    } while (token);
    return out;
  }

  async function startRestored(dir: string, env: Record<string, string>): Promise<number[]> {
    const r = await LocalCluster.create({ binDir: binDir(), existingDataDir: dir, settings: { archive_mode: 'off' } });
    restored.push(r);
    await r.start(60, env);
    const end = Date.now() + 60_000;
    while ((await r.psql('select pg_is_in_recovery()')).trim() === 't' && Date.now() < end) await sleep(200);
    return (await r.psql('select id from t order by id')).trim().split('\n').map(Number);
  }

  beforeAll(async () => {
    setLogSink(() => undefined);
    // The actions' bundles (db2's leg) are built from the current source if it is newer.
    const bundles = ensureActionBundles();
    s3 = await startS3();
    bucket = await s3.bucket('fleet');
    local = await makeServerRepo();
    // Each member's folder of the file copy belongs to the server's user, as the root does:
    // backups run as this process's user, archive_command as the server's.
    for (const name of ['db1', 'db2']) {
      await fsp.mkdir(path.join(local.dir, name), { mode: 0o755 });
      await chownForServer(path.join(local.dir, name));
    }
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-fleet-'));
    await fsp.chmod(work, 0o755);
    // No AWS_ENDPOINT_URL_S3 anywhere: the S3 copy reaches s3rver only through its own
    // endpoint= option, so a composition that lost the copy's options could not write at all.
    base = `s3://${bucket}/prod?endpoint=${s3.endpoint}&force-path-style=true,${local.url}`;
    keys = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: s3.region };

    clusters.db1 = await LocalCluster.create({ binDir: binDir(), settings: { wal_level: 'replica', archive_mode: 'on', archive_command: cliCommand('wal-push %p') } });
    await clusters.db1.start(60, { ...keys, PGKEEP_REPO: base, PGKEEP_CLUSTER: 'db1' });
    clusters.db2 = await LocalCluster.create({
      binDir: binDir(),
      settings: { wal_level: 'replica', archive_mode: 'on', archive_command: cliCommand(`wal-push --repo ${q(base)} --cluster db2 %p`) },
    });
    await clusters.db2.start(60, keys);
    for (const name of ['db1', 'db2'] as const) await clusters[name].psql(`create table t(id int primary key, owner text)`);
    await bundles;
  });

  afterAll(async () => {
    for (const r of restored) await r.destroy().catch(() => undefined);
    for (const c of Object.values(clusters)) await c.destroy().catch(() => undefined);
    await s3?.stop();
    if (local) await fsp.rm(local.dir, { recursive: true, force: true });
    if (work) await fsp.rm(work, { recursive: true, force: true });
    setLogSink((l) => process.stderr.write(l + '\n'));
  });

  it('backs up and archives each cluster into its own prefix of every copy', async () => {
    const [first1, ...later1] = ROWS.db1;
    const [first2, ...later2] = ROWS.db2;
    await clusters.db1.psql(`insert into t values (${first1}, 'db1')`);
    await clusters.db2.psql(`insert into t values (${first2}, 'db2')`);

    const b1 = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], envFor('db1', { PGKEEP_CLUSTER: 'db1' }));
    expect(b1.code, b1.stderr).toBe(0);
    const b2 = await runAction('pg-backup', { type: 'full', checkpoint: 'fast', cluster: 'db2' }, envFor('db2'));
    expect(b2.stdout).not.toMatch(/::error::/);
    expect(b2.code).toBe(0);

    for (const id of later1) await clusters.db1.psql(`insert into t values (${id}, 'db1')`);
    for (const id of later2) await clusters.db2.psql(`insert into t values (${id}, 'db2')`);
    const seg1 = await archiveNow('db1');
    const seg2 = await archiveNow('db2');

    // File copy: one folder per cluster, nothing at the shared root.
    expect((await fsp.readdir(local.dir)).sort()).toEqual(['db1', 'db2']);
    const sysid: Record<string, string> = {};
    for (const name of ['db1', 'db2'] as const) {
      sysid[name] = (await clusters[name].psql('select system_identifier from pg_control_system()')).trim();
      const info = JSON.parse(await fsp.readFile(path.join(local.dir, name, 'pgkeep.json'), 'utf8'));
      expect(info.systemIdentifier).toBe(sysid[name]);
      expect(await fsp.readdir(path.join(local.dir, name, 'backups'))).toHaveLength(1);
    }
    expect(sysid.db1).not.toBe(sysid.db2);

    // S3 copy: every object under prod/<cluster>/, each cluster with its backup and its WAL.
    const s3keys = await s3Keys();
    expect(s3keys.filter((k) => !/^prod\/db[12]\//.test(k))).toEqual([]);
    for (const [name, seg] of [['db1', seg1], ['db2', seg2]] as const) {
      expect(s3keys).toContain(`prod/${name}/pgkeep.json`);
      expect(s3keys).toContain(`prod/${name}/${walKey(seg)}`);
      expect(s3keys.some((k) => k.startsWith(`prod/${name}/backups/`) && k.endsWith('/manifest.json'))).toBe(true);
    }
    const s3info = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'prod/db2/pgkeep.json' }));
    expect(s3info.KeyCount).toBe(1);

    // Each member lists its own backup only.
    const l1 = await pgkeep(['list', '--json', '--cluster', 'db1'], { ...keys, PGKEEP_REPO: base });
    const l2 = await pgkeep(['list', '--json'], { ...keys, PGKEEP_REPO: base, PGKEEP_CLUSTER: 'db2' });
    expect(JSON.parse(l1.stdout)).toHaveLength(1);
    expect(JSON.parse(l2.stdout)).toHaveLength(1);
    expect(JSON.parse(l1.stdout)[0].id).not.toBe(JSON.parse(l2.stdout)[0].id);
  });

  it('restores each cluster with its own rows, WAL fetched from its own S3 prefix', async () => {
    // Only the S3 copy can serve WAL now.
    for (const name of ['db1', 'db2']) await fsp.rm(path.join(local.dir, name, 'wal'), { recursive: true, force: true });

    // db1 through the CLI and PGKEEP_CLUSTER; replay through restore_command alone.
    const to1 = path.join(work, 'db1');
    const port = await freePort();
    const r1 = await pgkeep(['restore', '--latest', '--to', to1, '--start', '--port', String(port), '--json'], {
      ...keys,
      PGKEEP_REPO: base,
      PGKEEP_CLUSTER: 'db1',
      PGKEEP_PG_BINDIR: binDir(),
      PGKEEP_RESTORE_STAGE_SEGMENTS: '0',
    });
    expect(r1.code, r1.stderr).toBe(0);
    const ids1 = await withClient({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, 'postgres', async (cl) =>
      (await cl.query<{ id: number; owner: string }>('select id, owner from t order by id')).rows,
    );
    expect(ids1.map((x) => x.id)).toEqual([...ROWS.db1]);
    expect(new Set(ids1.map((x) => x.owner))).toEqual(new Set(['db1']));
    const auto1 = await fsp.readFile(path.join(to1, 'postgresql.auto.conf'), 'utf8');
    expect(auto1).toContain(`s3://${bucket}/prod/db1?`);
    expect(auto1).not.toContain('/db1/db1');

    // db2 through the pg-restore action's cluster input; then started by hand from a shell
    // that still exports PGKEEP_CLUSTER=db2 (restore_command must not compose it twice).
    const to2 = path.join(work, 'db2');
    const r2 = await runAction('pg-restore', { latest: 'true', target: to2, 'dry-run': 'false', cluster: 'db2' }, { ...keys, PGKEEP_REPO: base, PGKEEP_PG_BINDIR: binDir(), PGKEEP_RESTORE_STAGE_SEGMENTS: '0' });
    expect(r2.stdout).not.toMatch(/::error::/);
    expect(r2.code).toBe(0);
    const auto2 = await fsp.readFile(path.join(to2, 'postgresql.auto.conf'), 'utf8');
    expect(auto2).toContain(`s3://${bucket}/prod/db2?`);
    expect(await startRestored(to2, { ...keys, PGKEEP_REPO: base, PGKEEP_CLUSTER: 'db2' })).toEqual([...ROWS.db2]);
  });
});
