// A WAL object must decode to exactly what was archived, or fail. Measured with Node 24.21's
// own stream decoder (createZstdDecompress): a frame cut at any of ~200 points fails ("unexpected
// end of file"), but bytes after the first frame are dropped without a word (a history object
// with garbage appended decoded to its first 41 bytes; a second frame vanished). WAL paths now
// decode with the frame-checking reader: every cut point, trailing bytes and an empty object
// are wal-corrupt for fetch and for the hash a repeated push compares, and no file is written.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { FsStore } from '../../../src/storage/fs-store.js';
import { walKey } from '../../../src/repo/layout.js';
import { fetchWalFile, hashStoredWal, walCompressor } from '../../../src/wal/wal-object.js';
import { streamToBuffer } from '../../../src/util/streams.js';
import { fakeSegment } from '../../integration/wal/fake-segment.js';

const SEG_NAME = '000000010000000000000003';
const HISTORY = '00000002.history';
const work = mkdtempSync(path.join(os.tmpdir(), 'pgkeep-wal-trunc-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function compress(b: Buffer): Promise<Buffer> {
  return streamToBuffer(Readable.from([b]).pipe(walCompressor()));
}

/** Cut points: inside the header, inside blocks, just before the checksum, one byte short. */
function cuts(len: number): number[] {
  return [...new Set([5, 12, Math.floor(len / 3), Math.floor(len / 2), len - 9, len - 4, len - 1])].filter((n) => n > 0 && n < len);
}

describe('WAL objects are decoded with the frame-checking reader', () => {
  const store = new FsStore(path.join(work, 'repo'));
  const cases: [string, Buffer][] = [
    [SEG_NAME, fakeSegment(SEG_NAME)],
    [HISTORY, Buffer.from('1\t0/3000000\tno recovery target specified\n')],
  ];
  for (const [name, content] of cases)
    it(`fetch and hash refuse ${name} truncated at every cut point, with bytes appended or empty (wal-corrupt), and write no file`, async () => {
      const z = await compress(content);
      for (const n of cuts(z.length)) {
        await store.put(walKey(name), Readable.from([z.subarray(0, n)]));
        const dest = path.join(work, `dest-${name}-${n}`);
        await expect(fetchWalFile(store, name, dest), `cut at ${n} of ${z.length}`).rejects.toMatchObject({ code: 'wal-corrupt' });
        expect(existsSync(dest)).toBe(false);
        await expect(hashStoredWal(store, name), `hash, cut at ${n}`).rejects.toMatchObject({ code: 'wal-corrupt' });
      }
      for (const [what, bad] of [
        ['garbage appended', Buffer.concat([z, Buffer.from('garbage!')])],
        ['zero bytes appended', Buffer.concat([z, Buffer.alloc(512)])],
        ['an empty object', Buffer.alloc(0)],
      ] as const) {
        await store.put(walKey(name), Readable.from([bad]));
        const dest = path.join(work, `dest-${name}-${what}`);
        await expect(fetchWalFile(store, name, dest), what).rejects.toMatchObject({ code: 'wal-corrupt' });
        expect(existsSync(dest)).toBe(false);
        await expect(hashStoredWal(store, name), `hash, ${what}`).rejects.toMatchObject({ code: 'wal-corrupt' });
      }
      await store.put(walKey(name), Readable.from([z]));
      const dest = path.join(work, `dest-${name}-whole`);
      await fetchWalFile(store, name, dest);
      expect(readFileSync(dest).equals(content)).toBe(true);
      expect((await hashStoredWal(store, name)).bytes).toBe(content.length);
    });
});
