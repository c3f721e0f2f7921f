// Every setting pgkeep reads, declared once: name, default, range, one line of doc, whether it is
// a secret, which commands read it. loadConfig parses from here, `pgkeep config` prints from
// here, and the README's configuration table is generated from here (npm run docs), so a
// default or a range cannot drift between the code and the docs.
import { PgkeepError } from '../util/errors.js';

export type Env = Record<string, string | undefined>;

/** Where a value came from (`pgkeep config`). */
export type SettingSource = 'default' | 'environment' | 'flag' | 'input';

interface SpecBase {
  /** The environment variable. */
  name: string;
  /** One line for the README table and `pgkeep config`. */
  doc: string;
  /** The default as a person reads it ("64", "every copy", "min(4, CPUs) on the runner"). */
  defaultText: string;
  /** Passwords, keys, tokens: never printed, only "set". */
  secret?: boolean;
  /** Commands that read it ('*' = every command that opens the repository). */
  commands: readonly string[];
  /** CLI flag that overrides it (without --). */
  flag?: string;
  /** Action input that overrides it. */
  input?: string;
  /** Kept for compatibility only. */
  deprecated?: boolean;
}

export interface IntSpec extends SpecBase {
  kind: 'int';
  min: number;
  /** A number, or a description of a bound that depends on other settings. */
  max: number;
  /** undefined: no default value (the setting is off or computed where it is used). */
  default?: number;
}
export interface BoolSpec extends SpecBase {
  kind: 'bool';
  default?: boolean;
}
export interface EnumSpec<V extends string = string> extends SpecBase {
  kind: 'enum';
  values: readonly V[];
  default: V;
}
export interface StringSpec extends SpecBase {
  kind: 'string';
  /** What a valid value looks like (for the table). */
  form?: string;
}
export type SettingSpec = IntSpec | BoolSpec | EnumSpec | StringSpec;

// Generic so each entry keeps its own type: whether it has a default decides `| undefined` below.
const int = <S extends Omit<IntSpec, 'kind'>>(s: S) => ({ kind: 'int' as const, ...s });
const bool = <S extends Omit<BoolSpec, 'kind'>>(s: S) => ({ kind: 'bool' as const, ...s });
const oneOf = <const V extends string, S extends Omit<EnumSpec<V>, 'kind'> = Omit<EnumSpec<V>, 'kind'>>(s: S & { values: readonly V[] }) => ({ kind: 'enum' as const, ...s });
const str = <S extends Omit<StringSpec, 'kind'>>(s: S) => ({ kind: 'string' as const, ...s });

const CONNECTS = ['backup', 'restore', 'wal-pull', 'swap', 'slot'] as const;
const S3 = ['*'] as const;

/**
 * The declaration. Order is the README table's order. Settings that loadConfig turns into
 * top-level Config fields (repo, cluster, s3, retentionDays…) and the tuning settings of
 * Config.settings (TUNING below) are all here.
 */
export const SETTINGS = {
  // The server: libpq's own variables, handed unchanged to PostgreSQL's tools.
  DATABASE_URL: str({ name: 'DATABASE_URL', doc: 'the server as one URL (`postgres://user:password@host:5432/db?sslmode=verify-full`); its parts override the `PG*` variables', defaultText: 'libpq variables', secret: true, commands: CONNECTS }),
  PGHOST: str({ name: 'PGHOST', doc: 'the server (every libpq variable — `PGPORT`, `PGUSER`, `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`, … — is passed to the tools unchanged)', defaultText: 'libpq default', commands: CONNECTS }),
  PGPORT: int({ name: 'PGPORT', doc: 'server port', defaultText: 'libpq default (5432)', min: 1, max: 65535, commands: CONNECTS }),
  PGUSER: str({ name: 'PGUSER', doc: 'role to connect as (needs REPLICATION for physical backups)', defaultText: 'libpq default', commands: CONNECTS }),
  PGPASSWORD: str({ name: 'PGPASSWORD', doc: 'password (or `PGPASSFILE`)', defaultText: 'none', secret: true, commands: CONNECTS }),
  PGDATABASE: str({ name: 'PGDATABASE', doc: 'database to connect to', defaultText: 'libpq default', commands: CONNECTS }),
  PGSSLMODE: oneOf({ name: 'PGSSLMODE', doc: 'TLS to the server, as libpq (see below)', values: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'], default: 'prefer', defaultText: '`prefer`', commands: CONNECTS }),

  // The repository.
  PGKEEP_REPO: str({ name: 'PGKEEP_REPO', flag: 'repo', input: 'repo', doc: '`file:///abs/path` or `s3://bucket/prefix`; comma-separated = every copy written, reads from the first that has it; per-copy options in the query: `?storage-class=STANDARD_IA&sse=aws:kms&sse-kms-key-id=…&endpoint=…&region=…&force-path-style=true&profile=…&object-lock=governance|compliance&lock-days=N` (`profile`: that copy\'s credentials from `~/.aws/credentials`; `object-lock`: every object but the lock files is written with S3 Object Lock retention for N days, on a bucket created with Object Lock)', form: 'URL list', defaultText: 'required', commands: ['*'] }),
  PGKEEP_CLUSTER: str({ name: 'PGKEEP_CLUSTER', flag: 'cluster', input: 'cluster', doc: 'a fleet member: appends `/<cluster>` to the path of every copy in `PGKEEP_REPO`, keeping each copy\'s `?options`; 1–63 letters, digits, `.`, `-`, `_`. An explicit `--repo`/`repo` input is the whole location: only `--cluster`/`cluster` is appended to it', form: 'name', defaultText: 'none', commands: ['*'] }),

  // Client-side encryption (age): off unless recipients are set.
  PGKEEP_AGE_RECIPIENTS: str({ name: 'PGKEEP_AGE_RECIPIENTS', input: 'age-recipients', doc: 'age public keys (`age1…`, comma- or space-separated): every object written (backups, dumps, globals, WAL, history files) is zstd-compressed, then encrypted for them on the runner and stored with an `.age` suffix; checksums stay over the stored bytes, so `verify` needs no key', form: 'age1… list', defaultText: 'off (objects stored unencrypted)', commands: ['backup', 'wal-push', 'wal-pull', 'verify'] }),
  PGKEEP_AGE_IDENTITY: str({ name: 'PGKEEP_AGE_IDENTITY', input: 'age-identity', doc: 'the age secret key (`AGE-SECRET-KEY-1…`) or the path of an identity file; needed only to read encrypted objects: restore, `wal-fetch` (a server pgkeep starts gets it from its environment, never from `postgresql.auto.conf`), verify with a restore or a content check', form: 'AGE-SECRET-KEY-1… or path', defaultText: 'none', secret: true, commands: ['restore', 'wal-fetch', 'verify', 'wal-push'] }),

  // S3: the AWS SDK's own chain plus our knobs.
  AWS_ACCESS_KEY_ID: str({ name: 'AWS_ACCESS_KEY_ID', doc: 'S3 access key (with `AWS_SECRET_ACCESS_KEY`); unset: the SDK chain (profiles, instance roles)', defaultText: 'SDK chain', secret: true, commands: S3 }),
  AWS_SECRET_ACCESS_KEY: str({ name: 'AWS_SECRET_ACCESS_KEY', doc: 'S3 secret key', defaultText: 'SDK chain', secret: true, commands: S3 }),
  AWS_SESSION_TOKEN: str({ name: 'AWS_SESSION_TOKEN', doc: 'temporary credentials\' session token', defaultText: 'none', secret: true, commands: S3 }),
  AWS_REGION: str({ name: 'AWS_REGION', doc: 'S3 region (or `AWS_DEFAULT_REGION`, or `region=` per copy)', defaultText: 'SDK default', commands: S3 }),
  AWS_PROFILE: str({ name: 'AWS_PROFILE', doc: 'profile of `~/.aws/credentials` (or `profile=` per copy)', defaultText: 'SDK default', commands: S3 }),
  AWS_ENDPOINT_URL_S3: str({ name: 'AWS_ENDPOINT_URL_S3', doc: 'S3-compatible endpoint (MinIO, SeaweedFS, Ceph), `http(s)://host:port` (or `AWS_ENDPOINT_URL`, or `endpoint=` per copy)', defaultText: 'AWS', commands: S3 }),
  PGKEEP_S3_FORCE_PATH_STYLE: bool({ name: 'PGKEEP_S3_FORCE_PATH_STYLE', doc: 'path-style addressing (MinIO, SeaweedFS, Ceph)', defaultText: 'on when an endpoint is set', commands: S3 }),
  PGKEEP_S3_MAX_ATTEMPTS: int({ name: 'PGKEEP_S3_MAX_ATTEMPTS', doc: 'attempts per S3 request on retryable errors (5xx, throttling, network), with backoff', min: 1, max: 20, default: 5, defaultText: '5', commands: S3 }),
  PGKEEP_S3_PART_SIZE_MIB: int({ name: 'PGKEEP_S3_PART_SIZE_MIB', doc: 'multipart part size; × 10,000 parts bounds an object (16 MiB → ~156 GiB), × concurrency bounds memory', min: 5, max: 512, default: 16, defaultText: '16', commands: S3 }),
  PGKEEP_S3_UPLOAD_CONCURRENCY: int({ name: 'PGKEEP_S3_UPLOAD_CONCURRENCY', doc: 'parts of one object uploaded at once', min: 1, max: 16, default: 4, defaultText: '4', commands: S3 }),

  // What runs.
  PGKEEP_RETENTION_DAYS: int({ name: 'PGKEEP_RETENTION_DAYS', flag: 'retention-days', doc: 'recovery window: `expire` keeps what restoring to any instant of the last N days needs', min: 1, max: 3650, default: 30, defaultText: '30', commands: ['expire'] }),
  PGKEEP_COMPRESS: str({ name: 'PGKEEP_COMPRESS', flag: 'compress', doc: '`zstd`, `zstd:LEVEL` (1–19) or `none`', form: 'zstd[:LEVEL] | none', defaultText: '`zstd:3` (full backups and database dumps: level 1)', commands: ['backup', 'wal-push', 'wal-pull'] }),
  PGKEEP_COMPRESS_AT: oneOf({ name: 'PGKEEP_COMPRESS_AT', doc: 'where a full backup is compressed: `client` (the runner), `server` (the walsender, `COMPRESSION \'zstd\'`), or `auto`: the server when it is on this host (Unix socket or loopback) and built with zstd, else the runner', values: ['auto', 'client', 'server'], default: 'auto', defaultText: '`auto`', commands: ['backup'] }),
  PGKEEP_ZSTD_WORKERS: int({ name: 'PGKEEP_ZSTD_WORKERS', doc: 'backup compression threads (runner: zstd frames at once, for a full backup at least 1, per database dump 0 = one inline stream; server: libzstd workers, 0 = inline)', min: 0, max: 64, defaultText: 'client: min(4, CPUs); server: 0 (chosen by `auto`: min(4, CPUs))', commands: ['backup'] }),
  PGKEEP_MAX_RATE_KB: int({ name: 'PGKEEP_MAX_RATE_KB', doc: 'full/incr backups: the server reads at most this many kB/s (`MAX_RATE`), to spare production I/O', min: 32, max: 1048576, defaultText: 'unlimited', commands: ['backup'] }),
  PGKEEP_PARALLEL: int({ name: 'PGKEEP_PARALLEL', flag: 'parallel', doc: 'databases dumped / objects moved at once', min: 1, max: 64, default: 2, defaultText: '2', commands: ['backup', 'restore', 'verify', 'expire', 'wal-pull'] }),
  PGKEEP_PG_BINDIR: str({ name: 'PGKEEP_PG_BINDIR', doc: 'PostgreSQL tools to use (pg_dump, pg_basebackup, pg_combinebackup, …)', form: 'directory', defaultText: '`/usr/lib/postgresql/<server major>/bin`, then PATH', commands: ['backup', 'restore', 'verify', 'wal-pull'] }),
  PGKEEP_WAL_SOURCE: oneOf({ name: 'PGKEEP_WAL_SOURCE', flag: 'wal-source', doc: 'where `backup --type incr` on PostgreSQL 15/16 gets its WAL: `archive` (archive_command; no replication slot) or `slot` (pull over the `pgkeep` slot)', values: ['archive', 'slot'], default: 'archive', defaultText: '`archive`', commands: ['backup'] }),
  PGKEEP_WAL_WAIT_SECONDS: int({ name: 'PGKEEP_WAL_WAIT_SECONDS', doc: 'how long a full/incr backup waits for its WAL to reach the repository; archive_command failing (pg_stat_archiver) ends the wait sooner', min: 1, max: 86400, default: 120, defaultText: '120', commands: ['backup'] }),
  PGKEEP_WAL_PUSH_PARALLEL: int({ name: 'PGKEEP_WAL_PUSH_PARALLEL', doc: 'segments `wal-push` sends at once (the one asked for plus `.ready` ones ahead)', min: 1, max: 64, default: 4, defaultText: '4', commands: ['wal-push'] }),
  PGKEEP_WAL_REQUIRED_COPIES: int({ name: 'PGKEEP_WAL_REQUIRED_COPIES', doc: 'copies (the first N of `PGKEEP_REPO`) that must hold a WAL file before `wal-push` succeeds; the rest are filled in later and their lag reported', min: 1, max: Infinity, defaultText: 'every copy', commands: ['wal-push', 'wal-pull'] }),
  PGKEEP_WAL_PREFETCH: int({ name: 'PGKEEP_WAL_PREFETCH', doc: 'segments `wal-fetch` fetches ahead into `pg_wal/pgkeep-prefetch/` (0 = off)', min: 0, max: 256, default: 8, defaultText: '8', commands: ['wal-fetch'] }),
  PGKEEP_WAL_FETCH_PARALLEL: int({ name: 'PGKEEP_WAL_FETCH_PARALLEL', doc: 'prefetch downloads at once', min: 1, max: 64, default: 4, defaultText: '4', commands: ['wal-fetch'] }),
  PGKEEP_RESTORE_STAGE_SEGMENTS: int({ name: 'PGKEEP_RESTORE_STAGE_SEGMENTS', doc: 'WAL segments fetched while the base backup extracts (0 = none); with `--start` and in drills, also how many are kept staged ahead of replay while the server recovers', min: 0, max: 1_000_000, default: 64, defaultText: '64', commands: ['restore', 'verify'] }),
  PGKEEP_NO_ZSTD_CLI: bool({ name: 'PGKEEP_NO_ZSTD_CLI', doc: 'use no `zstd` CLI even when it is on PATH: logical dumps are compressed, and base backups and dumps decompressed, in-process', default: false, defaultText: 'off', commands: ['backup', 'restore', 'verify'] }),
  PGKEEP_NODE_PATH: str({ name: 'PGKEEP_NODE_PATH', doc: 'Node written into `restore_command` (absolute; one the PostgreSQL server user can read)', form: 'absolute path', defaultText: 'the running one', commands: ['restore', 'verify'] }),
  PGKEEP_CLI_PATH: str({ name: 'PGKEEP_CLI_PATH', doc: '`dist/cli/index.js` written into `restore_command`', form: 'absolute path', defaultText: 'the running one', commands: ['restore', 'verify'] }),
  PGKEEP_RESTORE_ARCHIVE_MODE: oneOf({ name: 'PGKEEP_RESTORE_ARCHIVE_MODE', doc: 'deprecated: `off` is the default (a restored cluster never archives); `preserve` means `--new-primary`', values: ['off', 'preserve'], default: 'off', defaultText: '`off`', deprecated: true, commands: ['restore'] }),
  PGKEEP_DEBUG: bool({ name: 'PGKEEP_DEBUG', doc: '`1`: debug log lines, and the stack of an unexpected error', default: false, defaultText: 'off', commands: ['*'] }),
} as const satisfies Record<string, SettingSpec>;

export type SettingName = keyof typeof SETTINGS;

export const SETTING_SPECS: readonly SettingSpec[] = Object.values(SETTINGS);

function badSetting(spec: SettingSpec, raw: string, what = spec.name): PgkeepError {
  const expected =
    spec.kind === 'int'
      ? `a whole number from ${spec.min} to ${Number.isFinite(spec.max) ? spec.max : 'the number of copies'}`
      : spec.kind === 'bool'
        ? 'true or false'
        : spec.kind === 'enum'
          ? `one of ${spec.values.join(', ')}`
          : spec.form ?? 'a value';
  return new PgkeepError('bad-config', `${what}="${raw}" is not valid: expected ${expected}.`);
}

/** The raw value as given: blank means unset ("use the default"). */
export function rawSetting(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** A whole number within the declared range; `what` names the flag/input when it came from one. */
export function parseIntSetting(spec: IntSpec, raw: string | number, what = spec.name, max = spec.max): number {
  // Digits only: Number() would also take "0x1F", "1e2" or " ".
  const n = typeof raw === 'number' ? raw : /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < spec.min || n > max) throw badSetting({ ...spec, max }, String(raw), what);
  return n;
}

export function parseBoolSetting(spec: BoolSpec, raw: string, what = spec.name): boolean {
  const s = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
  throw badSetting(spec, raw, what);
}

export function parseEnumSetting<V extends string>(spec: EnumSpec<V>, raw: string, what = spec.name): V {
  const s = raw.trim().toLowerCase();
  const hit = spec.values.find((v) => v === s);
  if (hit === undefined) throw badSetting(spec, raw, what);
  return hit;
}

// ---- Tuning settings: read by one command each, parsed when first read ----
//
// Parsed lazily so a bad value fails the command that uses it, as before they were declared
// here: a typo in PGKEEP_ZSTD_WORKERS must not stop archive_command (wal-push) on the server.
// `pgkeep config` parses every one of them and reports each bad value.

type SpecValue<S> = S extends IntSpec ? number : S extends BoolSpec ? boolean : S extends EnumSpec<infer V> ? V : string;
type Optional<S> = S extends { default: unknown } ? never : undefined;

export const TUNING = {
  compressAt: SETTINGS.PGKEEP_COMPRESS_AT,
  zstdWorkers: SETTINGS.PGKEEP_ZSTD_WORKERS,
  maxRateKb: SETTINGS.PGKEEP_MAX_RATE_KB,
  walWaitSeconds: SETTINGS.PGKEEP_WAL_WAIT_SECONDS,
  walPushParallel: SETTINGS.PGKEEP_WAL_PUSH_PARALLEL,
  walPrefetch: SETTINGS.PGKEEP_WAL_PREFETCH,
  walFetchParallel: SETTINGS.PGKEEP_WAL_FETCH_PARALLEL,
  restoreStageSegments: SETTINGS.PGKEEP_RESTORE_STAGE_SEGMENTS,
  noZstdCli: SETTINGS.PGKEEP_NO_ZSTD_CLI,
  nodePath: SETTINGS.PGKEEP_NODE_PATH,
  cliPath: SETTINGS.PGKEEP_CLI_PATH,
  restoreArchiveMode: SETTINGS.PGKEEP_RESTORE_ARCHIVE_MODE,
  debug: SETTINGS.PGKEEP_DEBUG,
} as const;

/** Typed tuning settings (Config.settings); undefined where the declaration has no default. */
export type TuningSettings = { readonly [K in keyof typeof TUNING]: SpecValue<(typeof TUNING)[K]> | Optional<(typeof TUNING)[K]> };

/** One setting from the environment: its default when unset; a clear error naming it when bad. */
export function readSetting(spec: SettingSpec, env: Env): unknown {
  const raw = rawSetting(env, spec.name);
  if (raw === undefined) return 'default' in spec ? spec.default : undefined;
  switch (spec.kind) {
    case 'int':
      return parseIntSetting(spec, raw);
    case 'bool':
      return parseBoolSetting(spec, raw);
    case 'enum':
      return parseEnumSetting(spec, raw);
    default:
      return raw;
  }
}

export function tuningSettings(env: Env): TuningSettings {
  const out: Record<string, unknown> = {};
  const cache = new Map<string, unknown>();
  for (const [key, spec] of Object.entries(TUNING))
    Object.defineProperty(out, key, {
      enumerable: true,
      get() {
        if (!cache.has(key)) cache.set(key, readSetting(spec, env));
        return cache.get(key);
      },
    });
  return out as TuningSettings;
}

/**
 * Full-backup compression threads: PGKEEP_ZSTD_WORKERS or, unset, min(4, CPUs) on the runner
 * and 0 (inline) in the walsender. The runner needs at least one worker to compress at all.
 */
export function zstdWorkersFor(s: Pick<TuningSettings, 'zstdWorkers'>, at: 'client' | 'server', cpus: number): number {
  const w = s.zstdWorkers;
  if (w === undefined) return at === 'client' ? Math.min(4, cpus) : 0;
  if (at === 'client' && w < 1) throw badSetting({ ...SETTINGS.PGKEEP_ZSTD_WORKERS, min: 1 }, String(w));
  return w;
}

/**
 * PGKEEP_DEBUG for the logger and the error printers, which run before (or without) a Config:
 * never throws, a bad value is just "off" (a log switch must not be what fails a run).
 */
export function debugEnabled(env: Env = process.env): boolean {
  try {
    return readSetting(SETTINGS.PGKEEP_DEBUG, env) === true;
  } catch {
    return false;
  }
}

/**
 * Repository variables and secrets the shipped workflows read (`vars.*`, `secrets.*`) and pass on
 * as inputs; pgkeep itself never reads them, so they are not settings (README: setup section).
 */
export const WORKFLOW_VARIABLES = ['PGKEEP_CLUSTERS', 'PGKEEP_RUNNER_LABELS', 'PGKEEP_MAX_AGE_HOURS', 'PGKEEP_WEBHOOK_URL'] as const;
