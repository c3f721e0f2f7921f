// The one place where defaults, environment, CLI flags and action inputs meet. Nothing else
// reads process.env: commands receive a typed Config.
import { z } from 'zod';
import { PgkeepError } from '../util/errors.js';
import { registerSecret } from '../util/redact.js';
import type { Compression } from '../util/streams.js';
import { parseRepoList, type RepoLocation } from './repo-url.js';

export type Env = Record<string, string | undefined>;

/** Values given on the command line or as action inputs; they override the environment. */
export interface Overrides {
  repo?: string;
  retentionDays?: string | number;
  compress?: string;
  parallel?: string | number;
  pgBinDir?: string;
}

export interface S3Settings {
  endpoint?: string;
  region?: string;
  forcePathStyle: boolean;
  /** Max attempts for retryable S3 errors (5xx, throttling, network). */
  maxAttempts: number;
  partSizeMiB: number;
  queueSize: number;
  /** Static keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); absent → the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** AWS_PROFILE, handed to the SDK's default chain. */
  profile?: string;
}

export interface Config {
  /** Raw repository string (comma-separated copies); safe to pass to restore_command. */
  repoUrl: string;
  repos: RepoLocation[];
  s3: S3Settings;
  /** libpq environment handed to every PostgreSQL tool and client (PGHOST, PGPORT, …). */
  pgEnv: Record<string, string>;
  /** Directory of pg_dump, pg_basebackup… (auto-detected when unset). */
  pgBinDir?: string;
  retentionDays: number;
  compression: Compression;
  /** Bound for databases dumped / objects moved in parallel. */
  parallel: number;
  /** Environment for spawned helpers that need the same settings (restore_command). */
  env: Env;
}

const LIBPQ_VARS = [
  'PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGPASSFILE', 'PGDATABASE', 'PGSSLMODE',
  'PGSSLROOTCERT', 'PGSSLCERT', 'PGSSLKEY', 'PGSERVICE', 'PGSERVICEFILE', 'PGCONNECT_TIMEOUT', 'PGAPPNAME',
  'PGOPTIONS', 'PGSSLCRL', 'PGTARGETSESSIONATTRS', 'PGCHANNELBINDING', 'PGGSSENCMODE',
];

function badValue(name: string, value: string, expected: string): PgkeepError {
  return new PgkeepError('bad-config', `${name}="${value}" is not valid: expected ${expected}.`);
}

const intIn = (name: string, min: number, max: number) =>
  z.union([z.string(), z.number()]).transform((v, ctx) => {
    const n = typeof v === 'number' ? v : Number(v.trim());
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `${name}="${v}" is not valid: expected a whole number from ${min} to ${max}.` });
      return z.NEVER;
    }
    return n;
  });

const compressionSchema = z.string().transform((v, ctx): Compression => {
  const m = /^(zstd|none)(?::(\d+))?$/.exec(v.trim());
  if (!m || (m[1] === 'none' && m[2])) {
    ctx.addIssue({ code: 'custom', message: `PGKEEP_COMPRESS="${v}" is not valid: expected zstd, zstd:LEVEL (1-19) or none.` });
    return z.NEVER;
  }
  if (m[1] === 'none') return { kind: 'none' };
  const level = m[2] ? Number(m[2]) : 3;
  if (level < 1 || level > 19) {
    ctx.addIssue({ code: 'custom', message: `PGKEEP_COMPRESS="${v}" is not valid: the zstd level must be from 1 to 19.` });
    return z.NEVER;
  }
  return { kind: 'zstd', level };
});

const boolSchema = (name: string) =>
  z.string().transform((v, ctx) => {
    const s = v.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
    ctx.addIssue({ code: 'custom', message: `${name}="${v}" is not valid: expected true or false.` });
    return z.NEVER;
  });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new PgkeepError('bad-config', r.error.issues[0]?.message ?? 'invalid configuration');
  return r.data;
}

/** DATABASE_URL (postgres://user:pass@host:port/db?sslmode=…) → libpq variables. */
export function databaseUrlToEnv(raw: string): Record<string, string> {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new PgkeepError('bad-config', 'DATABASE_URL is not a valid URL.', 'Expected postgres://user:password@host:5432/dbname.');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw new PgkeepError('bad-config', `DATABASE_URL must start with postgres:// or postgresql://, not ${u.protocol}//.`);
  const env: Record<string, string> = {};
  if (u.hostname) env.PGHOST = decodeURIComponent(u.hostname.replace(/^\[|\]$/g, ''));
  if (u.port) env.PGPORT = u.port;
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (db) env.PGDATABASE = db;
  const map: Record<string, string> = {
    sslmode: 'PGSSLMODE', sslrootcert: 'PGSSLROOTCERT', sslcert: 'PGSSLCERT', sslkey: 'PGSSLKEY',
    connect_timeout: 'PGCONNECT_TIMEOUT', application_name: 'PGAPPNAME', host: 'PGHOST', port: 'PGPORT',
  };
  for (const [k, v] of u.searchParams) {
    const name = map[k];
    if (!name) throw new PgkeepError('bad-config', `DATABASE_URL has an unsupported parameter "${k}".`, `Supported: ${Object.keys(map).join(', ')}.`);
    env[name] = v;
  }
  return env;
}

export function loadConfig(env: Env, o: Overrides = {}): Config {
  const repoRaw = (o.repo ?? env.PGKEEP_REPO ?? '').trim();
  if (!repoRaw)
    throw new PgkeepError(
      'bad-config',
      'No repository configured: PGKEEP_REPO is empty.',
      'Set PGKEEP_REPO=file:///var/lib/pgkeep or s3://bucket/prefix (or pass --repo / the repo input).',
    );
  const repos = parseRepoList(repoRaw);

  const pgEnv: Record<string, string> = {};
  for (const k of LIBPQ_VARS) {
    const v = env[k];
    if (v !== undefined && v !== '') pgEnv[k] = v;
  }
  if (env.DATABASE_URL) Object.assign(pgEnv, databaseUrlToEnv(env.DATABASE_URL));
  registerSecret(pgEnv.PGPASSWORD);
  registerSecret(env.AWS_SECRET_ACCESS_KEY);
  registerSecret(env.AWS_SESSION_TOKEN);
  if (pgEnv.PGPORT && !/^\d{1,5}$/.test(pgEnv.PGPORT)) throw badValue('PGPORT', pgEnv.PGPORT, 'a port number');

  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  if (endpoint) {
    try {
      new URL(endpoint);
    } catch {
      throw badValue('AWS_ENDPOINT_URL_S3', endpoint, 'a URL such as http://127.0.0.1:9000');
    }
  }
  const s3: S3Settings = {
    endpoint,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    forcePathStyle: parse(boolSchema('PGKEEP_S3_FORCE_PATH_STYLE'), env.PGKEEP_S3_FORCE_PATH_STYLE ?? (endpoint ? 'true' : 'false')),
    maxAttempts: parse(intIn('PGKEEP_S3_MAX_ATTEMPTS', 1, 20), env.PGKEEP_S3_MAX_ATTEMPTS ?? '5'),
    partSizeMiB: parse(intIn('PGKEEP_S3_PART_SIZE_MIB', 5, 512), env.PGKEEP_S3_PART_SIZE_MIB ?? '16'),
    queueSize: parse(intIn('PGKEEP_S3_UPLOAD_CONCURRENCY', 1, 16), env.PGKEEP_S3_UPLOAD_CONCURRENCY ?? '4'),
    profile: env.AWS_PROFILE || undefined,
  };
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
    s3.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };

  const retentionDays = parse(
    o.retentionDays !== undefined ? intIn('--retention-days', 1, 3650) : intIn('PGKEEP_RETENTION_DAYS', 1, 3650),
    o.retentionDays ?? env.PGKEEP_RETENTION_DAYS ?? '30',
  );
  const compression = parse(compressionSchema, o.compress ?? env.PGKEEP_COMPRESS ?? 'zstd:3');
  const parallel = parse(
    o.parallel !== undefined ? intIn('--parallel', 1, 64) : intIn('PGKEEP_PARALLEL', 1, 64),
    o.parallel ?? env.PGKEEP_PARALLEL ?? '2',
  );
  const pgBinDir = o.pgBinDir ?? env.PGKEEP_PG_BINDIR ?? undefined;

  return { repoUrl: repoRaw, repos, s3, pgEnv, pgBinDir, retentionDays, compression, parallel, env };
}
