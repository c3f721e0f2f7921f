import { describe, expect, it } from 'vitest';
import { planRetention } from '../../../src/retention/plan.js';
import { segmentName } from '../../../src/wal/segment.js';
import { NOW, backup, daysAgo, history, walCat, walRange } from './catalog-fixture.js';
import type { Manifest } from '../../../src/repo/manifest.js';

const plan = (backups: Manifest[], wal = walCat(), o: { days?: number; incomplete?: { id: string; bytes: number; modified?: string }[] } = {}) =>
  planRetention({ backups, incomplete: o.incomplete ?? [], wal, now: NOW, retentionDays: o.days ?? 30 });
const ids = (l: { id: string }[]) => l.map((b) => b.id);

describe('retention plan', () => {
  it('an empty repository plans nothing', () => {
    const p = plan([]);
    expect(p.keep).toEqual([]);
    expect(p.expire).toEqual([]);
    expect(p.expireWal).toEqual([]);
    expect(p.bytesFreed).toBe(0);
    expect(p.windowStart).toBe(daysAgo(30).toISOString());
  });

  it('never expires the only backup, however old', () => {
    for (const type of ['full', 'logical'] as const) {
      const b = backup(type, 400, { seg: 5 });
      const p = plan([b], walCat(walRange(1, 1, 9)));
      expect(ids(p.keep)).toEqual([b.id]);
      expect(p.expire).toEqual([]);
    }
  });

  it('keeps backups in the window plus the newest full before it, and WAL from that full onward', () => {
    const f1 = backup('full', 60, { seg: 10 });
    const f2 = backup('full', 40, { seg: 20 }); // anchor: newest before the window start
    const f3 = backup('full', 20, { seg: 30 });
    const f4 = backup('full', 1, { seg: 40 });
    const p = plan([f1, f2, f3, f4], walCat(walRange(1, 10, 45)));
    expect(ids(p.keep)).toEqual([f2.id, f3.id, f4.id]);
    expect(ids(p.expire)).toEqual([f1.id]);
    expect(p.walKeepFrom).toBe(segmentName(1, 20n));
    expect(p.expireWal.map((w) => w.key)).toEqual(walRange(1, 10, 19).map((w) => w.key));
    expect(p.keptWal.segments).toBe(26);
    expect(p.bytesFreed).toBe(1000 + 10 * 100);
  });

  it('a backup that started before the window but stopped inside it does not replace the anchor', () => {
    const f1 = backup('full', 50, { seg: 10 });
    const f2 = backup('full', 30.001, { seg: 20, stopTime: daysAgo(29.9).toISOString() });
    const p = plan([f1, f2], walCat(walRange(1, 10, 25)));
    expect(ids(p.keep)).toEqual([f1.id, f2.id]);
    expect(p.walKeepFrom).toBe(segmentName(1, 10n));
  });

  it('keeps the WAL across a gap in backups (window with no backup inside)', () => {
    const f1 = backup('full', 90, { seg: 10 });
    const f2 = backup('full', 45, { seg: 50 });
    const p = plan([f1, f2], walCat(walRange(1, 10, 100)));
    expect(ids(p.keep)).toEqual([f2.id]);
    expect(ids(p.expire)).toEqual([f1.id]);
    expect(p.expireWal).toHaveLength(40);
    expect(p.keptWal.segments).toBe(51);
  });

  it('keeps WAL on every later timeline and every history file', () => {
    const f1 = backup('full', 60, { seg: 10 });
    const f2 = backup('full', 40, { seg: 20 });
    const f3 = backup('full', 10, { seg: 40, tl: 2 });
    const wal = walCat(walRange(1, 10, 30), [history(2)], walRange(2, 30, 50), [history(3)], walRange(3, 45, 47));
    const p = plan([f1, f2, f3], wal);
    expect(ids(p.keep)).toEqual([f2.id, f3.id]);
    const expired = p.expireWal.map((w) => w.key);
    expect(expired).toEqual(walRange(1, 10, 19).map((w) => w.key));
    expect(expired.some((k) => k.endsWith('.history.zst'))).toBe(false);
    expect(p.keptWal.segments).toBe(11 + 21 + 3);
  });

  it('keeps an incremental chain back to its full, and only that', () => {
    const f1 = backup('full', 70, { seg: 5 });
    const f2 = backup('full', 50, { seg: 10 });
    const i1 = backup('incr', 45, { seg: 15, parent: f2.id });
    const i2 = backup('incr', 35, { seg: 20, parent: i1.id }); // anchor
    const i3 = backup('incr', 5, { seg: 30, parent: i2.id });
    const p = plan([f1, f2, i1, i2, i3], walCat(walRange(1, 5, 35)));
    expect(ids(p.keep).sort()).toEqual([f2.id, i1.id, i2.id, i3.id].sort());
    expect(ids(p.expire)).toEqual([f1.id]);
    // WAL from the oldest kept physical backup (the chain's full).
    expect(p.walKeepFrom).toBe(segmentName(1, 10n));
  });

  it('an incremental with a missing parent is not an anchor', () => {
    const f1 = backup('full', 50, { seg: 10 });
    const orphan = backup('incr', 40, { seg: 20, parent: '20200101T000000Z-full' });
    const f2 = backup('full', 5, { seg: 30 });
    const p = plan([f1, orphan, f2], walCat(walRange(1, 10, 35)));
    expect(p.keep.map((k) => k.id)).toContain(f1.id);
    expect(ids(p.expire)).toEqual([orphan.id]);
  });

  describe('incremental chains (PostgreSQL 17)', () => {
    const cases: { name: string; build: () => { backups: Manifest[]; keep: string[]; expire: string[]; walFrom?: number; reason?: [string, RegExp] } }[] = [
      {
        name: 'a full far outside the window is kept while an incremental inside the window depends on it',
        build: () => {
          const f0 = backup('full', 120, { seg: 2 });
          const f = backup('full', 90, { seg: 5 });
          const anchor = backup('full', 50, { seg: 20 });
          const i = backup('incr', 10, { seg: 40, parent: f.id });
          return { backups: [f0, f, anchor, i], keep: [f.id, anchor.id, i.id], expire: [f0.id], walFrom: 5, reason: [f.id, new RegExp(`parent of kept incremental ${i.id}`)] };
        },
      },
      {
        name: 'every link of a long chain is kept: full → incr → incr → incr (window)',
        build: () => {
          const f = backup('full', 80, { seg: 5 });
          const i1 = backup('incr', 70, { seg: 10, parent: f.id });
          const i2 = backup('incr', 60, { seg: 15, parent: i1.id });
          const i3 = backup('incr', 3, { seg: 30, parent: i2.id });
          return { backups: [f, i1, i2, i3], keep: [f.id, i1.id, i2.id, i3.id], expire: [], walFrom: 5 };
        },
      },
      {
        name: 'an incremental goes with its expired parent',
        build: () => {
          const f1 = backup('full', 70, { seg: 5 });
          const i1 = backup('incr', 65, { seg: 8, parent: f1.id });
          const f2 = backup('full', 40, { seg: 20 }); // anchor
          const f3 = backup('full', 5, { seg: 30 });
          return { backups: [f1, i1, f2, f3], keep: [f2.id, f3.id], expire: [f1.id, i1.id], walFrom: 20 };
        },
      },
      {
        name: 'an incremental inside the window whose parent is already gone is expired (it cannot be restored)',
        build: () => {
          const f = backup('full', 40, { seg: 10 });
          const orphan = backup('incr', 5, { seg: 30, parent: '20260501T000000Z-full' });
          return { backups: [f, orphan], keep: [f.id], expire: [orphan.id], walFrom: 10, reason: [orphan.id, /cannot be restored: its parent backup 20260501T000000Z-full is not in the repository/] };
        },
      },
      {
        name: 'the rest of a chain below a missing link goes too',
        build: () => {
          const f = backup('full', 40, { seg: 10 });
          const i2 = backup('incr', 5, { seg: 30, parent: '20260610T000000Z-incr' });
          const i3 = backup('incr', 2, { seg: 35, parent: i2.id });
          return { backups: [f, i2, i3], keep: [f.id], expire: [i2.id, i3.id], reason: [i3.id, new RegExp(`chain passes through ${i2.id}`)] };
        },
      },
      {
        name: 'an incremental whose parent belongs to another cluster is expired',
        build: () => {
          const f = backup('full', 40, { seg: 10 });
          const other = backup('full', 20, { seg: 20, systemIdentifier: '2' });
          const i = backup('incr', 5, { seg: 30, parent: other.id });
          return { backups: [f, other, i], keep: [f.id, other.id], expire: [i.id], reason: [i.id, /another cluster/] };
        },
      },
      {
        name: 'an incremental dated after now (clock skew) keeps its chain',
        build: () => {
          const f = backup('full', 60, { seg: 5 });
          const f2 = backup('full', 40, { seg: 10 });
          const i = backup('incr', -1, { seg: 40, parent: f.id });
          return { backups: [f, f2, i], keep: [f.id, f2.id, i.id], expire: [], walFrom: 5 };
        },
      },
    ];
    for (const c of cases)
      it(c.name, () => {
        const { backups, keep, expire, walFrom, reason } = c.build();
        const p = plan(backups, walCat(walRange(1, 1, 45)));
        expect(ids(p.keep).sort()).toEqual([...keep].sort());
        expect(ids(p.expire).sort()).toEqual([...expire].sort());
        if (walFrom !== undefined) expect(p.walKeepFrom).toBe(segmentName(1, BigInt(walFrom)));
        if (reason) expect([...p.keep, ...p.expire].find((b) => b.id === reason[0])!.reason).toMatch(reason[1]);
      });
  });

  it('keeps backups dated after now (clock skew) and the WAL they need', () => {
    const f1 = backup('full', 40, { seg: 10 });
    const future = backup('full', -2, { seg: 50 });
    const lfuture = backup('logical', -1);
    const p = plan([f1, future, lfuture], walCat(walRange(1, 10, 55)));
    expect(ids(p.keep).sort()).toEqual([f1.id, future.id, lfuture.id].sort());
    expect(p.keep.find((k) => k.id === future.id)!.reason).toMatch(/clock skew/);
    expect(p.expireWal).toEqual([]);
  });

  it('logical only: drops logical backups older than the window, keeps the newest, leaves WAL alone', () => {
    const l = [backup('logical', 90), backup('logical', 45), backup('logical', 31), backup('logical', 29), backup('logical', 2)];
    const p = plan(l, walCat(walRange(1, 1, 5)));
    expect(ids(p.keep)).toEqual([l[3].id, l[4].id]);
    expect(ids(p.expire)).toEqual([l[0].id, l[1].id, l[2].id]);
    expect(p.expireWal).toEqual([]);
    expect(p.notes.join(' ')).toMatch(/no physical backup/);
  });

  it('keeps the newest logical backup even when all are older than the window', () => {
    const l = [backup('logical', 90), backup('logical', 60)];
    const f = backup('full', 1, { seg: 3 });
    const p = plan([...l, f]);
    expect(ids(p.keep).sort()).toEqual([l[1].id, f.id].sort());
  });

  it('removes incomplete backups only after 24 hours', () => {
    const f = backup('full', 1, { seg: 3 });
    const old = { id: '20260620T000000Z-full', bytes: 7 };
    const fresh = { id: '20260630T000000Z-full', bytes: 9 };
    const touched = { id: '20260620T010000Z-full', bytes: 11, modified: daysAgo(0.1).toISOString() };
    const p = plan([f], walCat(), { incomplete: [old, fresh, touched, { id: 'junk', bytes: 1 }] });
    expect(p.expireIncomplete.map((i) => i.id)).toEqual([old.id]);
    expect(p.notes.join(' ')).toMatch(/junk/);
    expect(p.bytesFreed).toBe(7);
  });

  it('expires .backup labels and .partial files before the kept WAL with their segments', () => {
    const f1 = backup('full', 40, { seg: 10 });
    const f2 = backup('full', 5, { seg: 20 });
    const other = [
      { key: `wal/00000001/${segmentName(1, 10n)}.00000028.backup.zst`, size: 1 },
      { key: `wal/00000001/${segmentName(1, 20n)}.00000028.backup.zst`, size: 1 },
      { key: `wal/00000001/${segmentName(1, 5n)}.partial.zst`, size: 1 },
    ];
    const p = plan([f1, f2], walCat(walRange(1, 10, 22), other), { days: 3 });
    // f2 stopped 5 days ago: it anchors a 3-day window; f1 goes, with WAL before segment 20.
    expect(ids(p.expire)).toEqual([f1.id]);
    expect(p.walKeepFrom).toBe(segmentName(1, 20n));
    const expired = p.expireWal.map((w) => w.key);
    expect(expired).toContain(other[0].key);
    expect(expired).toContain(other[2].key);
    expect(expired).not.toContain(other[1].key);
    // A 30-day window keeps f1 and so every label from segment 10 on.
    const p2 = plan([f1, f2], walCat(walRange(1, 10, 22), other), { days: 30 });
    expect(p2.walKeepFrom).toBe(segmentName(1, 10n));
    expect(p2.expireWal.map((w) => w.key)).toEqual([other[2].key]);
  });
});
