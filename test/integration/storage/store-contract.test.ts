// One contract for every Store driver, run against the file store, the S3 store (a real
// S3-protocol server: s3rver here, MinIO/SeaweedFS when PGKEEP_TEST_S3_ENDPOINT is set) and a
// mirror of both. Payloads are random, streamed, and checked by SHA-256.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { ListMultipartUploadsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRepoUrl, type S3RepoLocation } from '../../../src/config/repo-url.js';
import { FsStore } from '../../../src/storage/fs-store.js';
import { MirrorStore } from '../../../src/storage/mirror-store.js';
import { S3Store } from '../../../src/storage/s3-store.js';
import type { Store } from '../../../src/storage/store.js';
import { PgkeepError } from '../../../src/util/errors.js';
import { rejection } from '../../helpers/rejection.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';

const MiB = 1024 * 1024;

/** Random bytes generated chunk by chunk (never held whole); SHA-256 known once it ended. */
function payload(bytes: number, opts: { failAfter?: number; destroyAfter?: number } = {}) {
  const hash = createHash('sha256');
  const chunk = 256 * 1024;
  let sent = 0;
  const stream = new Readable({
    highWaterMark: chunk,
    read() {
      if (opts.failAfter !== undefined && sent >= opts.failAfter) return this.destroy(new Error('source broke midway (test)'));
      if (opts.destroyAfter !== undefined && sent >= opts.destroyAfter) return this.destroy();
      if (sent >= bytes) return void this.push(null);
      const b = randomBytes(Math.min(chunk, bytes - sent));
      hash.update(b);
      sent += b.length;
      this.push(b);
    },
  });
  let digest: string | undefined;
  return { stream, sha256: () => (digest ??= hash.digest('hex')) };
}

async function sha256Of(s: NodeJS.ReadableStream): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const c of s) {
    h.update(c as Buffer);
    bytes += (c as Buffer).length;
  }
  return { sha256: h.digest('hex'), bytes };
}

/** Every S3 command the store sends, with its input and the server's HTTP status. */
let recorders = 0;
function recordCommands(store: S3Store) {
  const id = ++recorders;
  const sent: { command: string; input: Record<string, unknown>; status?: number; headers?: Record<string, string> }[] = [];
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      const rec: (typeof sent)[number] = { command: String(context.commandName), input: args.input as Record<string, unknown> };
      sent.push(rec);
      try {
        const out = await next(args);
        rec.status = (out.response as { statusCode?: number }).statusCode;
        return out;
      } catch (e) {
        rec.status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        throw e;
      }
    },
    { step: 'initialize', name: `testRecorder${id}` },
  );
  store.client.middlewareStack.add(
    (next) => async (args) => {
      const rec = sent.at(-1);
      if (rec) rec.headers = { ...(args.request as { headers: Record<string, string> }).headers };
      return next(args);
    },
    { step: 'finalizeRequest', name: `testHeaderRecorder${id}` },
  );
  return sent;
}

/**
 * A real HTTP proxy in front of the S3 server that breaks the requests whose 1-based numbers are
 * listed (503 SlowDown, 500 InternalError, or a reset connection) and forwards everything else.
 */
async function flakyProxy(target: string, plan: Record<number, '503' | '500' | 'reset' | 'cut'>) {
  const t = new URL(target);
  let n = 0;
  const broken: string[] = [];
  const rangesSeen: string[] = [];
  const server = http.createServer((req, res) => {
    const fault = plan[++n];
    if (req.headers.range) rangesSeen.push(String(req.headers.range));
    if (fault && fault !== 'cut') {
      broken.push(`${fault} ${req.method} ${req.url}`);
      req.resume();
      if (fault === 'reset') return void req.socket.destroy();
      const code = fault === '503' ? 'SlowDown' : 'InternalError';
      res.writeHead(Number(fault), { 'content-type': 'application/xml' });
      return void res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by test</Message></Error>`);
    }
    const up = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      if (fault !== 'cut') return void ur.pipe(res);
      // Forward the head and ~3 MiB of the body, then drop the connection.
      broken.push(`cut ${req.method} ${req.url}`);
      let sent = 0;
      ur.on('data', (c: Buffer) => {
        if (sent >= 3 * MiB) return;
        sent += c.length;
        res.write(c);
        if (sent >= 3 * MiB) {
          ur.destroy();
          res.socket?.destroy();
        }
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    broken,
    rangesSeen,
    requests: () => n,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

let s3: TestS3;
let tmp: string;
beforeAll(async () => {
  s3 = await startS3();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pgkeep-store-'));
});
afterAll(async () => {
  await s3?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

let seq = 0;
async function s3Store(query = '', over: Parameters<TestS3['settings']>[0] = {}): Promise<S3Store> {
  const bucket = await s3.bucket('contract');
  const loc = parseRepoUrl(`s3://${bucket}/repo/p${++seq}${query}`) as S3RepoLocation;
  return new S3Store(loc, s3.settings({ partSizeMiB: 5, queueSize: 2, maxAttempts: 2, ...over }));
}
const fsStore = () => new FsStore(path.join(tmp, `fs${++seq}`));

interface Driver {
  name: string;
  make(): Promise<{ store: Store; s3?: S3Store; fsRoot?: string }>;
}
const drivers: Driver[] = [
  { name: 'file', make: async () => { const f = fsStore(); return { store: f, fsRoot: f.root }; } },
  { name: 's3', make: async () => { const s = await s3Store(); return { store: s, s3: s }; } },
  {
    name: 'mirror (file + s3)',
    make: async () => {
      const f = fsStore();
      const s = await s3Store();
      return { store: new MirrorStore([f, s]), s3: s, fsRoot: f.root };
    },
  },
];

describe.each(drivers)('Store contract: $name', (driver) => {
  let store: Store;
  let s3s: S3Store | undefined;
  let fsRoot: string | undefined;
  beforeAll(async () => {
    ({ store, s3: s3s, fsRoot } = await driver.make());
    await store.check();
  });

  it('round-trips a streamed object bigger than one multipart part', async () => {
    const sent = s3s ? recordCommands(s3s) : [];
    const p = payload(12 * MiB + 12345);
    const r = await store.put('backups/b1/base.tar.zst', p.stream);
    expect(r.bytes).toBe(12 * MiB + 12345);
    const back = await sha256Of(await store.get('backups/b1/base.tar.zst'));
    expect(back).toEqual({ sha256: p.sha256(), bytes: 12 * MiB + 12345 });
    if (s3s) {
      // 5 MiB parts: three parts, each acknowledged by the server, then one completion.
      const parts = sent.filter((c) => c.command === 'UploadPartCommand');
      expect(parts.map((c) => c.status)).toEqual([200, 200, 200]);
      expect(sent.filter((c) => c.command === 'CompleteMultipartUploadCommand').map((c) => c.status)).toEqual([200]);
    }
  });

  it('round-trips a small object and an empty one', async () => {
    await store.put('small', Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    expect((await sha256Of(await store.get('small'))).bytes).toBe(11);
    await store.put('empty', Readable.from([]));
    expect(await store.head('empty')).toMatchObject({ key: 'empty', size: 0 });
    expect((await sha256Of(await store.get('empty'))).bytes).toBe(0);
  });

  it('head gives the size of an object and null for a missing one', async () => {
    const before = Date.now();
    await store.put('h/obj', Readable.from([randomBytes(777)]));
    const h = await store.head('h/obj');
    expect(h).toMatchObject({ key: 'h/obj', size: 777 });
    // Listings carry the write time (freshness checks use it); S3 keeps whole seconds.
    const [listed] = await store.list('h/obj');
    expect(Math.abs(Date.parse(listed.modified ?? '') - before)).toBeLessThan(5_000);
    if (h?.modified) expect(Math.abs(Date.parse(h.modified) - before)).toBeLessThan(5_000);
    expect(await store.head('h/missing')).toBeNull();
  });

  it('lists by prefix: sorted, relative keys, nothing outside the prefix', async () => {
    for (const k of ['list/b/2', 'list/a/10', 'list/a/1', 'listx/y', 'other/z'])
      await store.put(k, Readable.from([Buffer.from(k)]));
    expect((await store.list('list/')).map((o) => o.key)).toEqual(['list/a/1', 'list/a/10', 'list/b/2']);
    expect(await store.list('list/a/')).toEqual([
      expect.objectContaining({ key: 'list/a/1', size: 8 }),
      expect.objectContaining({ key: 'list/a/10', size: 9 }),
    ]);
    expect((await store.list('list')).map((o) => o.key)).toEqual(['list/a/1', 'list/a/10', 'list/b/2', 'listx/y']);
    expect(await store.list('nothing/')).toEqual([]);
    const all = (await store.list('')).map((o) => o.key);
    expect(all).toEqual([...all].sort());
    expect(all).toContain('other/z');
  });

  it('makes an object visible only once its put completes', async () => {
    const sent = s3s ? recordCommands(s3s) : [];
    const body = new PassThrough();
    const put = store.put('pending/obj', body);
    body.write(randomBytes(6 * MiB)); // more than one 5 MiB part
    if (s3s) {
      // Wait until the server has acknowledged the first part of the multipart upload.
      const t0 = Date.now();
      while (!sent.some((c) => c.command === 'UploadPartCommand' && c.status === 200) && Date.now() - t0 < 20_000)
        await new Promise((r) => setTimeout(r, 20));
      expect(sent.some((c) => c.command === 'UploadPartCommand' && c.status === 200)).toBe(true);
    } else await new Promise((r) => setTimeout(r, 300));
    expect(await store.head('pending/obj')).toBeNull();
    expect(await store.list('pending/')).toEqual([]);
    if (fsRoot) {
      // The bytes are on disk already, under a temporary name the listing hides.
      const names = await readdir(path.join(fsRoot, 'pending'));
      expect(names.length).toBe(1);
      expect(names[0]).not.toBe('obj');
    }
    body.end(randomBytes(1000));
    expect(await put).toEqual({ bytes: 6 * MiB + 1000 });
    expect((await store.list('pending/')).map((o) => o.key)).toEqual(['pending/obj']);
  });

  it('delete removes an object; deleting a missing one is fine', async () => {
    await store.put('d/obj', Readable.from([Buffer.from('x')]));
    await store.delete('d/obj');
    expect(await store.head('d/obj')).toBeNull();
    expect((await rejection(store.get('d/obj'))).code).toBe('not-found');
    await store.delete('d/never-existed');
  });

  it('get of a missing object fails with code not-found, naming the key', async () => {
    const e = await rejection(store.get('wal/00000001/000000010000000000000099.zst'));
    expect(e).toBeInstanceOf(PgkeepError);
    expect(e.code).toBe('not-found');
    expect(e.message).toContain('000000010000000000000099');
  });

  it('ifNoneMatch refuses an existing key with code exists and keeps the first content', async () => {
    const first = payload(1000);
    await store.put('wal/seg', first.stream, { ifNoneMatch: true });
    const e = await rejection(store.put('wal/seg', payload(2000).stream, { ifNoneMatch: true }));
    expect(e.code).toBe('exists');
    expect(await sha256Of(await store.get('wal/seg'))).toEqual({ sha256: first.sha256(), bytes: 1000 });
    // Every copy kept the first content (a mirror reads the first copy only).
    if (s3s) expect(await sha256Of(await s3s.get('wal/seg'))).toEqual({ sha256: first.sha256(), bytes: 1000 });
    // Without ifNoneMatch a put replaces the object.
    await store.put('wal/seg', Readable.from([Buffer.from('new')]));
    expect((await store.head('wal/seg'))?.size).toBe(3);
  });

  it('a source destroyed midway without an error fails the put instead of hanging or storing a prefix', async () => {
    const p = payload(20 * MiB, { destroyAfter: 7 * MiB });
    const e = await rejection(store.put('cut/obj', p.stream));
    expect(e).toBeInstanceOf(Error);
    expect(await store.head('cut/obj')).toBeNull();
    expect(await store.list('cut/')).toEqual([]);
  }, 30_000);

  it('a source stream that errors midway leaves no object behind', async () => {
    const sent = s3s ? recordCommands(s3s) : [];
    const p = payload(20 * MiB, { failAfter: 11 * MiB });
    const e = await rejection(store.put('broken/base.tar.zst', p.stream));
    expect(String(e.message)).toContain('source broke midway');
    expect(await store.head('broken/base.tar.zst')).toBeNull();
    expect(await store.list('broken/')).toEqual([]);
    if (fsRoot) expect(await readdir(path.join(fsRoot, 'broken'))).toEqual([]); // no temp file left on disk
    if (s3s) {
      // Two parts had been uploaded; the upload was never completed and its abort was sent.
      expect(sent.filter((c) => c.command === 'UploadPartCommand').length).toBeGreaterThanOrEqual(2);
      expect(sent.filter((c) => c.command === 'CompleteMultipartUploadCommand')).toEqual([]);
      const uploadId = sent.find((c) => c.command === 'CreateMultipartUploadCommand')?.input.UploadId;
      const abort = sent.find((c) => c.command === 'AbortMultipartUploadCommand');
      expect(abort).toBeDefined();
      expect(uploadId === undefined || abort?.input.UploadId === uploadId).toBe(true);
      if (!s3.local) {
        // Real servers list pending uploads: none may remain (s3rver implements neither abort nor this listing).
        const pending = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: s3s.loc.bucket, Prefix: s3s.loc.prefix }));
        expect(pending.Uploads ?? []).toEqual([]);
      }
    }
  });
});

describe('S3 store', () => {
  it('lists only keys under its own prefix, relative to it', async () => {
    const store = await s3Store();
    await store.put('a', Readable.from([Buffer.from('1')]));
    // Same bucket, a neighbour prefix that shares the leading characters ("repo/p7" vs "repo/p7x").
    await s3.client.send(new PutObjectCommand({ Bucket: store.loc.bucket, Key: `${store.loc.prefix}x/a`, Body: 'n' }));
    await s3.client.send(new PutObjectCommand({ Bucket: store.loc.bucket, Key: 'top-level', Body: 't' }));
    expect((await store.list('')).map((o) => o.key)).toEqual(['a']);
  });

  it('paginates listings beyond one page', async () => {
    const store = await s3Store();
    // ListObjectsV2 pages hold 1000 keys.
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, Readable.from([Buffer.from('x')]))));
    const sent = recordCommands(store);
    const got = await store.list('many/');
    expect(got.map((o) => o.key)).toEqual(keys);
    expect(sent.filter((c) => c.command === 'ListObjectsV2Command').length).toBe(2);
  });

  it.skipIf(!!process.env.PGKEEP_TEST_S3_ENDPOINT)('writes with the per-copy storage class and encryption from the URL', async () => {
    // s3rver keeps x-amz-storage-class and returns it on HEAD; MinIO rejects STANDARD_IA, hence local only.
    const store = await s3Store('?storage-class=STANDARD_IA&sse=AES256');
    const sent = recordCommands(store);
    await store.put('small', Readable.from([Buffer.from('x')]));
    await store.put('big', payload(6 * MiB).stream);
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    for (const k of ['small', 'big']) {
      const h = await s3.client.send(new HeadObjectCommand({ Bucket: store.loc.bucket, Key: `${store.loc.prefix}/${k}` }));
      expect(h.StorageClass).toBe('STANDARD_IA');
    }
    const writes = sent.filter((c) => ['PutObjectCommand', 'CreateMultipartUploadCommand'].includes(c.command));
    expect(writes.map((c) => c.command)).toEqual(['PutObjectCommand', 'CreateMultipartUploadCommand']);
    for (const w of writes) {
      expect(w.headers?.['x-amz-storage-class']).toBe('STANDARD_IA');
      expect(w.headers?.['x-amz-server-side-encryption']).toBe('AES256');
    }
  });

  it('retries 5xx, throttling and reset connections with the configured attempts', async () => {
    const bucket = await s3.bucket('retry');
    const loc = parseRepoUrl(`s3://${bucket}/p`) as S3RepoLocation;
    // Requests: 1 CreateMultipartUpload (503), 2 its retry, 3 a part (reset), 4-5 parts, 6 retried part (500), …
    const proxy = await flakyProxy(s3.endpoint, { 1: '503', 3: 'reset', 6: '500' });
    try {
      const store = new S3Store(loc, s3.settings({ endpoint: proxy.endpoint, partSizeMiB: 5, queueSize: 1, maxAttempts: 3 }));
      const p = payload(12 * MiB);
      await store.put('retried', p.stream);
      expect(proxy.broken.map((b) => b.split(' ')[0])).toEqual(['503', 'reset', '500']);
      expect(await sha256Of(await store.get('retried'))).toEqual({ sha256: p.sha256(), bytes: 12 * MiB });
    } finally {
      await proxy.close();
    }
    // The same fault with a single attempt allowed is not retried and surfaces as one sentence.
    const once = await flakyProxy(s3.endpoint, { 1: '503', 2: '503' });
    try {
      const store = new S3Store(loc, s3.settings({ endpoint: once.endpoint, maxAttempts: 1 }));
      const e = await rejection(store.get('anything'));
      expect(e.code).toBe('s3-error');
      expect(e.message).toBe(`Reading anything from ${store.description} failed: SlowDown (HTTP 503): injected by test.`);
      expect(once.requests()).toBe(1);
      // A HEAD answer has no body: the status alone is reported.
      const h = await rejection(store.head('anything'));
      expect(h.message).toBe(`Looking up anything in ${store.description} failed: the server answered HTTP 503.`);
    } finally {
      await once.close();
    }
  });

  it('resumes a download whose connection breaks mid-body, from the byte reached', async () => {
    const bucket = await s3.bucket('resume');
    const loc = parseRepoUrl(`s3://${bucket}/p`) as S3RepoLocation;
    const p = payload(12 * MiB);
    await new S3Store(loc, s3.settings()).put('big', p.stream);
    // Requests 1 and 2 are GETs whose bodies are cut after ~3 MiB; the third completes.
    const proxy = await flakyProxy(s3.endpoint, { 1: 'cut', 2: 'cut' });
    try {
      const store = new S3Store(loc, s3.settings({ endpoint: proxy.endpoint, maxAttempts: 3 }));
      expect(await sha256Of(await store.get('big'))).toEqual({ sha256: p.sha256(), bytes: 12 * MiB });
      expect(proxy.broken).toHaveLength(2);
      expect(proxy.rangesSeen).toHaveLength(2);
      for (const r of proxy.rangesSeen) expect(r).toMatch(/^bytes=[1-9]\d*-$/);
    } finally {
      await proxy.close();
    }
    // Without attempts to spare, the reader gets one sentence saying where it broke.
    const once = await flakyProxy(s3.endpoint, { 1: 'cut' });
    try {
      const store = new S3Store(loc, s3.settings({ endpoint: once.endpoint, maxAttempts: 1 }));
      const e = await rejection(sha256Of(await store.get('big')));
      expect(e.code).toBe('repo-unreachable');
      expect(e.message).toMatch(new RegExp(`^Reading big from s3://${bucket}/p failed: the connection broke at byte \\d+ of ${12 * MiB} 1 time\\(s\\) in a row \\(.+\\)\\.$`));
    } finally {
      await once.close();
    }
  });

  it('a missing bucket gives a clear error naming it, on check and on write', async () => {
    const store = new S3Store(parseRepoUrl('s3://no-such-bucket-pgkeep/prod') as S3RepoLocation, s3.settings({ maxAttempts: 1 }));
    const e = await rejection(store.check());
    expect(e.code).toBe('repo-unreachable');
    expect(e.message).toMatch(/^Bucket "no-such-bucket-pgkeep" does not exist at http:\/\/.* \(repository s3:\/\/no-such-bucket-pgkeep\/prod\)\.$/);
    expect(e.hint).toMatch(/create the bucket/i);
    const w = await rejection(store.put('x', Readable.from([Buffer.from('x')])));
    expect(w.code).toBe('repo-unreachable');
    expect(w.message).toContain('"no-such-bucket-pgkeep" does not exist');
    // A read from a missing bucket is a configuration error, not a missing object.
    const r = await rejection(store.get('backups/x/manifest.json'));
    expect(r.code).toBe('repo-unreachable');
    expect(r.message).toContain('"no-such-bucket-pgkeep" does not exist');
  });

  it('an unreachable endpoint gives one sentence naming it', async () => {
    const store = await s3Store('', { endpoint: 'http://127.0.0.1:9', maxAttempts: 2 });
    const e = await rejection(store.check());
    expect(e.code).toBe('repo-unreachable');
    expect(e.message).toBe(`Checking ${store.description} failed: the S3 endpoint http://127.0.0.1:9 is unreachable (ECONNREFUSED) after 2 attempt(s).`);
    expect(e.hint).toContain('AWS_ENDPOINT_URL_S3');
  });

  it('never puts the secret key in an error, whatever fails', async () => {
    const secret = 'pgkeepSECRETvalue/8f3kQ+zz';
    const bucket = await s3.bucket('secret');
    const loc = parseRepoUrl(`s3://${bucket}/p`) as S3RepoLocation;
    const variants = [
      s3.settings({ maxAttempts: 1, credentials: { accessKeyId: 'NOSUCHKEYID', secretAccessKey: secret } }),
      s3.settings({ maxAttempts: 1, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: secret } }),
      s3.settings({ maxAttempts: 1, endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: secret } }),
    ];
    let denied = 0;
    for (const settings of variants) {
      const store = new S3Store(loc, settings);
      const errors = await Promise.all([
        rejection(store.check()).catch(() => null),
        rejection(store.put('k', Readable.from([Buffer.from('x')]))).catch(() => null),
        rejection(store.get('k')).catch(() => null),
        rejection(store.list('')).catch(() => null),
      ]);
      for (const e of errors.filter((x): x is PgkeepError => x !== null)) {
        expect(`${e.message} ${e.hint ?? ''}`).not.toContain(secret);
        expect(`${e.message} ${e.hint ?? ''}`).not.toContain('8f3kQ');
        if (/access to bucket .* was denied/.test(e.message)) denied++;
      }
    }
    // The unknown key id is refused by every server (s3rver does not verify V4 signatures, so the
    // wrong secret with a valid key id is refused only by real servers).
    expect(denied).toBeGreaterThanOrEqual(s3.local ? 4 : 8);
  });
});

describe.skipIf(!process.env.PGKEEP_TEST_S3_ENDPOINT)('S3 conditional writes (servers that honour If-None-Match)', () => {
  it('two concurrent ifNoneMatch writers of one key: exactly one wins, the other gets exists', async () => {
    const store = await s3Store();
    const a = payload(6 * MiB);
    const b = payload(6 * MiB);
    // Both look-ups run before either upload completes, so only the server's precondition decides.
    const results = await Promise.allSettled([store.put('lock', a.stream, { ifNoneMatch: true }), store.put('lock', b.stream, { ifNoneMatch: true })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(lost?.reason.code).toBe('exists');
    const winner = results[0].status === 'fulfilled' ? a : b;
    expect((await sha256Of(await store.get('lock'))).sha256).toBe(winner.sha256());
  });
});

describe('mirror of file + S3', () => {
  it('a write with one copy unreachable fails naming that copy, and the good copy has the object', async () => {
    const good = fsStore();
    const bad = await s3Store('', { endpoint: 'http://127.0.0.1:9', maxAttempts: 2 });
    const mirror = new MirrorStore([good, bad]);
    const p = payload(7 * MiB);
    const e = await rejection(mirror.put('backups/b2/base.tar.zst', p.stream));
    expect(e.code).toBe('mirror-failed');
    expect(e.message).toContain(`failed on ${bad.description}:`);
    expect(e.message).toContain('unreachable');
    expect(e.message).not.toContain(good.description);
    expect(await sha256Of(await good.get('backups/b2/base.tar.zst'))).toEqual({ sha256: p.sha256(), bytes: 7 * MiB });
  });

  it('reads fall back to the next copy when the first lacks the object or is unreachable', async () => {
    const f = fsStore();
    const s = await s3Store();
    await s.put('only-in-s3', Readable.from([Buffer.from('from s3')]));
    await f.put('only-in-fs', Readable.from([Buffer.from('from fs')]));
    const mirror = new MirrorStore([f, s]);
    expect((await sha256Of(await mirror.get('only-in-s3'))).bytes).toBe(7);
    expect(await mirror.head('only-in-s3')).toMatchObject({ size: 7 });
    expect((await mirror.list('only')).map((o) => o.key)).toEqual(['only-in-fs', 'only-in-s3']);
    const down = await s3Store('', { endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    const mirror2 = new MirrorStore([down, f]);
    const { sha256 } = await sha256Of(await mirror2.get('only-in-fs'));
    expect(sha256).toBe(createHash('sha256').update('from fs').digest('hex'));
    expect((await rejection(new MirrorStore([f, s]).get('nowhere'))).code).toBe('not-found');
  });

  it('check names the copy that is unusable', async () => {
    const f = fsStore();
    const missing = new S3Store(parseRepoUrl('s3://pgkeep-missing-bucket/x') as S3RepoLocation, s3.settings({ maxAttempts: 1 }));
    const e = await rejection(new MirrorStore([f, missing]).check());
    expect(e.code).toBe('repo-unreachable');
    expect(e.message).toContain('s3://pgkeep-missing-bucket/x');
    expect(e.message).toContain('does not exist');
    expect(e.message).not.toContain(f.description);
  });
});
