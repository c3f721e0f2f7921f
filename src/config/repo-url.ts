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
  url: string;
}
export type RepoLocation = FileRepoLocation | S3RepoLocation;

const S3_OPTIONS = new Set(['storage-class', 'sse', 'sse-kms-key-id', 'endpoint', 'region', 'force-path-style', 'profile']);
const STORAGE_CLASSES = new Set([
  'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'EXPRESS_ONEZONE',
]);

function bad(raw: string, why: string): PgkeepError {
  return new PgkeepError(
    'bad-config',
    `PGKEEP_REPO entry "${redactUserinfo(raw)}" is not valid: ${why}.`,
    'Use file:///absolute/path or s3://bucket/prefix (optionally ?storage-class=STANDARD_IA&sse=aws:kms), comma-separated for several copies.',
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
      }
    }
    // A KMS key only means something with KMS encryption: imply it, refuse a contradiction.
    if (loc.sseKmsKeyId) {
      if (loc.sse === 'AES256') throw bad(s, 'sse-kms-key-id needs sse=aws:kms, not AES256');
      loc.sse ??= 'aws:kms';
    }
    return loc;
  }
  throw bad(s, 'it must start with file:// or s3://');
}

export function parseRepoList(raw: string): RepoLocation[] {
  const parts = raw.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw bad(raw, 'it is empty');
  const locs = parts.map(parseRepoUrl);
  // The same place twice would be written twice concurrently and count as two copies.
  const seen = new Set<string>();
  for (const l of locs) {
    const id = l.kind === 'file' ? `file:${l.path}` : `s3:${l.endpoint ?? ''}:${l.bucket}/${l.prefix}`;
    if (seen.has(id)) throw bad(l.url, 'the same location is listed twice');
    seen.add(id);
  }
  return locs;
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
  return s.replace(/\/\/[^/@]*@/, '//***@');
}
