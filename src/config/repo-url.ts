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
  url: string;
}
export type RepoLocation = FileRepoLocation | S3RepoLocation;

const S3_OPTIONS = new Set(['storage-class', 'sse', 'sse-kms-key-id', 'endpoint', 'region', 'force-path-style']);
const STORAGE_CLASSES = new Set([
  'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'EXPRESS_ONEZONE',
]);

function bad(raw: string, why: string): PgkeepError {
  return new PgkeepError(
    'bad-config',
    `PGKEEP_REPO entry "${raw}" is not valid: ${why}.`,
    'Use file:///absolute/path or s3://bucket/prefix (optionally ?storage-class=STANDARD_IA&sse=aws:kms), comma-separated for several copies.',
  );
}

export function parseRepoUrl(raw: string): RepoLocation {
  const s = raw.trim();
  if (s.startsWith('file://')) {
    const p = decodeURIComponent(s.slice('file://'.length)).replace(/\/+$/, '') || '/';
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
    if (u.username || u.password) throw bad(redactUserinfo(s), 'credentials must not be put in the URL; use the AWS variables or a profile');
    const bucket = u.hostname;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw bad(s, `"${bucket}" is not a valid bucket name`);
    const prefix = decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '');
    const loc: S3RepoLocation = { kind: 's3', bucket, prefix, url: s };
    for (const [k, v] of u.searchParams) {
      if (!S3_OPTIONS.has(k)) throw bad(s, `unknown option "${k}" (known: ${[...S3_OPTIONS].join(', ')})`);
      if (k === 'storage-class') {
        if (!STORAGE_CLASSES.has(v)) throw bad(s, `unknown storage class "${v}"`);
        loc.storageClass = v;
      } else if (k === 'sse') {
        if (v !== 'AES256' && v !== 'aws:kms' && v !== 'aws:kms:dsse') throw bad(s, `sse must be AES256 or aws:kms, not "${v}"`);
        loc.sse = v;
      } else if (k === 'sse-kms-key-id') loc.sseKmsKeyId = v;
      else if (k === 'endpoint') loc.endpoint = v;
      else if (k === 'region') loc.region = v;
      else if (k === 'force-path-style') loc.forcePathStyle = v === 'true' || v === '1';
    }
    return loc;
  }
  throw bad(redactUserinfo(s), 'it must start with file:// or s3://');
}

export function parseRepoList(raw: string): RepoLocation[] {
  const parts = raw.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw bad(raw, 'it is empty');
  return parts.map(parseRepoUrl);
}

function redactUserinfo(s: string): string {
  return s.replace(/\/\/[^/@]*@/, '//***@');
}
