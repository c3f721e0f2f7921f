// The one place where defaults, environment, CLI flags and action inputs meet. Nothing else
// reads process.env: commands receive a typed Config.
import { PgkeepError } from '../util/errors.js';
import { redact, registerSecret } from '../util/redact.js';
import { setAgeKeys } from '../util/age.js';
import type { Compression } from '../util/streams.js';
import { clusterName, ENDPOINT_CREDENTIALS, isHttpUrl, parseRepoList, urlHasCredentials, type RepoLocation } from './repo-url.js';
import { parseIntSetting, SETTINGS, tuningSettings, type IntSpec, type TuningSettings } from './settings.js';

export type Env = Record<string, string | undefined>;

export const WAL_SOURCES = ['archive', 'slot'] as const;
export type WalSource = (typeof WAL_SOURCES)[number];

/** Values given on the command line or as action inputs; they override the environment. */
export interface Overrides {
  repo?: string;
  /** --cluster / the cluster input: composes with the repository in effect (see loadConfig). */
  cluster?: string;
  retentionDays?: string | number;
  compress?: string;
  parallel?: string | number;
  pgBinDir?: string;
  /** --wal-source (CLI): PGKEEP_WAL_SOURCE for this run. */
  walSource?: string;
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
  /**
   * A socket idle this long fails the request as a retryable timeout (default 120 s): a hung
   * endpoint must not hold archive_command forever. Not a setting; tests shorten it.
   */
  idleTimeoutMs?: number;
}

export interface Config {
  /**
   * The repository in effect (comma-separated copies, the cluster already appended to each);
   * safe to pass to restore_command as a complete --repo.
   */
  repoUrl: string;
  repos: RepoLocation[];
  /** PGKEEP_CLUSTER / --cluster / the cluster input, when the repository is a fleet's. */
  cluster?: string;
  s3: S3Settings;
  /** libpq environment handed to every PostgreSQL tool and client (PGHOST, PGPORT, …). */
  pgEnv: Record<string, string>;
  /** Directory of pg_dump, pg_receivewal, pg_verifybackup… (auto-detected when unset). */
  pgBinDir?: string;
  retentionDays: number;
  compression: Compression;
  /** PGKEEP_COMPRESS / --compress was given: full backups use its level instead of their own default, 1. */
  compressionGiven: boolean;
  /** Bound for databases dumped / objects moved in parallel. */
  parallel: number;
  /**
   * PGKEEP_WAL_SOURCE / --wal-source: where `backup --type incr` on PostgreSQL 15/16 makes sure
   * the WAL is. `archive` (default): archive_command stores it; the run checks archiving is
   * fresh and never creates a replication slot (a forgotten slot fills the primary's disk).
   * `slot`: the operator opts into pulling over the `pgkeep` slot (pg_receivewal).
   */
  walSource: WalSource;
  /**
   * The settings one command each reads (PGKEEP_WAL_PREFETCH, PGKEEP_ZSTD_WORKERS, …), typed and
   * declared in settings.ts; each is parsed when first read, so a bad one fails only its command.
   */
  settings: TuningSettings;
  /** Environment for spawned helpers that need the same settings (restore_command). */
  env: Env;
  /**
   * PGKEEP_WAL_REQUIRED_COPIES: how many copies (the first N of PGKEEP_REPO) must hold a WAL
   * file before a push succeeds; undefined = every copy. The others are filled in later.
   */
  walRequiredCopies?: number;
}

// Every variable libpq reads (PostgreSQL 15-18), handed unchanged to the tools and read by our own
// connections (src/postgres/libpq-tls.ts); plus OpenSSL's, which libpq's sslrootcert=system uses.
const LIBPQ_VARS = [
  'PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGPASSFILE', 'PGDATABASE', 'PGSERVICE', 'PGSERVICEFILE',
  'PGSYSCONFDIR', 'PGCONNECT_TIMEOUT', 'PGAPPNAME', 'PGOPTIONS', 'PGCLIENTENCODING', 'PGTARGETSESSIONATTRS',
  'PGLOADBALANCEHOSTS', 'PGREQUIREAUTH', 'PGCHANNELBINDING', 'PGSSLMODE', 'PGREQUIRESSL', 'PGSSLNEGOTIATION',
  'PGSSLROOTCERT', 'PGSSLCERT', 'PGSSLKEY', 'PGSSLCERTMODE', 'PGSSLCRL', 'PGSSLCRLDIR', 'PGSSLSNI', 'PGSSLCOMPRESSION',
  'PGSSLMINPROTOCOLVERSION', 'PGSSLMAXPROTOCOLVERSION', 'PGREQUIREPEER', 'PGGSSENCMODE', 'PGKRBSRVNAME', 'PGGSSLIB',
  'PGGSSDELEGATION', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
];

function badValue(name: string, value: string, expected: string): PgkeepError {
  return new PgkeepError('bad-config', `${name}="${value}" is not valid: expected ${expected}.`);
}

// Plain checks, not zod: config is read on every wal-push (once per WAL segment), and loading
// zod costs that path more than the rest of the configuration together. Each returns the value
// or throws a bad-config PgkeepError whose message names the setting and what it expects.
type Check<T> = (v: string | number) => T;
const invalid = (message: string) => new PgkeepError('bad-config', message);

const intIn =
  (name: string, min: number, max: number): Check<number> =>
  (v) => {
    // Digits only: Number() would also take "0x1F", "1e2" or " ".
    const n = typeof v === 'number' ? v : /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw invalid(`${name}="${v}" is not valid: expected a whole number from ${min} to ${max}.`);
    return n;
  };

const compressionSchema =
  (name: string): Check<Compression> =>
  (raw) => {
    const v = String(raw);
    const m = /^(zstd|none)(?::(\d+))?$/i.exec(v.trim());
    if (!m || (m[1].toLowerCase() === 'none' && m[2])) throw invalid(`${name}="${v}" is not valid: expected zstd, zstd:LEVEL (1-19) or none.`);
    if (m[1].toLowerCase() === 'none') return { kind: 'none' };
    const level = m[2] ? Number(m[2]) : 3;
    if (level < 1 || level > 19) throw invalid(`${name}="${v}" is not valid: the zstd level must be from 1 to 19.`);
    return { kind: 'zstd', level };
  };

const boolSchema =
  (name: string): Check<boolean> =>
  (raw) => {
    const v = String(raw);
    const s = v.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
    throw invalid(`${name}="${v}" is not valid: expected true or false.`);
  };

const walSourceSchema =
  (name: string): Check<WalSource> =>
  (raw) => {
    const v = String(raw);
    const s = v.trim().toLowerCase();
    if ((WAL_SOURCES as readonly string[]).includes(s)) return s as WalSource;
    throw invalid(`${name}="${v}" is not valid: expected archive (archive_command stores WAL; no replication slot) or slot (pull over the pgkeep replication slot).`);
  };

/** The first value that is set and not blank: an empty variable or action input means "use the default". */
function given<T extends string | number>(...values: (T | undefined)[]): T | undefined {
  return values.find((v) => v !== undefined && String(v).trim() !== '');
}

function parse<T>(check: Check<T>, value: string | number): T {
  return check(value);
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
  // A stray % (e.g. an unencoded password) must not surface as a bare URIError, nor echo the value.
  const decode = (part: string, what: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new PgkeepError('bad-config', `DATABASE_URL has a malformed %-escape in its ${what}.`, 'Percent-encode special characters, e.g. % as %25 and @ as %40.');
    }
  };
  const env: Record<string, string> = {};
  if (u.hostname) env.PGHOST = decode(u.hostname.replace(/^\[|\]$/g, ''), 'host');
  if (u.port) env.PGPORT = u.port;
  if (u.username) env.PGUSER = decode(u.username, 'user name');
  if (u.password) env.PGPASSWORD = decode(u.password, 'password');
  const db = decode(u.pathname.replace(/^\//, ''), 'database name');
  if (db) env.PGDATABASE = db;
  const map: Record<string, string> = {
    host: 'PGHOST', hostaddr: 'PGHOSTADDR', port: 'PGPORT', user: 'PGUSER', password: 'PGPASSWORD', dbname: 'PGDATABASE',
    passfile: 'PGPASSFILE', service: 'PGSERVICE', connect_timeout: 'PGCONNECT_TIMEOUT', application_name: 'PGAPPNAME',
    options: 'PGOPTIONS', client_encoding: 'PGCLIENTENCODING', target_session_attrs: 'PGTARGETSESSIONATTRS',
    load_balance_hosts: 'PGLOADBALANCEHOSTS', require_auth: 'PGREQUIREAUTH', channel_binding: 'PGCHANNELBINDING',
    sslmode: 'PGSSLMODE', requiressl: 'PGREQUIRESSL', sslnegotiation: 'PGSSLNEGOTIATION', sslrootcert: 'PGSSLROOTCERT',
    sslcert: 'PGSSLCERT', sslkey: 'PGSSLKEY', sslcertmode: 'PGSSLCERTMODE', sslcrl: 'PGSSLCRL', sslcrldir: 'PGSSLCRLDIR',
    sslsni: 'PGSSLSNI', sslcompression: 'PGSSLCOMPRESSION', ssl_min_protocol_version: 'PGSSLMINPROTOCOLVERSION',
    ssl_max_protocol_version: 'PGSSLMAXPROTOCOLVERSION', requirepeer: 'PGREQUIREPEER', gssencmode: 'PGGSSENCMODE',
    krbsrvname: 'PGKRBSRVNAME', gsslib: 'PGGSSLIB', gssdelegation: 'PGGSSDELEGATION',
  };
  // libpq parameters without an environment variable cannot reach pg_dump and the other tools,
  // which get the connection through PG* variables: refuse them rather than half-apply them.
  const noEnvVar = ['sslpassword', 'sslkeylogfile', 'keepalives', 'keepalives_idle', 'keepalives_interval', 'keepalives_count', 'tcp_user_timeout', 'fallback_application_name', 'replication'];
  for (const [k, v] of u.searchParams) {
    const name = map[k];
    if (!name && noEnvVar.includes(k))
      throw new PgkeepError('bad-config', `DATABASE_URL parameter "${k}" is not supported: libpq has no environment variable for it, and pgkeep hands the connection to PostgreSQL's tools through PG* variables.`, k === 'sslpassword' ? 'Use an unencrypted key file readable only by the backup user (chmod 600).' : 'Remove it from DATABASE_URL.');
    if (!name) throw new PgkeepError('bad-config', `DATABASE_URL has an unsupported parameter "${k}".`, `Supported: ${Object.keys(map).join(', ')}.`);
    env[name] = v;
  }
  return env;
}

/** `requireRepo: false` for commands that only talk to the server (swap): repos is then empty. */
export function loadConfig(env: Env, o: Overrides = {}, { requireRepo = true } = {}): Config {
  const repoRaw = (given(o.repo, env.PGKEEP_REPO) ?? '').trim();
  if (!repoRaw && requireRepo)
    throw new PgkeepError(
      'bad-config',
      'No repository configured: PGKEEP_REPO is empty.',
      'Set PGKEEP_REPO=file:///var/lib/pgkeep or s3://bucket/prefix (or pass --repo / the repo input).',
    );
  // PGKEEP_CLUSTER belongs to PGKEEP_REPO: an explicit --repo / repo input names the whole
  // location and only --cluster / the cluster input compose with it. So a restore_command
  // written as `wal-fetch --repo <composed>` means the same under any server environment
  // (one that still exports PGKEEP_CLUSTER would otherwise look in <repo>/<cluster>/<cluster>,
  // find nothing and let PostgreSQL promote early).
  const repoFromOverride = given(o.repo) !== undefined;
  const clusterRaw = given(o.cluster) ?? (repoFromOverride ? undefined : given(env.PGKEEP_CLUSTER));
  const cluster = clusterRaw === undefined ? undefined : clusterName(clusterRaw, given(o.cluster) !== undefined ? '--cluster' : 'PGKEEP_CLUSTER');
  const repos = repoRaw ? parseRepoList(repoRaw, cluster) : [];
  const repoUrl = cluster ? repos.map((l) => l.url).join(',') : repoRaw;

  const pgEnv: Record<string, string> = {};
  for (const k of LIBPQ_VARS) {
    const v = env[k];
    if (v !== undefined && v !== '') pgEnv[k] = v;
  }
  const fromUrl = env.DATABASE_URL?.trim() ? databaseUrlToEnv(env.DATABASE_URL.trim()) : {};
  Object.assign(pgEnv, fromUrl);
  registerSecret(pgEnv.PGPASSWORD);
  registerSecret(env.AWS_SECRET_ACCESS_KEY);
  registerSecret(env.AWS_SESSION_TOKEN);
  registerSecret(env.PGKEEP_AGE_IDENTITY);
  // Process-wide like the AWS credential chain (src/util/age.ts says why); parsed when first used.
  setAgeKeys(env.PGKEEP_AGE_RECIPIENTS, env.PGKEEP_AGE_IDENTITY);
  const port = pgEnv.PGPORT;
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && +port >= 1 && +port <= 65535))
    throw badValue(fromUrl.PGPORT ? 'DATABASE_URL port' : 'PGPORT', port, 'a port number from 1 to 65535');

  const endpointVar = env.AWS_ENDPOINT_URL_S3?.trim() ? 'AWS_ENDPOINT_URL_S3' : env.AWS_ENDPOINT_URL?.trim() ? 'AWS_ENDPOINT_URL' : undefined;
  const endpoint = endpointVar ? env[endpointVar]!.trim() : undefined;
  if (endpointVar && endpoint && !isHttpUrl(endpoint))
    throw badValue(endpointVar, redact(endpoint), 'an http:// or https:// URL such as http://127.0.0.1:9000');
  if (endpointVar && endpoint && urlHasCredentials(endpoint))
    throw new PgkeepError('bad-config', `${endpointVar}: ${ENDPOINT_CREDENTIALS}.`, `Give it as http(s)://host:port, e.g. ${redact(endpoint).replace(/\/\/[^/]*@/, '//')}.`);
  const s3: S3Settings = {
    endpoint,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    forcePathStyle: parse(boolSchema('PGKEEP_S3_FORCE_PATH_STYLE'), given(env.PGKEEP_S3_FORCE_PATH_STYLE) ?? (endpoint ? 'true' : 'false')),
    maxAttempts: intSetting(SETTINGS.PGKEEP_S3_MAX_ATTEMPTS, env),
    partSizeMiB: intSetting(SETTINGS.PGKEEP_S3_PART_SIZE_MIB, env),
    queueSize: intSetting(SETTINGS.PGKEEP_S3_UPLOAD_CONCURRENCY, env),
    profile: env.AWS_PROFILE || undefined,
  };
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
    s3.credentials = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };

  const retentionDays = intSetting(SETTINGS.PGKEEP_RETENTION_DAYS, env, o.retentionDays);
  const compression = parse(
    compressionSchema(given(o.compress) !== undefined ? '--compress' : 'PGKEEP_COMPRESS'),
    given(o.compress, env.PGKEEP_COMPRESS) ?? 'zstd:3',
  );
  const parallel = intSetting(SETTINGS.PGKEEP_PARALLEL, env, o.parallel);
  const pgBinDir = given(o.pgBinDir, env.PGKEEP_PG_BINDIR);
  // Range 1..number of copies; unset (the default) means every copy: no WAL is acknowledged to
  // PostgreSQL before each copy holds it.
  const requiredRaw = given(env.PGKEEP_WAL_REQUIRED_COPIES);
  const walRequired = requiredRaw === undefined ? undefined : parse(intIn('PGKEEP_WAL_REQUIRED_COPIES', 1, Math.max(1, repos.length)), requiredRaw);
  const walRequiredCopies = walRequired !== undefined && walRequired < repos.length ? { walRequiredCopies: walRequired } : {};
  const walSource = parse(
    walSourceSchema(given(o.walSource) !== undefined ? '--wal-source' : 'PGKEEP_WAL_SOURCE'),
    given(o.walSource, env.PGKEEP_WAL_SOURCE) ?? 'archive',
  );

  return { repoUrl, repos, ...(cluster ? { cluster } : {}), s3, pgEnv, pgBinDir, retentionDays, compression, parallel, walSource, compressionGiven: given(o.compress, env.PGKEEP_COMPRESS) !== undefined, settings: tuningSettings(env), env, ...walRequiredCopies };
}

/** A declared whole-number setting: the override (its flag named in errors), else the environment, else the default. */
function intSetting(spec: IntSpec & { default: number }, env: Env, override?: string | number): number {
  if (given(override) !== undefined) return parseIntSetting(spec, override!, `--${spec.flag ?? spec.name}`);
  const raw = given(env[spec.name]);
  return raw === undefined ? spec.default : parseIntSetting(spec, raw);
}

/**
 * The part of the environment a server started by pgkeep needs for its restore_command /
 * archive_command (`pgkeep wal-fetch`/`wal-push` against S3): AWS_* and PGKEEP_* settings.
 * Credentials travel in the process environment, never in postgresql.auto.conf.
 */
export function serverEnv(cfg: Pick<Config, 'env' | 'repoUrl'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(cfg.env)) if (v !== undefined && /^(AWS_|PGKEEP_)/.test(k)) out[k] = v;
  // The repository in effect, cluster included: an archive_command that reads PGKEEP_REPO
  // writes where this run reads (also when it came from --repo/--cluster, not the environment).
  if (cfg.repoUrl) {
    out.PGKEEP_REPO = cfg.repoUrl;
    delete out.PGKEEP_CLUSTER;
  }
  return out;
}
