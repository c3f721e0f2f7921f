import { describe, expect, it } from 'vitest';
import type { CurrentTimelineRecord } from '../../../src/repo/current-timeline.js';
import { walKey } from '../../../src/repo/layout.js';
import type { Manifest } from '../../../src/repo/manifest.js';
import { walCatalogFromKeys } from '../../../src/repo/wal-catalog.js';
import { chooseTimeline, describeTimelines, parseTimelineRequest, predictPromotedTimeline } from '../../../src/restore/timeline-choice.js';
import { PgkeepError } from '../../../src/util/errors.js';
import { historyFileName, parseLsn, segmentName } from '../../../src/wal/segment.js';

const backup = (id: string, tl: number, stopTime: string, type: Manifest['type'] = 'full') => ({ id, type, timeline: type === 'logical' ? undefined : tl, stopTime }) as Manifest;
const seg = (tl: number, n: number) => ({ key: walKey(segmentName(tl, BigInt(n))), size: 100 });
const hist = (tl: number) => ({ key: walKey(historyFileName(tl)), size: 40 });
const record = (timeline: number, declaredAt: string, parentTimeline = 1): CurrentTimelineRecord => ({ format: 1, timeline, parentTimeline, declaredAt, backupId: 'b1', confirmed: 'promoted' });

// Production on timeline 1; a copy promoted to timeline 2 and archived (as before the fix).
const wal = walCatalogFromKeys([seg(1, 2), seg(1, 3), seg(1, 4), hist(2), seg(2, 3)]);
const backups = [backup('b1', 1, '2026-01-01T00:00:00Z'), backup('l1', 0, '2026-01-03T00:00:00Z', 'logical')];

describe('which timeline a restore follows', () => {
  it('current: the timeline of the newest physical backup, not the newest timeline with WAL (a promoted copy)', () => {
    expect(chooseTimeline({ backups, wal })).toMatchObject({ timeline: 1, request: 'current', why: 'the timeline of the newest backup b1' });
  });

  it('latest: the newest timeline with archived WAL (PostgreSQL\'s rule)', () => {
    expect(chooseTimeline({ backups, wal, request: 'latest' }).timeline).toBe(2);
    // A bare history file (promoted, never archived a segment) holds nothing to replay.
    expect(chooseTimeline({ backups, wal: walCatalogFromKeys([seg(1, 2), hist(2)]), request: 'latest' }).timeline).toBe(1);
  });

  it('a number is taken as given', () => {
    expect(chooseTimeline({ backups, wal, request: 2 })).toMatchObject({ timeline: 2, why: 'as requested with --timeline' });
  });

  it('a --new-primary declaration later than the newest backup makes its timeline current', () => {
    expect(chooseTimeline({ backups, wal, record: record(2, '2026-01-02T00:00:00Z') }).timeline).toBe(2);
  });

  it('a backup finishing after the declaration wins: its cluster is production', () => {
    const later = [...backups, backup('b2', 1, '2026-01-05T00:00:00Z')];
    expect(chooseTimeline({ backups: later, wal, record: record(2, '2026-01-02T00:00:00Z') })).toMatchObject({ timeline: 1, why: 'the timeline of the newest backup b2' });
  });

  it('a declared timeline that archived nothing yet: its parent', () => {
    const c = chooseTimeline({ backups, wal, record: record(3, '2026-01-02T00:00:00Z', 2) });
    expect(c.timeline).toBe(2);
    expect(c.why).toMatch(/timeline 3, declared the new primary .* has archived nothing yet/);
  });

  it('no physical backup: the newest timeline with WAL', () => {
    expect(chooseTimeline({ backups: [], wal }).timeline).toBe(2);
  });

  it('parses --timeline', () => {
    expect(parseTimelineRequest('2')).toBe(2);
    expect(parseTimelineRequest('0x1A')).toBe(26);
    expect(parseTimelineRequest(' Latest ')).toBe('latest');
    expect(parseTimelineRequest('current')).toBe('current');
    expect(parseTimelineRequest(undefined)).toBeUndefined();
    for (const bad of ['0', '-1', 'two', '1.5', ''])
      expect(() => parseTimelineRequest(bad)).toThrow(PgkeepError);
  });
});

describe('the timeline a promotion picks (findNewestTimeLine + 1)', () => {
  it('one past the newest consecutive history file after the target', () => {
    expect(predictPromotedTimeline(1, walCatalogFromKeys([seg(1, 2)]))).toBe(2);
    expect(predictPromotedTimeline(1, wal)).toBe(3);
    expect(predictPromotedTimeline(1, walCatalogFromKeys([hist(2), hist(3), hist(5)]))).toBe(4);
    expect(predictPromotedTimeline(3, walCatalogFromKeys([hist(2), hist(3)]))).toBe(4);
  });
});

describe('timelines for list and status', () => {
  it('each with its parent, fork point, segments, backups and whether it is current', () => {
    const histories = new Map([[2, [{ timeline: 1, switchLsn: parseLsn('0/3000A0') }]]]);
    expect(describeTimelines({ backups, wal, histories, current: 1 })).toEqual([
      { timeline: 1, segments: 3, firstSegment: segmentName(1, 2n), lastSegment: segmentName(1, 4n), backups: 1, current: true },
      { timeline: 2, parent: 1, forkLsn: '0/3000A0', segments: 1, firstSegment: segmentName(2, 3n), lastSegment: segmentName(2, 3n), backups: 0, current: false },
    ]);
  });

  it('none for a repository without WAL or physical backups (logical only)', () => {
    expect(describeTimelines({ backups: [backups[1]], wal: walCatalogFromKeys([]), histories: new Map(), current: 1 })).toEqual([]);
  });
});
