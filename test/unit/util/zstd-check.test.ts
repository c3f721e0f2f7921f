import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ZstdStreamCheck, type FrameDecoding } from '../../../src/util/zstd-check.js';
import { decodeWorkersAlive } from '../../../src/util/zstd-decode-workers.js';
import { FsStore } from '../../../src/storage/fs-store.js';
import { backupObjectKey, walKey } from '../../../src/repo/layout.js';
import { checkBackupObjects, checkWalObjects } from '../../../src/verify/object-check.js';
import type { Manifest } from '../../../src/repo/manifest.js';

// A WAL-like segment: mostly zeros with some random pages, compressed the way wal-push does
// (one frame, level 1, content checksum).
const SEGMENT = 1 << 24;
function segment(): Buffer {
  const b = Buffer.alloc(SEGMENT);
  for (let i = 0; i < 64; i++) randomBytes(8192).copy(b, i * 65536);
  return b;
}
const walFrame = (b: Buffer) => zlib.zstdCompressSync(b, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 1, [zlib.constants.ZSTD_c_checksumFlag]: 1 } });

function chunks(b: Buffer, n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += n) out.push(b.subarray(i, i + n));
  return out;
}

async function check(input: Buffer, chunkSize: number, decoding?: FrameDecoding): Promise<number> {
  const c = new ZstdStreamCheck('test object', { decoding });
  await pipeline(Readable.from(chunks(input, chunkSize)), c, new Writable({ write: (_c, _e, cb) => cb() }));
  return c.rawBytes;
}

describe('ZstdStreamCheck', () => {
  const seg = segment();
  const z = walFrame(seg);

  it('decodes on worker threads on this Node (a Node upgrade that removes the fast path is noticed here)', () => {
    expect(new ZstdStreamCheck().decoding).toBe('worker');
  });

  for (const force of ['worker', 'sync', 'stream'] as const) {
    const which = `${force} decoding`;
    it(`counts what every frame decompresses to (${which})`, async () => {
      const small = Buffer.from('y'.repeat(70_001));
      const multi = Buffer.concat([z, walFrame(small), Buffer.concat([Buffer.from([0x51, 0x2a, 0x4d, 0x18, 2, 0, 0, 0]), Buffer.from('zz')]), walFrame(small)]);
      for (const size of [997, 65536, 1 << 20]) expect(await check(multi, size, force)).toBe(SEGMENT + 2 * small.length);
      if (force === 'worker') expect(decodeWorkersAlive()).toBeGreaterThan(0);
    });

    it(`refuses a flipped byte anywhere in a WAL object, a cut, trailing bytes and non-zstd (${which})`, async () => {
      // Frame content size, blocks, last block and checksum: each flip is caught. (A flip in the
      // window descriptor, byte 5, that only enlarges the window leaves the content, and its
      // checksum, intact: it is not a damaged segment, and zstd decodes it, as it always did.)
      for (const at of [7, 100, Math.floor(z.length / 2), z.length - 9, z.length - 1]) {
        const bad = Buffer.from(z);
        bad[at] ^= 0x10;
        await expect(check(bad, 65536, force), `flip at ${at} of ${z.length}`).rejects.toThrow(/test object/);
      }
      await expect(check(z.subarray(0, z.length - 3), 65536, force)).rejects.toThrow(/truncated/);
      await expect(check(Buffer.concat([z, Buffer.from('junk')]), 65536, force)).rejects.toThrow(/not zstd data/);
      await expect(check(Buffer.from('plain text, not zstd'), 4096, force)).rejects.toThrow(/not zstd data/);
      // A corrupt frame fails its own check only: the threads keep serving the next objects.
      if (force === 'worker') expect(decodeWorkersAlive()).toBeGreaterThan(0);
    });
  }
});

describe('verify object checks catch a flipped byte', () => {
  let dir: string;
  let store: FsStore;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pgkeep-zstd-check-'));
    store = new FsStore(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function put(key: string, b: Buffer): Promise<string> {
    const file = path.join(dir, key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, b);
    return file;
  }
  async function flip(file: string, at: number): Promise<void> {
    const b = await readFile(file);
    b[at] ^= 0x01;
    await writeFile(file, b);
  }

  it('in a WAL segment', async () => {
    const names = ['000000010000000000000001', '000000010000000000000002'];
    const z = walFrame(segment());
    const files = await Promise.all(names.map((n) => put(walKey(n), z)));
    const segs = names.map((name, i) => ({ name, timeline: 1, segno: BigInt(i + 1), key: walKey(name), size: z.length }));
    const good = await checkWalObjects(store, segs, { parallel: 2 });
    expect(good.problems).toEqual([]);
    await flip(files[1], Math.floor(z.length / 3));
    const bad = await checkWalObjects(store, segs, { parallel: 2 });
    expect(bad.problems.map((p) => p.object)).toEqual([walKey(names[1])]);
    expect(bad.problems[0].message).toMatch(/corrupt/);
  });

  it('in a backup object', async () => {
    const body = randomBytes(3 << 20);
    const file = await put(backupObjectKey('20261126T000000Z-full', 'base.tar.zst'), body);
    const m = { id: '20261126T000000Z-full', objects: [{ name: 'base.tar.zst', bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') }] } as unknown as Manifest;
    expect((await checkBackupObjects(store, [m], { parallel: 2 })).problems).toEqual([]);
    await flip(file, body.length - 100);
    const bad = await checkBackupObjects(store, [m], { parallel: 2 });
    expect(bad.problems).toHaveLength(1);
    expect(bad.problems[0].message).toMatch(/base\.tar\.zst is corrupt/);
  });
});
