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
//   protected by the backup lock, which apply checks);
// - a copy with S3 Object Lock (`?object-lock=…&lock-days=N`) cannot delete an object before its
//   retain-until date: what the window expires but is still locked there stays on that copy
//   (reported with the instant it becomes deletable, estimated as its write time + lock-days;
//   apply reads the real date from each object before deleting), and so does the WAL such a
//   held backup needs. Unlocked copies are expired as usual.
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

/** A copy of the repository whose objects carry S3 Object Lock retention. */
export interface LockedCopy {
  /** Position in the repository's list of copies (PGKEEP_REPO order). */
  copy: number;
  description: string;
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  days: number;
}

export interface RetentionInput {
  backups: Manifest[];
  incomplete: IncompleteBackup[];
  wal: WalCatalog;
  now: Date;
  retentionDays: number;
  lockedCopies?: LockedCopy[];
}

/** What the window expires but a locked copy must keep for now, and when each becomes deletable. */
export interface LockedCopyHold extends LockedCopy {
  backups: { id: string; type: Manifest['type']; bytes: number; deletableAt: string }[];
  incomplete: { id: string; bytes: number; deletableAt: string }[];
  /** WAL kept on this copy: locked itself, or needed by a backup held here. */
  wal: { key: string; size: number; deletableAt: string }[];
  bytesHeld: number;
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
  /** One entry per locked copy (empty without Object Lock): expired here, but not yet deletable there. */
  locked: LockedCopyHold[];
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
  const locked = (input.lockedCopies ?? []).map((c) =>
    planLockedCopy(c, { now, byId, expireList, expireIncomplete, expireWal, wal: input.wal }),
  );
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
    locked,
  };
}

const iso = (t: number) => new Date(t).toISOString();

/**
 * One locked copy: an expired backup stays while its newest object is locked (the manifest is
 * written last, at about its stop time, so stop time + lock-days); WAL stays while it is locked
 * itself or while a backup still on this copy starts at or before it (a listed backup must stay
 * restorable, so its WAL may not go first).
 */
function planLockedCopy(
  c: LockedCopy,
  x: {
    now: Date;
    byId: Map<string, Manifest>;
    expireList: PlannedBackup[];
    expireIncomplete: (IncompleteBackup & { reason: string })[];
    expireWal: { key: string; size: number; modified?: string }[];
    wal: WalCatalog;
  },
): LockedCopyHold {
  const nowMs = x.now.getTime();
  const lockMs = c.days * 86400_000;
  // Write time unknown (a store without modification times): as if written now, the safe side.
  const until = (written: number | undefined) => (written === undefined || Number.isNaN(written) ? nowMs : written) + lockMs;
  const backups: LockedCopyHold['backups'] = [];
  for (const e of x.expireList) {
    const b = x.byId.get(e.id)!;
    const t = until(Math.max(ms(b.startTime), ms(b.stopTime)));
    if (t > nowMs) backups.push({ id: b.id, type: b.type, bytes: b.bytes, deletableAt: iso(t) });
  }
  const incomplete: LockedCopyHold['incomplete'] = [];
  for (const i of x.expireIncomplete) {
    const t = until(i.modified ? ms(i.modified) : parseBackupId(i.id)?.time.getTime());
    if (t > nowMs) incomplete.push({ id: i.id, bytes: i.bytes, deletableAt: iso(t) });
  }
  // Held physical backups and the instant each goes: WAL from its start on waits for it.
  const heldPhysical = backups
    .map((h) => ({ b: x.byId.get(h.id)!, at: ms(h.deletableAt) }))
    .filter((h) => isPhysical(h.b))
    .map((h) => ({ start: startSegno(h.b), at: h.at }));
  const written = new Map<string, string | undefined>();
  for (const s of x.wal.segments) written.set(s.key, s.archivedAt);
  for (const o of x.wal.other as { key: string; modified?: string }[]) written.set(o.key, o.modified);
  const wal: LockedCopyHold['wal'] = [];
  for (const w of x.expireWal) {
    let t = until(written.has(w.key) ? ms(written.get(w.key) ?? '') : undefined);
    const file = w.key.slice(w.key.lastIndexOf('/') + 1);
    const segno = /^[0-9A-F]{24}/.test(file) ? parseSegmentName(file.slice(0, 24)).segno : null;
    for (const h of heldPhysical) if (segno === null || h.start === null || h.start <= segno) t = Math.max(t, h.at);
    if (t > nowMs) wal.push({ key: w.key, size: w.size, deletableAt: iso(t) });
  }
  const bytesHeld =
    backups.reduce((a, b) => a + b.bytes, 0) + incomplete.reduce((a, b) => a + b.bytes, 0) + wal.reduce((a, w) => a + w.size, 0);
  return { ...c, backups, incomplete, wal, bytesHeld };
}
