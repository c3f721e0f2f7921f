// Proof that a zstd stream is intact, without keeping what it decompresses to: every frame is
// decoded to its end (its content checksum, when the frame has one, is checked by zstd as the
// last bytes are consumed), and the frame structure is checked exactly as the decompressing
// reader does (MultiFrameZstdDecompress: every frame, no trailing bytes, no cut frame). Only the
// count of decompressed bytes is kept. `pgkeep verify` runs this on every archived WAL segment.
//
// Why not the reader with its output thrown away: Node's stream decompressor allocates a fresh
// 1 MiB buffer for each piece of output, and for verify (hundreds of MiB of WAL) that churn cost
// more than the decoding itself — page faults, and a V8 mark-compact every few dozen MiB of
// external memory (#13). Here each frame is decoded synchronously into one reused buffer through
// the decompressor's handle — the same `writeSync` call Node's own `zlib.zstdDecompressSync`
// makes. Those are Node internals, so they are used only when present and proven at first use
// on a known good and a known corrupt frame; otherwise the public stream decoder runs.
import zlib from 'node:zlib';
import { PgkeepError } from './errors.js';
import { MultiFrameZstdDecompress } from './zstd-frames.js';

interface SyncHandle {
  writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
}
type Internals = zlib.ZstdDecompress & { _handle?: SyncHandle; _writeState?: Uint32Array };

/** Output of every frame lands here and is overwritten: only its length matters. */
const scratch = Buffer.allocUnsafe(1 << 20);

/** A frame's decompressor driven synchronously; null when this Node lacks the internals. */
class SyncFrameDecoder {
  readonly stream: Internals;
  private readonly handle: SyncHandle;
  private readonly state: Uint32Array;

  private constructor(stream: Internals) {
    this.stream = stream;
    this.handle = stream._handle!;
    this.state = stream._writeState!;
    // A decoding error destroys the stream (its `errored` is read after each call); the event
    // itself would otherwise go unhandled.
    stream.on('error', () => undefined);
  }

  static create(): SyncFrameDecoder | null {
    const s = zlib.createZstdDecompress() as Internals;
    if (typeof s._handle?.writeSync !== 'function' || !(s._writeState instanceof Uint32Array) || s._writeState.length < 2) {
      s.destroy();
      return null;
    }
    return new SyncFrameDecoder(s);
  }

  /** Decode all of `input`; returns the bytes it decompressed to. Throws zstd's error. */
  decode(input: Buffer): number {
    let raw = 0;
    let inOff = 0;
    let inLen = input.length;
    for (;;) {
      this.handle.writeSync(zlib.constants.ZSTD_e_continue, input, inOff, inLen, scratch, 0, scratch.length);
      if (this.stream.errored) throw this.stream.errored;
      const availOut = this.state[0];
      const availIn = this.state[1];
      const produced = scratch.length - availOut;
      raw += produced;
      // All input taken and room left in the output: nothing of this input is pending.
      if (availIn === 0 && availOut > 0) return raw;
      // zstd stopped taking input with room left: it saw the frame end before the headers did.
      if (availIn === inLen && produced === 0) throw new Error('the frame ends before its last block');
      inOff += inLen - availIn;
      inLen = availIn;
    }
  }

  close(): void {
    this.stream.destroy();
  }
}

let fastPath: boolean | undefined;

/**
 * The synchronous path is trusted only after it decoded a good frame to the right length and
 * refused the same frame with one flipped byte of its content checksum, on this Node.
 */
function fastPathWorks(): boolean {
  if (fastPath !== undefined) return fastPath;
  fastPath = false;
  try {
    const content = Buffer.from('pgkeep zstd self-test '.repeat(64));
    const good = zlib.zstdCompressSync(content, { params: { [zlib.constants.ZSTD_c_checksumFlag]: 1 } });
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 0x01;
    const a = SyncFrameDecoder.create();
    if (!a) return false;
    const n = a.decode(good);
    a.close();
    const b = SyncFrameDecoder.create()!;
    let refused = false;
    try {
      b.decode(bad);
    } catch {
      refused = true;
    }
    b.close();
    fastPath = n === content.length && refused;
  } catch {
    fastPath = false;
  }
  return fastPath;
}

/**
 * A writable end (a Transform that emits nothing) that fails when the zstd stream written to it
 * is not intact; `rawBytes` is what it decompressed to. Pipe it into a sink that ignores data.
 */
export class ZstdStreamCheck extends MultiFrameZstdDecompress {
  rawBytes = 0;
  private frameDecoder?: SyncFrameDecoder;
  private readonly sync: boolean;

  constructor(what = 'zstd stream', opts: { forceStreamDecoder?: boolean } = {}) {
    super(what);
    this.sync = !opts.forceStreamDecoder && fastPathWorks();
  }

  /** True when frames are decoded through the synchronous path (see the file's header). */
  get synchronous(): boolean {
    return this.sync;
  }

  // The stream decoder's output (the fallback path) is counted, not passed on.
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) return super.push(null, encoding);
    this.rawBytes += (chunk as Buffer).length;
    return true;
  }

  protected override openFrame(): void {
    if (!this.sync) return super.openFrame();
    this.frameDecoder = SyncFrameDecoder.create()!;
  }

  protected override async feedFrame(b: Buffer): Promise<void> {
    if (!this.sync) return super.feedFrame(b);
    try {
      this.rawBytes += this.frameDecoder!.decode(b);
    } catch (e) {
      this.frameDecoder!.close();
      throw new PgkeepError('corrupt-object', `${this.what} could not be decompressed: ${(e as Error).message}.`, 'The stored copy is damaged; restore from another backup or copy.');
    }
  }

  protected override async closeFrame(): Promise<void> {
    if (!this.sync) return super.closeFrame();
    // Every byte up to the frame's end was taken with room to spare: zstd finished the frame
    // and, with the checksum flag, compared its checksum (a mismatch threw in feedFrame).
    this.frameDecoder!.close();
    this.frameDecoder = undefined;
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.frameDecoder?.close();
    super._destroy(err, cb);
  }
}
