// Retention: which backups and WAL a recovery window of N days needs, and what may go.
// Pure: takes the catalog, the WAL listing and a clock, returns a plan; `apply.ts` executes it.
//
// Rules (the window is [now − N days, now]):
// - physical (full/incr): keep every backup that stops after the window start (it may be the
//   base for an instant inside the window), plus the newest restorable backup that stopped at or
//   before the window start (the anchor that covers the window's first instant), plus every
//   kept incremental's parent chain back to its full (src/repo/backup-chain.ts): a full that a
//   kept incremental depends on is never expired;
// - an incremental whose parent chain is broken (a parent missing from the catalog, of another
//   system, not physical) cannot be restored: it is expired with its chain, inside the window too;
// - WAL: keep every segment from the oldest kept physical backup's start segment onward, on every
//   timeline; history files always; with no physical backup at all, WAL is left alone;
// - logical: keep those that start inside the window (or in the future: clock skew) and always
//   the newest one;
// - never expire the only backup; backups dated after `now` are kept;
// - incomplete backups (no manifest) are removed once older than 24 h (a running backup is
//   protected by the backup lock, which apply checks).
import { resolveChain } from '../repo/backup-chain.js';
import type { Manifest } from '../repo/manifest.js';
import type { WalCatalog } from '../repo/wal-catalog.js';
import { parseBackupId } from '../repo/layout.js';
import { isBackupHistoryName, isPartialName, parseLsn, parseSegmentName, segmentName, segnoForLsn } from '../wal/segment.js';

export const INCOMPLETE_GRACE_HOURS = 24;

export interface IncompleteBackup {
  id: string;
  bytes: number;
  /** Newest object modification time, when the store knows it. */
  modified?: string;
}

export interface RetentionInput {
  backups: Manifest[];
  incomplete: IncompleteBackup[];
  wal: WalCatalog;
  now: Date;
  retentionDays: number;
}

export interface PlannedBackup {
  id: string;
  type: Manifest['type'];
  startTime: string;
  bytes: number;
  reason: string;
}

export interface RetentionPlan {
  now: string;
  windowStart: string;
  retentionDays: number;
  keep: PlannedBackup[];
  expire: PlannedBackup[];
  expireIncomplete: (IncompleteBackup & { reason: string })[];
  /** Segment name from which WAL is kept (absolute position; every timeline), or null = keep all. */
  walKeepFrom: string | null;
  expireWal: { key: string; size: number }[];
  keptWal: { segments: number; bytes: number };
  bytesFreed: number;
  notes: string[];
}

const isPhysical = (b: Manifest) => b.type === 'full' || b.type === 'incr';
const ms = (iso: string) => Date.parse(iso);

/** The absolute segment number a physical backup's WAL starts at. */
export function startSegno(b: Manifest): bigint | null {
  if (b.startWal) return parseSegmentName(b.startWal).segno;
  if (b.startLsn) return segnoForLsn(parseLsn(b.startLsn));
  return null;
}

/** An incremental's parents, newest first, back to its full backup; null when a link is broken. */
export function parentChain(b: Manifest, byId: Map<string, Manifest>): Manifest[] | null {
  const r = resolveChain(b, byId);
  return r.ok ? r.chain.slice(0, -1).reverse() : null;
}

export function planRetention(input: RetentionInput): RetentionPlan {
  const { backups, now, retentionDays } = input;
  const nowMs = now.getTime();
  const windowStartMs = nowMs - retentionDays * 86400_000;
  const byId = new Map(backups.map((b) => [b.id, b]));
  const keep = new Map<string, string>();
  const notes: string[] = [];
  const mark = (b: Manifest, reason: string) => {
    if (!keep.has(b.id)) keep.set(b.id, reason);
  };

  // Physical backups. An incremental with a broken chain is never kept for the window.
  const physical = backups.filter(isPhysical);
  const broken = new Map<string, string>();
  for (const b of physical) {
    const r = resolveChain(b, byId);
    if (!r.ok) broken.set(b.id, `${r.at.id === b.id ? '' : `its chain passes through ${r.at.id}, and `}${r.why}`);
  }
  const restorable = physical.filter((b) => !broken.has(b.id));
  for (const b of restorable) {
    if (ms(b.startTime) > nowMs) mark(b, 'dated after now (clock skew): kept');
    else if (ms(b.stopTime) > windowStartMs) mark(b, 'inside the recovery window');
  }
  const anchor = restorable.filter((b) => ms(b.stopTime) <= windowStartMs).sort((a, b) => ms(a.stopTime) - ms(b.stopTime)).pop();
  if (anchor) mark(anchor, 'newest backup before the window start (covers its first instant)');

  // Logical backups.
  const logical = backups.filter((b) => b.type === 'logical');
  for (const b of logical) {
    if (ms(b.startTime) > nowMs) mark(b, 'dated after now (clock skew): kept');
    else if (ms(b.startTime) >= windowStartMs) mark(b, 'inside the recovery window');
  }
  const newestLogical = [...logical].sort((a, b) => ms(a.startTime) - ms(b.startTime)).pop();
  if (newestLogical) mark(newestLogical, 'newest logical backup (always kept)');

  // Never leave the repository without a backup.
  if (backups.length && !keep.size) {
    const newest = [...backups].sort((a, b) => ms(a.startTime) - ms(b.startTime)).pop()!;
    mark(newest, 'only remaining backup (never expired)');
  }

  // A kept incremental keeps its whole chain (last: whatever marked it, the fallback included).
  for (const b of physical) {
    if (!keep.has(b.id) || b.type !== 'incr') continue;
    for (const p of parentChain(b, byId) ?? []) mark(p, `parent of kept incremental ${b.id}`);
  }

  const toPlanned = (b: Manifest, reason: string): PlannedBackup => ({ id: b.id, type: b.type, startTime: b.startTime, bytes: b.bytes, reason });
  const keepList = backups.filter((b) => keep.has(b.id)).map((b) => toPlanned(b, keep.get(b.id)!));
  const expireList = backups
    .filter((b) => !keep.has(b.id))
    .map((b) =>
      toPlanned(
        b,
        broken.has(b.id)
          ? `incremental that cannot be restored: ${broken.get(b.id)}`
          : isPhysical(b)
            ? 'older than the window and not needed by a kept backup'
            : 'logical backup older than the window',
      ),
    );

  // Incomplete backups.
  const graceMs = INCOMPLETE_GRACE_HOURS * 3600_000;
  const expireIncomplete: RetentionPlan['expireIncomplete'] = [];
  for (const inc of input.incomplete) {
    // The later of the id's time and the newest object's: a long-running backup is not stale.
    const times = [parseBackupId(inc.id)?.time.getTime(), inc.modified ? ms(inc.modified) : undefined].filter(
      (x): x is number => x !== undefined && !Number.isNaN(x),
    );
    const t = Math.max(...times);
    if (!times.length) {
      notes.push(`incomplete backup directory ${inc.id} has an unknown age: left alone`);
      continue;
    }
    if (nowMs - t > graceMs) expireIncomplete.push({ ...inc, reason: `incomplete (no manifest) for more than ${INCOMPLETE_GRACE_HOURS} h` });
  }

  // WAL.
  const keptPhysical = physical.filter((b) => keep.has(b.id));
  const starts = keptPhysical.map(startSegno);
  let walKeepFrom: string | null = null;
  const expireWal: { key: string; size: number }[] = [];
  let keptSegments = 0;
  let keptBytes = 0;
  if (!keptPhysical.length) {
    if (input.wal.segments.length) notes.push('no physical backup in the repository: WAL is left alone');
  } else if (starts.some((s) => s === null)) {
    notes.push('a kept physical backup has no start WAL position: WAL is left alone');
  } else {
    const minSegno = starts.reduce((a, b) => (b! < a! ? b : a))!;
    const oldest = keptPhysical[starts.indexOf(minSegno)];
    walKeepFrom = segmentName(oldest.timeline ?? 1, minSegno);
    for (const s of input.wal.segments) {
      if (s.segno < minSegno) expireWal.push({ key: s.key, size: s.size });
      else {
        keptSegments++;
        keptBytes += s.size;
      }
    }
    // Backup labels and .partial segments follow their segment; anything else is left alone.
    for (const o of input.wal.other) {
      const file = o.key.slice(o.key.lastIndexOf('/') + 1).replace(/\.zst(\.age)?$/, '');
      if (!isBackupHistoryName(file) && !isPartialName(file)) continue;
      if (parseSegmentName(file.slice(0, 24)).segno < minSegno) expireWal.push(o);
    }
  }

  const bytesFreed =
    expireList.reduce((a, b) => a + b.bytes, 0) + expireIncomplete.reduce((a, b) => a + b.bytes, 0) + expireWal.reduce((a, b) => a + b.size, 0);
  return {
    now: now.toISOString(),
    windowStart: new Date(windowStartMs).toISOString(),
    retentionDays,
    keep: keepList,
    expire: expireList,
    expireIncomplete,
    walKeepFrom,
    expireWal,
    keptWal: { segments: keptSegments, bytes: keptBytes },
    bytesFreed,
    notes,
  };
}
