// A segment that is already in a file repository is compared with the stored copy before
// anything is written: no compressed temp copy, no fsync, no link() that would only be refused.
// The "never overwrite with different content" guarantee is unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { FsStore } from '../../../src/storage/fs-store.js';
import type { PutOptions } from '../../../src/storage/store.js';
import { walKey } from '../../../src/repo/layout.js';
import { pushWalFile } from '../../../src/wal/wal-object.js';
import { fakeSegment } from '../../integration/wal/fake-segment.js';

const NAME = '000000010000000000000001';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A file store that counts the writes it is asked for. */
class CountingFsStore extends FsStore {
  puts = 0;
  override async put(key: string, body: Readable, opts?: PutOptions) {
    this.puts++;
    return super.put(key, body, opts);
  }
}

describe('wal-push of a segment a file repository already holds', () => {
  let tmp: string;
  let store: CountingFsStore;
  beforeAll(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-archived-'));
    store = new CountingFsStore(path.join(tmp, 'repo'));
    await fsp.mkdir(path.join(tmp, 'a'));
    await fsp.mkdir(path.join(tmp, 'b'));
    await fsp.writeFile(path.join(tmp, 'a', NAME), fakeSegment(NAME));
    await fsp.writeFile(path.join(tmp, 'b', NAME), fakeSegment(NAME)); // same name, other content
  });
  afterAll(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('is answered "identical" from the stored copy without writing anything', async () => {
    expect((await pushWalFile(store, path.join(tmp, 'a', NAME))).status).toBe('stored');
    expect(store.puts).toBe(1);
    const again = await pushWalFile(store, path.join(tmp, 'a', NAME));
    expect(again).toMatchObject({ status: 'identical', rawBytes: 16 * 1024 * 1024, sha256: sha(await fsp.readFile(path.join(tmp, 'a', NAME))) });
    expect(store.puts).toBe(1);
    expect((await fsp.readdir(path.join(tmp, 'repo', 'wal', '00000001'))).sort()).toEqual([`${NAME}.zst`]);
  });

  it('still refuses different content under the same name, before writing, and keeps the stored copy', async () => {
    const stored = path.join(tmp, 'repo', walKey(NAME));
    const before = sha(await fsp.readFile(stored));
    await expect(pushWalFile(store, path.join(tmp, 'b', NAME))).rejects.toMatchObject({ code: 'wal-differs' });
    expect(store.puts).toBe(1);
    expect(sha(await fsp.readFile(stored))).toBe(before);
  });

  it('names a missing local file as such, not as a repository problem', async () => {
    await expect(pushWalFile(store, path.join(tmp, 'gone', NAME))).rejects.toMatchObject({ code: 'wal-missing-local' });
  });
});
