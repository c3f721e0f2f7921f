import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../src/repo/manifest.js';
import { walCatalogFromKeys } from '../../../src/repo/wal-catalog.js';
import { walKey } from '../../../src/repo/layout.js';
import { planRestore, timelinePath, type PlanInput, type PlanTarget } from '../../../src/restore/plan.js';
import { parseTargetTime } from '../../../src/restore/target-time.js';
import { PgkeepError } from '../../../src/util/errors.js';
import { formatLsn, historyFileName, parseHistoryFile, parseLsn, segmentName, type HistoryEntry } from '../../../src/wal/segment.js';

const SEG = 16 * 1024 * 1024;
const lsnAt = (seg: number, off: number) => formatLsn(BigInt(seg) * BigInt(SEG) + BigInt(off));
const T = (s: string) => parseTargetTime(s);
const NOW = T('2026-06-30T12:00:00Z').micros;

/** A full backup on `tl` from segment `a` (start) to `b` (stop), finished at `stop`. */
function full(id: string, tl: number, a: number, b: number, stop: string, extra: Partial<Manifest> = {}): Manifest {
  return {
    format: 1,
    id,
    type: 'full',
    startTime: stop,
    stopTime: stop,
    pgVersion: '15.8',
    pgVersionNum: 150008,
    systemIdentifier: '7',
    timeline: tl,
    startLsn: lsnAt(a, 0x28),
    stopLsn: lsnAt(b, 0x138),
    startWal: segmentName(tl, BigInt(a)),
    stopWal: segmentName(tl, BigInt(b)),
    bytes: 5000,
    rawBytes: 20000,
    objects: [{ name: 'base.tar.zst', kind: 'base', bytes: 5000, sha256: 'a'.repeat(64), rawBytes: 20000, compression: 'zstd' }],
    tool: { name: 'pgkeep', version: 'test' },
    ...extra,
  } as Manifest;
}

type Obj = { key: string; size: number; modified?: string };
function segs(tl: number, from: number, to: number, o: { missing?: number[]; modified?: (s: number) => string } = {}): Obj[] {
  const out: Obj[] = [];
  for (let s = from; s <= to; s++)
    if (!o.missing?.includes(s)) out.push({ key: walKey(segmentName(tl, BigInt(s))), size: 1000 + s, ...(o.modified ? { modified: o.modified(s) } : {}) });
  return out;
}
const hist = (tl: number): Obj => ({ key: walKey(historyFileName(tl)), size: 42 });

function input(backups: Manifest[], objs: Obj[], target: PlanTarget, more: Partial<PlanInput> = {}): PlanInput {
  return { backups, wal: walCatalogFromKeys(objs), histories: new Map(), target, nowMicros: NOW, ...more };
}

function refusal(fn: () => unknown): PgkeepError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PgkeepError);
    return e as PgkeepError;
  }
  throw new Error('expected a refusal, got a plan');
}

const time = (s: string): PlanTarget => ({ kind: 'time', time: T(s) });
const lsn = (s: string): PlanTarget => ({ kind: 'lsn', lsn: parseLsn(s) });

describe('restore plan: one timeline', () => {
  const b1 = full('20260601T000000Z-full', 1, 3, 4, '2026-06-01T00:10:00.000000Z');
  const b2 = full('20260610T000000Z-full', 1, 20, 21, '2026-06-10T00:10:00.000000Z');
  const b3 = full('20260620T000000Z-full', 1, 40, 40, '2026-06-20T00:10:00.000000Z');
  const all = [b1, b2, b3];
  const wal = segs(1, 3, 50);

  it('with one backup, plans its WAL from startWal to the newest archived segment', () => {
    const p = planRestore(input([b1], segs(1, 3, 10), time('2026-06-01T12:00:00Z')));
    expect(p.backup.id).toBe(b1.id);
    expect(p.wal.first).toBe('000000010000000000000003');
    expect(p.wal.last).toBe('00000001000000000000000A');
    expect(p.wal.count).toBe(8);
    expect(p.wal.bytes).toBe([3, 4, 5, 6, 7, 8, 9, 10].reduce((a, s) => a + 1000 + s, 0));
    expect(p.bytesToFetch).toBe(5000 + p.wal.bytes);
    expect(p.targetTimeline).toBe(1);
    expect(p.consistentLsn).toBe(b1.stopLsn);
    expect(p.estimatedSeconds).toBeGreaterThan(0);
  });

  it('chooses the newest backup that finished at or before the target', () => {
    expect(planRestore(input(all, wal, time('2026-06-15T00:00:00Z'))).backup.id).toBe(b2.id);
    expect(planRestore(input(all, wal, time('2026-06-25T00:00:00Z'))).backup.id).toBe(b3.id);
    // Exactly on a backup's stop time: that backup is usable (at or before).
    expect(planRestore(input(all, wal, time('2026-06-10T00:10:00Z'))).backup.id).toBe(b2.id);
    // One microsecond earlier: it is not.
    expect(planRestore(input(all, wal, time('2026-06-10T00:09:59.999999Z'))).backup.id).toBe(b1.id);
  });

  it('starts the WAL chain at the chosen backup, not the oldest', () => {
    const p = planRestore(input(all, wal, time('2026-06-15T00:00:00Z')));
    expect(p.wal.first).toBe(segmentName(1, 20n));
    expect(p.wal.count).toBe(31);
  });

  it('refuses a target before the oldest backup finished', () => {
    const e = refusal(() => planRestore(input(all, wal, time('2026-06-01T00:09:00Z'))));
    expect(e.code).toBe('target-before-oldest');
    expect(e.message).toContain(b1.id);
    expect(e.message).toContain('2026-06-01T00:10:00');
  });

  it('refuses a target in the future', () => {
    const e = refusal(() => planRestore(input(all, wal, time('2026-07-01T00:00:00Z'))));
    expect(e.code).toBe('target-in-future');
  });

  it('refuses a time target when no WAL is archived after the backup ended', () => {
    const e = refusal(() => planRestore(input([b1], segs(1, 3, 4), time('2026-06-01T12:00:00Z'))));
    expect(e.code).toBe('target-after-archive');
    expect(e.message).toContain(b1.id);
  });

  it('refuses a time target after the newest segment was archived (1 s of slack for S3 Last-Modified), when the store reports archive times', () => {
    const modified = (s: number) => `2026-06-01T${String(s).padStart(2, '0')}:00:00.000Z`;
    const objs = segs(1, 3, 10, { modified });
    const e = refusal(() => planRestore(input([b1], objs, time('2026-06-01T10:00:01.000001Z'))));
    expect(e.code).toBe('target-after-archive');
    expect(e.message).toContain('00000001000000000000000A');
    // Within the second of the archive time (S3 truncates Last-Modified to seconds): accepted.
    planRestore(input([b1], objs, time('2026-06-01T10:00:00.620000Z')));
    // The exact bound, when known, replaces the coarse one.
    planRestore(input([b1], objs, time('2026-06-01T10:00:05Z'), { lastArchivedCommitMicros: T('2026-06-01T10:00:06Z').micros }));
    const p = planRestore(input([b1], objs, time('2026-06-01T10:00:00Z')));
    expect(p.warnings.join(' ')).not.toMatch(/does not report archive times/);
    expect(p.warnings.join(' ')).toMatch(/refuses to promote/);
  });

  it('refuses a time target at or after the newest archived commit when that is known', () => {
    const last = T('2026-06-01T09:00:00.123456Z').micros;
    const e = refusal(() => planRestore(input([b1], segs(1, 3, 10), time('2026-06-01T09:00:00.123456Z'), { lastArchivedCommitMicros: last })));
    expect(e.code).toBe('target-after-archive');
    expect(e.message).toContain('2026-06-01T09:00:00.123456Z');
    const p = planRestore(input([b1], segs(1, 3, 10), time('2026-06-01T09:00:00.123455Z'), { lastArchivedCommitMicros: last }));
    expect(p.warnings.join(' ')).not.toMatch(/refuses to promote/);
  });

  it('names the missing segment of a gap in the middle of the chain', () => {
    const e = refusal(() => planRestore(input(all, segs(1, 3, 50, { missing: [27] }), time('2026-06-15T00:00:00Z'))));
    expect(e.code).toBe('wal-gap');
    expect(e.message).toContain(segmentName(1, 27n));
    expect(e.message).toMatch(/recovery would stop there/);
  });

  it('names a segment missing inside the backup itself as needed for consistency', () => {
    const e = refusal(() => planRestore(input(all, segs(1, 3, 50, { missing: [21] }), time('2026-06-15T00:00:00Z'))));
    expect(e.code).toBe('wal-gap');
    expect(e.message).toContain(segmentName(1, 21n));
    expect(e.message).toContain(`consistent`);
  });

  it('ignores a gap before the chosen backup', () => {
    const p = planRestore(input(all, segs(1, 3, 50, { missing: [10] }), time('2026-06-25T00:00:00Z')));
    expect(p.backup.id).toBe(b3.id);
  });

  it('plans an LSN target up to the segment holding it, from the newest backup that ended before it', () => {
    const p = planRestore(input(all, wal, lsn(lsnAt(30, 0x500))));
    expect(p.backup.id).toBe(b2.id);
    expect(p.wal.last).toBe(segmentName(1, 30n));
    expect(p.wal.count).toBe(11);
    expect(p.lines.join('\n')).toContain(`LSN ${lsnAt(30, 0x500)}`);
  });

  it('refuses an LSN before the oldest backup ended or after the newest archived WAL', () => {
    expect(refusal(() => planRestore(input(all, wal, lsn(lsnAt(4, 0x100))))).code).toBe('target-before-oldest');
    const e = refusal(() => planRestore(input(all, wal, lsn(lsnAt(51, 0)))));
    expect(e.code).toBe('target-after-archive');
    expect(e.message).toContain(segmentName(1, 50n));
  });

  it('plans --latest to the newest archived segment and refuses a hole before it', () => {
    const p = planRestore(input(all, wal, { kind: 'latest' }));
    expect(p.backup.id).toBe(b3.id);
    expect(p.wal.last).toBe(segmentName(1, 50n));
    const e = refusal(() => planRestore(input(all, segs(1, 3, 50, { missing: [45] }), { kind: 'latest' })));
    expect(e.code).toBe('wal-gap');
    expect(e.message).toContain(segmentName(1, 45n));
  });

  it('plans --immediate with only the backup\'s own WAL', () => {
    const p = planRestore(input(all, wal, { kind: 'immediate' }));
    expect(p.backup.id).toBe(b3.id);
    expect(p.wal.count).toBe(1);
    expect(p.wal.first).toBe(segmentName(1, 40n));
  });

  it('honours --backup and refuses one that finished after the target', () => {
    expect(planRestore(input(all, wal, time('2026-06-25T00:00:00Z'), { backupId: b1.id })).backup.id).toBe(b1.id);
    const e = refusal(() => planRestore(input(all, wal, time('2026-06-15T00:00:00Z'), { backupId: b3.id })));
    expect(e.code).toBe('backup-after-target');
    expect(e.message).toContain(b3.id);
    expect(refusal(() => planRestore(input(all, wal, lsn(lsnAt(25, 0)), { backupId: b3.id }))).code).toBe('backup-after-target');
  });

  it('refuses an unknown --backup and a logical one', () => {
    expect(refusal(() => planRestore(input(all, wal, { kind: 'latest' }, { backupId: 'nope' }))).code).toBe('no-backup');
    const logical = { ...b1, id: '20260602T000000Z-logical', type: 'logical', timeline: undefined, objects: [] } as Manifest;
    expect(refusal(() => planRestore(input([...all, logical], wal, { kind: 'latest' }, { backupId: logical.id }))).code).toBe('not-physical');
  });

  it('refuses a repository without a full backup', () => {
    const e = refusal(() => planRestore(input([], wal, { kind: 'latest' })));
    expect(e.code).toBe('no-backup');
    expect(e.hint).toMatch(/backup --type full/);
  });

  it('prints the backup, WAL range and count, bytes to fetch and an estimate with its rate', () => {
    const text = planRestore(input(all, wal, time('2026-06-25T00:00:00Z'))).lines.join('\n');
    expect(text).toContain(b3.id);
    expect(text).toContain(`${segmentName(1, 40n)} .. ${segmentName(1, 50n)}, 11 segment(s)`);
    expect(text).toMatch(/Fetch: [\d.]+ KiB; estimated .* at 150\.0 MiB\/s fetch\+extract/);
    expect(text).toContain("recovery_target_time = '2026-06-25 00:00:00.000000+00'");
  });
});

describe('restore plan: timelines', () => {
  // Timeline 1 ran segments 3..14; a restore promoted at 0/8000100 (inside segment 8) created
  // timeline 2, which wrote segments 8..11 (its segment 8 holds timeline 1's WAL up to the switch).
  const sw = lsnAt(8, 0x100);
  const histories = new Map<number, HistoryEntry[]>([[2, parseHistoryFile(`1\t${sw}\tbefore 2026-06-02 00:00:00+00\n`)]]);
  const b1 = full('20260601T000000Z-full', 1, 3, 4, '2026-06-01T00:10:00Z');
  const bAfterSwitch = full('20260605T000000Z-full', 1, 12, 12, '2026-06-05T00:10:00Z');
  const bTl2 = full('20260606T000000Z-full', 2, 10, 10, '2026-06-06T00:10:00Z');
  const base = [...segs(1, 3, 14), hist(2), ...segs(2, 8, 11)];

  it('reads the ancestry of a timeline from its history file', () => {
    const path = timelinePath(2, histories);
    expect(path).toEqual([
      { timeline: 1, beginLsn: 0n, endLsn: parseLsn(sw) },
      { timeline: 2, beginLsn: parseLsn(sw) },
    ]);
  });

  it('follows the newest timeline: timeline 1 up to the switch, then timeline 2', () => {
    const p = planRestore(input([b1, bAfterSwitch], base, time('2026-06-03T00:00:00Z'), { histories }));
    expect(p.targetTimeline).toBe(2);
    expect(p.backup.id).toBe(b1.id);
    expect(p.wal.segments.map((s) => s.name)).toEqual([
      ...[3, 4, 5, 6, 7].map((s) => segmentName(1, BigInt(s))),
      ...[8, 9, 10, 11].map((s) => segmentName(2, BigInt(s))),
    ]);
    expect(p.historyFiles.map((h) => h.name)).toEqual(['00000002.history']);
    expect(p.lines.join('\n')).toContain(`timelines 1 (until ${sw}) → 2`);
  });

  it('takes the switch segment from the old timeline when the new one lacks it', () => {
    const objs = [...segs(1, 3, 14), hist(2), ...segs(2, 9, 11)];
    const p = planRestore(input([b1], objs, time('2026-06-03T00:00:00Z'), { histories }));
    expect(p.wal.segments.map((s) => s.name)).toContain(segmentName(1, 8n));
  });

  it('needs the new timeline from the first segment when the switch is on a segment boundary', () => {
    const h = new Map([[2, parseHistoryFile(`1\t${lsnAt(9, 0)}\tx\n`)]]);
    const p = planRestore(input([b1], [...segs(1, 3, 14), hist(2), ...segs(2, 9, 11)], time('2026-06-03T00:00:00Z'), { histories: h }));
    expect(p.wal.segments.map((s) => s.name).slice(4, 7)).toEqual([segmentName(1, 7n), segmentName(1, 8n), segmentName(2, 9n)]);
    const e = refusal(() => planRestore(input([b1], [...segs(1, 3, 14), hist(2), ...segs(2, 10, 11)], time('2026-06-03T00:00:00Z'), { histories: h })));
    expect(e.code).toBe('wal-gap');
    expect(e.message).toContain(segmentName(2, 9n));
  });

  it('never uses a backup of the old timeline taken after the switch', () => {
    const p = planRestore(input([b1, bAfterSwitch], base, { kind: 'latest' }, { histories }));
    expect(p.backup.id).toBe(b1.id);
    const e = refusal(() => planRestore(input([bAfterSwitch], base, { kind: 'latest' }, { histories })));
    expect(e.code).toBe('no-backup');
    expect(e.message).toMatch(/history of timeline 2/);
    const f = refusal(() => planRestore(input([b1, bAfterSwitch], base, { kind: 'latest' }, { histories, backupId: bAfterSwitch.id })));
    expect(f.code).toBe('backup-not-on-timeline');
  });

  it('uses a backup taken on the new timeline when it is the newest before the target', () => {
    const p = planRestore(input([b1, bTl2], base, time('2026-06-07T00:00:00Z'), { histories }));
    expect(p.backup.id).toBe(bTl2.id);
    expect(p.wal.first).toBe(segmentName(2, 10n));
    expect(p.wal.last).toBe(segmentName(2, 11n));
  });

  it('restores the old timeline\'s own future when timeline 1 is asked for', () => {
    const p = planRestore(input([b1, bAfterSwitch], base, { kind: 'latest' }, { histories, targetTimeline: 1 }));
    expect(p.backup.id).toBe(bAfterSwitch.id);
    expect(p.wal.last).toBe(segmentName(1, 14n));
    expect(p.historyFiles).toEqual([]);
  });

  it('does not follow a timeline that has only a history file (a restored copy that never archived WAL)', () => {
    const h3 = new Map([...histories, [3, parseHistoryFile(`1\t${sw}\tx\n2\t${lsnAt(10, 0x80)}\ty\n`)]]);
    const p = planRestore(input([b1], [...base, hist(3)], { kind: 'latest' }, { histories: h3 }));
    expect(p.targetTimeline).toBe(2);
    expect(planRestore(input([b1], [...base, hist(3)], { kind: 'latest' }, { histories: h3, targetTimeline: 3 })).targetTimeline).toBe(3);
  });

  it('refuses an unknown timeline', () => {
    const e = refusal(() => planRestore(input([b1], base, { kind: 'latest' }, { histories, targetTimeline: 5 })));
    expect(e.code).toBe('unknown-timeline');
    expect(e.message).toContain('Timeline 5');
    expect(e.message).toContain('1, 2');
  });

  it('refuses a timeline whose history file is not archived', () => {
    const e = refusal(() => planRestore(input([b1], [...segs(1, 3, 14), ...segs(2, 8, 11)], { kind: 'latest' })));
    expect(e.code).toBe('missing-history');
    expect(e.message).toContain('00000002.history');
  });

  it('follows a chain of switches 1 → 2 → 3', () => {
    const h = new Map<number, HistoryEntry[]>([
      [2, parseHistoryFile(`1\t${sw}\tx\n`)],
      [3, parseHistoryFile(`1\t${sw}\tx\n2\t${lsnAt(10, 0x80)}\ty\n`)],
    ]);
    const objs = [...segs(1, 3, 14), hist(2), ...segs(2, 8, 11), hist(3), ...segs(3, 10, 12)];
    const p = planRestore(input([b1], objs, time('2026-06-03T00:00:00Z'), { histories: h }));
    expect(p.targetTimeline).toBe(3);
    expect(p.wal.segments.map((s) => s.name).slice(-6)).toEqual([
      segmentName(1, 7n), segmentName(2, 8n), segmentName(2, 9n), segmentName(3, 10n), segmentName(3, 11n), segmentName(3, 12n),
    ]);
    expect(p.historyFiles.map((x) => x.name)).toEqual(['00000002.history', '00000003.history']);
  });
});

describe('restore plan: incremental chains (PostgreSQL 17)', () => {
  const pg17 = { pgVersion: '17.6', pgVersionNum: 170006 };
  const f1 = full('20260601T000000Z-full', 1, 3, 4, '2026-06-01T00:10:00Z', pg17);
  const incr = (id: string, tl: number, a: number, b: number, stop: string, parent: string | undefined, extra: Partial<Manifest> = {}): Manifest =>
    full(id, tl, a, b, stop, {
      ...pg17,
      type: 'incr',
      ...(parent ? { parent } : {}),
      bytes: 700,
      objects: [{ name: 'base.tar.zst', kind: 'base', bytes: 700, sha256: 'b'.repeat(64), rawBytes: 3000, compression: 'zstd' }],
      ...extra,
    });
  const i1 = incr('20260605T000000Z-incr', 1, 10, 10, '2026-06-05T00:10:00Z', f1.id);
  const i2 = incr('20260610T000000Z-incr', 1, 20, 21, '2026-06-10T00:10:00Z', i1.id);
  const all = [f1, i1, i2];
  const wal = segs(1, 3, 30);
  const found = { found: true as const, path: '/usr/lib/postgresql/17/bin/pg_combinebackup', major: 17 };

  const cases: { name: string; backups: Manifest[]; target: PlanTarget; backupId?: string; chain: string[] }[] = [
    { name: 'a full alone is a chain of one', backups: [f1], target: time('2026-06-12T00:00:00Z'), chain: [f1.id] },
    { name: 'the newest incremental before the target, with its whole chain', backups: all, target: time('2026-06-12T00:00:00Z'), chain: [f1.id, i1.id, i2.id] },
    { name: 'an incremental in the middle of the chain when the target is before the next one', backups: all, target: time('2026-06-07T00:00:00Z'), chain: [f1.id, i1.id] },
    { name: 'the full when the target is before the first incremental', backups: all, target: time('2026-06-03T00:00:00Z'), chain: [f1.id] },
    { name: 'an LSN target picks by stop LSN', backups: all, target: lsn(lsnAt(15, 0)), chain: [f1.id, i1.id] },
    { name: '--latest takes the newest incremental', backups: all, target: { kind: 'latest' }, chain: [f1.id, i1.id, i2.id] },
    { name: 'explicit --backup of an incremental', backups: all, target: { kind: 'latest' }, backupId: i1.id, chain: [f1.id, i1.id] },
    { name: 'explicit --backup of the full under incrementals', backups: all, target: { kind: 'latest' }, backupId: f1.id, chain: [f1.id] },
  ];
  for (const c of cases)
    it(`chooses ${c.name}`, () => {
      const p = planRestore(input(c.backups, wal, c.target, { backupId: c.backupId, combineTool: found }));
      expect(p.chain.map((m) => m.id)).toEqual(c.chain);
      expect(p.backup.id).toBe(c.chain[c.chain.length - 1]);
    });

  it('starts the WAL at the chosen incremental and fetches every backup of the chain', () => {
    const p = planRestore(input(all, wal, time('2026-06-12T00:00:00Z'), { combineTool: found }));
    expect(p.wal.first).toBe(segmentName(1, 20n));
    expect(p.consistentLsn).toBe(i2.stopLsn);
    expect(p.chain.map((m) => m.bytes)).toEqual([5000, 700, 700]);
    expect(p.bytesToFetch).toBe(5000 + 700 + 700 + p.wal.bytes);
  });

  it('counts tablespace objects of every member in the bytes to fetch', () => {
    const ts = { name: 'tblspc-16390.tar.zst', kind: 'tablespace', bytes: 300, sha256: 'c'.repeat(64), rawBytes: 900, compression: 'zstd' as const };
    const f = { ...f1, objects: [...f1.objects, ts] };
    const i = { ...i1, objects: [...i1.objects, { ...ts, bytes: 30 }] };
    const p = planRestore(input([f, i], wal, { kind: 'latest' }, { combineTool: found }));
    expect(p.chain.map((m) => m.objects.map((o) => o.name))).toEqual([['base.tar.zst', ts.name], ['base.tar.zst', ts.name]]);
    expect(p.bytesToFetch).toBe(5000 + 300 + 700 + 30 + p.wal.bytes);
  });

  it('shows the chain and whether pg_combinebackup was found in the dry-run lines', () => {
    const text = planRestore(input(all, wal, time('2026-06-12T00:00:00Z'), { combineTool: found })).lines.join('\n');
    expect(text).toContain(`Chain: full ${f1.id} → incr ${i1.id} → incr ${i2.id} (3 backups, 6.3 KiB stored)`);
    expect(text).toContain('Combine: needs pg_combinebackup of PostgreSQL 17: found /usr/lib/postgresql/17/bin/pg_combinebackup (17)');
    expect(text).toContain(`pg_combinebackup -o DIR ${f1.id} ${i1.id} ${i2.id}`);
    const missing = planRestore(input(all, wal, time('2026-06-12T00:00:00Z'), { combineTool: { found: false, why: 'no pg_combinebackup in /usr/lib/postgresql/15/bin' } }));
    expect(missing.lines.join('\n')).toMatch(/Combine: .*NOT FOUND \(no pg_combinebackup in \/usr\/lib\/postgresql\/15\/bin\); the restore will refuse to start/);
    // A full alone needs no combining: no chain lines, no tool status.
    const single = planRestore(input(all, wal, time('2026-06-03T00:00:00Z'), { combineTool: found }));
    expect(single.lines.join('\n')).not.toMatch(/Chain:|Combine:/);
    expect(single.combineTool).toBeUndefined();
  });

  const broken: { name: string; backups: Manifest[]; id: string; names: RegExp }[] = [
    { name: 'a parent missing from the repository', backups: [f1, incr('20260605T000000Z-incr', 1, 10, 10, '2026-06-05T00:10:00Z', '20260520T000000Z-full')], id: '20260605T000000Z-incr', names: /parent backup 20260520T000000Z-full is not in the repository/ },
    { name: 'a missing link in the middle', backups: [f1, i2], id: i2.id, names: new RegExp(`parent backup ${i1.id} is not in the repository`) },
    { name: 'no parent named', backups: [f1, incr('20260605T000000Z-incr', 1, 10, 10, '2026-06-05T00:10:00Z', undefined)], id: '20260605T000000Z-incr', names: /names no parent/ },
    { name: 'a parent of another cluster', backups: [{ ...f1, systemIdentifier: '99' }, i1], id: i1.id, names: /another cluster \(system identifier 99, not 7\)/ },
    { name: 'a parent that is a logical backup', backups: [{ ...f1, type: 'logical' } as Manifest, i1], id: i1.id, names: /is a logical backup/ },
    { name: 'a loop', backups: [incr('20260601T000000Z-incr', 1, 3, 4, '2026-06-01T00:10:00Z', i1.id), { ...i1, parent: '20260601T000000Z-incr' }], id: i1.id, names: /loops back/ },
    { name: 'a parent without a base object', backups: [{ ...f1, objects: [] }, i1], id: i1.id, names: /no restorable base object/ },
  ];
  for (const b of broken) {
    it(`passes over an incremental with a broken chain (${b.name})`, () => {
      // An older full of this cluster, so there is always something restorable to fall back to.
      const f0 = { ...f1, id: '20260531T000000Z-full', stopTime: '2026-05-31T00:10:00Z', startLsn: lsnAt(3, 0x10), stopLsn: lsnAt(3, 0x20), stopWal: segmentName(1, 3n) };
      const p = planRestore(input([f0, ...b.backups], wal, { kind: 'latest' }, { combineTool: found }));
      expect(p.backup.id).not.toBe(b.id);
      expect(p.chain).toHaveLength(1);
      expect(p.warnings.join(' ')).toMatch(b.names);
    });
    it(`refuses --backup of an incremental with a broken chain (${b.name}), naming the link`, () => {
      const e = refusal(() => planRestore(input(b.backups, wal, { kind: 'latest' }, { backupId: b.id })));
      expect(e.code).toBe('broken-chain');
      expect(e.message).toContain(b.id);
      expect(e.message).toMatch(b.names);
    });
  }

  it('refuses when the only incremental has a broken chain and there is no full', () => {
    const e = refusal(() => planRestore(input([i1], wal, { kind: 'latest' })));
    expect(e.code).toBe('no-backup');
  });

  describe('across a timeline switch', () => {
    // Timeline 2 begins inside segment 12; the full is on timeline 1 before it, the incremental
    // was taken on timeline 2 with the full as its parent (legal in PostgreSQL 17).
    const sw = lsnAt(12, 0x100);
    const histories = new Map<number, HistoryEntry[]>([[2, parseHistoryFile(`1\t${sw}\tx\n`)]]);
    const objs = [...segs(1, 3, 14), hist(2), ...segs(2, 12, 25)];
    const iTl2 = incr('20260612T000000Z-incr', 2, 20, 20, '2026-06-12T00:10:00Z', f1.id);
    const iTl1After = incr('20260611T000000Z-incr', 1, 13, 13, '2026-06-11T00:10:00Z', f1.id);

    it('restores an incremental on the new timeline from its parent on the old one, with WAL from the incremental only', () => {
      const p = planRestore(input([f1, iTl2], objs, { kind: 'latest' }, { histories, combineTool: found }));
      expect(p.chain.map((m) => m.id)).toEqual([f1.id, iTl2.id]);
      expect(p.chain.map((m) => m.timeline)).toEqual([1, 2]);
      expect(p.wal.first).toBe(segmentName(2, 20n));
      expect(p.wal.last).toBe(segmentName(2, 25n));
      // The old timeline's WAL before the incremental is not needed (the full only provides data).
      expect(p.wal.segments.some((s) => s.name.startsWith('00000001'))).toBe(false);
    });

    it('never uses an incremental of the old timeline taken after the switch, even with a good chain', () => {
      const p = planRestore(input([f1, iTl1After], objs, { kind: 'latest' }, { histories }));
      expect(p.backup.id).toBe(f1.id);
      expect(refusal(() => planRestore(input([f1, iTl1After], objs, { kind: 'latest' }, { histories, backupId: iTl1After.id }))).code).toBe('backup-not-on-timeline');
    });
  });
});
