// Per-copy credentials: a local MinIO and the AWS offsite bucket have different keys, so a copy
// can name its own profile (`?profile=`) from the shared credentials file; the keys never go
// into PGKEEP_REPO. Against the local S3-protocol server, which checks signatures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { S3Store } from '../../../src/storage/s3-store.js';
import { parseRepoUrl, type S3RepoLocation } from '../../../src/config/repo-url.js';
import { streamToBuffer } from '../../../src/util/streams.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';

describe('per-copy AWS profile', () => {
  let s3: TestS3;
  let bucket: string;
  let dir: string;
  const saved = process.env.AWS_SHARED_CREDENTIALS_FILE;

  beforeAll(async () => {
    s3 = await startS3();
    bucket = await s3.bucket('per-copy-profile');
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-aws-'));
    const file = path.join(dir, 'credentials');
    await fsp.writeFile(
      file,
      `[minio]\naws_access_key_id = ${s3.env.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${s3.env.AWS_SECRET_ACCESS_KEY}\n` +
        `[wrong]\naws_access_key_id = ${s3.env.AWS_ACCESS_KEY_ID}\naws_secret_access_key = not-the-secret\n`,
    );
    // The SDK reads the shared file's location from the process environment (as in production).
    process.env.AWS_SHARED_CREDENTIALS_FILE = file;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.AWS_SHARED_CREDENTIALS_FILE;
    else process.env.AWS_SHARED_CREDENTIALS_FILE = saved;
    await s3?.stop();
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
  });

  it('uses the profile named in the URL instead of the environment keys', async () => {
    const loc = parseRepoUrl(`s3://${bucket}/p?profile=minio&endpoint=${encodeURIComponent(s3.env.AWS_ENDPOINT_URL_S3!)}&force-path-style=true`) as S3RepoLocation;
    expect(loc.profile).toBe('minio');
    // The environment's keys are wrong: only the profile can make this work.
    const store = new S3Store(loc, s3.settings({ credentials: { accessKeyId: 'nobody', secretAccessKey: 'wrong-secret' } }));
    await store.put('hello', Readable.from([Buffer.from('hi')]));
    expect((await streamToBuffer(await store.get('hello'))).toString()).toBe('hi');
  });

  it('without the profile, the same wrong environment keys are refused (so the profile is what made it work)', async () => {
    const loc = parseRepoUrl(`s3://${bucket}/p?endpoint=${encodeURIComponent(s3.env.AWS_ENDPOINT_URL_S3!)}&force-path-style=true`) as S3RepoLocation;
    const store = new S3Store(loc, s3.settings({ credentials: { accessKeyId: 'nobody', secretAccessKey: 'wrong-secret' }, maxAttempts: 1 }));
    const e = await store.put('x', Readable.from([Buffer.from('x')])).then(() => null, (err: Error) => err);
    expect(e).not.toBeNull();
    expect(String(e?.message)).not.toContain('wrong-secret');
  });

  // s3rver checks the access key but not the signature; MinIO (GitHub CI) checks both.
  it.skipIf(!process.env.PGKEEP_TEST_S3_ENDPOINT)('a profile holding the wrong secret fails clearly, without printing it', async () => {
    const loc = parseRepoUrl(`s3://${bucket}/p?profile=wrong&endpoint=${encodeURIComponent(s3.env.AWS_ENDPOINT_URL_S3!)}&force-path-style=true`) as S3RepoLocation;
    const store = new S3Store(loc, s3.settings({ maxAttempts: 1 }));
    const e = await store.put('x', Readable.from([Buffer.from('x')])).then(() => null, (err: Error) => err);
    expect(e).not.toBeNull();
    expect(String(e?.message)).not.toContain('not-the-secret');
  });

  it('refuses a malformed profile name in PGKEEP_REPO', () => {
    expect(() => parseRepoUrl('s3://bucket/p?profile=a b')).toThrow(/is not a profile name/);
  });
});
