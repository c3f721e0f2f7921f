// `pgkeep config [--json]`: every setting with its value and source, secrets masked.
import { describe, expect, it } from 'vitest';
import { pgkeep } from '../../helpers/cli.js';
import type { ConfigReport } from '../../../src/config/describe-config.js';

const SECRETS = {
  password: 'pw-Sekr1t-xyz',
  awsKey: 'AKIAEXAMPLESEKRIT42',
  awsSecret: 'aws/Secret+Value-987',
  token: 'session-token-5566',
  repoPass: 'repo-pass-31337',
};

const ENV = {
  DATABASE_URL: `postgres://backup:${encodeURIComponent(SECRETS.password)}@db.internal:5433/app?sslmode=require`,
  PGPASSWORD: SECRETS.password,
  AWS_ACCESS_KEY_ID: SECRETS.awsKey,
  AWS_SECRET_ACCESS_KEY: SECRETS.awsSecret,
  AWS_SESSION_TOKEN: SECRETS.token,
  PGKEEP_REPO: `s3://backups/prod?endpoint=http://minio:${SECRETS.repoPass}@minio:9000,file:///var/backups/pg`,
  PGKEEP_CLUSTER: 'db1',
  PGKEEP_WAL_PREFETCH: '16',
  PGKEEP_AGE_IDENTITY: 'AGE-SECRET-KEY-1QQQQSEKRIT',
  PGKEEP_RETENTION_DAY: '7',
};

async function configJson(args: string[], env: Record<string, string>) {
  const r = await pgkeep(['config', '--json', ...args], env);
  return { ...r, report: JSON.parse(r.stdout) as ConfigReport };
}

describe('pgkeep config', () => {
  it('names the source of each value: default, environment, flag', async () => {
    const { code, report } = await configJson(['--retention-days', '14'], { PGKEEP_REPO: 'file:///var/backups/pg', PGKEEP_WAL_PREFETCH: '16' });
    expect(code).toBe(0);
    const by = Object.fromEntries(report.settings.map((s) => [s.name, s]));
    expect(by.PGKEEP_RETENTION_DAYS).toMatchObject({ value: '14', source: 'flag', flag: '--retention-days' });
    expect(by.PGKEEP_WAL_PREFETCH).toMatchObject({ value: '16', source: 'environment' });
    expect(by.PGKEEP_WAL_PUSH_PARALLEL).toMatchObject({ value: '4', source: 'default' });
    expect(by.PGKEEP_REPO).toMatchObject({ value: 'file:///var/backups/pg', source: 'environment', input: 'repo' });
    expect(report.repos).toEqual(['file:///var/backups/pg']);
    expect(report.ok).toBe(true);
  });

  it('never prints a secret, in --json or as text, and still shows where things are', async () => {
    for (const json of [true, false]) {
      const r = await pgkeep(['config', ...(json ? ['--json'] : [])], ENV);
      const out = r.stdout + r.stderr;
      for (const s of [...Object.values(SECRETS), encodeURIComponent(SECRETS.password), encodeURIComponent(SECRETS.awsSecret), ENV.PGKEEP_AGE_IDENTITY]) expect(out).not.toContain(s);
      expect(out).toContain('db.internal:5433');
      expect(out).toContain('s3://backups/prod');
    }
    const { report } = await configJson([], ENV);
    const by = Object.fromEntries(report.settings.map((s) => [s.name, s]));
    for (const n of ['PGPASSWORD', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'PGKEEP_AGE_IDENTITY']) expect(by[n]).toMatchObject({ value: '***', source: 'environment', secret: true });
    // A typo is reported, not silently ignored.
    expect(report.unknown.map((u) => u.name)).toEqual(['PGKEEP_RETENTION_DAY']);
    // An endpoint with credentials would reach restore_command: refused (without echoing them).
    expect(report.error).toMatch(/endpoint must not carry credentials/);
    const clean = await configJson([], { ...ENV, PGKEEP_REPO: ENV.PGKEEP_REPO.replace(`minio:${SECRETS.repoPass}@`, '') });
    expect(clean.report.repos?.[0]).toMatch(/^s3:\/\/backups\/prod\/db1/);
  });

  it('reports each refused value naming the variable, and exits 1, without a repository', async () => {
    const r = await configJson([], { PGKEEP_WAL_PREFETCH: '999', PGKEEP_COMPRESS_AT: 'gpu' });
    expect(r.code).toBe(1);
    const by = Object.fromEntries(r.report.settings.map((s) => [s.name, s]));
    expect(by.PGKEEP_WAL_PREFETCH.error).toBe('PGKEEP_WAL_PREFETCH="999" is not valid: expected a whole number from 0 to 256.');
    expect(by.PGKEEP_COMPRESS_AT.error).toMatch(/^PGKEEP_COMPRESS_AT="gpu" is not valid/);
    expect(r.report.error).toMatch(/PGKEEP_REPO is empty/);
    const text = await pgkeep(['config'], { PGKEEP_WAL_PREFETCH: '999', PGKEEP_REPO: 'file:///x' });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/PGKEEP_WAL_PREFETCH\s+999\s+environment\s+ERROR: PGKEEP_WAL_PREFETCH="999"/);
  });
});
