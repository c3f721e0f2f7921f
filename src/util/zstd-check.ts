// Proof that a zstd stream is intact, without keeping what it decompresses to: every frame is
// decoded to its end (its content checksum, when the frame has one, is checked by zstd as the
// last bytes are consumed), and the frame structure is checked exactly as the decompressing
// reader does (MultiFrameZstdDecompress: every frame, no trailing bytes, no cut frame). Only the
// count of decompressed bytes is kept. `pgkeep verify` runs this on every archived WAL segment.
//
// Frames are decoded into one reused buffer (zstd-sync-decoder.ts), on a worker thread when one
// can run (zstd-decode-workers.ts), else on this thread; where this Node's zlib internals do not
// pass the self-test, the public stream decoder runs and its output is counted and dropped.
import { PgkeepError } from './errors.js';
import { MultiFrameZstdDecompress } from './zstd-frames.js';
import { fastPathWorks, localFrameDecoders } from './zstd-sync-decoder.js';
import { workerFrameDecoder, type AsyncFrameDecoder } from './zstd-decode-workers.js';

export type FrameDecoding = 'worker' | 'sync' | 'stream';

/** This thread's synchronous decoder behind the same interface as a worker's. */
function localFrameDecoder(): AsyncFrameDecoder {
  const d = localFrameDecoders.create()!;
  let raw = 0;
  return {
    feed: async (b) => {
      raw += d.decode(b);
    },
    finish: async () => {
      d.close();
      return raw;
    },
    close: () => d.close(),
  };
}

/**
 * A writable end (a Transform that emits nothing) that fails when the zstd stream written to it
 * is not intact; `rawBytes` is what it decompressed to. Pipe it into a sink that ignores data.
 */
export class ZstdStreamCheck extends MultiFrameZstdDecompress {
  rawBytes = 0;
  /** How frames are decoded: the fastest this Node allows, unless a test asks for one. */
  readonly decoding: FrameDecoding;
  private frameDecoder?: AsyncFrameDecoder;

  constructor(what = 'zstd stream', opts: { decoding?: FrameDecoding } = {}) {
    super(what);
    this.decoding = opts.decoding ?? (fastPathWorks() ? 'worker' : 'stream');
    if (this.decoding !== 'stream' && !fastPathWorks()) this.decoding = 'stream';
  }

  // The stream decoder's output (the fallback path) is counted, not passed on.
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) return super.push(null, encoding);
    this.rawBytes += (chunk as Buffer).length;
    return true;
  }

  protected override openFrame(): void {
    if (this.decoding === 'stream') return super.openFrame();
    this.frameDecoder = (this.decoding === 'worker' ? workerFrameDecoder() : null) ?? localFrameDecoder();
  }

  protected override async feedFrame(b: Buffer): Promise<void> {
    if (this.decoding === 'stream') return super.feedFrame(b);
    try {
      await this.frameDecoder!.feed(b);
    } catch (e) {
      throw this.corrupt(e);
    }
  }

  protected override async closeFrame(): Promise<void> {
    if (this.decoding === 'stream') return super.closeFrame();
    // Every byte up to the frame's end was taken with room to spare: zstd finished the frame
    // and, with the checksum flag, compared its checksum (a mismatch fails feed or finish).
    const d = this.frameDecoder!;
    this.frameDecoder = undefined;
    try {
      this.rawBytes += await d.finish();
    } catch (e) {
      throw this.corrupt(e);
    }
  }

  private corrupt(e: unknown): PgkeepError {
    this.frameDecoder?.close();
    this.frameDecoder = undefined;
    return new PgkeepError('corrupt-object', `${this.what} could not be decompressed: ${(e as Error).message}.`, 'The stored copy is damaged; restore from another backup or copy.');
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.frameDecoder?.close();
    this.frameDecoder = undefined;
    super._destroy(err, cb);
  }
}
