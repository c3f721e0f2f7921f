// WAL chain continuity (pure): from the oldest backup's start segment to the newest archived
// segment, every timeline must hold every segment; a gap is named by its segment names.
// A timeline after the first starts at the switch point its history file records.
import type { WalCatalog } from '../repo/wal-catalog.js';
import { segmentName, segnoForLsn, type HistoryEntry } from '../wal/segment.js';

export interface WalGap {
  timeline: number;
  /** First and last missing segment names (inclusive) and how many are missing. */
  first: string;
  last: string;
  count: number;
}

export interface WalChainResult {
  /** Segments checked (present within the required ranges). */
  segments: number;
  gaps: WalGap[];
  /** Other problems: a timeline without its history file, nothing archived after a backup. */
  problems: string[];
  /** Newest archived segment (highest timeline, highest position). */
  newest: string | null;
}

export interface WalChainInput {
  wal: WalCatalog;
  /** Where the chain must start: the oldest backup's timeline and start segment. */
  start: { timeline: number; segno: bigint } | null;
  /** Parsed history files by timeline (only the ones the caller could read). */
  histories: Map<number, HistoryEntry[]>;
}

export function describeGap(g: WalGap): string {
  return g.count === 1
    ? `WAL segment ${g.first} is missing on timeline ${g.timeline}`
    : `WAL segments ${g.first} to ${g.last} (${g.count}) are missing on timeline ${g.timeline}`;
}

export function checkWalChain(input: WalChainInput): WalChainResult {
  const { wal, start, histories } = input;
  const res: WalChainResult = { segments: 0, gaps: [], problems: [], newest: null };
  const last = wal.segments[wal.segments.length - 1];
  if (last) res.newest = last.name;
  if (!start) return res;

  const byTl = new Map<number, bigint[]>();
  for (const s of wal.segments) {
    if (s.timeline < start.timeline) continue;
    let list = byTl.get(s.timeline);
    if (!list) byTl.set(s.timeline, (list = []));
    list.push(s.segno);
  }
  if (!byTl.size || ![...byTl.values()].some((l) => l[l.length - 1] >= start.segno)) {
    res.problems.push(`no WAL is archived from ${segmentName(start.timeline, start.segno)} (the oldest backup's start) onward`);
    return res;
  }

  for (const [tl, segs] of [...byTl.entries()].sort((a, b) => a[0] - b[0])) {
    let from: bigint;
    if (tl === start.timeline) from = start.segno;
    else {
      const hist = histories.get(tl);
      if (!hist) {
        res.problems.push(`timeline ${tl} has WAL but its history file ${histName(tl)} is missing or unreadable`);
        from = segs[0];
      } else {
        const switchToHere = hist[hist.length - 1];
        if (!switchToHere) {
          res.problems.push(`history file ${histName(tl)} is empty`);
          from = segs[0];
        } else {
          from = segnoForLsn(switchToHere.switchLsn);
          // The parent timeline must reach the switch point (its last full segment is the one before).
          checkParentReaches(byTl, hist, start, res);
        }
      }
    }
    if (from < start.segno && tl === start.timeline) from = start.segno;
    const need = segs.filter((s) => s >= from);
    const to = need.length ? need[need.length - 1] : null;
    if (to === null) continue;
    const have = new Set(need.map(String));
    res.segments += need.length;
    let gapStart: bigint | null = null;
    for (let s = from; s <= to + 1n; s++) {
      const present = s > to || have.has(String(s));
      if (!present && gapStart === null) gapStart = s;
      if (present && gapStart !== null) {
        res.gaps.push({ timeline: tl, first: segmentName(tl, gapStart), last: segmentName(tl, s - 1n), count: Number(s - gapStart) });
        gapStart = null;
      }
    }
  }
  return res;
}

function checkParentReaches(byTl: Map<number, bigint[]>, hist: HistoryEntry[], start: { timeline: number; segno: bigint }, res: WalChainResult): void {
  // Only the direct parent, and only when it is a timeline the chain covers.
  const parent = hist[hist.length - 1];
  if (parent.timeline < start.timeline) return;
  const segs = byTl.get(parent.timeline);
  const need = segnoForLsn(parent.switchLsn) - 1n;
  const from = parent.timeline === start.timeline ? start.segno : (segs?.[0] ?? need);
  if (need < from) return;
  const max = segs?.length ? segs[segs.length - 1] : from - 1n;
  if (max < need) {
    const first = max + 1n > from ? max + 1n : from;
    const msg = { timeline: parent.timeline, first: segmentName(parent.timeline, first), last: segmentName(parent.timeline, need), count: Number(need - first + 1n) };
    if (!res.gaps.some((g) => g.timeline === msg.timeline && g.first === msg.first)) res.gaps.push(msg);
  }
}

const histName = (tl: number) => tl.toString(16).toUpperCase().padStart(8, '0') + '.history';
