import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsStore } from '../../../src/storage/fs-store.js';
import { MirrorStore } from '../../../src/storage/mirror-store.js';
import { acquireLock, type LockInfo } from '../../../src/repo/lock.js';
import { writeJson } from '../../../src/repo/catalog.js';
import { lockKey } from '../../../src/repo/layout.js';

const tmpStore = () => new FsStore(mkdtempSync(path.join(os.tmpdir(), 'pgkeep-lock-')));

describe('repository locks', () => {
  it('refuses a second holder, then allows it after release', async () => {
    const s = tmpStore();
    const a = await acquireLock(s, 'backup-full');
    await expect(acquireLock(s, 'backup-full')).rejects.toMatchObject({ code: 'locked' });
    await a.release();
    const b = await acquireLock(s, 'backup-full');
    await b.release();
  });

  it('refuses expire while a backup lock is held', async () => {
    const s = tmpStore();
    const a = await acquireLock(s, 'backup-logical');
    await expect(acquireLock(s, 'expire', { conflictsWith: (l) => l.name.startsWith('backup-') })).rejects.toThrow(/Another pgkeep backup-logical is running/);
    await a.release();
  });

  it('takes over a lock left by a dead process on this host', async () => {
    const s = tmpStore();
    const dead: LockInfo = { name: 'backup-full', host: os.hostname(), pid: 2 ** 22 + 12345, since: new Date().toISOString() };
    await writeJson(s, lockKey('backup-full'), dead);
    const l = await acquireLock(s, 'backup-full');
    await l.release();
  });

  it('on a mirror, a live lock on one copy refuses and leaves nothing behind on the other', async () => {
    const a = tmpStore();
    const b = tmpStore();
    const live: LockInfo = { name: 'backup-full', host: 'other-runner', pid: 1, since: new Date().toISOString() };
    await writeJson(b, lockKey('backup-full'), live);
    const m = new MirrorStore([a, b]);
    await expect(acquireLock(m, 'backup-full')).rejects.toMatchObject({ code: 'locked' });
    expect(await a.head(lockKey('backup-full'))).toBeNull();
    // A stale lock on one copy only (an earlier run died after writing one copy) is taken over.
    await writeJson(b, lockKey('backup-full'), { ...live, since: '2000-01-01T00:00:00Z' });
    const l = await acquireLock(m, 'backup-full');
    await l.release();
    expect(await a.head(lockKey('backup-full'))).toBeNull();
    expect(await b.head(lockKey('backup-full'))).toBeNull();
  });
});

describe('file store housekeeping', () => {
  it("removes a backup's directory with its last object, and never a WAL directory", async () => {
    const { promises: fsp, existsSync } = await import('node:fs');
    const { Readable } = await import('node:stream');
    const s = tmpStore();
    await s.put('backups/20260101T000000Z-full/a', Readable.from([Buffer.from('a')]));
    await s.put('backups/20260101T000000Z-full/b', Readable.from([Buffer.from('b')]));
    await s.put('wal/00000001/000000010000000000000001.zst', Readable.from([Buffer.from('w')]));
    await s.delete('backups/20260101T000000Z-full/a');
    expect(existsSync(path.join(s.root, 'backups/20260101T000000Z-full'))).toBe(true);
    await s.delete('backups/20260101T000000Z-full/b');
    expect(existsSync(path.join(s.root, 'backups/20260101T000000Z-full'))).toBe(false);
    await s.delete('wal/00000001/000000010000000000000001.zst');
    expect(existsSync(path.join(s.root, 'wal/00000001'))).toBe(true);
    expect(await fsp.readdir(path.join(s.root, 'backups'))).toEqual([]);
  });
});
