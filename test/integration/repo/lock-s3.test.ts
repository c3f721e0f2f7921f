// Leases on an S3-protocol server: create-if-absent, renewal, a dead holder's lock from another
// runner taken over once its lease ran out, token-checked release, and a mirror of S3 + file.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRepoUrl, type S3RepoLocation } from '../../../src/config/repo-url.js';
import { readJson, writeJson } from '../../../src/repo/catalog.js';
import { lockKey } from '../../../src/repo/layout.js';
import { acquireLock, type LockInfo } from '../../../src/repo/lock.js';
import { FsStore } from '../../../src/storage/fs-store.js';
import { MirrorStore } from '../../../src/storage/mirror-store.js';
import { S3Store } from '../../../src/storage/s3-store.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';

const KEY = lockKey('backup-full');
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** s3rver rewrites an object in place: a read during a renewal may see half of it. */
async function readLockJson(s: S3Store): Promise<LockInfo> {
  for (let i = 0; ; i++) {
    try {
      return (await readJson(s, KEY)) as LockInfo;
    } catch (e) {
      if (i > 5) throw e;
      await sleep(20);
    }
  }
}

describe('lock leases on S3', () => {
  let s3: TestS3;
  let bucket: string;
  let seq = 0;
  const store = () => new S3Store(parseRepoUrl(`s3://${bucket}/locks-${++seq}`) as S3RepoLocation, s3.settings({ maxAttempts: 1 }));

  beforeAll(async () => {
    s3 = await startS3();
    bucket = await s3.bucket('locks');
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it('refuses a second holder, renews, releases only its own lock', async () => {
    const s = store();
    const l = await acquireLock(s, 'backup-full', { leaseMs: 2000, refreshMs: 100 });
    await expect(acquireLock(s, 'backup-full')).rejects.toMatchObject({ code: 'locked' });
    const first = await readLockJson(s);
    await sleep(400);
    const later = await readLockJson(s);
    expect(later.token).toBe(first.token);
    expect(Date.parse(later.expires!)).toBeGreaterThan(Date.parse(first.expires!));
    await l.release();
    expect(await s.head(KEY)).toBeNull();
  });

  it("takes over another runner's lock once its lease ran out, never before", async () => {
    const s = store();
    const other: LockInfo = { name: 'backup-full', token: 'gone-runner', host: 'runner-from-yesterday', pid: 77, since: iso(Date.now() - 60_000), expires: iso(Date.now() + 60_000) };
    await writeJson(s, KEY, other);
    await expect(acquireLock(s, 'backup-full')).rejects.toThrow(/Another pgkeep backup-full is running on runner-from-yesterday/);
    await writeJson(s, KEY, { ...other, expires: iso(Date.now() - 1) });
    const l = await acquireLock(s, 'backup-full');
    expect(((await readJson(s, KEY)) as LockInfo).host).toBe(os.hostname());
    expect((await s.list('locks/')).map((o) => o.key)).toEqual([KEY]); // no takeover marker left
    await l.release();
  });

  it('on a mirror (S3 + file), a lock taken over on one copy stops the holder and stays with its new owner', async () => {
    const a = store();
    const b = new FsStore(mkdtempSync(path.join(os.tmpdir(), 'pgkeep-lock-s3-')));
    const l = await acquireLock(new MirrorStore([a, b]), 'backup-full', { leaseMs: 2000, refreshMs: 100 });
    await writeJson(a, KEY, { name: 'backup-full', token: 'usurper', host: 'x', pid: 1, since: iso(Date.now()), expires: iso(Date.now() + 60_000) });
    await sleep(400);
    expect(() => l.assertHeld()).toThrow(/lost its backup-full lock/);
    await l.release();
    expect(((await readJson(a, KEY)) as LockInfo).token).toBe('usurper');
    expect(await b.head(KEY)).toBeNull();
  });
});
