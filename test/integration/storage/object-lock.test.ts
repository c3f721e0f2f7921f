// S3 Object Lock against a real server that implements it (MinIO in GitHub CI, through
// PGKEEP_TEST_S3_ENDPOINT). s3rver has no Object Lock, and a fake would prove nothing here: these
// tests only run on a real endpoint. They show that the server accepts pgkeep's locked writes
// (single PUT and multipart: the checksum header it requires), that a locked version cannot be
// deleted, that lock files stay deletable, that the conditional PUT is refused on an existing key,
// and that `pgkeep expire` leaves a locked copy's backup in place (no delete, not even a delete
// marker) while it expires the unlocked copy, reporting when the locked one becomes deletable.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { parseRepoUrl, type S3RepoLocation } from '../../../src/config/repo-url.js';
import { S3Store } from '../../../src/storage/s3-store.js';
import { runExpire } from '../../../src/commands/expire.js';
import { loadConfig } from '../../../src/config/config.js';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { binDir, startCluster } from '../../helpers/pg.js';
import { pgkeep } from '../../helpers/cli.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';

const DAY = 86400_000;
const external = !!process.env.PGKEEP_TEST_S3_ENDPOINT;

describe.skipIf(!external)('S3 Object Lock on a real S3 endpoint', () => {
  let s3: TestS3;
  let locked: string;
  let plain: string;

  beforeAll(async () => {
    s3 = await startS3();
    locked = `pgkeep-lock-${Date.now().toString(36)}`;
    await s3.client.send(new CreateBucketCommand({ Bucket: locked, ObjectLockEnabledForBucket: true }));
    // No default retention: pgkeep sets it per object, and the lock files must get none.
    const cfg = await s3.client.send(new GetObjectLockConfigurationCommand({ Bucket: locked }));
    expect(cfg.ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
    expect(cfg.ObjectLockConfiguration?.Rule).toBeUndefined();
    plain = await s3.bucket('pgkeep-unlocked');
  });
  afterAll(async () => {
    await s3?.stop();
  });

  const store = (q: string, over = {}) => new S3Store(parseRepoUrl(`s3://${locked}/p${q}`) as S3RepoLocation, s3.settings({ maxAttempts: 1, ...over }));
  const head = (Key: string) => s3.client.send(new HeadObjectCommand({ Bucket: locked, Key }));

  it('accepts locked single-part and multipart writes, and refuses to delete the locked version', async () => {
    const st = store('?object-lock=governance&lock-days=1', { partSizeMiB: 5 });
    const before = Date.now();
    await st.put('wal/00000001/000000010000000000000001.zst', Readable.from([Buffer.from('wal bytes')]), { ifNoneMatch: true });
    await st.put('backups/x/base.tar.zst', Readable.from([Buffer.alloc(6 * 1024 * 1024, 1), Buffer.alloc(5 * 1024 * 1024, 2)]));
    for (const key of ['p/wal/00000001/000000010000000000000001.zst', 'p/backups/x/base.tar.zst']) {
      const h = await head(key);
      expect(h.ObjectLockMode).toBe('GOVERNANCE');
      const until = h.ObjectLockRetainUntilDate!.getTime();
      expect(until).toBeGreaterThanOrEqual(before + DAY - 2000);
      expect(until).toBeLessThanOrEqual(Date.now() + DAY + 2000);
      // The version itself cannot be removed (a plain DELETE would only add a delete marker).
      await expect(s3.client.send(new DeleteObjectCommand({ Bucket: locked, Key: key, VersionId: h.VersionId }))).rejects.toMatchObject({
        $metadata: { httpStatusCode: expect.any(Number) },
      });
      expect((await head(key)).VersionId).toBe(h.VersionId);
    }
    expect((await head('p/backups/x/base.tar.zst')).ContentLength).toBe(11 * 1024 * 1024);
    // What pgkeep's retention reads before it would delete.
    expect((await st.head('wal/00000001/000000010000000000000001.zst'))?.retainUntil).toBeDefined();
  });

  it('writes lock files without retention, so releasing them really removes them', async () => {
    const st = store('?object-lock=compliance&lock-days=1');
    await st.put('locks/backup-full.lock', Readable.from([Buffer.from('{"token":"t"}')]), { ifNoneMatch: true });
    const h = await head('p/locks/backup-full.lock');
    expect(h.ObjectLockMode).toBeUndefined();
    expect(h.ObjectLockRetainUntilDate).toBeUndefined();
    await s3.client.send(new DeleteObjectCommand({ Bucket: locked, Key: 'p/locks/backup-full.lock', VersionId: h.VersionId }));
    expect(await st.head('locks/backup-full.lock')).toBeNull();
  });

  it('refuses a conditional PUT (If-None-Match: *) of a key that exists, at the server', async () => {
    const st = store('?object-lock=governance&lock-days=1');
    const key = 'wal/00000001/000000010000000000000002.zst';
    await st.put(key, Readable.from([Buffer.from('first')]), { ifNoneMatch: true });
    // Straight to the server, without the store's HEAD look-up: the header alone must refuse it.
    const input = { ...st.putInput(key, undefined, { ifNoneMatch: true }), Body: Buffer.from('second') };
    await expect(st.client.send(new PutObjectCommand(input))).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    // And through the store: the code callers (wal-push) handle.
    await expect(st.put(key, Readable.from([Buffer.from('second')]), { ifNoneMatch: true })).rejects.toMatchObject({ code: 'exists' });
  });

  describe('pgkeep expire with a locked offsite copy', () => {
    let cluster: LocalCluster;
    let env: Record<string, string>;
    let repoUrl: string;
    let oldId: string;

    beforeAll(async () => {
      cluster = await startCluster();
      repoUrl = `s3://${plain}/prod,s3://${locked}/expire?object-lock=governance&lock-days=1`;
      env = { ...cluster.env, ...s3.env, PGKEEP_REPO: repoUrl, PGKEEP_PG_BINDIR: binDir() };
      const first = await pgkeep(['backup', '--type', 'logical', '--json'], env);
      expect(first.code, first.stderr).toBe(0);
      oldId = JSON.parse(first.stdout).id;
      await new Promise((r) => setTimeout(r, 1100)); // ids have one-second resolution
      const second = await pgkeep(['backup', '--type', 'logical', '--json'], env);
      expect(second.code, second.stderr).toBe(0);
    }, 120_000);
    afterAll(async () => {
      await cluster?.stop();
    });

    it('expires the unlocked copy, leaves the locked one untouched and says when it becomes deletable', async () => {
      expect(oldId).toMatch(/-logical$/);
      const versionsBefore = await s3.client.send(new ListObjectVersionsCommand({ Bucket: locked, Prefix: `expire/backups/${oldId}/` }));
      const lockedKeys = (versionsBefore.Versions ?? []).map((v) => v.Key!);
      expect(lockedKeys).toContain(`expire/backups/${oldId}/manifest.json`);
      // 31 days on, the older logical backup is outside a 30-day window (the lock is 1 day, from the real clock).
      const r = await runExpire(loadConfig({ ...env, PGKEEP_RETENTION_DAYS: '30' }), { dryRun: false, clock: new Date(Date.now() + 31 * DAY) });
      expect(r.plan.expire.map((b) => b.id)).toEqual([oldId]);
      // Unlocked copy: gone.
      const plainStore = new S3Store(parseRepoUrl(`s3://${plain}/prod`) as S3RepoLocation, s3.settings());
      expect(await plainStore.list(`backups/${oldId}/`)).toEqual([]);
      // Locked copy: every object still there, and not even a delete marker was written.
      const after = await s3.client.send(new ListObjectVersionsCommand({ Bucket: locked, Prefix: `expire/backups/${oldId}/` }));
      expect(after.DeleteMarkers ?? []).toEqual([]);
      expect((after.Versions ?? []).map((v) => v.Key).sort()).toEqual([...lockedKeys].sort());
      const held = r.applied!.held.find((h) => h.kind === 'backup' && h.what === oldId)!;
      expect(held.copy).toBe(`s3://${locked}/expire`);
      const manifestHead = await head(`expire/backups/${oldId}/manifest.json`);
      expect(Date.parse(held.deletableAt!)).toBeGreaterThanOrEqual(manifestHead.ObjectLockRetainUntilDate!.getTime());
      expect(r.applied!.deletedBackups).toEqual([]);
    }, 120_000);
  });
});
