import { describe, expect, it } from 'vitest';
import { parseRepoList, parseRepoUrl as parseAny, type S3RepoLocation } from '../../../src/config/repo-url.js';

const parseRepoUrl = (raw: string) => parseAny(raw) as S3RepoLocation;
import { PgkeepError } from '../../../src/util/errors.js';

function repoError(raw: string): PgkeepError {
  try {
    parseRepoList(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(PgkeepError);
    expect((e as PgkeepError).code).toBe('bad-config');
    expect((e as PgkeepError).hint).toContain('file:///absolute/path');
    return e as PgkeepError;
  }
  throw new Error(`expected ${raw} to be refused`);
}

describe('file:// locations', () => {
  it('take an absolute, percent-decoded path without trailing slashes', () => {
    expect(parseRepoUrl('file:///var/lib/pgkeep/')).toEqual({ kind: 'file', path: '/var/lib/pgkeep', url: 'file:///var/lib/pgkeep/' });
    expect(parseRepoUrl('file:///srv/back%20ups')).toMatchObject({ path: '/srv/back ups' });
    expect(parseRepoUrl('file:///')).toMatchObject({ path: '/' });
  });

  it('refuse a relative path, naming the three-slash form', () => {
    expect(repoError('file://var/lib/pgkeep').message).toBe(
      'PGKEEP_REPO entry "file://var/lib/pgkeep" is not valid: a file repository needs an absolute path (three slashes: file:///path).',
    );
  });

  it('refuse a malformed escape instead of throwing a URIError', () => {
    expect(repoError('file:///srv/100%').message).toBe('PGKEEP_REPO entry "file:///srv/100%" is not valid: it has a malformed %-escape.');
  });
});

describe('s3:// locations', () => {
  it('split bucket and prefix, trimming slashes', () => {
    expect(parseRepoUrl('s3://my-bucket/prod/db1/')).toEqual({ kind: 's3', bucket: 'my-bucket', prefix: 'prod/db1', url: 's3://my-bucket/prod/db1/' });
    expect(parseRepoUrl('s3://my-bucket')).toMatchObject({ bucket: 'my-bucket', prefix: '' });
    expect(parseRepoUrl('s3://my.bucket.example/')).toMatchObject({ bucket: 'my.bucket.example', prefix: '' });
  });

  it('read per-copy options from the query string', () => {
    expect(
      parseRepoUrl('s3://offsite/prod?storage-class=STANDARD_IA&sse=aws:kms&sse-kms-key-id=arn:aws:kms:eu-west-1:1:key/k&region=eu-west-1'),
    ).toMatchObject({ storageClass: 'STANDARD_IA', sse: 'aws:kms', sseKmsKeyId: 'arn:aws:kms:eu-west-1:1:key/k', region: 'eu-west-1' });
    expect(parseRepoUrl('s3://local/prod?endpoint=http://127.0.0.1:9000&force-path-style=true')).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
    });
    expect(parseRepoUrl('s3://local/prod?force-path-style=0').forcePathStyle).toBe(false);
    expect(parseRepoUrl('s3://b1b/p?sse=AES256').sse).toBe('AES256');
  });

  it('a KMS key id implies aws:kms encryption', () => {
    expect(parseRepoUrl('s3://b1b/p?sse-kms-key-id=alias/backups')).toMatchObject({ sse: 'aws:kms', sseKmsKeyId: 'alias/backups' });
  });

  it.each([
    ['s3://My_Bucket/p', /"My_Bucket" is not a valid bucket name\.$/],
    ['s3://ab/p', /"ab" is not a valid bucket name\.$/],
    ['s3://b1b/p?storage=STANDARD', /unknown option "storage" \(known: storage-class, sse, sse-kms-key-id, endpoint, region, force-path-style, profile, object-lock, lock-days\)\.$/],
    ['s3://b1b/p?storage-class=GLACIER', /unknown storage class "GLACIER"\.$/],
    ['s3://b1b/p?sse=kms', /sse must be AES256 or aws:kms, not "kms"\.$/],
    ['s3://b1b/p?sse=AES256&sse-kms-key-id=k', /sse-kms-key-id needs sse=aws:kms, not AES256\.$/],
    ['s3://b1b/p?endpoint=localhost:9000', /endpoint must be an http:\/\/ or https:\/\/ URL, not "localhost:9000"\.$/],
    ['s3://b1b/p?force-path-style=yes', /force-path-style must be true or false, not "yes"\.$/],
    ['s3://b1b/p?region=EU%20West', /"EU West" is not a region name\.$/],
    ['s3://b1b/a/%2E%2E%2Fb', /the prefix ".*" has an empty, "\." or "\.\." segment\.$/],
    ['s3://b1b/a//b', /the prefix "a\/\/b" has an empty/],
    ['s3://b1b/p%zz', /it has a malformed %-escape\.$/],
    ['s3://b1b/p?object-lock=legal', /object-lock must be governance or compliance, not "legal"\.$/],
    ['s3://b1b/p?object-lock=COMPLIANCE&lock-days=7', /object-lock must be governance or compliance, not "COMPLIANCE"\.$/],
    ['s3://b1b/p?object-lock=compliance', /object-lock=compliance needs lock-days=N/],
    ['s3://b1b/p?lock-days=30', /lock-days needs object-lock=governance or object-lock=compliance\.$/],
    ['s3://b1b/p?object-lock=governance&lock-days=0', /lock-days must be a whole number of days from 1 to 36500, not "0"\.$/],
    ['s3://b1b/p?object-lock=governance&lock-days=1.5', /not "1\.5"\.$/],
    ['s3://b1b/p?object-lock=governance&lock-days=36501', /not "36501"\.$/],
  ])('refuse %s', (raw, why) => {
    const e = repoError(raw);
    expect(e.message.startsWith(`PGKEEP_REPO entry "`)).toBe(true);
    expect(e.message).toMatch(why);
  });
});

describe('object lock', () => {
  it('reads the mode and the period of one copy, and keeps the other copies unlocked', () => {
    const [local, offsite] = parseRepoList('s3://b1b/p?endpoint=http://127.0.0.1:9000,s3://offsite/p?object-lock=compliance&lock-days=35') as S3RepoLocation[];
    expect(local.objectLock).toBeUndefined();
    expect(offsite.objectLock).toEqual({ mode: 'COMPLIANCE', days: 35 });
    expect(parseRepoUrl('s3://offsite?lock-days=1&object-lock=governance').objectLock).toEqual({ mode: 'GOVERNANCE', days: 1 });
  });

  it('survives the cluster suffix', () => {
    expect((parseRepoList('s3://offsite/p?object-lock=governance&lock-days=7', 'db1')[0] as S3RepoLocation)).toMatchObject({
      prefix: 'p/db1',
      objectLock: { mode: 'GOVERNANCE', days: 7 },
    });
  });
});

describe('lists', () => {
  it('skip empty entries and keep order', () => {
    expect(parseRepoList(' s3://a-b/x ,, file:///y ').map((l) => l.url)).toEqual(['s3://a-b/x', 'file:///y']);
  });

  it('refuse an empty list and a location listed twice', () => {
    expect(repoError(' , ').message).toBe('PGKEEP_REPO entry " , " is not valid: it is empty.');
    expect(repoError('file:///x,file:///x/').message).toBe('PGKEEP_REPO entry "file:///x/" is not valid: the same location is listed twice.');
    expect(repoError('s3://b1b/p,s3://b1b/p/?storage-class=STANDARD_IA').message).toMatch(/listed twice\.$/);
    // Same bucket name on two endpoints (local MinIO + AWS) are two copies.
    expect(parseRepoList('s3://b1b/p?endpoint=http://127.0.0.1:9000,s3://b1b/p')).toHaveLength(2);
  });
});
