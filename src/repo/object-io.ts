// Writing and reading repository objects: compress + hash on the way in, verify the
// SHA-256 on the way out. Everything streams; nothing is held whole.
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { ByteCounter, HashCounter, compressor, zstdDecompress, type Compression } from '../util/streams.js';
import { ageDecryptStream, ageEncryptStream } from '../util/age.js';
import type { ManifestObject } from './manifest.js';

export interface WrittenObject {
  bytes: number;
  rawBytes: number;
  sha256: string;
  compression: 'zstd' | 'none';
  /** Present when the stored bytes are age ciphertext (of the compressed bytes). */
  encryption?: 'age';
}

/**
 * Stream `source` through optional compression and hashing into `store` at `key`.
 * `onRawBytes` sees uncompressed bytes (for progress). With `encryptFor` (age recipients) the
 * compressed bytes are encrypted before they are hashed and stored (zstd → age): the SHA-256
 * is over what the repository holds, so it is checked without the key.
 */
export async function writeObject(
  store: Store,
  key: string,
  source: Readable,
  compression: Compression,
  opts: {
    onRawBytes?: (n: number) => void;
    ifNoneMatch?: boolean;
    encryptFor?: string[];
    compressWith?: Transform;
    /** `source` is already a zstd stream (the zstd CLI's output): stored as 'zstd'; `rawBytes` then counts its bytes, and the caller knows the true raw size. */
    precompressed?: boolean;
  } = {},
): Promise<WrittenObject> {
  // Raw bytes are counted, not hashed: the manifest's SHA-256 is of the stored bytes, and hashing
  // the raw stream too cost ~20% of a logical backup's CPU.
  const raw = new ByteCounter(opts.onRawBytes);
  const stored = new HashCounter();
  // compressWith: a caller's own zstd compressor (the logical backup's parallel frames); it must
  // write a zstd stream, since the object is recorded as 'zstd'.
  const z = opts.precompressed ? null : compression.kind === 'zstd' && opts.compressWith ? opts.compressWith : compressor(compression);
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const stages: NodeJS.ReadWriteStream[] = [raw, ...(z ? [z] : []), ...(opts.encryptFor ? [ageEncryptStream(opts.encryptFor)] : []), stored];
  // The producer pipeline and the store's consumer run together; either failing fails both.
  const produce = pipeline(source, ...(stages as [Transform]), out);
  const consume = store.put(key, out, { ifNoneMatch: opts.ifNoneMatch });
  const [p, c] = await Promise.allSettled([produce, consume]);
  if (p.status === 'rejected') {
    out.destroy();
    await store.delete(key).catch(() => undefined);
    throw p.reason;
  }
  if (c.status === 'rejected') throw c.reason;
  return { bytes: stored.bytes, rawBytes: raw.bytes, sha256: stored.sha256, compression: z || opts.precompressed ? 'zstd' : 'none', ...(opts.encryptFor ? { encryption: 'age' as const } : {}) };
}

/** A transform that passes bytes through and fails at the end if size or SHA-256 differ. */
export function verifyingStream(expected: { bytes: number; sha256: string }, what: string): Transform {
  const h = createHash('sha256');
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      h.update(chunk);
      n += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      const got = h.digest('hex');
      if (n !== expected.bytes || got !== expected.sha256) {
        cb(
          new PgkeepError(
            'checksum-mismatch',
            `${what} is corrupt: expected ${expected.bytes} bytes with SHA-256 ${expected.sha256.slice(0, 16)}…, found ${n} bytes with ${got.slice(0, 16)}….`,
            'The stored copy was altered or truncated; restore from another copy or another backup.',
          ),
        );
      } else cb();
    },
  });
}

/**
 * Stream an object's original (decompressed) bytes, verifying its checksum as it goes.
 * The error surfaces at the end of the stream, so consumers that must not act on bad
 * data use `readVerifiedToSink` or check first with `verifyObject`.
 */
export async function openObject(store: Store, key: string, obj: ManifestObject): Promise<Readable> {
  // A missing identity throws here, before anything is read or written.
  const decrypt = obj.encryption === 'age' ? ageDecryptStream(key) : undefined;
  const src = await store.get(key);
  const v = verifyingStream(obj, key);
  const chain: NodeJS.ReadWriteStream[] = [v];
  if (decrypt) chain.push(decrypt);
  if (obj.compression === 'zstd') chain.push(zstdDecompress());
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  pipeline(src, ...(chain as [Transform]), out).catch((e) => out.destroy(e));
  return out;
}

/** Read a whole object only to check size and SHA-256 (no decompression). */
export async function verifyObject(store: Store, key: string, obj: { bytes: number; sha256: string }): Promise<void> {
  const src = await store.get(key);
  const sink = new PassThrough();
  sink.resume();
  await pipeline(src, verifyingStream(obj, key), sink);
}
