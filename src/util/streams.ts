// Stream building blocks: hashing and counting pass-throughs, zstd (node:zlib), and a
// bounded parallel map. Nothing here buffers a whole object.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { MultiFrameZstdDecompress } from './zstd-frames.js';

/** Pass-through that counts bytes and hashes them (SHA-256) without holding them. */
export class HashCounter extends Transform {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;
  private digest?: string;
  constructor(private readonly onBytes?: (n: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes?.(chunk.length);
    cb(null, chunk);
  }
  get sha256(): string {
    if (!this.digest) this.digest = this.hash.digest('hex');
    return this.digest;
  }
}

/** Pass-through that only counts bytes: for sizes nobody hashes (a dump's raw bytes). */
export class ByteCounter extends Transform {
  bytes = 0;
  constructor(private readonly onBytes?: (n: number) => void) {
    super({ highWaterMark: 1 << 20 });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes?.(chunk.length);
    cb(null, chunk);
  }
}

export type Compression = { kind: 'zstd'; level: number } | { kind: 'none' };

export function zstdCompress(level: number, workers = 0): Transform {
  const params: Record<number, number> = { [zlib.constants.ZSTD_c_compressionLevel]: level };
  if (workers > 0) params[zlib.constants.ZSTD_c_nbWorkers] = workers;
  return zlib.createZstdCompress({ params });
}

/**
 * Decompress every frame of a zstd stream. Node's own decompressor stops after the first
 * frame without an error; parallel compressors write many frames (see zstd-frames.ts).
 */
export function zstdDecompress(what?: string): Transform {
  return new MultiFrameZstdDecompress(what);
}

export function compressor(c: Compression): Transform | null {
  return c.kind === 'zstd' ? zstdCompress(c.level) : null;
}

/** Run `fn` over items with at most `limit` in flight; rejects with the first error after all settle. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let firstError: unknown;
  let failed = false;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (e) {
        if (!failed) {
          failed = true;
          firstError = e;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw firstError;
  return results;
}

export async function streamToBuffer(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}
