// Logical round trip through an S3 repository (local s3rver, or PGKEEP_TEST_S3_ENDPOINT in CI)
// and through a mirror of S3 + file.
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { setLogSink } from '../../../src/util/log.js';
import { pgkeep } from '../../helpers/cli.js';
import { startCluster, tableChecksums } from '../../helpers/pg.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';
import { seedDatabases } from './seed-databases.js';

describe('logical backup and restore with S3', () => {
  let c: LocalCluster;
  let s3: TestS3;
  let dir: string;
  let before: Record<string, Record<string, string>>;
  const output: string[] = [];

  beforeAll(async () => {
    setLogSink((l) => output.push(l));
    c = await startCluster();
    await seedDatabases(c, 1000);
    before = { core: await tableChecksums(c, 'core'), keycloak: await tableChecksums(c, 'keycloak') };
    s3 = await startS3();
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-repo-'));
  });
  afterAll(async () => {
    setLogSink((l) => process.stderr.write(l + '\n'));
    await c?.destroy();
    await s3?.stop();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  it('backs up into s3://bucket/prefix and restores with identical checksums', async () => {
    const bucket = await s3.bucket('logical');
    const env = { ...c.env, ...s3.env, PGKEEP_REPO: `s3://${bucket}/prod` };
    const b = await pgkeep(['backup', '--type', 'logical', '--databases', 'core,keycloak', '--json'], env);
    output.push(b.stdout, b.stderr);
    expect(b.code, b.stderr).toBe(0);
    const id = JSON.parse(b.stdout).id;
    const keys = ((await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `prod/backups/${id}/` }))).Contents ?? []).map((o) => o.Key).sort();
    expect(keys).toEqual([`prod/backups/${id}/core.dump.zst`, `prod/backups/${id}/globals.sql.zst`, `prod/backups/${id}/keycloak.dump.zst`, `prod/backups/${id}/manifest.json`]);
    for (const db of ['core', 'keycloak']) {
      const r = await pgkeep(['restore', '--logical', '--database', db, '--into', `${db}_s3`], env);
      output.push(r.stdout, r.stderr);
      expect(r.code, r.stderr).toBe(0);
      expect(await tableChecksums(c, `${db}_s3`)).toEqual(before[db]);
    }
  });

  it('writes every copy of a mirror and restores from it', async () => {
    const bucket = await s3.bucket('mirror');
    const env = { ...c.env, ...s3.env, PGKEEP_REPO: `s3://${bucket}/prod,file://${dir}` };
    const b = await pgkeep(['backup', '--type', 'logical', '--databases', 'core', '--json'], env);
    output.push(b.stdout, b.stderr);
    expect(b.code, b.stderr).toBe(0);
    const id = JSON.parse(b.stdout).id;
    expect(existsSync(path.join(dir, 'backups', id, 'manifest.json'))).toBe(true);
    const r = await pgkeep(['restore', '--logical', '--database', 'core', '--into', 'core_mirror'], env);
    output.push(r.stdout, r.stderr);
    expect(r.code, r.stderr).toBe(0);
    expect(await tableChecksums(c, 'core_mirror')).toEqual(before.core);
  });

  it('refuses a missing bucket before dumping anything', async () => {
    const env = { ...c.env, ...s3.env, PGKEEP_REPO: 's3://pgkeep-no-such-bucket-4711/prod', PGKEEP_S3_MAX_ATTEMPTS: '1' };
    const from = output.length;
    const r = await pgkeep(['backup', '--type', 'logical', '--databases', 'core'], env);
    output.push(r.stdout, r.stderr);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Bucket "pgkeep-no-such-bucket-4711" does not exist');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(output.slice(from).some((l) => l.startsWith('dump core') || l.startsWith('backup '))).toBe(false);
  });

  it('never prints the S3 secret key', () => {
    const all = output.join('\n');
    expect(all.length).toBeGreaterThan(200);
    if (s3.secretAccessKey.length >= 3) expect(all).not.toContain(s3.secretAccessKey);
  });
});
