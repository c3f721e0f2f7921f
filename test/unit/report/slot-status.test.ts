import { describe, expect, it } from 'vitest';
import { slotsStatus } from '../../../src/report/slot-status.js';
import { walCatalogFromKeys } from '../../../src/repo/wal-catalog.js';

const wal = walCatalogFromKeys([
  { key: 'wal/00000001/000000010000000000000005.zst', size: 100, modified: '2026-11-26T06:00:00.000Z' },
  { key: 'wal/00000001/000000010000000000000006.zst', size: 100, modified: '2026-11-26T07:00:00.000Z' },
]);
const now = new Date('2026-11-26T12:00:00.000Z');

describe('slotsStatus', () => {
  it('dates the oldest WAL a slot keeps from the archive (the segment holding restart_lsn)', () => {
    const r = slotsStatus({ slots: [{ name: 'pgkeep', type: 'physical', active: true, activePid: 42, restartLsn: '0/6000100', retainedBytes: 3 << 20 }], maxSlotWalKeepSizeBytes: 50 * 2 ** 30 }, wal, now);
    expect(r.replicationSlots[0]).toMatchObject({ name: 'pgkeep', retainedBytes: 3 << 20, oldestRetainedArchivedAt: '2026-11-26T07:00:00.000Z', oldestRetainedAgeHours: 5 });
    expect(r.notes).toEqual([]);
  });
  it('falls back to the segment before it, and leaves the age out when the archive has neither', () => {
    const r = slotsStatus({ slots: [
      { name: 'a', type: 'physical', active: false, restartLsn: '0/7000000', retainedBytes: 0 },
      { name: 'b', type: 'physical', active: false, restartLsn: '0/9000000', retainedBytes: 0 },
    ], maxSlotWalKeepSizeBytes: -1 }, wal, now);
    expect(r.replicationSlots[0].oldestRetainedArchivedAt).toBe('2026-11-26T07:00:00.000Z');
    expect(r.replicationSlots[1].oldestRetainedArchivedAt).toBeUndefined();
  });
  it('warns about the pgkeep slot when nothing caps it or nothing reads it', () => {
    const r = slotsStatus({ slots: [{ name: 'pgkeep', type: 'physical', active: false, restartLsn: '0/6000000', retainedBytes: 5 * 2 ** 30 }], maxSlotWalKeepSizeBytes: -1 }, wal, now);
    expect(r.notes.join(' ')).toMatch(/max_slot_wal_keep_size is -1 \(unlimited\)/);
    expect(r.notes.join(' ')).toMatch(/not in use and keeps 5\.0 GiB of WAL .* pgkeep slot drop/);
  });
  it('says nothing about slots that are not pgkeep\'s (a replica\'s)', () => {
    const r = slotsStatus({ slots: [{ name: 'replica1', type: 'physical', active: false, restartLsn: '0/6000000', retainedBytes: 5 * 2 ** 30 }], maxSlotWalKeepSizeBytes: -1 }, wal, now);
    expect(r.notes).toEqual([]);
  });
});
