// One WAL file (segment, .history, .backup, .partial) as a repository object: a single zstd
// frame with the content checksum flag, at walKey(name). The Store has no per-object metadata,
// so integrity is carried by the frame itself (zstd verifies its XXH64 checksum and refuses a
// truncated frame) plus, for segments, the decompressed size. Decoding goes through the
// frame-checking reader (util/zstd-frames.ts), never Node's stream decoder alone: that one
// stops after the first frame and drops what follows without a word (Node 24.21: a history
// object with bytes appended decoded "fine"); the reader decodes every frame, as `zstd -d`
// does, and refuses a cut frame, trailing bytes and an empty object. Objects are never overwritten:
// a second push of the same name compares SHA-256 of the content, first with the hash in the
// object's trailer (wal-trailer.ts: a skippable frame after the data), else of the decompressed copy.
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { Store } from '../storage/store.js';
import { withCopyFallback } from '../storage/read-fallback.js';
import { walKey, walKeyEncrypted } from '../repo/layout.js';
import { ageConfigured, ageDecryptStream, ageEncryptStream, ageRecipients, hasAgeIdentity, isAgeKey } from '../util/age.js';
import { log } from '../util/log.js';
import { PgkeepError } from '../util/errors.js';
import { ByteCounter, HashCounter } from '../util/streams.js';
import { MultiFrameZstdDecompress } from '../util/zstd-frames.js';
import { isPartialName, isSegmentName } from './segment.js';
import { LONG_HEADER_BYTES, parseSegmentHeader, segmentHeaderProblem } from './segment-header.js';
import { decodeWalTrailer, encodeWalTrailer, TRAILER_BYTES } from './wal-trailer.js';

/** WAL compresses ~3-6x even at level 1; higher levels cost archive latency under load. */
export const WAL_ZSTD_LEVEL = 1;

export function walCompressor(level = WAL_ZSTD_LEVEL): zlib.ZstdCompress {
  return zlib.createZstdCompress({
    // Output in 1 MiB chunks rather than 16 KiB: fewer trips through the stages behind it.
    chunkSize: 1 << 20,
    params: {
      [zlib.constants.ZSTD_c_compressionLevel]: level,
      [zlib.constants.ZSTD_c_checksumFlag]: 1,
    },
  });
}

export interface PushOutcome {
  name: string;
  /** stored: written now; identical: was already stored with the same content. */
  status: 'stored' | 'identical';
  rawBytes: number;
  bytes: number;
  sha256: string;
}

/**
 * SHA-256 and size of a local file. One reused buffer, no stream: an archived segment's re-push
 * is mostly this hash, and a read stream's fresh 1 MiB buffer per chunk (page faults, stream
 * bookkeeping) doubled its CPU time (measured 28 ms vs 15 ms for 16 MiB).
 */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const fh = await fsp.open(file, 'r');
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    return { sha256: hash.digest('hex'), bytes };
  } finally {
    await fh.close();
  }
}

/**
 * Open a stored WAL file in either form: `<name>.zst` or, encrypted, `<name>.zst.age`. The form
 * this host writes or can read is asked first, so an encrypted repository costs no extra request.
 */
export async function getStoredWal(store: Store, name: string): Promise<{ src: Readable; key: string }> {
  const keys = ageConfigured() ? [walKeyEncrypted(name), walKey(name)] : [walKey(name), walKeyEncrypted(name)];
  try {
    return { src: await store.get(keys[0]), key: keys[0] };
  } catch (e) {
    if (!(e instanceof PgkeepError && e.code === 'not-found')) throw e;
    return { src: await store.get(keys[1]), key: keys[1] };
  }
}

/** zstd (→ age) decoding stages for a stored WAL object; a missing identity throws here. */
function walDecoders(key: string, name: string): NodeJS.ReadWriteStream[] {
  return [...(isAgeKey(key) ? [ageDecryptStream(`WAL file ${name}`)] : []), new MultiFrameZstdDecompress(`WAL file ${name}`)];
}

/** SHA-256 and size of a stored WAL object's decompressed content (verifies the frame). */
export async function hashStoredWal(store: Store, name: string): Promise<{ sha256: string; bytes: number }> {
  const h = new HashCounter();
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  try {
    const { src, key } = await getStoredWal(store, name);
    await pipeline(src, ...(walDecoders(key, name) as [Transform]), h, sink);
  } catch (e) {
    throw storedCorrupt(e, name, store);
  }
  return { sha256: h.sha256, bytes: h.bytes };
}

/**
 * Push one local WAL file: compress + put with ifNoneMatch. When the name already exists,
 * succeed only if the stored content is byte-identical; otherwise fail loudly and leave the
 * stored copy alone.
 */
export async function pushWalFile(store: Store, file: string, name = path.basename(file)): Promise<PushOutcome> {
  // PGKEEP_AGE_RECIPIENTS: zstd → age, stored as <name>.zst.age (a bad value fails the push).
  const recipients = ageRecipients();
  const key = recipients ? walKeyEncrypted(name) : walKey(name);
  // Where asking is free (a file store), an archived segment (PostgreSQL retrying after a crash
  // between our push and its .done) is compared at once instead of compressed and fsynced as a
  // copy that link() then refuses. The put below still refuses an object written meanwhile.
  if (store.localHead && (await store.head(key))) return compareWithStored(store, file, name);
  const raw = new HashCounter();
  const stored = new ByteCounter();
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const enc = recipients ? [ageEncryptStream(recipients)] : [];
  // The raw content's SHA-256 goes after the data frame (wal-trailer.ts): a later re-push is
  // then compared by reading the object's last bytes instead of decompressing all of it.
  const trailer = new Transform({
    transform: (c, _e, cb) => cb(null, c),
    flush: (cb) => cb(null, encodeWalTrailer({ name, bytes: raw.bytes, sha256: raw.sha256 })),
  });
  const produce = pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), raw, walCompressor(), trailer, ...(enc as [Transform]), stored, out);
  const consume = store.put(key, out, { ifNoneMatch: true });
  // A store that fails before reading the whole body (a refused mkdir, a dead connection) would
  // leave the producer waiting on a full buffer forever: break it, the store's error wins below.
  consume.catch(() => out.destroy());
  const [p, c] = await Promise.allSettled([produce, consume]);
  // A store may refuse an existing key before reading the body (S3 If-None-Match), which
  // breaks our producer: the refusal is the real outcome.
  const exists = c.status === 'rejected' && c.reason instanceof PgkeepError && c.reason.code === 'exists';
  const localMissing = p.status === 'rejected' && (p.reason as NodeJS.ErrnoException).code === 'ENOENT' && (p.reason as NodeJS.ErrnoException).path === file;
  if (c.status === 'rejected' && !exists && !localMissing) throw c.reason;
  if (p.status === 'rejected' && !exists) {
    out.destroy();
    const code = (p.reason as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new PgkeepError('wal-missing-local', `WAL file ${file} does not exist.`, 'archive_command must pass %p (the path relative to the data directory).');
    throw p.reason;
  }
  if (c.status === 'fulfilled') return { name, status: 'stored', rawBytes: raw.bytes, bytes: stored.bytes, sha256: raw.sha256 };
  const err = c.reason;
  if (!(err instanceof PgkeepError && err.code === 'exists')) throw err;
  return compareWithStored(store, file, name, p.status === 'fulfilled' ? { sha256: raw.sha256, bytes: raw.bytes } : undefined);
}

/** An already stored `name` is success only when its content is byte-identical to `file`'s. */
async function compareWithStored(store: Store, file: string, name: string, local?: { sha256: string; bytes: number }): Promise<PushOutcome> {
  // An encrypted copy can be compared only where the identity is: a server that holds only the
  // public keys takes the stored copy as the same (PostgreSQL retries a segment after a crash
  // between our push and its .done; two clusters in one repository are refused by pgkeep.json).
  if (ageRecipients() && !hasAgeIdentity()) {
    log.warn(`WAL file ${name} is already archived (encrypted) in ${store.description}; without PGKEEP_AGE_IDENTITY its content cannot be compared, so it is taken as this one`);
    const mine = local ?? (await hashFile(file));
    return { name, status: 'identical', rawBytes: mine.bytes, bytes: 0, sha256: mine.sha256 };
  }
  const hashLocal = () =>
    local ??
    hashFile(file).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT')
        throw new PgkeepError('wal-missing-local', `WAL file ${file} does not exist.`, 'archive_command must pass %p (the path relative to the data directory).');
      throw e;
    });
  // The stored object's trailer, where it can be read alone: the same hash as the full
  // comparison below, recorded at push time. Only a match is taken from it; anything else
  // (no trailer, another name, another hash) goes to the full comparison, which decides.
  if (store.readTail && !ageRecipients()) {
    const [mine, tail] = await Promise.all([hashLocal(), store.readTail(walKey(name), TRAILER_BYTES).catch(() => null)]);
    const t = tail && decodeWalTrailer(tail);
    if (t && t.name === name && t.sha256 === mine.sha256 && t.bytes === mine.bytes)
      return { name, status: 'identical', rawBytes: mine.bytes, bytes: 0, sha256: mine.sha256 };
    local = mine;
  }
  // Both hashes at once: the stored copy decompresses on the thread pool while this one hashes.
  const [mine, theirs] = await Promise.all([hashLocal(), hashStoredWal(store, name)]);
  if (theirs.sha256 === mine.sha256 && theirs.bytes === mine.bytes)
    return { name, status: 'identical', rawBytes: mine.bytes, bytes: 0, sha256: mine.sha256 };
  throw new PgkeepError(
    'wal-differs',
    `WAL file ${name} is already archived in ${store.description} with DIFFERENT content (stored ${theirs.bytes} bytes, SHA-256 ${theirs.sha256.slice(0, 16)}…; local ${mine.bytes} bytes, ${mine.sha256.slice(0, 16)}…); the stored copy was left untouched.`,
    'Two clusters (or a restored copy that was not promoted to a new timeline) archive into the same repository; give each cluster its own repository and investigate before deleting anything.',
  );
}

function storedCorrupt(e: unknown, name: string, store: Store): unknown {
  // The frame reader's refusal (cut frame, bad magic, trailing bytes) is a corrupt WAL object.
  if (e instanceof PgkeepError && e.code === 'corrupt-object')
    return new PgkeepError('wal-corrupt', `Archived WAL file ${name} in ${store.description} is corrupt: ${e.message}`, 'The stored zstd frame is truncated or damaged; fetch it from another copy of the repository.');
  if (e instanceof PgkeepError) return e;
  const msg = (e as Error).message ?? String(e);
  // A file system error (EACCES, EISDIR, EIO…) is a read failure, not a damaged object.
  if ((e as NodeJS.ErrnoException).syscall)
    return new PgkeepError(
      'wal-read-failed',
      `Archived WAL file ${name} in ${store.description} could not be read (${msg}).`,
      'Fix the repository (permissions, disk) so the user running pgkeep can read it; for restore_command that is the PostgreSQL server\'s user.',
    );
  return new PgkeepError(
    'wal-corrupt',
    `Archived WAL file ${name} in ${store.description} is corrupt (${msg}).`,
    'The stored zstd frame failed its checksum or is truncated; fetch it from another copy of the repository.',
  );
}

/** A segment decompresses to a power of two between 1 MiB and 1 GiB (wal_segment_size). */
export function plausibleSegmentSize(n: number): boolean {
  return n >= 1 << 20 && n <= 1 << 30 && (n & (n - 1)) === 0;
}

/** A pass-through that keeps the first LONG_HEADER_BYTES bytes (a segment's long page header). */
class HeadKeeper extends Transform {
  private parts: Buffer[] = [];
  private kept = 0;
  get head(): Buffer {
    return Buffer.concat(this.parts);
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    if (this.kept < LONG_HEADER_BYTES) {
      const part = chunk.subarray(0, LONG_HEADER_BYTES - this.kept);
      this.parts.push(Buffer.from(part));
      this.kept += part.length;
    }
    cb(null, chunk);
  }
}

export interface FetchWalOptions {
  /** The system identifier the segment must carry (the restored cluster's); unchecked when absent. */
  systemIdentifier?: string;
}

/**
 * Fetch, verify and decompress one WAL file to `dest` atomically (temp file, fsync, rename).
 * A segment must also be the segment its name says (long page header: position, size) and,
 * when `systemIdentifier` is given, of that cluster. Throws PgkeepError `not-found` when the
 * repository does not have it, and another code for any other failure.
 */
export async function fetchWalFile(store: Store, name: string, dest: string, o: FetchWalOptions = {}): Promise<{ rawBytes: number }> {
  // A damaged object on one copy of a mirror is read again from the next copy.
  return withCopyFallback(store, `WAL file ${name}`, (s) => fetchWalFileOnce(s, name, dest, o));
}

async function fetchWalFileOnce(store: Store, name: string, dest: string, o: FetchWalOptions): Promise<{ rawBytes: number }> {
  let src: Readable;
  let key: string;
  try {
    ({ src, key } = await getStoredWal(store, name));
  } catch (e) {
    if (e instanceof PgkeepError && e.code === 'not-found')
      throw new PgkeepError('not-found', `WAL file ${name} is not in ${store.description}.`);
    throw storedCorrupt(e, name, store);
  }
  const tmp = `${dest}.pgkeep-tmp-${randomBytes(4).toString('hex')}`;
  const counter = new HashCounter();
  const head = new HeadKeeper();
  try {
    try {
      await pipeline(src, ...(walDecoders(key, name) as [Transform]), head, counter, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
    } catch (e) {
      throw storedCorrupt(e, name, store);
    }
    if (isSegmentName(name) && !plausibleSegmentSize(counter.bytes))
      throw new PgkeepError('wal-corrupt', `Archived WAL segment ${name} in ${store.description} decompresses to ${counter.bytes} bytes, not a WAL segment size.`, 'The stored object is truncated or not a segment; fetch it from another copy.');
    if (isSegmentName(name) || isPartialName(name)) checkFetchedHeader(name, head.head, counter.bytes, store, o.systemIdentifier);
    const fh = await fsp.open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, dest);
    return { rawBytes: counter.bytes };
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

function checkFetchedHeader(name: string, buf: Buffer, bytes: number, store: Store, systemIdentifier?: string): void {
  if (buf.length < LONG_HEADER_BYTES)
    throw new PgkeepError('wal-corrupt', `Archived WAL file ${name} in ${store.description} is only ${bytes} bytes: no segment header.`, 'The stored object is truncated or not a segment; fetch it from another copy.');
  const h = parseSegmentHeader(buf);
  const problem = segmentHeaderProblem(name, h, bytes);
  if (problem)
    throw new PgkeepError('wal-corrupt', `Archived WAL file ${name} in ${store.description} is not that segment: ${problem}.`, 'The stored object was damaged or stored under the wrong name; fetch it from another copy and run pgkeep verify.');
  if (systemIdentifier && h.systemIdentifier !== systemIdentifier)
    throw new PgkeepError(
      'wal-wrong-system',
      `Archived WAL file ${name} in ${store.description} belongs to database system ${h.systemIdentifier}, but the cluster being recovered is system ${systemIdentifier}.`,
      'Another cluster archived into this repository; restore from the repository of the cluster the backup was taken from.',
    );
}
