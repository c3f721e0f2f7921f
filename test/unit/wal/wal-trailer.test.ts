// The SHA-256 trailer of a stored WAL object (src/wal/wal-trailer.ts): a re-push of an archived
// segment is answered from the object's last bytes only when they prove the same content; every
// other case goes to the full comparison, and different content is still refused loudly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { FsStore } from '../../../src/storage/fs-store.js';
import { MirrorStore } from '../../../src/storage/mirror-store.js';
import { walKey } from '../../../src/repo/layout.js';
import { fetchWalFile, pushWalFile } from '../../../src/wal/wal-object.js';
import { decodeWalTrailer, encodeWalTrailer, TRAILER_BYTES } from '../../../src/wal/wal-trailer.js';
import { ZstdStreamCheck } from '../../../src/util/zstd-check.js';
import { createReadStream } from 'node:fs';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { setAgeKeys } from '../../../src/util/age.js';
import { walKeyEncrypted } from '../../../src/repo/layout.js';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fakeSegment } from '../../integration/wal/fake-segment.js';

const A = '000000010000000000000001';
const B = '000000010000000000000002';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const zstd = (b: Buffer) => zlib.zstdCompressSync(b, { params: { [zlib.constants.ZSTD_c_checksumFlag]: 1 } });

/** A file store that counts whole-object reads (a decompressing comparison needs one). */
class CountingFsStore extends FsStore {
  gets = 0;
  override async get(key: string): Promise<Readable> {
    this.gets++;
    return super.get(key);
  }
}

describe('WAL object trailer', () => {
  let tmp: string;
  let store: CountingFsStore;
  let segA: Buffer;
  const local = (dir: string, name = A) => path.join(tmp, dir, name);
  const storedPath = (name: string) => path.join(tmp, 'repo', walKey(name));

  beforeAll(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-trailer-'));
    store = new CountingFsStore(path.join(tmp, 'repo'));
    segA = fakeSegment(A);
    for (const d of ['a', 'b', 'c']) await fsp.mkdir(path.join(tmp, d));
    await fsp.writeFile(local('a'), segA);
    await fsp.writeFile(local('b'), fakeSegment(A)); // same name, other content
    await fsp.writeFile(local('a', B), fakeSegment(B));
  });
  afterAll(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('round-trips and refuses what is not one', () => {
    const t = { name: '000000010000000000000003.00000028.backup', bytes: 16 << 20, sha256: 'ab'.repeat(32) };
    const b = encodeWalTrailer(t);
    expect(b.length).toBe(TRAILER_BYTES);
    expect(decodeWalTrailer(Buffer.concat([Buffer.from('x'), b]))).toEqual(t);
    expect(decodeWalTrailer(b.subarray(1))).toBeNull();
    const bad = Buffer.from(b);
    bad[9] ^= 1; // the tag
    expect(decodeWalTrailer(bad)).toBeNull();
  });

  it('is written after the data frame: the stored object still decodes to the segment (pgkeep and zstd -d)', async () => {
    expect((await pushWalFile(store, local('a'))).status).toBe('stored');
    const obj = await fsp.readFile(storedPath(A));
    expect(decodeWalTrailer(obj)).toEqual({ name: A, bytes: segA.length, sha256: sha(segA) });
    // verify's integrity check (every frame decoded, nothing trailing) takes it as intact.
    const check = new ZstdStreamCheck(A);
    await pipeline(createReadStream(storedPath(A)), check, new Writable({ write: (_c, _e, cb) => cb() }));
    expect(check.rawBytes).toBe(segA.length);
    await fetchWalFile(store, A, path.join(tmp, 'c', A));
    expect(sha(await fsp.readFile(path.join(tmp, 'c', A)))).toBe(sha(segA));
    let cli: Buffer | undefined;
    try {
      cli = execFileSync('zstd', ['-dc', storedPath(A)], { maxBuffer: 64 << 20 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // no zstd CLI here
    }
    if (cli) expect(sha(cli)).toBe(sha(segA));
  });

  it('answers a re-push of the same content from the trailer, without reading the object', async () => {
    const gets = store.gets;
    expect(await pushWalFile(store, local('a'))).toMatchObject({ status: 'identical', sha256: sha(segA) });
    expect(store.gets).toBe(gets);
    // Through a mirror too (it reads the tail from the first copy that has the object).
    expect((await pushWalFile(new MirrorStore([store]), local('a'))).status).toBe('identical');
    expect(store.gets).toBe(gets);
  });

  it('refuses different content under the same name loudly and keeps the stored copy', async () => {
    const before = sha(await fsp.readFile(storedPath(A)));
    const gets = store.gets;
    await expect(pushWalFile(store, local('b'))).rejects.toMatchObject({ code: 'wal-differs' });
    // The trailer disagreed, so the full comparison decided (a refusal never rests on the trailer alone).
    expect(store.gets).toBe(gets + 1);
    expect(sha(await fsp.readFile(storedPath(A)))).toBe(before);
  });

  it('never takes a trailer naming another file: an object copied from another name is compared in full', async () => {
    // The object of B (with B's trailer) put under A's name while the local A is B's content:
    // the trailer's hash matches, but it speaks for B, so only the full comparison may answer.
    await pushWalFile(store, local('a', B));
    const dir = path.join(tmp, 'd');
    await fsp.mkdir(dir);
    const repo2 = new CountingFsStore(path.join(tmp, 'repo2'));
    await fsp.mkdir(path.dirname(path.join(tmp, 'repo2', walKey(A))), { recursive: true });
    await fsp.copyFile(storedPath(B), path.join(tmp, 'repo2', walKey(A)));
    await fsp.copyFile(local('a', B), path.join(dir, A));
    expect((await pushWalFile(repo2, path.join(dir, A))).status).toBe('identical');
    expect(repo2.gets).toBe(1);
    // …and a local file with other content is refused.
    await expect(pushWalFile(repo2, local('b'))).rejects.toMatchObject({ code: 'wal-differs' });
  });

  it('compares an object without a trailer (pushed by an older pgkeep) in full, both ways', async () => {
    const repo3 = new CountingFsStore(path.join(tmp, 'repo3'));
    await fsp.mkdir(path.dirname(path.join(tmp, 'repo3', walKey(A))), { recursive: true });
    await fsp.writeFile(path.join(tmp, 'repo3', walKey(A)), zstd(segA));
    expect((await pushWalFile(repo3, local('a'))).status).toBe('identical');
    expect(repo3.gets).toBe(1);
    await expect(pushWalFile(repo3, local('b'))).rejects.toMatchObject({ code: 'wal-differs' });
  });

  it('does not trust a trailer whose object was cut: a truncated data frame before it is reported corrupt', async () => {
    // A damaged object whose trailer disagrees with the local file must fail loudly, not pass.
    const repo4 = new CountingFsStore(path.join(tmp, 'repo4'));
    const key = path.join(tmp, 'repo4', walKey(A));
    await fsp.mkdir(path.dirname(key), { recursive: true });
    const z = zstd(fakeSegment(A));
    await fsp.writeFile(key, Buffer.concat([z.subarray(0, z.length >> 1), encodeWalTrailer({ name: A, bytes: segA.length, sha256: 'cd'.repeat(32) })]));
    await expect(pushWalFile(repo4, local('a'))).rejects.toMatchObject({ code: 'wal-corrupt' });
  });

  it('compares an encrypted object in full (its trailer is inside the encryption): same content passes, other content is refused', async () => {
    const identity = await generateIdentity();
    setAgeKeys(await identityToRecipient(identity), identity);
    try {
      const repo5 = new CountingFsStore(path.join(tmp, 'repo5'));
      expect((await pushWalFile(repo5, local('a'))).status).toBe('stored');
      expect(decodeWalTrailer(await fsp.readFile(path.join(tmp, 'repo5', walKeyEncrypted(A))))).toBeNull();
      expect((await pushWalFile(repo5, local('a'))).status).toBe('identical');
      expect(repo5.gets).toBe(1);
      await expect(pushWalFile(repo5, local('b'))).rejects.toMatchObject({ code: 'wal-differs' });
    } finally {
      setAgeKeys(undefined, undefined);
    }
  });
});
