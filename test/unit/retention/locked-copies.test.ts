// Retention with a copy under S3 Object Lock: the plan keeps there what is still locked (and the
// WAL a held backup needs) with the instant each becomes deletable; apply never sends a delete
// for a locked object (the fake copy refuses it, as S3 does) and still expires the unlocked copy.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { applyRetention } from '../../../src/retention/apply.js';
import { planRetention, type LockedCopy } from '../../../src/retention/plan.js';
import { MirrorStore } from '../../../src/storage/mirror-store.js';
import type { ObjectInfo, Store } from '../../../src/storage/store.js';
import { PgkeepError } from '../../../src/util/errors.js';
import { walKey } from '../../../src/repo/layout.js';
import { segmentName } from '../../../src/wal/segment.js';
import { formatExpire } from '../../../src/cli/commands/expire.js';
import { DAY, NOW, backup, daysAgo, walCat } from './catalog-fixture.js';

interface Obj {
  size: number;
  modified?: string;
  retainUntil?: string;
  legalHold?: boolean;
}

/** An in-memory copy that, like S3 with Object Lock, refuses to delete a locked object. */
class LockingStore implements Store {
  readonly objects = new Map<string, Obj>();
  readonly deletes: string[] = [];
  readonly refused: string[] = [];
  readonly heads: string[] = [];
  constructor(readonly description: string) {}
  async put(key: string, body: Readable) {
    let n = 0;
    for await (const c of body) n += (c as Buffer).length;
    this.objects.set(key, { size: n });
    return { bytes: n };
  }
  async get(key: string): Promise<Readable> {
    if (!this.objects.has(key)) throw new PgkeepError('not-found', `${key} not found`);
    return Readable.from([Buffer.alloc(this.objects.get(key)!.size)]);
  }
  async head(key: string): Promise<ObjectInfo | null> {
    this.heads.push(key);
    const o = this.objects.get(key);
    return o ? { key, ...o } : null;
  }
  async list(prefix: string): Promise<ObjectInfo[]> {
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([key, o]) => ({ key, size: o.size, ...(o.modified ? { modified: o.modified } : {}) }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
  }
  async delete(key: string) {
    const o = this.objects.get(key);
    if (o && (o.legalHold || (o.retainUntil && Date.parse(o.retainUntil) > NOW.getTime()))) {
      this.refused.push(key);
      throw new PgkeepError('s3-error', `AccessDenied: ${key} is WORM protected`);
    }
    this.deletes.push(key);
    this.objects.delete(key);
  }
  async check() {}
}

const iso = (t: number) => new Date(t).toISOString();
const wal = (s: number, archivedDaysAgo: number) => ({ key: walKey(segmentName(1, BigInt(s))), size: 100, modified: daysAgo(archivedDaysAgo).toISOString() });
const locked = (days: number, copy = 1): LockedCopy[] => [{ copy, description: 's3://offsite/prod', mode: 'COMPLIANCE', days }];

// f1 (60 days old, WAL from segment 10) expires with a 30-day window; f2 is the anchor, f3 inside.
const f1 = backup('full', 60, { seg: 10 });
const f2 = backup('full', 40, { seg: 20 });
const f3 = backup('full', 20, { seg: 30 });
// Segments 5..9 before f1 (archived 75..71 days ago), 10..19 its WAL (60..51 days ago), then on.
const walObjs = [
  ...[5, 6, 7, 8, 9].map((s) => wal(s, 80 - s)),
  ...[10, 11, 12, 13, 14, 15, 16, 17, 18, 19].map((s) => wal(s, 70 - s)),
  ...[20, 25, 30, 35].map((s) => wal(s, 60 - s)),
];
const plan = (lockedCopies: LockedCopy[]) =>
  planRetention({ backups: [f1, f2, f3], incomplete: [], wal: walCat(walObjs), now: NOW, retentionDays: 30, lockedCopies });

describe('retention plan with a locked copy', () => {
  it('plans as before for the repository and holds nothing without Object Lock', () => {
    const p = plan([]);
    expect(p.expire.map((b) => b.id)).toEqual([f1.id]);
    expect(p.expireWal).toHaveLength(15);
    expect(p.locked).toEqual([]);
  });

  it('keeps an expired backup still locked there, with stop time + lock-days as its deletable date, and every WAL file it needs', () => {
    const p = plan(locked(60));
    // The repository plan is unchanged: unlocked copies still expire f1 and its WAL.
    expect(p.expire.map((b) => b.id)).toEqual([f1.id]);
    expect(p.expireWal).toHaveLength(15);
    const [h] = p.locked;
    expect(h).toMatchObject({ copy: 1, description: 's3://offsite/prod', mode: 'COMPLIANCE', days: 60 });
    const f1Until = iso(Date.parse(f1.stopTime) + 60 * DAY); // ten minutes from now
    expect(h.backups).toEqual([{ id: f1.id, type: 'full', bytes: 1000, deletableAt: f1Until }]);
    // Segments 10..19 (f1's WAL onward) stay: held f1 starts at 10 and must stay restorable.
    expect(h.wal.map((w) => w.key)).toEqual(walObjs.slice(5, 15).map((w) => w.key));
    // Segment 10 (written 60 days ago) is unlocked by its own date now, and waits for f1.
    expect(h.wal[0].deletableAt).toBe(f1Until);
    // Segment 19, written 51 days ago, is locked longer than f1 by itself.
    expect(h.wal.at(-1)!.deletableAt).toBe(iso(daysAgo(51).getTime() + 60 * DAY));
    // WAL older than f1's start and unlocked by its own date goes on this copy too.
    expect(h.wal.some((w) => w.key === walObjs[0].key)).toBe(false);
    expect(h.bytesHeld).toBe(1000 + 10 * 100);
  });

  it('lets an expired backup go once its lock ran out, keeping only WAL still locked by its own date', () => {
    // lock-days 55: f1 (stopped 60 days ago) is deletable; WAL written fewer than 55 days ago is not.
    const [h] = plan(locked(55)).locked;
    expect(h.backups).toEqual([]);
    expect(h.wal.map((w) => w.key)).toEqual([16, 17, 18, 19].map((s) => walKey(segmentName(1, BigInt(s)))));
    expect(h.wal[0].deletableAt).toBe(iso(daysAgo(54).getTime() + 55 * DAY));
  });

  it('holds an incomplete backup by its newest write, or by its id when the store has no times', () => {
    const p = planRetention({
      backups: [f3],
      incomplete: [
        { id: '20260501T000000Z-full', bytes: 7, modified: '2026-05-02T00:00:00.000Z' },
        { id: '20260510T000000Z-full', bytes: 9 },
      ],
      wal: walCat(),
      now: NOW,
      retentionDays: 30,
      lockedCopies: locked(90, 0),
    });
    expect(p.expireIncomplete.map((i) => i.id)).toEqual(['20260501T000000Z-full', '20260510T000000Z-full']);
    expect(p.locked[0].incomplete).toEqual([
      { id: '20260501T000000Z-full', bytes: 7, deletableAt: iso(Date.parse('2026-05-02T00:00:00Z') + 90 * DAY) },
      { id: '20260510T000000Z-full', bytes: 9, deletableAt: iso(Date.parse('2026-05-10T00:00:00Z') + 90 * DAY) },
    ]);
  });
});

/** Copy "a" (unlocked) and copy "b" (locked) holding f1..f3 and the WAL; `lock` sets b's retention. */
function setup(lockFor: (key: string, o: Obj) => Partial<Obj>) {
  const copies = [new LockingStore('s3://local/prod'), new LockingStore('s3://offsite/prod')];
  for (const c of copies) {
    for (const b of [f1, f2, f3]) {
      c.objects.set(`backups/${b.id}/manifest.json`, { size: 100, modified: b.stopTime });
      c.objects.set(`backups/${b.id}/base.tar.zst`, { size: 900, modified: b.stopTime });
    }
    for (const w of walObjs) c.objects.set(w.key, { size: w.size, modified: w.modified });
  }
  for (const [k, o] of copies[1].objects) Object.assign(o, lockFor(k, o));
  return { copies, store: new MirrorStore(copies) };
}
const byOwnDate = (days: number) => (_k: string, o: Obj) => ({ retainUntil: iso(Date.parse(o.modified!) + days * DAY) });

describe('applying retention with a locked copy', () => {
  it('expires the unlocked copy, sends no delete for anything locked, and reports each held item', async () => {
    const { copies, store } = setup(byOwnDate(62));
    const r = await applyRetention(store, plan(locked(62)), 4, () => NOW.getTime());
    const [a, b] = copies;
    expect(a.objects.has(`backups/${f1.id}/manifest.json`)).toBe(false);
    expect(a.objects.has(walObjs[5].key)).toBe(false);
    // Copy b: no delete was refused because none was sent; f1 and the WAL it needs are all there.
    expect(b.refused).toEqual([]);
    expect(b.objects.has(`backups/${f1.id}/manifest.json`)).toBe(true);
    expect(b.objects.has(`backups/${f1.id}/base.tar.zst`)).toBe(true);
    for (const w of walObjs.slice(5, 15)) expect(b.objects.has(w.key)).toBe(true);
    // WAL before f1 whose own lock ran out was looked up, then deleted there too.
    for (const w of walObjs.slice(0, 5)) expect(b.objects.has(w.key)).toBe(false);
    expect(b.heads.sort()).toEqual(walObjs.slice(0, 5).map((w) => w.key).sort());
    expect(r.deletedBackups).toEqual([]);
    expect(r.deletedWal).toBe(5);
    expect(r.held.filter((x) => x.kind === 'backup')).toEqual([
      { copy: 's3://offsite/prod', kind: 'backup', what: f1.id, deletableAt: iso(Date.parse(f1.stopTime) + 62 * DAY) },
    ]);
    expect(r.held.filter((x) => x.kind === 'wal')).toHaveLength(10);
  });

  it('keeps a backup whole on the locked copy when HEAD finds an object locked later than the plan expected', async () => {
    // lock-days was 120 when these were written, 55 today: the estimate says deletable, the objects say no.
    const { copies, store } = setup(byOwnDate(120));
    const r = await applyRetention(store, plan(locked(55)), 4, () => NOW.getTime());
    const b = copies[1];
    expect(b.refused).toEqual([]);
    expect(b.objects.has(`backups/${f1.id}/manifest.json`)).toBe(true);
    expect(b.objects.has(`backups/${f1.id}/base.tar.zst`)).toBe(true);
    expect(r.held.find((x) => x.kind === 'backup')).toEqual({
      copy: 's3://offsite/prod',
      kind: 'backup',
      what: f1.id,
      deletableAt: iso(Date.parse(f1.stopTime) + 120 * DAY),
    });
    // Its WAL stays on that copy this time (the plan did not know f1 would stay), none on copy a.
    for (const w of walObjs.slice(0, 15)) {
      expect(b.objects.has(w.key)).toBe(true);
      expect(copies[0].objects.has(w.key)).toBe(false);
    }
  });

  it('deletes on the locked copy what is no longer locked', async () => {
    const { copies, store } = setup(byOwnDate(40));
    const r = await applyRetention(store, plan(locked(40)), 4, () => NOW.getTime());
    expect(copies[1].refused).toEqual([]);
    expect(copies[1].objects.has(`backups/${f1.id}/manifest.json`)).toBe(false);
    expect(copies[1].deletes[0]).toBe(`backups/${f1.id}/manifest.json`);
    expect(r.deletedBackups).toEqual([f1.id]);
    expect(r.deletedWal).toBe(15);
    expect(r.held).toEqual([]);
  });

  it('treats a legal hold as locked without a date, and an answer without retention as written with lock-days', async () => {
    const { copies, store } = setup((k, o) =>
      k === `backups/${f1.id}/base.tar.zst` ? { legalHold: true } : k === walObjs[0].key ? { modified: daysAgo(10).toISOString() } : { retainUntil: undefined },
    );
    const r = await applyRetention(store, plan(locked(40)), 4, () => NOW.getTime());
    expect(copies[1].refused).toEqual([]);
    expect(r.held.find((x) => x.kind === 'backup')).toEqual({ copy: 's3://offsite/prod', kind: 'backup', what: f1.id, deletableAt: null });
    expect(copies[1].objects.has(`backups/${f1.id}/manifest.json`)).toBe(true);
  });

  it('prints each held backup with its date, and the WAL held per copy', async () => {
    const { store } = setup(byOwnDate(62));
    const p = plan(locked(62));
    const applied = await applyRetention(store, p, 4, () => NOW.getTime());
    const text = formatExpire({ dryRun: false, plan: p, applied, durationSeconds: 1 });
    expect(text).toContain(`locked  ${f1.id}  on s3://offsite/prod: deletable from ${iso(Date.parse(f1.stopTime) + 62 * DAY)}`);
    expect(text).toMatch(/locked {2}10 WAL file\(s\) on s3:\/\/offsite\/prod: becoming deletable between \S+ and \S+/);
    const dry = formatExpire({ dryRun: true, plan: p, durationSeconds: 1 });
    expect(dry).toContain(`locked  ${f1.id}  on s3://offsite/prod: deletable from`);
  });
});
