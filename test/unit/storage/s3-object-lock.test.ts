// What S3Store puts on the wire for a copy with Object Lock. s3rver implements neither Object
// Lock nor conditional writes, so the client's HTTP handler is replaced by a fake S3 that records
// every request (headers as signed and sent) and answers like S3 would; the SDK commands are
// captured too, by a middleware at the start of the stack.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { S3Settings } from '../../../src/config/config.js';
import { parseRepoUrl, type S3RepoLocation } from '../../../src/config/repo-url.js';
import { LOCKS_PREFIX } from '../../../src/repo/layout.js';
import { S3Store, UNLOCKED_PREFIXES } from '../../../src/storage/s3-store.js';

const MiB = 1024 * 1024;
const base: S3Settings = {
  forcePathStyle: true,
  maxAttempts: 1,
  partSizeMiB: 5,
  queueSize: 2,
  endpoint: 'http://s3.test:9000',
  credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake-secret' },
};

interface SentRequest {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
}

/** A store whose requests never leave the process. */
function fakeS3(url: string) {
  const store = new S3Store(parseRepoUrl(url) as S3RepoLocation, base);
  const commands: { name: string; input: Record<string, unknown> }[] = [];
  const requests: SentRequest[] = [];
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push({ name: context.commandName ?? '?', input: { ...(args.input as Record<string, unknown>) } });
      return next(args);
    },
    { step: 'initialize', name: 'captureCommands' },
  );
  const answer = (statusCode: number, headers: Record<string, string>, body = '') => ({
    response: { statusCode, reason: '', headers, body: Readable.from([Buffer.from(body)]) },
  });
  let head: Record<string, string> | null = null;
  (store.client.config as unknown as { requestHandler: unknown }).requestHandler = {
    async handle(req: { method: string; path: string; query: Record<string, unknown>; headers: Record<string, string>; body?: unknown }) {
      // Drain the body, as a server would (the checksum of a streamed body is computed as it is read).
      if (req.body && typeof (req.body as Readable).pipe === 'function') for await (const _ of req.body as Readable);
      requests.push({ method: req.method, path: req.path, query: { ...req.query }, headers: { ...req.headers } });
      if (req.method === 'HEAD') return head ? answer(200, head) : answer(404, {});
      if (req.method === 'POST' && 'uploads' in req.query)
        return answer(200, {}, '<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>');
      if (req.method === 'POST' && 'uploadId' in req.query)
        return answer(200, {}, '<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><ETag>"e"</ETag></CompleteMultipartUploadResult>');
      if (req.method === 'PUT') return answer(200, { etag: `"part-${String(req.query.partNumber ?? 0)}"` });
      return answer(204, {});
    },
  };
  return { store, commands, requests, setHead: (h: Record<string, string> | null) => (head = h) };
}

const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
const DAY = 86400_000;

describe('S3Store on a copy with Object Lock', () => {
  it('never gives the lock prefix retention (it is the repository layout\'s LOCKS_PREFIX)', () => {
    expect(UNLOCKED_PREFIXES).toEqual([LOCKS_PREFIX]);
  });

  it('sends the mode, the retain-until date lock-days ahead and a CRC32 checksum on a WAL segment, conditionally', async () => {
    const { store, commands, requests } = fakeS3('s3://offsite/prod?object-lock=compliance&lock-days=35');
    const before = Date.now();
    await store.put('wal/00000001/000000010000000000000003.zst', Readable.from([Buffer.from('segment bytes')]), { ifNoneMatch: true });
    const put = commands.find((c) => c.name === 'PutObjectCommand')!;
    expect(put.input).toMatchObject({ Key: 'prod/wal/00000001/000000010000000000000003.zst', ObjectLockMode: 'COMPLIANCE', ChecksumAlgorithm: 'CRC32', IfNoneMatch: '*' });
    const until = (put.input.ObjectLockRetainUntilDate as Date).getTime();
    expect(until).toBeGreaterThanOrEqual(before + 35 * DAY);
    expect(until).toBeLessThanOrEqual(Date.now() + 35 * DAY + 1000);
    expect(until % 1000).toBe(0);
    // On the wire: the headers AWS requires for a locked PUT, the checksum as a header (not a trailer).
    const h = lower(requests.find((r) => r.method === 'PUT')!.headers);
    expect(h['x-amz-object-lock-mode']).toBe('COMPLIANCE');
    expect(new Date(h['x-amz-object-lock-retain-until-date']).getTime()).toBe(until);
    expect(h['x-amz-checksum-crc32']).toMatch(/^[A-Za-z0-9+/]{6}==$/);
    expect(h['x-amz-trailer']).toBeUndefined();
    expect(h['if-none-match']).toBe('*');
  });

  it('locks backup objects and manifests in governance mode too, and sends no If-None-Match unless asked', async () => {
    const { store, commands } = fakeS3('s3://offsite/prod?object-lock=governance&lock-days=7');
    await store.put('backups/20261125T020000Z-full/manifest.json', Readable.from([Buffer.from('{}')]), { ifNoneMatch: true });
    await store.put('pgkeep.json', Readable.from([Buffer.from('{}')]));
    const puts = commands.filter((c) => c.name === 'PutObjectCommand');
    expect(puts.map((p) => p.input.ObjectLockMode)).toEqual(['GOVERNANCE', 'GOVERNANCE']);
    expect(puts.map((p) => p.input.ChecksumAlgorithm)).toEqual(['CRC32', 'CRC32']);
    expect(puts.map((p) => p.input.IfNoneMatch)).toEqual(['*', undefined]);
  });

  it('writes lock files under locks/ without retention, so they can be renewed and released', async () => {
    const { store, commands, requests } = fakeS3('s3://offsite/prod?object-lock=compliance&lock-days=35');
    await store.put('locks/backup-full.lock', Readable.from([Buffer.from('{}')]), { ifNoneMatch: true });
    await store.put('locks/backup-full.lock', Readable.from([Buffer.from('{"renewed":1}')]));
    for (const p of commands.filter((c) => c.name === 'PutObjectCommand')) {
      expect(p.input).not.toHaveProperty('ObjectLockMode');
      expect(p.input).not.toHaveProperty('ObjectLockRetainUntilDate');
      expect(p.input).not.toHaveProperty('ChecksumAlgorithm');
    }
    for (const r of requests.filter((x) => x.method === 'PUT')) {
      const h = lower(r.headers);
      expect(h['x-amz-object-lock-mode']).toBeUndefined();
      expect(h['x-amz-object-lock-retain-until-date']).toBeUndefined();
    }
  });

  it('repeats the checksum on every part of a multipart upload and the lock on its creation', async () => {
    const { store, commands, requests } = fakeS3('s3://offsite/prod?object-lock=compliance&lock-days=35');
    const data = Buffer.alloc(11 * MiB, 7);
    await store.put('backups/20261125T020000Z-full/base.tar.zst', Readable.from([data.subarray(0, 6 * MiB), data.subarray(6 * MiB)]));
    const create = commands.find((c) => c.name === 'CreateMultipartUploadCommand')!;
    expect(create.input).toMatchObject({ ObjectLockMode: 'COMPLIANCE', ChecksumAlgorithm: 'CRC32' });
    expect(create.input.ObjectLockRetainUntilDate).toBeInstanceOf(Date);
    const parts = requests.filter((r) => r.method === 'PUT' && 'partNumber' in r.query);
    expect(parts).toHaveLength(3);
    for (const p of parts) expect(lower(p.headers)['x-amz-checksum-crc32']).toMatch(/==$/);
    const createReq = lower(requests.find((r) => r.method === 'POST' && 'uploads' in r.query)!.headers);
    expect(createReq['x-amz-object-lock-mode']).toBe('COMPLIANCE');
    expect(createReq['x-amz-checksum-algorithm']).toBe('CRC32');
    // The parts' checksums go into the completion, which S3 checks against the parts it holds.
    const complete = commands.find((c) => c.name === 'CompleteMultipartUploadCommand')!;
    expect((complete.input.MultipartUpload as { Parts: { ChecksumCRC32?: string }[] }).Parts).toHaveLength(3);
  });

  it('sends If-None-Match on the completion of a conditional multipart upload', async () => {
    const { store, requests } = fakeS3('s3://offsite/prod?object-lock=compliance&lock-days=35');
    await store.put('backups/x/base.tar.zst', Readable.from([Buffer.alloc(6 * MiB)]), { ifNoneMatch: true });
    const complete = requests.find((r) => r.method === 'POST' && 'uploadId' in r.query)!;
    expect(lower(complete.headers)['if-none-match']).toBe('*');
  });

  it('adds nothing on a copy without Object Lock (checksums stay WHEN_REQUIRED there)', async () => {
    const { store, commands, requests } = fakeS3('s3://local/prod');
    await store.put('wal/00000001/000000010000000000000003.zst', Readable.from([Buffer.from('x')]), { ifNoneMatch: true });
    const put = commands.find((c) => c.name === 'PutObjectCommand')!;
    expect(put.input).not.toHaveProperty('ObjectLockMode');
    expect(put.input).not.toHaveProperty('ChecksumAlgorithm');
    const h = lower(requests.find((r) => r.method === 'PUT')!.headers);
    expect(Object.keys(h).filter((k) => k.startsWith('x-amz-checksum') || k.startsWith('x-amz-object-lock'))).toEqual([]);
    expect(h['if-none-match']).toBe('*');
  });

  it('reports an object\'s retain-until date and legal hold from HEAD', async () => {
    const { store, setHead } = fakeS3('s3://offsite/prod?object-lock=compliance&lock-days=35');
    setHead({
      'content-length': '12',
      'last-modified': 'Wed, 25 Nov 2026 02:00:00 GMT',
      'x-amz-object-lock-mode': 'COMPLIANCE',
      'x-amz-object-lock-retain-until-date': '2026-12-30T02:00:00.000Z',
      'x-amz-object-lock-legal-hold': 'ON',
    });
    expect(await store.head('wal/00000001/000000010000000000000003.zst')).toEqual({
      key: 'wal/00000001/000000010000000000000003.zst',
      size: 12,
      modified: '2026-11-25T02:00:00.000Z',
      retainUntil: '2026-12-30T02:00:00.000Z',
      legalHold: true,
    });
    setHead({ 'content-length': '1' });
    expect(await store.head('k')).toEqual({ key: 'k', size: 1 });
  });
});
