// Which timeline a restore follows, and what the repository's timelines are. Pure.
//
// `current` (the default) is the timeline production is on: the timeline of the newest
// physical backup's cluster, unless a later explicit `restore --new-primary` declared another
// (timeline.json, src/repo/current-timeline.ts). `latest` is PostgreSQL's own rule: the newest
// timeline with archived WAL — which may be a copy someone promoted, hence not the default.
// A number is taken as given (the planner refuses one the repository does not hold).
import type { CurrentTimelineRecord } from '../repo/current-timeline.js';
import type { Manifest } from '../repo/manifest.js';
import type { WalCatalog } from '../repo/wal-catalog.js';
import { PgkeepError } from '../util/errors.js';
import { formatLsn, type HistoryEntry } from '../wal/segment.js';

export type TimelineRequest = number | 'latest' | 'current';

export interface TimelineChoice {
  timeline: number;
  request: TimelineRequest;
  /** Why this timeline, one phrase. */
  why: string;
}

/** `--timeline` as typed: a positive integer (decimal or 0x hex), latest or current. */
export function parseTimelineRequest(v: string | undefined): TimelineRequest | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (s === 'latest' || s === 'current') return s;
  if (/^[1-9]\d{0,9}$/.test(s) || /^0x[0-9a-f]{1,8}$/.test(s)) {
    const n = Number(s);
    if (n >= 1 && n <= 0xffffffff) return n;
  }
  throw new PgkeepError('bad-usage', `--timeline="${v}" is not valid: expected a timeline number, latest or current.`, 'pgkeep status lists the timelines and where each forked.');
}

function hasWal(wal: WalCatalog, tl: number): boolean {
  return wal.segments.some((s) => s.timeline === tl) || wal.histories.some((h) => h.timeline === tl);
}

/** PostgreSQL's `latest`: the newest timeline with archived WAL (a bare .history holds nothing to replay). */
export function latestTimeline(backups: Manifest[], wal: WalCatalog): number {
  const withWal = new Set<number>(wal.segments.map((s) => s.timeline));
  for (const b of backups) if (b.timeline !== undefined && b.type !== 'logical') withWal.add(b.timeline);
  if (withWal.size) return Math.max(...withWal);
  return wal.histories.length ? Math.max(...wal.histories.map((h) => h.timeline)) : 1;
}

/** The newest physical backup (by stop time) that records its timeline. */
function newestPhysical(backups: Manifest[]): Manifest | undefined {
  return backups
    .filter((b) => b.type !== 'logical' && b.timeline !== undefined)
    .sort((a, b) => (a.stopTime < b.stopTime ? -1 : a.stopTime > b.stopTime ? 1 : 0))
    .at(-1);
}

export function currentTimeline(backups: Manifest[], wal: WalCatalog, record?: CurrentTimelineRecord): Omit<TimelineChoice, 'request'> {
  const nb = newestPhysical(backups);
  if (record && (!nb || record.declaredAt > nb.stopTime)) {
    if (hasWal(wal, record.timeline))
      return { timeline: record.timeline, why: `declared the new primary by restore --new-primary at ${record.declaredAt} (timeline.json)` };
    // Declared, but not promoted (or not archived) yet: nothing on it to replay; its parent holds everything up to the fork.
    return { timeline: record.parentTimeline, why: `timeline ${record.timeline}, declared the new primary at ${record.declaredAt}, has archived nothing yet; following the timeline it forks from` };
  }
  if (nb) return { timeline: nb.timeline!, why: `the timeline of the newest backup ${nb.id}` };
  return { timeline: latestTimeline(backups, wal), why: 'no physical backup records a timeline: the newest timeline with archived WAL' };
}

export function chooseTimeline(i: { backups: Manifest[]; wal: WalCatalog; record?: CurrentTimelineRecord; request?: TimelineRequest }): TimelineChoice {
  const request = i.request ?? 'current';
  if (typeof request === 'number') return { timeline: request, request, why: 'as requested with --timeline' };
  if (request === 'latest') return { timeline: latestTimeline(i.backups, i.wal), request, why: 'the newest timeline with archived WAL (--timeline latest)' };
  return { ...currentTimeline(i.backups, i.wal, i.record), request };
}

/**
 * The timeline PostgreSQL will pick when a cluster recovered along `target` promotes: one past
 * the newest consecutive history file after it (findNewestTimeLine() probes the archive with
 * restore_command from target + 1 upward and stops at the first that is missing).
 */
export function predictPromotedTimeline(target: number, wal: WalCatalog): number {
  const histories = new Set(wal.histories.map((h) => h.timeline));
  let n = target;
  while (histories.has(n + 1)) n++;
  return n + 1;
}

/** One timeline of the repository, for list/status. */
export interface TimelineInfo {
  timeline: number;
  /** The timeline it forked from and where (from its .history file); absent for timeline 1. */
  parent?: number;
  forkLsn?: string;
  segments: number;
  firstSegment?: string;
  lastSegment?: string;
  /** Physical backups taken on it. */
  backups: number;
  /** The timeline a restore follows by default. */
  current: boolean;
}

export function describeTimelines(i: { backups: Manifest[]; wal: WalCatalog; histories: Map<number, HistoryEntry[]>; current: number }): TimelineInfo[] {
  const tls = new Set<number>([...i.wal.segments.map((s) => s.timeline), ...i.wal.histories.map((h) => h.timeline)]);
  for (const b of i.backups) if (b.timeline !== undefined && b.type !== 'logical') tls.add(b.timeline);
  // Nothing physical (an empty or logical-only repository): no timelines to show.
  if (!tls.size) return [];
  tls.add(i.current);
  return [...tls]
    .sort((a, b) => a - b)
    .map((tl) => {
      const segs = i.wal.segments.filter((s) => s.timeline === tl);
      const parentEntry = i.histories.get(tl)?.at(-1);
      return {
        timeline: tl,
        ...(parentEntry ? { parent: parentEntry.timeline, forkLsn: formatLsn(parentEntry.switchLsn) } : {}),
        segments: segs.length,
        ...(segs.length ? { firstSegment: segs[0].name, lastSegment: segs[segs.length - 1].name } : {}),
        backups: i.backups.filter((b) => b.type !== 'logical' && b.timeline === tl).length,
        current: tl === i.current,
      };
    });
}

/** One line per timeline, for list and status text. */
export function timelineLines(infos: TimelineInfo[], why?: string): string[] {
  return infos.map((t) => {
    const fork = t.parent !== undefined ? `forked from ${t.parent} at ${t.forkLsn}` : 'the original';
    const wal = t.segments ? `${t.segments} segment(s) ${t.firstSegment}..${t.lastSegment}` : 'no segments';
    return `  ${t.timeline}: ${fork}; ${wal}; ${t.backups} backup(s)${t.current ? `; CURRENT${why ? ` (${why})` : ''}` : ''}`;
  });
}
