// How S3Store turns a location + settings into SDK configuration and request input (no I/O:
// the client only connects when a command is sent).
import { describe, expect, it } from 'vitest';
import type { S3Settings } from '../../../src/config/config.js';
import { parseRepoUrl, type S3RepoLocation } from '../../../src/config/repo-url.js';
import { S3Store } from '../../../src/storage/s3-store.js';
import { redact } from '../../../src/util/redact.js';

const base: S3Settings = { forcePathStyle: false, maxAttempts: 5, partSizeMiB: 16, queueSize: 4 };
const loc = (url: string) => parseRepoUrl(url) as S3RepoLocation;

describe('S3Store configuration', () => {
  it('describes itself as s3://bucket/prefix, never with credentials or query options', () => {
    const settings = { ...base, credentials: { accessKeyId: 'AKIAUNITTEST', secretAccessKey: 'unit-secret-1' } };
    expect(new S3Store(loc('s3://backups/prod/db?storage-class=STANDARD_IA&sse-kms-key-id=k1'), settings).description).toBe(
      's3://backups/prod/db',
    );
    expect(new S3Store(loc('s3://backups'), settings).description).toBe('s3://backups');
    // Constructing a store registers its secret for redaction even without loadConfig.
    expect(redact('unit-secret-1')).toBe('***');
  });

  it('defaults the region to us-east-1 and uses settings, then per-location overrides', async () => {
    expect(await new S3Store(loc('s3://b1b/p'), base).client.config.region()).toBe('us-east-1');
    expect(await new S3Store(loc('s3://b1b/p'), { ...base, region: 'eu-west-3' }).client.config.region()).toBe('eu-west-3');
    expect(await new S3Store(loc('s3://b1b/p?region=ap-south-1'), { ...base, region: 'eu-west-3' }).client.config.region()).toBe('ap-south-1');
  });

  it('takes the endpoint and path style from settings unless the location overrides them', async () => {
    const global = new S3Store(loc('s3://b1b/p'), { ...base, endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    expect(await global.client.config.endpoint!()).toMatchObject({ hostname: '127.0.0.1', port: 9000, protocol: 'http:' });
    expect(global.client.config.forcePathStyle).toBe(true);
    const own = new S3Store(loc('s3://b1b/p?endpoint=https://minio.lan:9443&force-path-style=false'), { ...base, endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    expect(await own.client.config.endpoint!()).toMatchObject({ hostname: 'minio.lan', port: 9443, protocol: 'https:' });
    expect(own.client.config.forcePathStyle).toBe(false);
  });

  it('retries with the configured attempts and only checksums what S3 requires', async () => {
    const c = new S3Store(loc('s3://b1b/p'), { ...base, maxAttempts: 7 }).client.config;
    expect(await c.maxAttempts()).toBe(7);
    expect(((await c.retryStrategy()) as { mode?: string }).mode).toBe('standard');
    expect(await c.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await c.responseChecksumValidation()).toBe('WHEN_REQUIRED');
  });

  it('uses static credentials from the settings', async () => {
    const c = new S3Store(loc('s3://b1b/p'), { ...base, credentials: { accessKeyId: 'AKIAUNIT2', secretAccessKey: 'unit-secret-2' } }).client.config;
    expect(await c.credentials()).toMatchObject({ accessKeyId: 'AKIAUNIT2', secretAccessKey: 'unit-secret-2' });
  });
});

describe('S3Store request input', () => {
  it('prefixes keys and carries the per-copy storage class and encryption', () => {
    const s = new S3Store(loc('s3://offsite/prod?storage-class=STANDARD_IA&sse=aws:kms&sse-kms-key-id=alias/pgkeep'), base);
    expect(s.putInput('wal/00000001/x.zst', undefined, { ifNoneMatch: true })).toEqual({
      Bucket: 'offsite',
      Key: 'prod/wal/00000001/x.zst',
      Body: undefined,
      StorageClass: 'STANDARD_IA',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'alias/pgkeep',
      IfNoneMatch: '*',
    });
  });

  it('adds nothing the location does not ask for', () => {
    expect(new S3Store(loc('s3://plain'), base).putInput('backups/x/manifest.json', undefined)).toEqual({
      Bucket: 'plain',
      Key: 'backups/x/manifest.json',
      Body: undefined,
    });
  });

  it('refuses a source that is already closed, before any request', async () => {
    const { Readable } = await import('node:stream');
    const s = new S3Store(loc('s3://b1b/p'), { ...base, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    const gone = Readable.from([Buffer.from('x')]);
    gone.destroy();
    await expect(s.put('k', gone)).rejects.toMatchObject({ code: 'source-closed' });
    const failed = Readable.from([Buffer.from('x')]);
    // The producer's own error is observed by its owner (as a pipeline would); the store must still refuse it.
    failed.on('error', () => undefined);
    failed.destroy(new Error('producer died'));
    await expect(s.put('k', failed)).rejects.toThrow('producer died');
  });

  it.each(['', '/abs', '../up', 'a/../../b'])('refuses the key %j', (key) => {
    expect(() => new S3Store(loc('s3://b1b/p'), base).putInput(key, undefined)).toThrow(/^Invalid object key/);
  });
});
