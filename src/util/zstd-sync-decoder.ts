// Synchronous zstd frame decoding into one reused output buffer: the proof that a frame is
// intact (decoded to its end, its content checksum compared by zstd) without keeping what it
// decompresses to. Node's stream decompressor allocates a fresh 1 MiB buffer for each piece of
// output; for verify (hundreds of MiB of WAL) that churn cost more than the decoding itself —
// page faults, and a V8 mark-compact every few dozen MiB of external memory (#13). This drives
// the decompressor's handle with `writeSync`, the call Node's own `zlib.zstdDecompressSync`
// makes. Those are Node internals, so they are used only when present and after they decoded a
// known good frame and refused a known corrupt one on this Node (fastPathWorks).
import zlib from 'node:zlib';

/** Decodes one frame's bytes as they come; returns how many bytes they decompressed to. */
export interface FrameDecoder {
  decode(input: Buffer): number;
  close(): void;
}

/**
 * Synchronous frame decoders into one reused output buffer, or null when this Node lacks the
 * internals. Self-contained (it uses only its parameter and globals): its source is also what
 * the decoding worker threads run, through Function.prototype.toString.
 */
export function syncFrameDecoders(z: typeof zlib): { create(): FrameDecoder | null } {
  interface SyncHandle {
    writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
  }
  type Internals = zlib.ZstdDecompress & { _handle?: SyncHandle; _writeState?: Uint32Array };
  // Output of every frame lands here and is overwritten: only its length matters.
  const scratch = Buffer.allocUnsafe(1 << 20);
  return {
    create(): FrameDecoder | null {
      const stream = z.createZstdDecompress() as Internals;
      const handle = stream._handle;
      const state = stream._writeState;
      if (typeof handle?.writeSync !== 'function' || !(state instanceof Uint32Array) || state.length < 2) {
        stream.destroy();
        return null;
      }
      // A decoding error destroys the stream (its `errored` is read after each call); the event
      // itself would otherwise go unhandled.
      stream.on('error', () => undefined);
      return {
        decode(input: Buffer): number {
          let raw = 0;
          let inOff = 0;
          let inLen = input.length;
          for (;;) {
            handle.writeSync(z.constants.ZSTD_e_continue, input, inOff, inLen, scratch, 0, scratch.length);
            if (stream.errored) throw stream.errored;
            const availOut = state[0];
            const availIn = state[1];
            const produced = scratch.length - availOut;
            raw += produced;
            // All input taken and room left in the output: nothing of this input is pending.
            if (availIn === 0 && availOut > 0) return raw;
            // zstd stopped taking input with room left: it saw the frame end before the headers did.
            if (availIn === inLen && produced === 0) throw new Error('the frame ends before its last block');
            inOff += inLen - availIn;
            inLen = availIn;
          }
        },
        close(): void {
          stream.destroy();
        },
      };
    },
  };
}

export const localFrameDecoders = syncFrameDecoders(zlib);

let fastPath: boolean | undefined;

/**
 * The synchronous path is trusted only after it decoded a good frame to the right length and
 * refused the same frame with one flipped byte of its content checksum, on this Node.
 */
export function fastPathWorks(): boolean {
  if (fastPath !== undefined) return fastPath;
  fastPath = false;
  try {
    const content = Buffer.from('pgkeep zstd self-test '.repeat(64));
    const good = zlib.zstdCompressSync(content, { params: { [zlib.constants.ZSTD_c_checksumFlag]: 1 } });
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 0x01;
    const a = localFrameDecoders.create();
    if (!a) return false;
    const n = a.decode(good);
    a.close();
    const b = localFrameDecoders.create()!;
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
