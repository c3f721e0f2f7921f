// s3:// repository on AWS S3 or any S3-protocol server (MinIO, SeaweedFS, Ceph RGW, s3rver).
// Writes stream through lib-storage's multipart Upload: at most partSize × (queueSize + 1) bytes
// are held, whatever the object size; a failed upload is aborted so no partial object appears
// (S3 only shows an object once CompleteMultipartUpload succeeds).
// Checksums are sent/validated only when the API requires them (WHEN_REQUIRED): the SDK's
// default CRC32 trailers are rejected by several S3-compatible servers. A copy with Object Lock
// (`?object-lock=…&lock-days=N`) is the exception: AWS refuses a PUT carrying retention without
// Content-MD5 or an x-amz-checksum-* header, so its writes name ChecksumAlgorithm explicitly
// (lib-storage repeats the params on every UploadPart, and its parts are Buffers, so the SDK
// sends a plain header, not a trailer).
import { Readable, Transform } from 'node:stream';
import {
  ChecksumAlgorithm,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type GetObjectCommandOutput,
  type ObjectLockMode,
  type PutObjectCommandInput,
  type ServerSideEncryption,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Settings } from '../config/config.js';
import type { S3RepoLocation } from '../config/repo-url.js';
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';
import { redact, registerSecret } from '../util/redact.js';
import type { ObjectInfo, PutOptions, Store } from './store.js';

const MiB = 1024 * 1024;
/**
 * Keys that never get retention on a locked copy: the repository layout's LOCKS_PREFIX (src/repo
 * sits above this layer). A lock is a lease rewritten every 30 s and deleted on release; locked,
 * each renewal would leave a version nobody can remove for lock-days, and a lock that cannot be
 * deleted blocks the next backup until its lease runs out.
 */
export const UNLOCKED_PREFIXES = ['locks/'];
/** The checksum sent with every write to a locked copy (AWS requires one; CRC32 is the cheapest). */
export const LOCKED_CHECKSUM = ChecksumAlgorithm.CRC32;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

export class S3Store implements Store {
  readonly description: string;
  /** Exposed so tests can observe requests (middleware) and read what the server stored. */
  readonly client: S3Client;
  private readonly endpoint: string;

  constructor(readonly loc: S3RepoLocation, readonly settings: S3Settings) {
    this.description = `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
    const endpoint = loc.endpoint ?? settings.endpoint;
    const region = loc.region ?? settings.region ?? 'us-east-1';
    this.endpoint = endpoint ? redact(endpoint) : `AWS S3 (${region})`;
    registerSecret(settings.credentials?.secretAccessKey);
    registerSecret(settings.credentials?.sessionToken);
    this.client = new S3Client({
      region,
      ...(endpoint ? { endpoint } : {}),
      forcePathStyle: loc.forcePathStyle ?? settings.forcePathStyle,
      // A per-copy profile wins over the environment's keys: each copy can have its own.
      ...(loc.profile ? { profile: loc.profile } : settings.credentials ? { credentials: settings.credentials } : settings.profile ? { profile: settings.profile } : {}),
      // Standard mode: exponential backoff with jitter on 5xx, throttling and transient network
      // errors. (Adaptive adds client-side rate limiting, which only helps many writers per client.)
      maxAttempts: settings.maxAttempts,
      retryMode: 'standard',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      followRegionRedirects: true,
      // A socket idle for idleTimeoutMs fails the request with a TimeoutError, which the standard
      // retry strategy retries: a hung endpoint must not hold archive_command (and the WAL piling
      // up in pg_wal) forever. A GET body that pauses longer under back-pressure (pg_restore
      // building an index) is cut too, and get() resumes it with a ranged GET from the byte reached.
      requestHandler: { connectionTimeout: 10_000, socketTimeout: settings.idleTimeoutMs ?? 120_000 },
    });
  }

  private full(key: string): string {
    if (!key || key.startsWith('/') || key.split('/').includes('..'))
      throw new PgkeepError('bad-key', `Invalid object key "${key}".`);
    return this.loc.prefix ? `${this.loc.prefix}/${key}` : key;
  }

  /**
   * The PutObject input for a key: per-copy storage class and encryption ride on every write, and
   * on a locked copy the retention (until `now` + lock-days) with the checksum AWS demands for it.
   */
  putInput(key: string, body: Readable | undefined, opts: PutOptions = {}, now = new Date()): PutObjectCommandInput {
    const lock = this.loc.objectLock;
    const locked = lock && !UNLOCKED_PREFIXES.some((p) => key.startsWith(p));
    return {
      Bucket: this.loc.bucket,
      Key: this.full(key),
      Body: body,
      ...(this.loc.storageClass ? { StorageClass: this.loc.storageClass as StorageClass } : {}),
      ...(this.loc.sse ? { ServerSideEncryption: this.loc.sse as ServerSideEncryption } : {}),
      ...(this.loc.sseKmsKeyId ? { SSEKMSKeyId: this.loc.sseKmsKeyId } : {}),
      ...(opts.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
      ...(locked
        ? {
            ObjectLockMode: lock.mode as ObjectLockMode,
            // Whole seconds, rounded up: the header's precision on every server, never a moment short.
            ObjectLockRetainUntilDate: new Date(Math.ceil((now.getTime() + lock.days * 86400_000) / 1000) * 1000),
            ChecksumAlgorithm: LOCKED_CHECKSUM,
          }
        : {}),
    };
  }

  async put(key: string, body: Readable, opts: PutOptions = {}): Promise<{ bytes: number }> {
    const input = this.putInput(key, undefined, opts);
    if (opts.ifNoneMatch) {
      // Conditional writes (If-None-Match: *) close the race on AWS, MinIO and Ceph; servers that
      // ignore the header (s3rver, older gateways) are still caught by this look-up, leaving only a
      // window between HEAD and the write where two concurrent writers of one key both succeed.
      const existing = await this.head(key).catch((e: unknown) => {
        body.destroy();
        throw e;
      });
      if (existing) {
        body.destroy();
        throw existsError(key, this.description);
      }
    }
    if (body.destroyed) {
      if (body.errored) throw body.errored;
      throw new PgkeepError('source-closed', `The data for ${key} was closed before it was read; nothing was written to ${this.description}.`);
    }
    let bytes = 0;
    let sourceError: Error | undefined;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    body.on('error', (e) => {
      sourceError ??= e;
      counter.destroy(e);
    });
    // A source destroyed without an error must not look like a complete object (pipe() would
    // simply stall, leaving the upload waiting forever).
    body.once('close', () => {
      if (body.readableEnded || sourceError) return;
      sourceError = new PgkeepError('source-closed', `The data for ${key} stopped before its end; nothing was written to ${this.description}.`);
      counter.destroy(sourceError);
    });
    body.pipe(counter);
    const upload = new Upload({
      client: this.client,
      params: { ...input, Body: counter },
      partSize: this.settings.partSizeMiB * MiB,
      queueSize: this.settings.queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      return { bytes };
    } catch (e) {
      body.unpipe(counter);
      body.destroy();
      counter.destroy();
      if (sourceError) {
        // lib-storage re-throws the source error once the multipart upload is aborted; any other
        // error here is the abort itself failing (s3rver, for one, does not implement it).
        if (e !== sourceError)
          log.warn(`could not abort the multipart upload of ${key} in ${this.description} (${describeSdkError(e)}); its parts stay until a lifecycle rule removes them`);
        throw sourceError;
      }
      if (status(e) === 412 || errName(e) === 'PreconditionFailed') throw existsError(key, this.description);
      if (/Exceeded \d+ parts/.test((e as Error)?.message ?? ''))
        throw new PgkeepError(
          'too-large',
          `Writing ${key} to ${this.description} failed: the object needs more than 10000 parts of ${this.settings.partSizeMiB} MiB.`,
          'Raise PGKEEP_S3_PART_SIZE_MIB (up to 512, i.e. objects up to 5 TiB); memory use grows with it.',
        );
      throw this.mapError(e, `Writing ${key} to`);
    }
  }

  /**
   * Streams the object. A connection that breaks mid-body (multi-GB restores over the internet)
   * is resumed with a ranged GET from the byte reached, pinned to the same version by its ETag,
   * up to maxAttempts times in a row; the SDK's own retries cover only the request itself.
   */
  async get(key: string): Promise<Readable> {
    const Bucket = this.loc.bucket;
    const Key = this.full(key);
    let first: GetObjectCommandOutput;
    try {
      first = await this.client.send(new GetObjectCommand({ Bucket, Key }));
    } catch (e) {
      if (isMissing(e)) throw new PgkeepError('not-found', `Object ${key} not found in ${this.description}.`);
      throw this.mapError(e, `Reading ${key} from`);
    }
    const etag = first.ETag;
    const total = first.ContentLength;
    const maxAttempts = this.settings.maxAttempts;
    const self = this;
    async function* resume(): AsyncGenerator<Buffer> {
      let body = first.Body as Readable;
      let offset = 0;
      let failures = 0;
      // Bytes arrived since the last (re)start: an idle cut then means the reader paused.
      let progressed = false;
      try {
        for (;;) {
          try {
            for await (const chunk of body) {
              offset += (chunk as Buffer).length;
              failures = 0;
              progressed = true;
              yield chunk as Buffer;
            }
            if (total === undefined || offset >= total) return;
            throw Object.assign(new Error(`connection closed after ${offset} of ${total} bytes`), { code: 'ECONNRESET' });
          } catch (e) {
            body.destroy();
            const idle = errName(e) === 'TimeoutError';
            if (!idle && !networkCode(e) && !/aborted|premature|socket hang up/i.test((e as Error)?.message ?? '')) throw e;
            // An idle cut after progress (the reader paused) costs no attempt; one without progress does.
            if (!(idle && progressed) && ++failures >= maxAttempts)
              throw new PgkeepError(
                'repo-unreachable',
                `Reading ${key} from ${self.description} failed: the connection broke at byte ${offset}${total !== undefined ? ` of ${total}` : ''} ${failures} time(s) in a row (${networkCode(e) ?? (e as Error).message}).`,
                'Check the network path to the S3 endpoint; raise PGKEEP_S3_MAX_ATTEMPTS for a flaky link.',
              );
            progressed = false;
            await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** failures, 5_000) * (0.5 + Math.random())));
            try {
              const r = await self.client.send(
                new GetObjectCommand({ Bucket, Key, Range: `bytes=${offset}-`, ...(etag ? { IfMatch: etag } : {}) }),
              );
              body = r.Body as Readable;
            } catch (e2) {
              if (status(e2) === 412)
                throw new PgkeepError('changed', `Object ${key} in ${self.description} was replaced while it was being read.`, 'Run the command again.');
              throw self.mapError(e2, `Reading ${key} from`);
            }
          }
        }
      } finally {
        body.destroy();
      }
    }
    return Readable.from(resume(), { objectMode: false, highWaterMark: 1 << 20 });
  }

  /**
   * A suffix range GET: one request for the object's last bytes. A server that does not take
   * suffix ranges (s3rver reads `bytes=-N` as `bytes=0-N`) is asked again with the explicit
   * range its Content-Range total allows; bytes from anywhere but the end are never returned.
   */
  async readTail(key: string, bytes: number): Promise<Buffer> {
    const ask = async (Range: string) => {
      try {
        const r = await this.client.send(new GetObjectCommand({ Bucket: this.loc.bucket, Key: this.full(key), Range }));
        const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(r.ContentRange ?? '');
        return { body: Buffer.from(await r.Body!.transformToByteArray()), range: m ? { start: +m[1], end: +m[2], total: +m[3] } : undefined };
      } catch (e) {
        if (isMissing(e)) throw new PgkeepError('not-found', `Object ${key} not found in ${this.description}.`);
        // An empty object has no range to satisfy (416): its tail is empty.
        if (status(e) === 416) return { body: Buffer.alloc(0), range: { start: 0, end: -1, total: 0 } };
        throw this.mapError(e, `Reading ${key} from`);
      }
    };
    const first = await ask(`bytes=-${bytes}`);
    const r = first.range;
    // No Content-Range: the server sent the whole object (a 200); keep its end.
    if (!r) return first.body.subarray(Math.max(0, first.body.length - bytes));
    if (r.end === r.total - 1 && first.body.length === r.end - r.start + 1) return first.body;
    const start = Math.max(0, r.total - bytes);
    const again = await ask(`bytes=${start}-${r.total - 1}`);
    if (!again.range || again.range.start !== start || again.range.end !== r.total - 1)
      throw new PgkeepError('read-failed', `${this.description} did not return the requested range of ${key}.`);
    return again.body;
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.loc.bucket, Key: this.full(key) }));
      return {
        key,
        size: r.ContentLength ?? 0,
        ...(r.LastModified ? { modified: r.LastModified.toISOString() } : {}),
        // Present only where the caller may read retention (s3:GetObjectRetention / GetObjectLegalHold).
        ...(r.ObjectLockRetainUntilDate ? { retainUntil: r.ObjectLockRetainUntilDate.toISOString() } : {}),
        ...(r.ObjectLockLegalHoldStatus === 'ON' ? { legalHold: true } : {}),
      };
    } catch (e) {
      if (isMissing(e)) return null;
      throw this.mapError(e, `Looking up ${key} in`);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const base = this.loc.prefix ? `${this.loc.prefix}/` : '';
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    try {
      do {
        const r = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.loc.bucket, Prefix: base + prefix, ContinuationToken: token }),
        );
        for (const o of r.Contents ?? []) {
          if (!o.Key?.startsWith(base)) continue;
          out.push({ key: o.Key.slice(base.length), size: o.Size ?? 0, ...(o.LastModified ? { modified: o.LastModified.toISOString() } : {}) });
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw this.mapError(e, `Listing ${prefix || 'objects'} in`);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.loc.bucket, Key: this.full(key) }));
    } catch (e) {
      if (isMissing(e)) return;
      throw this.mapError(e, `Deleting ${key} from`);
    }
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.loc.bucket }));
    } catch (e) {
      const s = status(e);
      if (s === 404 || ['NotFound', 'NoSuchBucket'].includes(errName(e)))
        throw new PgkeepError(
          'repo-unreachable',
          `Bucket "${this.loc.bucket}" does not exist at ${this.endpoint} (repository ${this.description}).`,
          `Create the bucket (e.g. aws s3 mb s3://${this.loc.bucket}) or fix PGKEEP_REPO.`,
        );
      throw this.mapError(e, 'Checking');
    }
  }

  /** One sentence naming what failed and where; never credentials (messages pass through redact). */
  private mapError(e: unknown, what: string): unknown {
    if (e instanceof PgkeepError) return e;
    const where = `${what} ${this.description}`;
    const s = status(e);
    const name = errName(e);
    const net = networkCode(e);
    if (net || name === 'TimeoutError')
      return new PgkeepError(
        'repo-unreachable',
        `${where} failed: the S3 endpoint ${this.endpoint} is unreachable (${net ?? 'connection timed out'}) after ${this.settings.maxAttempts} attempt(s).`,
        'Check AWS_ENDPOINT_URL_S3 (or the endpoint= option in PGKEEP_REPO) and the network path to it.',
      );
    if (name === 'CredentialsProviderError' || /could not load credentials/i.test((e as Error)?.message ?? ''))
      return new PgkeepError(
        'repo-unreachable',
        `${where} failed: no AWS credentials were found.`,
        'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with an instance role.',
      );
    if (s === 403 || ['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden'].includes(name))
      return new PgkeepError(
        'repo-unreachable',
        `${where} failed: access to bucket "${this.loc.bucket}" was denied (${name || 'HTTP 403'}).`,
        'Check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or the profile/role) and the bucket policy.',
      );
    if (s === 404 || name === 'NoSuchBucket')
      return new PgkeepError(
        'repo-unreachable',
        `${where} failed: bucket "${this.loc.bucket}" does not exist at ${this.endpoint}.`,
        `Create the bucket (e.g. aws s3 mb s3://${this.loc.bucket}) or fix PGKEEP_REPO.`,
      );
    if (s === 301 || name === 'PermanentRedirect')
      return new PgkeepError(
        'repo-unreachable',
        `${where} failed: bucket "${this.loc.bucket}" is in another region than ${this.loc.region ?? this.settings.region ?? 'us-east-1'}.`,
        'Set AWS_REGION (or region= in PGKEEP_REPO) to the bucket\'s region.',
      );
    return new PgkeepError('s3-error', `${where} failed: ${describeSdkError(e)}.`);
  }
}

function existsError(key: string, where: string): PgkeepError {
  return new PgkeepError('exists', `Object ${key} already exists in ${where}.`);
}

function status(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function errName(e: unknown): string {
  const x = e as { name?: string; Code?: string };
  return x?.Code ?? x?.name ?? '';
}

/** The object is missing (a missing bucket is not: that is a configuration error to report). */
function isMissing(e: unknown): boolean {
  return errName(e) !== 'NoSuchBucket' && (status(e) === 404 || ['NoSuchKey', 'NotFound'].includes(errName(e)));
}

function networkCode(e: unknown): string | undefined {
  for (let x = e as { code?: string; errors?: { code?: string }[]; cause?: unknown } | undefined, i = 0; x && i < 4; i++) {
    const code = x.code ?? x.errors?.find((y) => y?.code)?.code;
    if (code && NETWORK_CODES.has(code)) return code;
    x = x.cause as typeof x;
  }
  return undefined;
}

/** "SlowDown (HTTP 503): Please reduce your request rate" — code, status, the server's words; redacted. */
function describeSdkError(e: unknown): string {
  const s = status(e);
  let name = errName(e);
  const msg = ((e as Error)?.message ?? String(e)).split('\n')[0].slice(0, 200).replace(/\.$/, '');
  // HEAD answers carry no body: the SDK only knows the status then.
  if (['Unknown', 'UnknownError', 'Error', ''].includes(name)) name = '';
  if (!name && s) return `the server answered HTTP ${s}`;
  const head = [name, s ? `(HTTP ${s})` : ''].filter(Boolean).join(' ');
  return redact(head && msg && msg !== name && msg !== 'UnknownError' ? `${head}: ${msg}` : head || msg);
}
