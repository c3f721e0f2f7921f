import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsStore } from '../../../src/storage/fs-store.js';
import { CACHE_TTL_MS, checkRepoSystem, repoSystemCacheFile } from '../../../src/wal/repo-system.js';
import { parseSegmentHeader, segmentHeaderProblem } from '../../../src/wal/segment-header.js';
import { FAKE_SYSID, SEG, segmentHeader } from '../../integration/wal/fake-segment.js';

const name = '0000000200000001000000A3';

describe('WAL segment long page header', () => {
  it('reads the system identifier, position and sizes', () => {
    const h = parseSegmentHeader(segmentHeader(name));
    expect(h).toMatchObject({ magic: 0xd10d, timeline: 2, systemIdentifier: FAKE_SYSID, segSize: SEG, blockSize: 8192 });
    expect(h.pageAddr).toBe(0x1_a300_0000n);
    expect(segmentHeaderProblem(name, h, SEG)).toBeNull();
    // A .partial file is checked by its segment name and may be shorter.
    expect(segmentHeaderProblem(`${name}.partial`, h, 4096)).toBeNull();
  });

  it('names what is wrong: position, size, magic, a page without a long header', () => {
    const h = parseSegmentHeader(segmentHeader(name));
    expect(segmentHeaderProblem('0000000200000001000000A4', h, SEG)).toBe('its first page is for position 1/A3000000, the name says 1/A4000000');
    expect(segmentHeaderProblem(name, h, SEG / 2)).toMatch(/is 8388608 bytes, its header says segments are 16777216/);
    expect(segmentHeaderProblem(name, { ...h, magic: 0x1234 }, SEG)).toMatch(/page magic is 0x1234/);
    expect(segmentHeaderProblem(name, { ...h, info: 0 }, SEG)).toMatch(/no long header/);
    expect(segmentHeaderProblem(name, { ...h, segSize: 12345 }, SEG)).toMatch(/segment size of 12345/);
    // Other segment sizes (initdb --wal-segsize) are positions in their own units.
    const big = parseSegmentHeader(segmentHeader('000000010000000000000002', FAKE_SYSID, 64 * 1024 * 1024));
    expect(segmentHeaderProblem('000000010000000000000002', big, 64 * 1024 * 1024)).toBeNull();
  });
});

describe('the repository system check behind wal-push', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-reposys-'));
  });
  afterAll(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('claims an empty repository, then answers from the cache until it expires; a mismatch names both', async () => {
    const store = new FsStore(path.join(tmp, 'repo'));
    const cacheDir = path.join(tmp, 'cache');
    const o = { systemIdentifier: '111', what: 'WAL file X', repoUrl: 'file:///r', cacheDir, now: 1_000_000 };
    expect(await checkRepoSystem(store, o)).toBe('claimed');
    expect(JSON.parse(await fsp.readFile(path.join(tmp, 'repo', 'pgkeep.json'), 'utf8')).systemIdentifier).toBe('111');
    expect(await checkRepoSystem(store, { ...o, now: o.now + 1000 })).toBe('cached');
    expect(await checkRepoSystem(store, { ...o, now: o.now + CACHE_TTL_MS + 1 })).toBe('checked');
    // Another repository URL has its own cache entry.
    expect(repoSystemCacheFile(cacheDir, 'file:///r')).not.toBe(repoSystemCacheFile(cacheDir, 'file:///s'));
    // Another system: always a fresh read, never the cache; the message names both.
    await expect(checkRepoSystem(store, { ...o, systemIdentifier: '222' })).rejects.toMatchObject({
      code: 'wrong-cluster',
      message: expect.stringMatching(/WAL file X belongs to database system 222, but repository file:\/\/.* holds database system 111; nothing was written/),
    });
  });

  it('a pgkeep.json that names no system yet (a logical-only repository) gets this one', async () => {
    const store = new FsStore(path.join(tmp, 'repo2'));
    await fsp.mkdir(path.join(tmp, 'repo2'), { recursive: true });
    await fsp.writeFile(path.join(tmp, 'repo2', 'pgkeep.json'), JSON.stringify({ format: 1, created: '2026-01-01T00:00:00Z' }));
    expect(await checkRepoSystem(store, { systemIdentifier: '333', what: 'x', repoUrl: 'file:///r2' })).toBe('claimed');
    expect(JSON.parse(await fsp.readFile(path.join(tmp, 'repo2', 'pgkeep.json'), 'utf8'))).toMatchObject({ systemIdentifier: '333', created: '2026-01-01T00:00:00Z' });
  });
});
