import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ParallelZstd } from '../../../src/backup/parallel-zstd.js';
import { MultiFrameZstdDecompress } from '../../../src/util/zstd-frames.js';
import { streamToBuffer } from '../../../src/util/streams.js';

let zstdCli = true;
try {
  execFileSync('zstd', ['--version']);
} catch {
  zstdCli = false;
}

/** Input shaped like a dump: compressible text with incompressible stretches, fed in odd chunks. */
function dumpLike(bytes: number): Buffer {
  const parts: Buffer[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const p = i % 7 === 3 ? randomBytes(40_000) : Buffer.from(`${i}\tcustomer ${i}\tuser${i}@example.com\t{"sku": "SKU-${i % 5000}", "qty": ${i % 4}}\n`.repeat(50));
    parts.push(p);
    n += p.length;
  }
  return Buffer.concat(parts).subarray(0, bytes);
}

function* chunksOf(b: Buffer, sizes: number[]): Generator<Buffer> {
  for (let off = 0, i = 0; off < b.length; i++) {
    const n = sizes[i % sizes.length];
    yield b.subarray(off, off + n);
    off += n;
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('ParallelZstd (dumps and base backups)', () => {
  it.skipIf(!zstdCli)('writes independent frames that `zstd -dc` turns back into exactly the input', async () => {
    // 64 KiB blocks: many frames from a small input, ends not on a block boundary.
    const input = dumpLike(3 * 64 * 1024 * 5 + 12_345);
    const z = new ParallelZstd(1, 3, 64 * 1024);
    const compressed = await streamToBuffer(Readable.from(chunksOf(input, [1, 70_000, 4096, 65_536, 333])).pipe(z));
    const frames = new MultiFrameZstdDecompress('test');
    const ours = await streamToBuffer(Readable.from([compressed]).pipe(frames));
    expect(frames.frameCount).toBe(Math.ceil(input.length / (64 * 1024)));
    // The by-hand recipe: the zstd CLI reads the concatenated frames as one stream (and checks
    // every frame's checksum).
    const cli = execFileSync('zstd', ['-dc', '--no-progress'], { input: compressed, maxBuffer: 64 << 20 });
    expect(sha(cli)).toBe(sha(input));
    expect(sha(ours)).toBe(sha(input));
    execFileSync('zstd', ['-t', '-q'], { input: compressed });
  });

  it.skipIf(!zstdCli)('writes one valid frame for an empty input', async () => {
    const compressed = await streamToBuffer(Readable.from([]).pipe(new ParallelZstd(1, 2)));
    expect(compressed.length).toBeGreaterThan(0);
    expect(execFileSync('zstd', ['-dc', '--no-progress'], { input: compressed }).length).toBe(0);
  });
});
