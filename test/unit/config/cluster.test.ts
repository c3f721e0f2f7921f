// PGKEEP_CLUSTER / --cluster / the cluster input: one fleet member's prefix of every copy.
import { describe, expect, it } from 'vitest';
import { loadConfig, serverEnv } from '../../../src/config/config.js';
import { clusterName, parseRepoList, withClusterPath } from '../../../src/config/repo-url.js';
import { repoUrlForServer } from '../../../src/restore/recovery-settings.js';
import { PgkeepError } from '../../../src/util/errors.js';
import { pgkeep } from '../../helpers/cli.js';

// The README's own mirror value: local MinIO with its own endpoint and profile + AWS offsite.
const MIRROR = 's3://backups/prod?endpoint=http://minio:9000&profile=minio,s3://offsite/prod?storage-class=STANDARD_IA';

function refusal(fn: () => unknown): PgkeepError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PgkeepError);
    expect((e as PgkeepError).code).toBe('bad-config');
    return e as PgkeepError;
  }
  throw new Error('expected a refusal');
}

describe('composing the repository with a cluster', () => {
  it('appends /<cluster> to the path of every copy of a mirror and keeps each copy its own options', () => {
    const locs = parseRepoList(MIRROR, 'db1');
    expect(locs).toEqual([
      { kind: 's3', bucket: 'backups', prefix: 'prod/db1', endpoint: 'http://minio:9000', profile: 'minio', url: 's3://backups/prod/db1?endpoint=http://minio:9000&profile=minio' },
      { kind: 's3', bucket: 'offsite', prefix: 'prod/db1', storageClass: 'STANDARD_IA', url: 's3://offsite/prod/db1?storage-class=STANDARD_IA' },
    ]);
  });

  it('composes file:// copies too, keeping their %-escapes byte for byte', () => {
    const [file, s3] = parseRepoList('file:///srv/back%20ups/pg%25x/, s3://b-1/a%20b/?sse=aws:kms', 'db1');
    expect(file).toEqual({ kind: 'file', path: '/srv/back ups/pg%x/db1', url: 'file:///srv/back%20ups/pg%25x/db1' });
    expect(s3).toMatchObject({ kind: 's3', bucket: 'b-1', prefix: 'a b/db1', sse: 'aws:kms', url: 's3://b-1/a%20b/db1?sse=aws:kms' });
  });

  it('gives a bucket or file root without a prefix the cluster as its prefix', () => {
    expect(withClusterPath('s3://bucket', 'db1')).toBe('s3://bucket/db1');
    expect(withClusterPath('s3://bucket/?region=eu-west-1', 'db1')).toBe('s3://bucket/db1?region=eu-west-1');
    expect(withClusterPath('file:///', 'db1')).toBe('file:///db1');
    expect(parseRepoList('s3://bucket', 'db1')[0]).toMatchObject({ bucket: 'bucket', prefix: 'db1' });
  });

  it('keeps two clusters of one fleet apart in every copy', () => {
    const a = parseRepoList(MIRROR, 'db1').map((l) => l.url);
    const b = parseRepoList(MIRROR, 'db2').map((l) => l.url);
    for (let i = 0; i < a.length; i++) expect(a[i]).not.toBe(b[i]);
  });

  it('refuses a copy that already ends in the cluster (a workflow that still appends /<cluster> itself)', () => {
    const e = refusal(() => loadConfig({ PGKEEP_REPO: 's3://backups/pg/main', PGKEEP_CLUSTER: 'main' }));
    expect(e.message).toBe('PGKEEP_REPO entry "s3://backups/pg/main" already ends in "/main", and the cluster "main" would be appended again.');
    expect(e.hint).toContain('set PGKEEP_REPO to the fleet\'s root');
    expect(refusal(() => parseRepoList('s3://bkt/prod,file:///srv/pg/db1/', 'db1')).message).toContain('"file:///srv/pg/db1/" already ends in "/db1"');
    // Only a whole segment counts.
    expect(parseRepoList('s3://bkt/prod-db1', 'db1')[0].url).toBe('s3://bkt/prod-db1/db1');
  });

  it('still refuses what the copy alone would be refused for', () => {
    expect(refusal(() => parseRepoList('s3://backups/prod?colour=red', 'db1')).message).toContain('unknown option "colour"');
    expect(refusal(() => parseRepoList('file://relative/path', 'db1')).message).toContain('absolute path');
  });
});

describe('cluster names', () => {
  it.each([
    ['a/b', 'one path segment'],
    ['..', 'must not contain ".."'],
    ['db..1', 'must not contain ".."'],
    ['a\\b', 'one path segment'],
    ['.hidden', 'starting with a letter or digit'],
    ['db 1', 'letters, digits'],
    ['db1?x=1', 'letters, digits'],
    ['é', 'letters, digits'],
    ['x'.repeat(64), '1 to 63'],
  ])('refuses %j, naming the setting and the rule', (name, why) => {
    const e = refusal(() => loadConfig({ PGKEEP_REPO: 'file:///r', PGKEEP_CLUSTER: name }));
    expect(e.message).toContain(`(PGKEEP_CLUSTER) is not valid`);
    expect(e.message).toContain(why);
    expect(e.hint).toContain('appended to the path of every copy');
  });

  it('accepts letters, digits, dots, dashes and underscores', () => {
    for (const n of ['db1', 'orders-eu', 'pg_15.main', 'A', 'x'.repeat(63)]) expect(clusterName(n, 'PGKEEP_CLUSTER')).toBe(n);
  });

  it('names the flag when the flag was wrong', () => {
    expect(refusal(() => loadConfig({ PGKEEP_REPO: 'file:///r' }, { cluster: '../etc' })).message).toBe(
      'Cluster name "../etc" (--cluster) is not valid: it must be one path segment, without slashes.',
    );
  });
});

describe('loadConfig with a cluster', () => {
  it('PGKEEP_CLUSTER composes PGKEEP_REPO; repoUrl is the composed list and cluster is kept', () => {
    const cfg = loadConfig({ PGKEEP_REPO: MIRROR, PGKEEP_CLUSTER: 'db1' });
    expect(cfg.cluster).toBe('db1');
    expect(cfg.repoUrl).toBe('s3://backups/prod/db1?endpoint=http://minio:9000&profile=minio,s3://offsite/prod/db1?storage-class=STANDARD_IA');
    expect(cfg.repos.map((l) => (l.kind === 's3' ? l.prefix : ''))).toEqual(['prod/db1', 'prod/db1']);
  });

  it('an empty PGKEEP_CLUSTER (an unset workflow variable) means no cluster', () => {
    const cfg = loadConfig({ PGKEEP_REPO: 'file:///r', PGKEEP_CLUSTER: ' ' });
    expect(cfg.cluster).toBeUndefined();
    expect(cfg.repoUrl).toBe('file:///r');
  });

  it('--cluster / the cluster input overrides PGKEEP_CLUSTER and composes with --repo as well', () => {
    expect(loadConfig({ PGKEEP_REPO: 'file:///r', PGKEEP_CLUSTER: 'db1' }, { cluster: 'db2' }).repoUrl).toBe('file:///r/db2');
    expect(loadConfig({ PGKEEP_CLUSTER: 'db1' }, { repo: 's3://bkt/p', cluster: 'db2' }).repoUrl).toBe('s3://bkt/p/db2');
  });

  it('an explicit --repo is the whole location: PGKEEP_CLUSTER from the environment does not compose with it', () => {
    // restore_command is written as `wal-fetch --repo <composed>`; a server started from a shell
    // that still exports PGKEEP_CLUSTER must not look in <repo>/db1/db1 (and promote early).
    const cfg = loadConfig({ PGKEEP_REPO: 's3://bkt/p', PGKEEP_CLUSTER: 'db1' }, { repo: 's3://bkt/p/db1' });
    expect(cfg.repoUrl).toBe('s3://bkt/p/db1');
    expect(cfg.cluster).toBeUndefined();
  });

  it('restore_command gets the composed copies, each with its options and the endpoint from the environment', () => {
    const cfg = loadConfig({ PGKEEP_REPO: 's3://bkt/prod,file:///var/b', PGKEEP_CLUSTER: 'db1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' });
    const url = repoUrlForServer(cfg);
    expect(url).toBe('s3://bkt/prod/db1?endpoint=http%3A%2F%2F127.0.0.1%3A9000&force-path-style=true,file:///var/b/db1');
    // What wal-fetch makes of it in the server's environment (PGKEEP_CLUSTER still set).
    const fetched = loadConfig({ ...serverEnv(cfg), PGKEEP_CLUSTER: 'db1' }, { repo: url });
    expect(fetched.repos.map((l) => (l.kind === 'file' ? l.path : `${l.bucket}/${l.prefix}`))).toEqual(['bkt/prod/db1', '/var/b/db1']);
  });

  it('a server started by pgkeep gets the composed repository as PGKEEP_REPO and no PGKEEP_CLUSTER', () => {
    const env = serverEnv(loadConfig({ PGKEEP_REPO: MIRROR, PGKEEP_CLUSTER: 'db1', PGKEEP_RETENTION_DAYS: '7', HOME: '/root' }));
    expect(env).toEqual({
      PGKEEP_REPO: 's3://backups/prod/db1?endpoint=http://minio:9000&profile=minio,s3://offsite/prod/db1?storage-class=STANDARD_IA',
      PGKEEP_RETENTION_DAYS: '7',
    });
    // archive_command = 'pgkeep wal-push %p' in that environment writes where the run read.
    expect(loadConfig(env).repoUrl).toBe(env.PGKEEP_REPO);
  });
});

describe('the CLI', () => {
  it('takes --cluster on every command and refuses a bad name before touching the repository', async () => {
    const r = await pgkeep(['list', '--cluster', 'a/b'], { PGKEEP_REPO: 'file:///nonexistent-pgkeep-repo' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Cluster name "a/b" (--cluster) is not valid');
  });
});
