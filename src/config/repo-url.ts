// PGKEEP_REPO parsing: `file:///abs/path`, `s3://bucket/prefix?storage-class=…&sse=…`,
// or a comma-separated list of those (every copy is written, reads use the first that has it).
import { PgkeepError } from '../util/errors.js';

export interface FileRepoLocation {
  kind: 'file';
  path: string;
  url: string;
}
export interface S3RepoLocation {
  kind: 's3';
  bucket: string;
  prefix: string;
  storageClass?: string;
  sse?: string;
  sseKmsKeyId?: string;
  /** Per-copy endpoint override (e.g. local MinIO beside AWS). */
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  /** AWS profile for this copy only (overrides the environment's keys and AWS_PROFILE). */
  profile?: string;
  /**
   * S3 Object Lock for this copy: every object pgkeep writes here (lock files excepted) carries
   * this retention mode and a retain-until date `days` days after the write.
   */
  objectLock?: ObjectLockSetting;
  url: string;
}
export interface ObjectLockSetting {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  days: number;
}
export type RepoLocation = FileRepoLocation | S3RepoLocation;

const S3_OPTIONS = new Set(['storage-class', 'sse', 'sse-kms-key-id', 'endpoint', 'region', 'force-path-style', 'profile', 'object-lock', 'lock-days']);
/** S3 caps a retention period at 100 years; a longer one is surely a typo. */
export const MAX_LOCK_DAYS = 36500;
const STORAGE_CLASSES = new Set([
  'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'EXPRESS_ONEZONE',
]);

function bad(raw: string, why: string): PgkeepError {
  return new PgkeepError(
    'bad-config',
    `PGKEEP_REPO entry "${redactUserinfo(raw)}" is not valid: ${why}.`,
    'Use file:///absolute/path or s3://bucket/prefix (optionally ?storage-class=STANDARD_IA&sse=aws:kms, or ?object-lock=compliance&lock-days=35 on a bucket created with Object Lock), comma-separated for several copies.',
  );
}

export function parseRepoUrl(raw: string): RepoLocation {
  const s = raw.trim();
  if (s.startsWith('file://')) {
    let p: string;
    try {
      p = decodeURIComponent(s.slice('file://'.length)).replace(/\/+$/, '') || '/';
    } catch {
      throw bad(s, 'it has a malformed %-escape');
    }
    if (!p.startsWith('/')) throw bad(s, 'a file repository needs an absolute path (three slashes: file:///path)');
    return { kind: 'file', path: p, url: s };
  }
  if (s.startsWith('s3://')) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw bad(s, 'it is not a URL');
    }
    if (u.username || u.password) throw bad(s, 'credentials must not be put in the URL; use the AWS variables or a profile');
    const bucket = u.hostname;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw bad(s, `"${bucket}" is not a valid bucket name`);
    let prefix: string;
    try {
      prefix = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
    } catch {
      throw bad(s, 'it has a malformed %-escape');
    }
    if (prefix && prefix.split('/').some((seg) => seg === '..' || seg === '.' || seg === ''))
      throw bad(s, `the prefix "${prefix}" has an empty, "." or ".." segment`);
    const loc: S3RepoLocation = { kind: 's3', bucket, prefix, url: s };
    let lockMode: string | undefined;
    let lockDays: number | undefined;
    for (const [k, v] of u.searchParams) {
      if (!S3_OPTIONS.has(k)) throw bad(s, `unknown option "${k}" (known: ${[...S3_OPTIONS].join(', ')})`);
      if (k === 'storage-class') {
        if (!STORAGE_CLASSES.has(v)) throw bad(s, `unknown storage class "${v}"`);
        loc.storageClass = v;
      } else if (k === 'sse') {
        if (v !== 'AES256' && v !== 'aws:kms' && v !== 'aws:kms:dsse') throw bad(s, `sse must be AES256 or aws:kms, not "${v}"`);
        loc.sse = v;
      } else if (k === 'sse-kms-key-id') {
        if (!v) throw bad(s, 'sse-kms-key-id is empty');
        loc.sseKmsKeyId = v;
      } else if (k === 'endpoint') {
        if (!isHttpUrl(v)) throw bad(s, `endpoint must be an http:// or https:// URL, not "${v}"`);
        if (urlHasCredentials(v)) throw bad(s, ENDPOINT_CREDENTIALS);
        loc.endpoint = v;
      } else if (k === 'region') {
        if (!/^[a-z0-9-]+$/.test(v)) throw bad(s, `"${v}" is not a region name`);
        loc.region = v;
      } else if (k === 'profile') {
        // Per-copy credentials (local MinIO and AWS offsite have different keys): a named
        // profile of ~/.aws/credentials; the keys themselves never go into the URL.
        if (!/^[A-Za-z0-9_.+-]+$/.test(v)) throw bad(s, `"${v}" is not a profile name`);
        loc.profile = v;
      } else if (k === 'force-path-style') {
        if (!['true', '1', 'false', '0'].includes(v)) throw bad(s, `force-path-style must be true or false, not "${v}"`);
        loc.forcePathStyle = v === 'true' || v === '1';
      } else if (k === 'object-lock') {
        if (v !== 'governance' && v !== 'compliance') throw bad(s, `object-lock must be governance or compliance, not "${v}"`);
        lockMode = v;
      } else if (k === 'lock-days') {
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_LOCK_DAYS) throw bad(s, `lock-days must be a whole number of days from 1 to ${MAX_LOCK_DAYS}, not "${v}"`);
        lockDays = Number(v);
      }
    }
    // Both or neither: a mode without a period locks nothing, a period without a mode is ambiguous
    // (governance can be lifted by whoever holds s3:BypassGovernanceRetention, compliance by nobody).
    if (lockMode && lockDays === undefined) throw bad(s, `object-lock=${lockMode} needs lock-days=N (how long each object stays undeletable)`);
    if (lockDays !== undefined && !lockMode) throw bad(s, 'lock-days needs object-lock=governance or object-lock=compliance');
    if (lockMode && lockDays !== undefined) loc.objectLock = { mode: lockMode === 'governance' ? 'GOVERNANCE' : 'COMPLIANCE', days: lockDays };
    // A KMS key only means something with KMS encryption: imply it, refuse a contradiction.
    if (loc.sseKmsKeyId) {
      if (loc.sse === 'AES256') throw bad(s, 'sse-kms-key-id needs sse=aws:kms, not AES256');
      loc.sse ??= 'aws:kms';
    }
    return loc;
  }
  throw bad(s, 'it must start with file:// or s3://');
}

/**
 * Every copy of `raw`, each with `/<cluster>` appended to its path when a cluster is given (a
 * fleet shares one PGKEEP_REPO: each cluster gets its own prefix of every copy, and each copy
 * keeps its own options). `cluster` must have passed clusterName().
 */
export function parseRepoList(raw: string, cluster?: string): RepoLocation[] {
  const parts = raw.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw bad(raw, 'it is empty');
  if (cluster)
    for (const p of parts) {
      const base = parseRepoUrl(p);
      const last = (base.kind === 'file' ? base.path : base.prefix).split('/').pop();
      // Workflows written before PGKEEP_CLUSTER appended /<cluster> themselves; with the cluster
      // given too, <repo>/<cluster>/<cluster> would be a new, empty repository beside the real one.
      if (last === cluster)
        throw new PgkeepError(
          'bad-config',
          `PGKEEP_REPO entry "${redactUserinfo(base.url)}" already ends in "/${cluster}", and the cluster "${cluster}" would be appended again.`,
          `pgkeep appends the cluster to every copy itself: set PGKEEP_REPO to the fleet's root (without /${cluster}) and pass the cluster as PGKEEP_CLUSTER / --cluster / the cluster input, or give the whole location with --repo / the repo input and no cluster.`,
        );
    }
  const locs = parts.map((p) => parseRepoUrl(cluster ? withClusterPath(p, cluster) : p));
  // The same place twice would be written twice concurrently and count as two copies.
  const seen = new Set<string>();
  for (const l of locs) {
    const id = l.kind === 'file' ? `file:${l.path}` : `s3:${l.endpoint ?? ''}:${l.bucket}/${l.prefix}`;
    if (seen.has(id)) throw bad(l.url, 'the same location is listed twice');
    seen.add(id);
  }
  return locs;
}

/**
 * One copy's URL with `/<cluster>` appended to its path, as a string, so that it re-parses
 * through parseRepoUrl and its %-escapes and options are kept byte for byte. A file:// URL
 * has no query (everything after file:// is the path); an s3:// URL keeps its ?options.
 * Anything else is returned unchanged for parseRepoUrl to refuse with its own message.
 */
export function withClusterPath(url: string, cluster: string): string {
  const s = url.trim();
  if (s.startsWith('file://')) return `file://${s.slice('file://'.length).replace(/\/+$/, '')}/${cluster}`;
  if (s.startsWith('s3://')) {
    const q = s.search(/[?#]/);
    const [base, tail] = q < 0 ? [s, ''] : [s.slice(0, q), s.slice(q)];
    const rest = base.slice('s3://'.length);
    // s3://bucket (no prefix) becomes s3://bucket/<cluster>; trailing slashes never double.
    return `s3://${rest.replace(/\/+$/, '')}/${cluster}${tail}`;
  }
  return s;
}

/**
 * A fleet's cluster name becomes one path segment of every copy and the status folder:
 * letters, digits, dot, dash, underscore; starting with a letter or digit; no "..".
 */
export function clusterName(value: string, source: string): string {
  const v = value.trim();
  let why: string | undefined;
  if (v.includes('/') || v.includes('\\')) why = 'it must be one path segment, without slashes';
  else if (v.includes('..')) why = 'it must not contain ".."';
  else if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(v)) why = 'use 1 to 63 letters, digits, dots, dashes or underscores, starting with a letter or digit';
  if (why)
    throw new PgkeepError(
      'bad-config',
      `Cluster name "${v}" (${source}) is not valid: ${why}.`,
      'The cluster name is appended to the path of every copy in PGKEEP_REPO (s3://bucket/prod → s3://bucket/prod/<cluster>); use e.g. db1 or orders-eu.',
    );
  return v;
}

/**
 * An S3 endpoint travels into restore_command (postgresql.auto.conf, the server's process list)
 * percent-encoded in the --repo URL, where redaction cannot see a password: never accept one.
 */
export const ENDPOINT_CREDENTIALS = 'endpoint must not carry credentials (user:password@); S3 authenticates with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile';

export function urlHasCredentials(v: string): boolean {
  try {
    const u = new URL(v);
    return u.username !== '' || u.password !== '';
  } catch {
    return false;
  }
}

/** http(s) URL with a host: what an S3 endpoint must look like ("localhost:9000" parses as a scheme). */
export function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !!u.hostname;
  } catch {
    return false;
  }
}

function redactUserinfo(s: string): string {
  // Also an endpoint= option carrying credentials, plain or percent-encoded (%3A, %40).
  return s.replace(/\/\/[^/@?]*@/, '//***@').replace(/([?&]endpoint=)([^&]*)/gi, (m, key: string, v: string) => {
    let decoded = v;
    try {
      decoded = decodeURIComponent(v);
    } catch {
      /* keep the raw value */
    }
    return urlHasCredentials(decoded) || /@/.test(decoded) ? `${key}***` : m;
  });
}
