import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fsp, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { FsStore } from '../../../src/storage/fs-store.js';
import { walKey } from '../../../src/repo/layout.js';
import { pushWalFile, fetchWalFile } from '../../../src/wal/wal-object.js';
import { walPush, MARKER_DIR } from '../../../src/wal/wal-push.js';
import { walFetch, PREFETCH_DIR } from '../../../src/wal/wal-fetch.js';
import { pgkeep } from '../../helpers/cli.js';
import { SEG, fakeSegment } from './fake-segment.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const seg = (n: number) => `0000000100000000000000${n.toString(16).toUpperCase().padStart(2, '0')}`;


describe('WAL objects: push, fetch, look-ahead, prefetch', () => {
  let tmp: string;
  let store: FsStore;
  let pgdata: string;
  let walDir: string;
  const contents = new Map<string, Buffer>();

  beforeAll(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-walobj-'));
    store = new FsStore(path.join(tmp, 'repo'));
    pgdata = path.join(tmp, 'pgdata');
    walDir = path.join(pgdata, 'pg_wal');
    await fsp.mkdir(path.join(walDir, 'archive_status'), { recursive: true });
    for (let i = 1; i <= 6; i++) {
      const b = fakeSegment(seg(i));
      contents.set(seg(i), b);
      await fsp.writeFile(path.join(walDir, seg(i)), b);
    }
  });
  afterAll(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('stores a segment compressed, and a second identical push succeeds without rewriting it', async () => {
    const r1 = await pushWalFile(store, path.join(walDir, seg(1)));
    expect(r1.status).toBe('stored');
    expect(r1.bytes).toBeLessThan(SEG / 4);
    const before = await fsp.stat(path.join(store.root, walKey(seg(1))));
    const r2 = await pushWalFile(store, path.join(walDir, seg(1)));
    expect(r2.status).toBe('identical');
    const after = await fsp.stat(path.join(store.root, walKey(seg(1))));
    expect(after.ino).toBe(before.ino);
  });

  it('refuses a different file under an archived name and leaves the stored copy intact', async () => {
    const other = path.join(tmp, 'other', seg(1));
    await fsp.mkdir(path.dirname(other), { recursive: true });
    await fsp.writeFile(other, fakeSegment(seg(1)));
    const storedBefore = await fsp.readFile(path.join(store.root, walKey(seg(1))));
    await expect(pushWalFile(store, other)).rejects.toMatchObject({ code: 'wal-differs' });
    const storedAfter = await fsp.readFile(path.join(store.root, walKey(seg(1))));
    expect(sha(storedAfter)).toBe(sha(storedBefore));
    const back = path.join(tmp, 'back');
    await fetchWalFile(store, seg(1), back);
    expect(sha(await fsp.readFile(back))).toBe(sha(contents.get(seg(1))!));
  });

  it('pushes other .ready files ahead, and the next call for one of them returns from its marker', async () => {
    for (let i = 2; i <= 5; i++) await fsp.writeFile(path.join(walDir, 'archive_status', `${seg(i)}.ready`), '');
    const r = await walPush(store, { file: path.join(walDir, seg(2)), repoUrl: 'file://x', parallel: 2 });
    expect(r.status).toBe('stored');
    expect(r.ahead).toEqual([seg(3), seg(4), seg(5)]);
    for (let i = 3; i <= 5; i++) {
      expect(await store.head(walKey(seg(i)))).not.toBeNull();
      expect(existsSync(path.join(walDir, MARKER_DIR, seg(i)))).toBe(true);
    }
    const r3 = await walPush(store, { file: path.join(walDir, seg(3)), repoUrl: 'file://x', parallel: 2 });
    expect(r3.status).toBe('already-pushed');
    expect(existsSync(path.join(walDir, MARKER_DIR, seg(3)))).toBe(false);
  });

  it('does not trust a marker for another repository or for changed local content', async () => {
    // Marker for seg 4 was written for file://x; under another repo URL the push really happens.
    const other = new FsStore(path.join(tmp, 'repo2'));
    const r = await walPush(other, { file: path.join(walDir, seg(4)), repoUrl: 'file://y', parallel: 1, lookAhead: 0 });
    expect(r.status).toBe('stored');
    expect(await other.head(walKey(seg(4)))).not.toBeNull();
    // Local seg 5 changes after being pushed ahead: the marker no longer matches, the real push refuses.
    await fsp.writeFile(path.join(walDir, seg(5)), fakeSegment(seg(5)));
    await expect(walPush(store, { file: path.join(walDir, seg(5)), repoUrl: 'file://x', parallel: 1, lookAhead: 0 })).rejects.toMatchObject({ code: 'wal-differs' });
    await fsp.writeFile(path.join(walDir, seg(5)), contents.get(seg(5))!);
  });

  it('fetches with prefetch into the spool and serves the next segments from it', async () => {
    await pushWalFile(store, path.join(walDir, seg(6)));
    const rdir = path.join(tmp, 'restore', 'pg_wal');
    await fsp.mkdir(rdir, { recursive: true });
    const dest = path.join(rdir, 'RECOVERYXLOG');
    const a = await walFetch(store, { name: seg(1), dest, prefetch: 4, parallel: 2 });
    expect(a.source).toBe('repository');
    expect(a.prefetched).toBe(4);
    expect(sha(await fsp.readFile(dest))).toBe(sha(contents.get(seg(1))!));
    expect((await fsp.readdir(path.join(rdir, PREFETCH_DIR))).sort()).toEqual([seg(2), seg(3), seg(4), seg(5)]);
    // Across a timeline switch PostgreSQL first asks for the newer timeline's name: missing,
    // and the spooled segments of timeline 1 must survive it.
    await expect(walFetch(store, { name: '00000002' + seg(2).slice(8), dest, prefetch: 4, parallel: 2 })).rejects.toMatchObject({ code: 'not-found' });
    expect((await fsp.readdir(path.join(rdir, PREFETCH_DIR))).sort()).toEqual([seg(2), seg(3), seg(4), seg(5)]);
    const b = await walFetch(store, { name: seg(2), dest, prefetch: 4, parallel: 2 });
    expect(b.source).toBe('spool');
    expect(sha(await fsp.readFile(dest))).toBe(sha(contents.get(seg(2))!));
    for (const n of [3, 4, 5, 6]) {
      const r = await walFetch(store, { name: seg(n), dest, prefetch: 4, parallel: 2 });
      expect(sha(await fsp.readFile(dest))).toBe(sha(contents.get(seg(n))!));
      if (n <= 5) expect(r.source).toBe('spool');
    }
    // Past the end of the archive: missing, nothing left behind but the spool dir.
    await expect(walFetch(store, { name: seg(7), dest, prefetch: 4, parallel: 2 })).rejects.toMatchObject({ code: 'not-found' });
    expect(await fsp.readdir(path.join(rdir, PREFETCH_DIR))).toEqual([]);
  });

  it('detects a corrupted stored segment (zstd checksum) and never writes the destination', async () => {
    const key = path.join(store.root, walKey(seg(6)));
    const buf = await fsp.readFile(key);
    buf[Math.floor(buf.length / 2)] ^= 0xff;
    await fsp.writeFile(key, buf);
    const dest = path.join(tmp, 'corrupt-dest');
    await expect(fetchWalFile(store, seg(6), dest)).rejects.toMatchObject({ code: 'wal-corrupt' });
    expect(existsSync(dest)).toBe(false);
  });

  it('wal-fetch of a missing file exits 1 quickly with one line; history files are served too', async () => {
    const hist = path.join(walDir, '00000002.history');
    await fsp.writeFile(hist, '1\t0/3000000\tno recovery target specified\n');
    const env = { PGKEEP_REPO: `file://${store.root}` };
    expect((await pgkeep(['wal-push', hist], env)).code).toBe(0);
    const t0 = Date.now();
    const miss = await pgkeep(['wal-fetch', '00000003.history', path.join(tmp, 'h3')], env);
    expect(miss.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(miss.stderr.trim().split('\n')).toHaveLength(1);
    expect(miss.stderr).toContain('00000003.history');
    const ok = await pgkeep(['wal-fetch', '00000002.history', path.join(tmp, 'h2')], env);
    expect(ok.code).toBe(0);
    expect(await fsp.readFile(path.join(tmp, 'h2'), 'utf8')).toContain('0/3000000');
  });
});
