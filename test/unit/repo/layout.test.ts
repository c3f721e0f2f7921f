import { describe, expect, it } from 'vitest';
import { makeBackupId, parseBackupId, walKey, manifestKey } from '../../../src/repo/layout.js';
import { walCatalogFromKeys } from '../../../src/repo/wal-catalog.js';

describe('repository layout v1', () => {
  it('makes ids that sort by time and parse back', () => {
    const a = makeBackupId(new Date('2026-11-25T02:00:00.789Z'), 'full');
    const b = makeBackupId(new Date('2026-11-25T08:00:00Z'), 'incr');
    expect(a).toBe('20261125T020000Z-full');
    expect([b, a].sort()).toEqual([a, b]);
    expect(parseBackupId(a)).toEqual({ time: new Date('2026-11-25T02:00:00Z'), type: 'full' });
    expect(parseBackupId('nonsense')).toBeNull();
  });

  it('places WAL under its timeline and manifests beside their objects', () => {
    expect(walKey('000000020000000000000003')).toBe('wal/00000002/000000020000000000000003.zst');
    expect(walKey('00000002.history')).toBe('wal/00000002/00000002.history.zst');
    expect(manifestKey('20261125T020000Z-full')).toBe('backups/20261125T020000Z-full/manifest.json');
  });

  it('catalogs WAL objects by timeline and kind', () => {
    const cat = walCatalogFromKeys([
      { key: 'wal/00000002/000000020000000000000004.zst', size: 10 },
      { key: 'wal/00000001/000000010000000000000003.zst', size: 10 },
      { key: 'wal/00000002/00000002.history.zst', size: 1 },
      { key: 'wal/00000001/000000010000000000000002.00000028.backup.zst', size: 1 },
    ]);
    expect(cat.segments.map((s) => [s.timeline, s.segno])).toEqual([
      [1, 3n],
      [2, 4n],
    ]);
    expect(cat.histories.map((h) => h.timeline)).toEqual([2]);
    expect(cat.other).toHaveLength(1);
  });
});

describe('fresh backup ids', () => {
  it('bumps to the next free second when another backup (even incomplete) holds the id', async () => {
    const { mkdtempSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { Readable } = await import('node:stream');
    const { FsStore } = await import('../../../src/storage/fs-store.js');
    const { freshBackupId } = await import('../../../src/repo/catalog.js');
    const s = new FsStore(mkdtempSync(path.join(os.tmpdir(), 'pgkeep-id-')));
    const at = new Date('2026-11-25T02:00:00.400Z');
    expect(await freshBackupId(s, at, 'full')).toBe('20261125T020000Z-full');
    await s.put('backups/20261125T020000Z-full/base.tar.zst', Readable.from([Buffer.from('x')]));
    expect(await freshBackupId(s, at, 'full')).toBe('20261125T020001Z-full');
    expect(await freshBackupId(s, at, 'logical')).toBe('20261125T020000Z-logical');
  });
});
