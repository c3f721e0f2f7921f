// Storage faults injected by a proxy in front of the S3-protocol server (test/helpers/fault-proxy.ts):
// throttling and 5xx, a connection reset in the middle of a PUT body, a hung endpoint, a multipart
// upload that fails for good, and a mirror whose second copy is down (PGKEEP_WAL_REQUIRED_COPIES)
// or whose first copy holds a damaged object.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { rejection } from '../../helpers/rejection.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy.js';
import { parseRepoUrl, type S3RepoLocation } from '../../../src/config/repo-url.js';
import { S3Store } from '../../../src/storage/s3-store.js';
import { FsStore } from '../../../src/storage/fs-store.js';
import { MirrorStore } from '../../../src/storage/mirror-store.js';
import { listPerCopy, computeCopyLag } from '../../../src/storage/copy-lag.js';
import { pushWalFile, hashStoredWal } from '../../../src/wal/wal-object.js';
import { walKey } from '../../../src/repo/layout.js';
import { repairCopies } from '../../../src/verify/repair-copies.js';
import { withCopyFallback } from '../../../src/storage/read-fallback.js';
import { verifyObject } from '../../../src/repo/object-io.js';
import { streamToBuffer } from '../../../src/util/streams.js';
import { PgkeepError } from '../../../src/util/errors.js';

const MiB = 1024 * 1024;
let s3: TestS3;
let proxy: FaultProxy;
let tmp: string;
beforeAll(async () => {
  s3 = await startS3();
  proxy = await startFaultProxy(s3.endpoint);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pgkeep-faults-'));
});
afterAll(async () => {
  await proxy?.close();
  await s3?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function proxied(over: Parameters<TestS3['settings']>[0] = {}): Promise<{ store: S3Store; direct: S3Store }> {
  const bucket = await s3.bucket('faults');
  const loc = parseRepoUrl(`s3://${bucket}/p`) as S3RepoLocation;
  return {
    store: new S3Store(loc, s3.settings({ endpoint: proxy.endpoint, maxAttempts: 4, partSizeMiB: 5, queueSize: 1, ...over })),
    direct: new S3Store(loc, s3.settings()),
  };
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('S3 store through injected faults', () => {
  it('a WAL push survives throttling and 5xx answers (SDK standard retries, jittered backoff)', async () => {
    const { store, direct } = await proxied();
    const file = path.join(tmp, '000000010000000000000001');
    await writeFile(file, randomBytes(256 * 1024));
    const before = proxy.injected().length;
    proxy.fail(1, 503);
    proxy.fail(1, 429);
    proxy.fail(1, 500);
    const r = await pushWalFile(store, file);
    expect(r.status).toBe('stored');
    expect(proxy.injected().slice(before)).toEqual(['503', '429', '500']);
    const stored = await hashStoredWal(direct, '000000010000000000000001');
    expect(stored.sha256).toBe(sha(await readFile(file)));
  });

  it('a connection reset in the middle of a PUT body is retried from a replayable buffer: the object is whole', async () => {
    const { store, direct } = await proxied();
    const body = randomBytes(3 * MiB);
    // The HEAD of nothing else: a plain put (not ifNoneMatch), so the first request is the PUT itself.
    proxy.resetMidBody(1, 256 * 1024);
    const before = proxy.injected().length;
    await store.put('obj', Readable.from([body]));
    expect(proxy.injected().slice(before)).toEqual(['reset']);
    expect(sha(await streamToBuffer(await direct.get('obj')))).toBe(sha(body));
  });

  it('a PUT reset on every attempt fails loudly and nothing is stored under the key', async () => {
    const { store, direct } = await proxied({ maxAttempts: 2 });
    proxy.resetMidBody(2, 64 * 1024);
    const e = await rejection(store.put('never', Readable.from([randomBytes(MiB)])));
    expect(e).toBeInstanceOf(PgkeepError);
    expect(e.message).toMatch(/Writing never to s3:\/\/.+ failed/);
    expect(await direct.head('never')).toBeNull();
  });

  it('a hung endpoint is cut by the idle timeout and the request retried', async () => {
    const { store, direct } = await proxied({ idleTimeoutMs: 800 });
    proxy.delay(1, 3_000);
    const before = proxy.injected().length;
    const t0 = Date.now();
    await store.put('after-hang', Readable.from([Buffer.from('hello')]));
    expect(proxy.injected().slice(before)).toEqual(['delay']);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect((await streamToBuffer(await direct.get('after-hang'))).toString()).toBe('hello');
  });

  it('a multipart upload whose part keeps failing is aborted: no object, and no parts where the server can list them', async () => {
    const { store, direct } = await proxied({ maxAttempts: 2 });
    // Every UploadPart of part 2 fails (500), on every attempt.
    proxy.failWhen((req) => req.method === 'PUT' && /partNumber=2(&|$)/.test(req.url ?? ''), 500);
    try {
      const e = await rejection(store.put('big', Readable.from([randomBytes(12 * MiB)])));
      expect(e.message).toMatch(/Writing big to s3:\/\/.+ failed/);
    } finally {
      proxy.failWhen(null);
    }
    expect(proxy.log.some((l) => l.startsWith('DELETE') && /uploadId=/.test(l))).toBe(true); // AbortMultipartUpload sent
    expect(await direct.head('big')).toBeNull();
    // s3rver implements neither AbortMultipartUpload nor ListMultipartUploads: the parts check runs
    // only against a real server (MinIO/SeaweedFS in CI).
    if (!s3.local) {
      const u = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: direct.loc.bucket, Prefix: 'p/' }));
      expect(u.Uploads ?? []).toEqual([]);
    }
  });
});

describe('mirror of file + S3 (behind the proxy) through an outage and a damaged copy', () => {
  async function mirror(required?: number) {
    const { store: remote, direct } = await proxied({ maxAttempts: 2 });
    const local = new FsStore(path.join(tmp, `copy-${randomBytes(4).toString('hex')}`));
    const m = new MirrorStore([local, remote], required ? { relaxed: { prefix: 'wal/', copies: required } } : {});
    return { m, local, remote, direct };
  }
  async function walFile(name: string): Promise<string> {
    const f = path.join(tmp, name);
    await writeFile(f, randomBytes(128 * 1024));
    return f;
  }

  it('by default a WAL push fails while the second copy is down (the first copy has it)', async () => {
    const { m, local } = await mirror();
    proxy.down(true);
    try {
      const e = await rejection(pushWalFile(m, await walFile('000000010000000000000010')));
      expect(e.code).toBe('mirror-failed');
    } finally {
      proxy.down(false);
    }
    expect(await local.head(walKey('000000010000000000000010'))).not.toBeNull();
  });

  it('REQUIRED_COPIES=1: pushes succeed with the second copy down, its lag is reported, repair fills it in', async () => {
    const { m, remote, direct } = await mirror(1);
    const names = ['000000010000000000000020', '000000010000000000000021', '000000010000000000000022'];
    proxy.down(true);
    try {
      for (const n of names) expect((await pushWalFile(m, await walFile(n))).status).toBe('stored');
    } finally {
      proxy.down(false);
    }
    expect(m.missed.map((x) => x.key)).toEqual(names.map(walKey));
    expect(await direct.head(walKey(names[0]))).toBeNull();

    const lag = computeCopyLag(await listPerCopy(m, 'wal/'), await listPerCopy(m, 'backups/'));
    expect(lag[0]).toMatchObject({ reachable: true, walMissing: 0 });
    expect(lag[1]).toMatchObject({ copy: remote.description, reachable: true, walMissing: 3, oldestMissingWal: names[0] });

    const r = await repairCopies(m);
    expect(r.failed).toEqual([]);
    expect(r.copied.map((c) => c.key).sort()).toEqual(names.map(walKey));
    for (const n of names) expect((await hashStoredWal(direct, n)).sha256).toBe(sha(await readFile(path.join(tmp, n))));
    const after = computeCopyLag(await listPerCopy(m, 'wal/'), await listPerCopy(m, 'backups/'));
    expect(after.map((l) => l.walMissing)).toEqual([0, 0]);
  });

  it('repair never spreads a damaged object: a corrupt source is skipped and named', async () => {
    const { m, local, direct } = await mirror(1);
    const n = '000000010000000000000030';
    proxy.down(true);
    try {
      await pushWalFile(m, await walFile(n));
    } finally {
      proxy.down(false);
    }
    // Damage the only copy: the zstd frame check fails, nothing is written to the lagging copy.
    const f = path.join(local.root, walKey(n));
    const buf = await readFile(f);
    buf[Math.floor(buf.length / 2)] ^= 0xff;
    await writeFile(f, buf);
    const r = await repairCopies(m);
    expect(r.copied).toEqual([]);
    expect(r.failed).toHaveLength(1);
    expect(r.failed[0].error).toMatch(/corrupt/);
    expect(await direct.head(walKey(n))).toBeNull();
  });

  it('a read whose bytes fail their checksum on the first copy is repeated from the second', async () => {
    const { m, local } = await mirror();
    const body = randomBytes(2 * MiB);
    await m.put('backups/x/base.tar.zst', Readable.from([body]));
    const f = path.join(local.root, 'backups/x/base.tar.zst');
    const bad = Buffer.from(body);
    bad[12345] ^= 0x01;
    await writeFile(f, bad);
    const expected = { bytes: body.length, sha256: sha(body) };
    const used: string[] = [];
    await withCopyFallback(m, 'base.tar.zst of backup x', async (s) => {
      used.push((s as MirrorStore).copies[0].description);
      await verifyObject(s, 'backups/x/base.tar.zst', expected);
    });
    expect(used).toEqual([local.description, m.copies[1].description]);
  });
});

describe('PGKEEP_WAL_REQUIRED_COPIES through the configuration and pgkeep status', () => {
  it('status --json and its text show the lagging copy; verify --repair clears it', async () => {
    const { loadConfig } = await import('../../../src/config/config.js');
    const { openStore } = await import('../../../src/storage/open-store.js');
    const { runStatus } = await import('../../../src/commands/status.js');
    const { runVerify } = await import('../../../src/commands/verify.js');
    const bucket = await s3.bucket('cfg');
    const repo = `file://${path.join(tmp, 'cfg-copy')},s3://${bucket}/p?endpoint=${encodeURIComponent(proxy.endpoint)}`;
    expect(() => loadConfig({ ...s3.env, PGKEEP_REPO: repo, PGKEEP_WAL_REQUIRED_COPIES: '3' })).toThrow(/PGKEEP_WAL_REQUIRED_COPIES="3" is not valid: expected a whole number from 1 to 2/);
    const cfg = loadConfig({ ...s3.env, PGKEEP_REPO: repo, PGKEEP_WAL_REQUIRED_COPIES: '1', PGKEEP_S3_MAX_ATTEMPTS: '1' });
    expect(cfg.walRequiredCopies).toBe(1);
    const name = '000000010000000000000040';
    const f = path.join(tmp, name);
    await writeFile(f, randomBytes(64 * 1024));
    proxy.down(true);
    try {
      expect((await pushWalFile(openStore(cfg), f)).status).toBe('stored');
    } finally {
      proxy.down(false);
    }
    const s = await runStatus(cfg);
    expect(s.copies?.[1]).toMatchObject({ walMissing: 1, oldestMissingWal: name, reachable: true });
    expect(s.notes.join('\n')).toMatch(new RegExp(`Copy s3://${bucket}/p lags: 1 WAL file\\(s\\) missing \\(oldest ${name}`));
    const v = await runVerify(cfg, { repair: true, checksumsOnly: true });
    expect(v.repaired).toMatchObject({ copied: 1, failed: [] });
    expect((await runStatus(cfg)).copies?.map((c) => c.walMissing)).toEqual([0, 0]);
  });
});
