import { describe, expect, it } from 'vitest';
import { databaseUrlToEnv, loadConfig, type Env, type Overrides } from '../../../src/config/config.js';
import { PgkeepError } from '../../../src/util/errors.js';
import { redact } from '../../../src/util/redact.js';

const REPO = { PGKEEP_REPO: 'file:///var/lib/pgkeep' };

function configError(env: Env, o?: Overrides): PgkeepError {
  try {
    loadConfig(env, o);
  } catch (e) {
    expect(e).toBeInstanceOf(PgkeepError);
    return e as PgkeepError;
  }
  throw new Error(`expected a configuration error for ${JSON.stringify(env)}`);
}

/** One sentence: no line breaks, ends with a full stop, no second sentence starting inside. */
function expectOneSentence(msg: string): void {
  expect(msg).not.toMatch(/\n/);
  expect(msg).toMatch(/\.$/);
  expect(msg).not.toMatch(/\.\s+[A-Z]/);
}

describe('loadConfig defaults', () => {
  it('fills every default from a repository alone', () => {
    const c = loadConfig(REPO);
    expect(c.repoUrl).toBe('file:///var/lib/pgkeep');
    expect(c.repos).toEqual([{ kind: 'file', path: '/var/lib/pgkeep', url: 'file:///var/lib/pgkeep' }]);
    expect(c.retentionDays).toBe(30);
    expect(c.compression).toEqual({ kind: 'zstd', level: 3 });
    expect(c.parallel).toBe(2);
    expect(c.pgEnv).toEqual({});
    expect(c.pgBinDir).toBeUndefined();
    expect(c.s3).toEqual({
      endpoint: undefined,
      region: undefined,
      forcePathStyle: false,
      maxAttempts: 5,
      partSizeMiB: 16,
      queueSize: 4,
      profile: undefined,
    });
  });

  it('treats empty variables and empty action inputs as unset', () => {
    const c = loadConfig(
      { ...REPO, PGKEEP_RETENTION_DAYS: '', PGKEEP_COMPRESS: ' ', PGKEEP_PARALLEL: '', PGKEEP_S3_PART_SIZE_MIB: '', PGHOST: '' },
      { retentionDays: '', compress: '', repo: '' },
    );
    expect(c.retentionDays).toBe(30);
    expect(c.compression).toEqual({ kind: 'zstd', level: 3 });
    expect(c.parallel).toBe(2);
    expect(c.s3.partSizeMiB).toBe(16);
    expect(c.pgEnv).toEqual({});
    expect(c.repoUrl).toBe('file:///var/lib/pgkeep');
  });
});

describe('loadConfig from the environment', () => {
  it('reads retention, compression, parallelism and the bin dir', () => {
    const c = loadConfig({ ...REPO, PGKEEP_RETENTION_DAYS: ' 7 ', PGKEEP_COMPRESS: 'zstd:19', PGKEEP_PARALLEL: '4', PGKEEP_PG_BINDIR: '/usr/lib/postgresql/15/bin' });
    expect(c.retentionDays).toBe(7);
    expect(c.compression).toEqual({ kind: 'zstd', level: 19 });
    expect(c.parallel).toBe(4);
    expect(c.pgBinDir).toBe('/usr/lib/postgresql/15/bin');
    expect(loadConfig({ ...REPO, PGKEEP_COMPRESS: 'none' }).compression).toEqual({ kind: 'none' });
    expect(loadConfig({ ...REPO, PGKEEP_COMPRESS: 'ZSTD:5' }).compression).toEqual({ kind: 'zstd', level: 5 });
  });

  it('flags and action inputs override the environment', () => {
    const c = loadConfig(
      { ...REPO, PGKEEP_RETENTION_DAYS: '30', PGKEEP_COMPRESS: 'zstd', PGKEEP_PARALLEL: '2' },
      { repo: 's3://offsite/prod', retentionDays: 10, compress: 'none', parallel: '8', pgBinDir: '/opt/pg/bin' },
    );
    expect(c.repoUrl).toBe('s3://offsite/prod');
    expect(c.repos).toEqual([{ kind: 's3', bucket: 'offsite', prefix: 'prod', url: 's3://offsite/prod' }]);
    expect(c.retentionDays).toBe(10);
    expect(c.compression).toEqual({ kind: 'none' });
    expect(c.parallel).toBe(8);
    expect(c.pgBinDir).toBe('/opt/pg/bin');
  });

  it('passes libpq variables through, and only those', () => {
    const c = loadConfig({ ...REPO, PGHOST: 'db1', PGPORT: '5433', PGUSER: 'backup', PGSSLMODE: 'verify-full', HOME: '/root', PGFOO: 'x' });
    expect(c.pgEnv).toEqual({ PGHOST: 'db1', PGPORT: '5433', PGUSER: 'backup', PGSSLMODE: 'verify-full' });
  });

  it('S3: endpoint turns path style on, which PGKEEP_S3_FORCE_PATH_STYLE can turn off', () => {
    const env = { ...REPO, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000', AWS_REGION: 'eu-west-3' };
    expect(loadConfig(env).s3).toMatchObject({ endpoint: 'http://127.0.0.1:9000', region: 'eu-west-3', forcePathStyle: true });
    expect(loadConfig({ ...env, PGKEEP_S3_FORCE_PATH_STYLE: 'false' }).s3.forcePathStyle).toBe(false);
    expect(loadConfig({ ...REPO, PGKEEP_S3_FORCE_PATH_STYLE: 'yes' }).s3.forcePathStyle).toBe(true);
    // The generic variables are the fallback the AWS SDK also honours.
    expect(loadConfig({ ...REPO, AWS_ENDPOINT_URL: 'https://minio.lan', AWS_DEFAULT_REGION: 'us-west-2' }).s3).toMatchObject({
      endpoint: 'https://minio.lan',
      region: 'us-west-2',
    });
    expect(loadConfig({ ...REPO, AWS_ENDPOINT_URL: 'https://a', AWS_ENDPOINT_URL_S3: 'https://b' }).s3.endpoint).toBe('https://b');
  });

  it('S3: tuning variables and credentials', () => {
    const s3 = loadConfig({
      ...REPO,
      PGKEEP_S3_MAX_ATTEMPTS: '3',
      PGKEEP_S3_PART_SIZE_MIB: '64',
      PGKEEP_S3_UPLOAD_CONCURRENCY: '8',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'cfg-test-secret-1',
      AWS_SESSION_TOKEN: 'cfg-test-token-1',
      AWS_PROFILE: 'backup',
    }).s3;
    expect(s3).toMatchObject({ maxAttempts: 3, partSizeMiB: 64, queueSize: 8, profile: 'backup' });
    expect(s3.credentials).toEqual({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'cfg-test-secret-1', sessionToken: 'cfg-test-token-1' });
    // Loaded secrets are redacted from anything printed afterwards.
    expect(redact('key cfg-test-secret-1 token cfg-test-token-1')).toBe('key *** token ***');
    // Half a key pair leaves the SDK's own chain (profiles, roles) in charge.
    expect(loadConfig({ ...REPO, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' }).s3.credentials).toBeUndefined();
  });
});

describe('DATABASE_URL', () => {
  it('becomes libpq variables, with every part percent-decoded', () => {
    expect(
      databaseUrlToEnv('postgresql://app%40corp:p%40ss%2Fw%3Ard@db.example.com:6432/my%20db?sslmode=require&application_name=pgkeep'),
    ).toEqual({
      PGHOST: 'db.example.com',
      PGPORT: '6432',
      PGUSER: 'app@corp',
      PGPASSWORD: 'p@ss/w:rd',
      PGDATABASE: 'my db',
      PGSSLMODE: 'require',
      PGAPPNAME: 'pgkeep',
    });
    expect(databaseUrlToEnv('postgres://[::1]:5433/x')).toEqual({ PGHOST: '::1', PGPORT: '5433', PGDATABASE: 'x' });
    expect(databaseUrlToEnv('postgres://%2Fvar%2Frun%2Fpostgresql/core')).toEqual({ PGHOST: '/var/run/postgresql', PGDATABASE: 'core' });
    expect(databaseUrlToEnv('postgres:///core?host=/tmp&port=5499')).toEqual({ PGHOST: '/tmp', PGPORT: '5499', PGDATABASE: 'core' });
    expect(databaseUrlToEnv('postgres://u@h/d?target_session_attrs=read-write')).toMatchObject({ PGTARGETSESSIONATTRS: 'read-write' });
  });

  it('carries every TLS parameter as the variable libpq and the tools read', () => {
    const q = 'sslmode=verify-full&sslrootcert=/ca.crt&sslcert=/c.crt&sslkey=/c.key&sslcrl=/r.crl&sslcrldir=/crl&sslnegotiation=direct&sslcertmode=allow&ssl_min_protocol_version=TLSv1.3&channel_binding=require&sslsni=1';
    expect(databaseUrlToEnv(`postgres://u@h/d?${q}`)).toEqual({
      PGHOST: 'h', PGUSER: 'u', PGDATABASE: 'd', PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/ca.crt', PGSSLCERT: '/c.crt', PGSSLKEY: '/c.key',
      PGSSLCRL: '/r.crl', PGSSLCRLDIR: '/crl', PGSSLNEGOTIATION: 'direct', PGSSLCERTMODE: 'allow', PGSSLMINPROTOCOLVERSION: 'TLSv1.3',
      PGCHANNELBINDING: 'require', PGSSLSNI: '1',
    });
    // The same variables from the environment reach pgEnv (and so every tool) unchanged.
    const env = { PGSSLNEGOTIATION: 'direct', PGSSLCRLDIR: '/crl', PGSSLCERTMODE: 'disable', SSL_CERT_FILE: '/etc/ssl/ca.pem' };
    expect(loadConfig({ ...REPO, ...env }).pgEnv).toEqual(env);
  });

  it('wins over the separate libpq variables it sets and keeps the others', () => {
    const c = loadConfig({ ...REPO, PGHOST: 'old', PGPASSWORD: 'cfg-test-pw-env', PGSSLMODE: 'require', DATABASE_URL: 'postgres://u@new:5444/db' });
    expect(c.pgEnv).toEqual({ PGHOST: 'new', PGPORT: '5444', PGUSER: 'u', PGDATABASE: 'db', PGPASSWORD: 'cfg-test-pw-env', PGSSLMODE: 'require' });
  });

  it('registers the decoded password as a secret', () => {
    loadConfig({ ...REPO, DATABASE_URL: 'postgres://u:cfg%2Dtest%2Dpw%2D2@h/db' });
    expect(redact('connecting with cfg-test-pw-2')).toBe('connecting with ***');
  });

  it.each([
    ['not a url at all', /^DATABASE_URL is not a valid URL\.$/],
    ['mysql://u:Pw-S3cret@h/db', /^DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/, not mysql:\/\/\.$/],
    ['postgres://u:Pw-S3cret%zz@h/db', /^DATABASE_URL has a malformed %-escape in its password\.$/],
    ['postgres://u:Pw-S3cret@h/db?frobnicate=1', /^DATABASE_URL has an unsupported parameter "frobnicate"\.$/],
    ['postgres://u:Pw-S3cret@h:99999/db', /^DATABASE_URL is not a valid URL\.$/],
    ['postgres://u:Pw-S3cret@h:0/db', /^DATABASE_URL port="0" is not valid: expected a port number from 1 to 65535\.$/],
    ['postgres://u@h/db?sslpassword=Pw-S3cret', /^DATABASE_URL parameter "sslpassword" is not supported: libpq has no environment variable for it/],
    ['postgres://u:Pw-S3cret@h/db?keepalives=0', /^DATABASE_URL parameter "keepalives" is not supported/],
  ])('rejects %s with one sentence that never shows the password', (url, message) => {
    const e = configError({ ...REPO, DATABASE_URL: url });
    expect(e.code).toBe('bad-config');
    expect(e.message).toMatch(message);
    expectOneSentence(e.message);
    expect(`${e.message} ${e.hint ?? ''}`).not.toContain('Pw-S3cret');
  });
});

describe('bad values: one sentence naming the variable and the expected form', () => {
  it.each<[string, Env, Overrides | undefined, RegExp]>([
    ['PGKEEP_REPO unset', {}, undefined, /^No repository configured: PGKEEP_REPO is empty\.$/],
    ['PGKEEP_REPO blank', { PGKEEP_REPO: '  ' }, undefined, /^No repository configured: PGKEEP_REPO is empty\.$/],
    ['PGKEEP_REPO scheme', { PGKEEP_REPO: 'ftp://host/x' }, undefined, /^PGKEEP_REPO entry "ftp:\/\/host\/x" is not valid: it must start with file:\/\/ or s3:\/\/\.$/],
    ['PGKEEP_REPO bare path', { PGKEEP_REPO: '/var/lib/pgkeep' }, undefined, /^PGKEEP_REPO entry "\/var\/lib\/pgkeep" is not valid/],
    ['PGKEEP_RETENTION_DAYS word', { ...REPO, PGKEEP_RETENTION_DAYS: 'month' }, undefined, /^PGKEEP_RETENTION_DAYS="month" is not valid: expected a whole number from 1 to 3650\.$/],
    ['PGKEEP_RETENTION_DAYS zero', { ...REPO, PGKEEP_RETENTION_DAYS: '0' }, undefined, /^PGKEEP_RETENTION_DAYS="0" is not valid/],
    ['PGKEEP_RETENTION_DAYS too big', { ...REPO, PGKEEP_RETENTION_DAYS: '3651' }, undefined, /^PGKEEP_RETENTION_DAYS="3651" is not valid/],
    ['PGKEEP_RETENTION_DAYS fraction', { ...REPO, PGKEEP_RETENTION_DAYS: '1.5' }, undefined, /^PGKEEP_RETENTION_DAYS="1.5" is not valid/],
    ['PGKEEP_RETENTION_DAYS hex', { ...REPO, PGKEEP_RETENTION_DAYS: '0x1F' }, undefined, /^PGKEEP_RETENTION_DAYS="0x1F" is not valid/],
    ['PGKEEP_RETENTION_DAYS exponent', { ...REPO, PGKEEP_RETENTION_DAYS: '1e2' }, undefined, /^PGKEEP_RETENTION_DAYS="1e2" is not valid/],
    ['PGKEEP_RETENTION_DAYS negative', { ...REPO, PGKEEP_RETENTION_DAYS: '-3' }, undefined, /^PGKEEP_RETENTION_DAYS="-3" is not valid/],
    ['--retention-days', REPO, { retentionDays: 'x' }, /^--retention-days="x" is not valid: expected a whole number from 1 to 3650\.$/],
    ['PGKEEP_COMPRESS gzip', { ...REPO, PGKEEP_COMPRESS: 'gzip' }, undefined, /^PGKEEP_COMPRESS="gzip" is not valid: expected zstd, zstd:LEVEL \(1-19\) or none\.$/],
    ['PGKEEP_COMPRESS level 0', { ...REPO, PGKEEP_COMPRESS: 'zstd:0' }, undefined, /^PGKEEP_COMPRESS="zstd:0" is not valid: the zstd level must be from 1 to 19\.$/],
    ['PGKEEP_COMPRESS level 20', { ...REPO, PGKEEP_COMPRESS: 'zstd:20' }, undefined, /^PGKEEP_COMPRESS="zstd:20" is not valid/],
    ['PGKEEP_COMPRESS none:3', { ...REPO, PGKEEP_COMPRESS: 'none:3' }, undefined, /^PGKEEP_COMPRESS="none:3" is not valid/],
    ['--compress', REPO, { compress: 'lz4' }, /^--compress="lz4" is not valid: expected zstd/],
    ['PGPORT word', { ...REPO, PGPORT: 'fivefour' }, undefined, /^PGPORT="fivefour" is not valid: expected a port number from 1 to 65535\.$/],
    ['PGPORT zero', { ...REPO, PGPORT: '0' }, undefined, /^PGPORT="0" is not valid/],
    ['PGPORT too big', { ...REPO, PGPORT: '70000' }, undefined, /^PGPORT="70000" is not valid/],
    ['PGKEEP_PARALLEL', { ...REPO, PGKEEP_PARALLEL: '0' }, undefined, /^PGKEEP_PARALLEL="0" is not valid: expected a whole number from 1 to 64\.$/],
    ['AWS_ENDPOINT_URL_S3 without scheme', { ...REPO, AWS_ENDPOINT_URL_S3: 'localhost:9000' }, undefined, /^AWS_ENDPOINT_URL_S3="localhost:9000" is not valid: expected an http:\/\/ or https:\/\/ URL such as http:\/\/127\.0\.0\.1:9000\.$/],
    ['AWS_ENDPOINT_URL_S3 not a URL', { ...REPO, AWS_ENDPOINT_URL_S3: 'minio here' }, undefined, /^AWS_ENDPOINT_URL_S3="minio here" is not valid/],
    ['AWS_ENDPOINT_URL_S3 ftp', { ...REPO, AWS_ENDPOINT_URL_S3: 'ftp://minio' }, undefined, /^AWS_ENDPOINT_URL_S3="ftp:\/\/minio" is not valid/],
    ['AWS_ENDPOINT_URL', { ...REPO, AWS_ENDPOINT_URL: 'minio:9000' }, undefined, /^AWS_ENDPOINT_URL="minio:9000" is not valid/],
    ['PGKEEP_S3_FORCE_PATH_STYLE', { ...REPO, PGKEEP_S3_FORCE_PATH_STYLE: 'maybe' }, undefined, /^PGKEEP_S3_FORCE_PATH_STYLE="maybe" is not valid: expected true or false\.$/],
    ['PGKEEP_S3_PART_SIZE_MIB', { ...REPO, PGKEEP_S3_PART_SIZE_MIB: '4' }, undefined, /^PGKEEP_S3_PART_SIZE_MIB="4" is not valid: expected a whole number from 5 to 512\.$/],
    ['PGKEEP_S3_MAX_ATTEMPTS', { ...REPO, PGKEEP_S3_MAX_ATTEMPTS: '0' }, undefined, /^PGKEEP_S3_MAX_ATTEMPTS="0" is not valid/],
    ['PGKEEP_S3_UPLOAD_CONCURRENCY', { ...REPO, PGKEEP_S3_UPLOAD_CONCURRENCY: '17' }, undefined, /^PGKEEP_S3_UPLOAD_CONCURRENCY="17" is not valid/],
  ])('%s', (_name, env, o, message) => {
    const e = configError(env, o);
    expect(e.code).toBe('bad-config');
    expect(e.message).toMatch(message);
    expectOneSentence(e.message);
  });

  it('never echoes credentials inside a bad endpoint', () => {
    const e = configError({ ...REPO, AWS_ENDPOINT_URL_S3: 'ftp://admin:Endp0int-Secret@minio:9000' });
    expect(e.message).toMatch(/^AWS_ENDPOINT_URL_S3=".*" is not valid/);
    expect(e.message).not.toContain('Endp0int-Secret');
  });
});

describe('repository lists', () => {
  it('a comma-separated PGKEEP_REPO gives one location per copy, in order', () => {
    const c = loadConfig({ PGKEEP_REPO: 'file:///srv/pgkeep , s3://offsite-backups/prod/main?storage-class=STANDARD_IA&sse=aws:kms' });
    expect(c.repos).toEqual([
      { kind: 'file', path: '/srv/pgkeep', url: 'file:///srv/pgkeep' },
      {
        kind: 's3',
        bucket: 'offsite-backups',
        prefix: 'prod/main',
        storageClass: 'STANDARD_IA',
        sse: 'aws:kms',
        url: 's3://offsite-backups/prod/main?storage-class=STANDARD_IA&sse=aws:kms',
      },
    ]);
  });

  it('refuses an s3 URL carrying credentials without echoing them', () => {
    const e = configError({ PGKEEP_REPO: 'file:///a,s3://AKIAEXAMPLEKEY:Repo-S3cret@bucket/p' });
    expect(e.code).toBe('bad-config');
    expect(e.message).toBe(
      'PGKEEP_REPO entry "s3://***@bucket/p" is not valid: credentials must not be put in the URL; use the AWS variables or a profile.',
    );
    expect(`${e.message} ${e.hint}`).not.toMatch(/Repo-S3cret|AKIAEXAMPLEKEY/);
  });
});
