// Streaming zstd decompression of concatenated frames. Node's zstd decompressor (24.x) stops
// at the end of the first frame and silently drops the rest, but a base backup compressed in
// parallel is many independent frames (src/backup/parallel-zstd.ts), as `zstd -d` and the
// format allow. This transform finds frame boundaries from the frame and block headers
// (RFC 8878 §3.1) and feeds each frame to a fresh decompressor, in order, with back-pressure
// on both sides; skippable frames are skipped. Memory stays at a few stream buffers whatever
// the frame sizes.
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { PgkeepError } from './errors.js';

const ZSTD_MAGIC = 0xfd2fb528;

type State = 'magic' | 'fhd' | 'hdrRest' | 'blockHdr' | 'blockBody' | 'checksum' | 'skipSize' | 'skip';

export class MultiFrameZstdDecompress extends Transform {
  private state: State = 'magic';
  private acc: Buffer[] = [];
  private accLen = 0;
  private need = 0;
  private lastBlock = false;
  private checksum = false;
  private dec?: zlib.ZstdDecompress;
  private decError?: Error;
  private frames = 0;
  /** A frame is open: its decompressor takes the bytes up to the frame's end. */
  private open = false;
  /** Where the open frame's bytes not yet fed begin in the chunk being consumed. */
  private spanFrom = -1;

  constructor(protected readonly what = 'zstd stream') {
    super({ highWaterMark: 1 << 20 });
  }

  get frameCount(): number {
    return this.frames;
  }

  override _read(size: number): void {
    this.dec?.resume();
    super._read(size);
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.consume(chunk).then(() => cb(), (e) => cb(this.asCorrupt(e)));
  }

  override _flush(cb: TransformCallback): void {
    if (this.state !== 'magic' || this.accLen > 0)
      return cb(new PgkeepError('corrupt-object', `${this.what} is truncated: it ends inside a zstd frame.`, 'The stored copy is damaged; restore from another backup or copy.'));
    if (this.frames === 0) return cb(new PgkeepError('corrupt-object', `${this.what} holds no zstd frame.`));
    cb();
  }

  private asCorrupt(e: unknown): Error {
    if (e instanceof PgkeepError) return e;
    return new PgkeepError('corrupt-object', `${this.what} could not be decompressed: ${(e as Error).message}.`, 'The stored copy is damaged; restore from another backup or copy.');
  }

  /** Take exactly `n` header bytes across chunks; returns them once complete. */
  private takeHeader(chunk: Buffer, off: number, n: number): { buf?: Buffer; used: number } {
    const used = Math.min(n - this.accLen, chunk.length - off);
    this.acc.push(chunk.subarray(off, off + used));
    this.accLen += used;
    if (this.accLen < n) return { used };
    const buf = Buffer.concat(this.acc, this.accLen);
    this.acc = [];
    this.accLen = 0;
    return { buf, used };
  }

  /** Hand the next bytes of the open frame to its decompressor (header and checksum included). */
  protected async feedFrame(b: Buffer): Promise<void> {
    if (this.decError) throw this.decError;
    const dec = this.dec!;
    if (!dec.write(b))
      await new Promise<void>((resolve, reject) => {
        const onErr = (e: Error) => reject(e);
        dec.once('error', onErr);
        dec.once('drain', () => {
          dec.off('error', onErr);
          resolve();
        });
      });
  }

  private startFrame(): void {
    this.openFrame();
    this.open = true;
    this.frames++;
  }

  private async endFrame(): Promise<void> {
    await this.closeFrame();
    this.open = false;
    this.state = 'magic';
  }

  /** A new frame begins: a fresh decompressor for it. */
  protected openFrame(): void {
    const dec = zlib.createZstdDecompress({ chunkSize: 1 << 20 });
    dec.on('data', (c: Buffer) => {
      if (!this.push(c)) dec.pause();
    });
    dec.on('error', (e) => (this.decError = e));
    this.dec = dec;
  }

  /** Every byte of the frame was fed: fail unless its decompressor finished it (checksum included). */
  protected async closeFrame(): Promise<void> {
    // Keep this.dec set until its output is drained: _read must be able to resume it when
    // our consumer catches up (clearing it first deadlocks on a slow consumer).
    const dec = this.dec!;
    if (this.decError) throw this.decError;
    await new Promise<void>((resolve, reject) => {
      dec.once('end', resolve);
      dec.once('error', reject);
      dec.end();
      dec.resume();
    });
    this.dec = undefined;
  }

  private async consume(chunk: Buffer): Promise<void> {
    let off = 0;
    // Bytes of the open frame are handed to its decompressor as one span per chunk (and one at
    // the frame's end), not header by header and block by block: a write per zstd block cost
    // more CPU than the decompression itself (#13). The state machine below only finds where
    // each frame ends; -1 = no frame open in this chunk.
    this.spanFrom = this.open ? 0 : -1;
    while (off < chunk.length) {
      switch (this.state) {
        case 'magic': {
          const t = this.takeHeader(chunk, off, 4);
          off += t.used;
          if (!t.buf) break;
          const magic = t.buf.readUInt32LE(0);
          if (magic === ZSTD_MAGIC) {
            this.startFrame();
            // A magic split across chunks: its first bytes came with the previous chunk.
            if (t.used === 4) this.spanFrom = off - 4;
            else {
              await this.feedFrame(t.buf);
              this.spanFrom = off;
            }
            this.state = 'fhd';
          } else if ((magic & 0xfffffff0) === 0x184d2a50) this.state = 'skipSize';
          else throw new PgkeepError('corrupt-object', `${this.what} is not zstd data (bad frame magic 0x${magic.toString(16)} after ${this.frames} frame(s)).`, 'The stored copy is damaged; restore from another backup or copy.');
          break;
        }
        case 'fhd': {
          const fhd = chunk[off++];
          const fcsFlag = fhd >> 6;
          const single = (fhd >> 5) & 1;
          this.checksum = ((fhd >> 2) & 1) === 1;
          const dictSize = [0, 1, 2, 4][fhd & 3];
          const fcsSize = fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag];
          this.need = (single ? 0 : 1) + dictSize + fcsSize;
          this.state = this.need > 0 ? 'hdrRest' : 'blockHdr';
          break;
        }
        case 'hdrRest':
        case 'blockBody':
        case 'checksum': {
          const n = Math.min(this.need, chunk.length - off);
          off += n;
          this.need -= n;
          if (this.need === 0) await this.afterPart(chunk, off);
          break;
        }
        case 'blockHdr': {
          const t = this.takeHeader(chunk, off, 3);
          off += t.used;
          if (!t.buf) break;
          const v = t.buf[0] | (t.buf[1] << 8) | (t.buf[2] << 16);
          this.lastBlock = (v & 1) === 1;
          const type = (v >> 1) & 3;
          if (type === 3) throw new PgkeepError('corrupt-object', `${this.what} has a reserved zstd block type (corrupt data).`);
          this.need = type === 1 ? 1 : v >>> 3;
          this.state = 'blockBody';
          if (this.need === 0) await this.afterPart(chunk, off);
          break;
        }
        case 'skipSize': {
          const t = this.takeHeader(chunk, off, 4);
          off += t.used;
          if (!t.buf) break;
          this.need = t.buf.readUInt32LE(0);
          this.state = this.need > 0 ? 'skip' : 'magic';
          break;
        }
        case 'skip': {
          const n = Math.min(this.need, chunk.length - off);
          off += n;
          this.need -= n;
          if (this.need === 0) this.state = 'magic';
          break;
        }
      }
    }
    // The open frame continues in the next chunk: hand over what this one holds of it.
    if (this.open && this.spanFrom >= 0 && this.spanFrom < chunk.length) await this.feedFrame(chunk.subarray(this.spanFrom));
  }

  /** A header, block or checksum ended at `off` of `chunk`; at a frame's end, feed and finish it. */
  private async afterPart(chunk: Buffer, off: number): Promise<void> {
    if (this.state === 'hdrRest') this.state = 'blockHdr';
    else if (this.state === 'blockBody') {
      if (!this.lastBlock) this.state = 'blockHdr';
      else if (this.checksum) {
        this.state = 'checksum';
        this.need = 4;
      } else await this.finishFrame(chunk, off);
    } else if (this.state === 'checksum') await this.finishFrame(chunk, off);
  }

  private async finishFrame(chunk: Buffer, off: number): Promise<void> {
    if (off > this.spanFrom) await this.feedFrame(chunk.subarray(this.spanFrom, off));
    this.spanFrom = -1;
    await this.endFrame();
  }
}
