import { describe, expect, it } from 'vitest';
import { computeStatus } from '../../../src/report/freshness.js';
import type { Manifest } from '../../../src/repo/manifest.js';
import { walCatalogFromKeys } from '../../../src/repo/wal-catalog.js';

const now = new Date('2026-11-25T12:00:00Z');
const at = (h: number) => new Date(now.getTime() - h * 3600_000).toISOString();

function m(id: string, type: Manifest['type'], stopHoursAgo: number, extra: Partial<Manifest> = {}): Manifest {
  return {
    format: 1, id, type, startTime: at(stopHoursAgo + 0.1), stopTime: at(stopHoursAgo), pgVersion: '15', pgVersionNum: 150000,
    systemIdentifier: '1', bytes: 100, rawBytes: 300, objects: [], tool: { name: 'pgkeep', version: 't' }, ...extra,
  } as Manifest;
}
const seg = (n: number, hoursAgo?: number) => ({
  key: `wal/00000001/00000001000000000000000${n.toString(16).toUpperCase()}.zst`,
  size: 10,
  ...(hoursAgo !== undefined ? { modified: at(hoursAgo) } : {}),
});

describe('freshness and recovery window', () => {
  it('window runs from the oldest backup to the newest archived WAL after a full backup', () => {
    const cat = { backups: [m('a', 'logical', 70), m('b', 'full', 20, { stopWal: '000000010000000000000002' })], incomplete: [] };
    const s = computeStatus(cat, walCatalogFromKeys([seg(2, 19), seg(3, 0.5)]), { now, maxAgeHours: 26, maxWalAgeHours: 1 });
    expect(s.window).toEqual({ oldest: at(70), newest: at(0.5) });
    expect(s.stale).toBe(false);
    expect(s.newestFull?.ageHours).toBe(20);
    expect(s.newestWal).toMatchObject({ name: '000000010000000000000003', ageHours: 0.5 });
  });

  it('is stale when the newest full backup is older than the threshold', () => {
    const cat = { backups: [m('b', 'full', 30)], incomplete: [] };
    const s = computeStatus(cat, walCatalogFromKeys([seg(3, 0.1)]), { now, maxAgeHours: 26 });
    expect(s.stale).toBe(true);
    expect(s.problems[0]).toMatch(/newest full backup b finished 30 h ago, more than the allowed 26 h/);
  });

  it('is stale when WAL archiving stopped, even with a fresh full backup', () => {
    const cat = { backups: [m('b', 'full', 2)], incomplete: [] };
    const s = computeStatus(cat, walCatalogFromKeys([seg(3, 5)]), { now, maxAgeHours: 26, maxWalAgeHours: 1 });
    expect(s.stale).toBe(true);
    expect(s.problems[0]).toMatch(/archive_command/);
    expect(computeStatus(cat, walCatalogFromKeys([]), { now, maxAgeHours: 26 }).problems[0]).toMatch(/No WAL has been archived/);
  });

  it('judges logical-only repositories by their newest dump and ignores WAL', () => {
    const cat = { backups: [m('a', 'logical', 25)], incomplete: ['x'] };
    expect(computeStatus(cat, walCatalogFromKeys([]), { now, maxAgeHours: 26 }).stale).toBe(false);
    const s = computeStatus(cat, walCatalogFromKeys([]), { now, maxAgeHours: 24 });
    expect(s.stale).toBe(true);
    expect(s.notes[0]).toMatch(/1 incomplete backup/);
  });

  it('an empty repository is stale; unknown WAL times are a note, not a verdict', () => {
    expect(computeStatus({ backups: [], incomplete: [] }, walCatalogFromKeys([]), { now, maxAgeHours: 26 }).problems).toEqual(['The repository holds no backup at all.']);
    const s = computeStatus({ backups: [m('b', 'full', 1)], incomplete: [] }, walCatalogFromKeys([seg(3)]), { now, maxAgeHours: 26 });
    expect(s.stale).toBe(false);
    expect(s.notes[0]).toMatch(/WAL age unknown/);
  });
});
