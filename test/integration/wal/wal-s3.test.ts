import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { pgkeep } from '../../helpers/cli.js';
import { SEG, fakeSegment } from './fake-segment.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';
import { S3Store } from '../../../src/storage/s3-store.js';
import { parseRepoUrl, type S3RepoLocation } from '../../../src/config/repo-url.js';
import { walKey } from '../../../src/repo/layout.js';
import { decodeWalTrailer, TRAILER_BYTES } from '../../../src/wal/wal-trailer.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const seg = (n: number) => `0000000100000000000000${n.toString(16).toUpperCase().padStart(2, '0')}`;

describe('wal-push / wal-fetch against an S3-protocol repository', () => {
  let s3: TestS3;
  let tmp: string;
  let env: Record<string, string>;
  const data = new Map<string, Buffer>();

  beforeAll(async () => {
    s3 = await startS3();
    const bucket = await s3.bucket('wal');
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-wals3-'));
    env = { ...s3.env, PGKEEP_REPO: `s3://${bucket}/prod` } as Record<string, string>;
    await fsp.mkdir(path.join(tmp, 'pg_wal', 'archive_status'), { recursive: true });
    for (let i = 1; i <= 4; i++) {
      const b = fakeSegment(seg(i));
      data.set(seg(i), b);
      await fsp.writeFile(path.join(tmp, 'pg_wal', seg(i)), b);
    }
  });
  afterAll(async () => {
    await s3?.stop();
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('pushes with look-ahead, accepts an identical re-push and refuses a different one', async () => {
    for (const i of [2, 3, 4]) await fsp.writeFile(path.join(tmp, 'pg_wal', 'archive_status', `${seg(i)}.ready`), '');
    const r = await pgkeep(['wal-push', path.join(tmp, 'pg_wal', seg(1)), '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).ahead).toEqual([seg(2), seg(3), seg(4)]);
    const again = await pgkeep(['wal-push', path.join(tmp, 'pg_wal', seg(1)), '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).status).toBe('identical');
    const other = path.join(tmp, 'other', seg(1));
    await fsp.mkdir(path.dirname(other), { recursive: true });
    await fsp.writeFile(other, fakeSegment(seg(1)));
    const bad = await pgkeep(['wal-push', other], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/DIFFERENT content/);
    const back = path.join(tmp, 'back');
    expect((await pgkeep(['wal-fetch', seg(1), back], env)).code).toBe(0);
    expect(sha(await fsp.readFile(back))).toBe(sha(data.get(seg(1))!));
  });

  it('reads a WAL object\'s trailer with one ranged GET: what a re-push compares instead of downloading the object', async () => {
    const store = new S3Store(parseRepoUrl(env.PGKEEP_REPO) as S3RepoLocation, s3.settings({ maxAttempts: 1 }));
    const tail = await store.readTail(walKey(seg(2)), TRAILER_BYTES);
    expect(tail.length).toBe(TRAILER_BYTES);
    expect(decodeWalTrailer(tail)).toEqual({ name: seg(2), bytes: SEG, sha256: sha(data.get(seg(2))!) });
    await expect(store.readTail(walKey(seg(9)), TRAILER_BYTES)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('fetches with prefetch and reports a missing segment with exit 1', async () => {
    const dir = path.join(tmp, 'restore', 'pg_wal');
    await fsp.mkdir(dir, { recursive: true });
    for (let i = 2; i <= 4; i++) {
      const r = await pgkeep(['wal-fetch', seg(i), path.join(dir, 'RECOVERYXLOG'), '--json'], env);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).source).toBe(i === 2 ? 'repository' : 'spool');
      expect(sha(await fsp.readFile(path.join(dir, 'RECOVERYXLOG')))).toBe(sha(data.get(seg(i))!));
    }
    const miss = await pgkeep(['wal-fetch', seg(5), path.join(dir, 'RECOVERYXLOG')], env);
    expect(miss.code).toBe(1);
  });
});
