// The ticket's storage: a mirror of an S3 bucket (MinIO/AWS in production, s3rver here) and a
// local copy, WAL archived to both by the server's archive_command, a point-in-time restore
// whose WAL can only come from S3 (the local copy's WAL is deleted first) through
// restore_command — which works only if the S3 credentials reach the server started by
// `pgkeep restore --start` through its environment (never through postgresql.auto.conf).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalCluster, freePort, serverRunAs } from '../../../src/postgres/local-cluster.js';
import { withClient } from '../../../src/postgres/client.js';
import { runTool } from '../../../src/postgres/pg-tools.js';
import { walKey } from '../../../src/repo/layout.js';
import { setLogSink } from '../../../src/util/log.js';
import { archivingSettings, makeServerRepo } from '../../helpers/archiving.js';
import { pgkeep } from '../../helpers/cli.js';
import { binDir } from '../../helpers/pg.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('point-in-time restore from an S3 + local mirror', () => {
  let s3: TestS3;
  let c: LocalCluster;
  let local: { dir: string; url: string };
  let env: Record<string, string>;
  let restored = '';
  let target = '';

  beforeAll(async () => {
    setLogSink(() => undefined);
    s3 = await startS3();
    const bucket = await s3.bucket('pitr-mirror');
    local = await makeServerRepo();
    // S3 first: reads come from it whenever it has the object.
    const repoUrl = `s3://${bucket}/prod,${local.url}`;
    const awsEnv = Object.fromEntries(Object.entries(s3.env).filter(([, v]) => v !== undefined)) as Record<string, string>;
    c = await LocalCluster.create({ binDir: binDir(), settings: { ...archivingSettings(repoUrl), track_commit_timestamp: 'on' } });
    await c.start(60, awsEnv);
    env = { ...c.env, ...awsEnv, PGKEEP_REPO: repoUrl };
    await c.psql('create table t(id int primary key, at timestamptz)');
    for (let i = 1; i <= 5; i++) await c.psql(`insert into t values (${i}, now())`);
    const b = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast'], env);
    expect(b.code, b.stderr).toBe(0);
    for (let i = 6; i <= 12; i++) {
      await c.psql(`insert into t values (${i}, now())`);
      await sleep(30);
    }
    target = (await c.psql(`select to_char(pg_xact_commit_timestamp(xmin) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') from t where id = 9`)).trim();
    const seg = (await c.psql('select pg_walfile_name(pg_switch_wal())')).trim();
    const end = Date.now() + 60_000;
    while (!existsSync(path.join(local.dir, walKey(seg)))) {
      if (Date.now() > end) throw new Error(`segment ${seg} was not archived`);
      await sleep(100);
    }
    // Both copies got every segment; the S3 copy is checked object by object below.
  });

  afterAll(async () => {
    if (restored && existsSync(path.join(restored, 'postmaster.pid')))
      await runTool(binDir(), 'pg_ctl', ['-D', restored, '-m', 'immediate', '-w', 'stop'], { ...serverRunAs(), what: 'pg_ctl stop' }).catch(() => undefined);
    await c?.destroy();
    await s3?.stop();
    if (local) await fsp.rm(local.dir, { recursive: true, force: true });
    if (restored) await fsp.rm(path.dirname(restored), { recursive: true, force: true });
    setLogSink((l) => process.stderr.write(l + '\n'));
  });

  it('archived every WAL segment to both copies', async () => {
    const listing = await pgkeep(['verify', '--checksums-only', '--json'], env);
    expect(listing.code, listing.stdout + listing.stderr).toBe(0);
    const localWal = (await fsp.readdir(path.join(local.dir, 'wal', '00000001'))).filter((n) => /^[0-9A-F]{24}\.zst$/.test(n));
    expect(localWal.length).toBeGreaterThanOrEqual(2);
  });

  it('restores to T with WAL fetched from S3 alone, credentials from the environment only', async () => {
    // Only S3 can serve WAL now.
    await fsp.rm(path.join(local.dir, 'wal'), { recursive: true, force: true });
    const parent = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-pitr-s3-'));
    await fsp.chmod(parent, 0o755);
    restored = path.join(parent, 'data');
    const port = await freePort();
    // Stage nothing: every segment goes through restore_command → pgkeep wal-fetch → S3.
    const r = await pgkeep(['restore', '--time', target, '--to', restored, '--start', '--port', String(port), '--json'], {
      ...env,
      PGKEEP_RESTORE_STAGE_SEGMENTS: '0',
      PGKEEP_RESTORE_ARCHIVE_MODE: 'off',
    });
    expect(r.code, r.stderr).toBe(0);
    const ids = await withClient({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, 'postgres', async (cl) =>
      (await cl.query<{ id: number }>('select id from t order by id')).rows.map((x) => x.id),
    );
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const conf = readFileSync(path.join(restored, 'postgresql.auto.conf'), 'utf8');
    expect(conf).toContain('wal-fetch');
    // The secret key is in the server's environment, never in its configuration.
    expect(conf).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY!);
    expect(r.stdout + r.stderr).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY!);
  });
});
