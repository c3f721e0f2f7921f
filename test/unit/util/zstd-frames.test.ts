import { describe, expect, it } from 'vitest';
import { Readable, PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { MultiFrameZstdDecompress } from '../../../src/util/zstd-frames.js';
import { streamToBuffer } from '../../../src/util/streams.js';

const frame = (b: Buffer, checksum = true) =>
  zlib.zstdCompressSync(b, { params: { [zlib.constants.ZSTD_c_checksumFlag]: checksum ? 1 : 0, [zlib.constants.ZSTD_c_compressionLevel]: 3 } });

async function streamedFrame(b: Buffer): Promise<Buffer> {
  // A streaming compressor writes no content size in the header and several blocks.
  return streamToBuffer(Readable.from(chunks(b, 64 * 1024)).pipe(zlib.createZstdCompress()));
}

function chunks(b: Buffer, n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += n) out.push(b.subarray(i, i + n));
  return out;
}

async function decompress(input: Buffer, chunkSize: number): Promise<Buffer> {
  const out = new PassThrough();
  const [buf] = await Promise.all([streamToBuffer(out), pipeline(Readable.from(chunks(input, chunkSize)), new MultiFrameZstdDecompress('test object'), out)]);
  return buf;
}

describe('MultiFrameZstdDecompress', () => {
  const a = Buffer.concat([randomBytes(300_000), Buffer.alloc(700_000, 7)]);
  const b = Buffer.from('x'.repeat(123_457));
  const c = randomBytes(5);

  it('decompresses concatenated frames that node:zlib alone truncates to the first', async () => {
    const data = Buffer.concat([frame(a), frame(b, false), frame(c)]);
    expect(zlib.zstdDecompressSync(data).length).toBe(a.length); // the limitation this works around
    for (const size of [13, 4096, 1 << 20]) expect((await decompress(data, size)).equals(Buffer.concat([a, b, c]))).toBe(true);
    const small = Buffer.concat([frame(b), frame(c), frame(b, false)]);
    expect((await decompress(small, 1)).equals(Buffer.concat([b, c, b]))).toBe(true);
  });

  it('reads streamed frames (no content size, many blocks) and skips skippable frames', async () => {
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18]), Buffer.from([3, 0, 0, 0]), Buffer.from('abc')]);
    const data = Buffer.concat([await streamedFrame(a), skippable, frame(c)]);
    expect((await decompress(data, 1000)).equals(Buffer.concat([a, c]))).toBe(true);
  });

  it('keeps flowing with a slow consumer across frame ends (back-pressure does not deadlock)', async () => {
    const frames = [0, 1, 2, 3].map((i) => frame(Buffer.concat([randomBytes(256 * 1024), Buffer.alloc(3 << 20, i)])));
    const want = Buffer.concat([0, 1, 2, 3].map((i) => zlib.zstdDecompressSync(frames[i])));
    let got = 0;
    const hash: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(c: Buffer, _e, cb) {
        got += c.length;
        hash.push(c);
        setTimeout(cb, 0);
      },
    });
    await pipeline(Readable.from(chunks(Buffer.concat(frames), 65536)), new MultiFrameZstdDecompress('slow'), slow);
    expect(got).toBe(want.length);
    expect(Buffer.concat(hash).equals(want)).toBe(true);
  });

  it('fails on a flipped byte, on truncation and on data that is not zstd', async () => {
    const good = Buffer.concat([frame(a), frame(b)]);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 2] ^= 0xff; // inside the second frame's checksum
    await expect(decompress(flipped, 4096)).rejects.toThrow(/could not be decompressed|corrupt/);
    await expect(decompress(good.subarray(0, good.length - 10), 4096)).rejects.toThrow(/truncated/);
    await expect(decompress(Buffer.from('plain text, not zstd'), 4096)).rejects.toThrow(/not zstd data/);
  });
});
