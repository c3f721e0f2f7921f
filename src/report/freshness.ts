// Recovery window and freshness (dead-man check), computed purely from a catalog and a WAL
// listing: `pgkeep status`, every action's summary and the status record use it.
//
// The window runs from the oldest restorable instant (the stop time of the oldest backup; a
// physical one needs the WAL archived after it) to the newest (the newest backup, or the newest
// archived WAL segment when a full backup precedes it: its archive time bounds the instant that
// segment makes reachable). Continuity of the WAL chain is verify's job, not this one's.
import type { Catalog } from '../repo/catalog.js';
import type { Manifest } from '../repo/manifest.js';
import type { WalCatalog } from '../repo/wal-catalog.js';

export interface BackupRef {
  id: string;
  type: Manifest['type'];
  stopTime: string;
  bytes: number;
  ageHours: number;
}

export interface RecoveryWindow {
  oldest?: string;
  newest?: string;
}

export interface RepoStatus {
  now: string;
  backups: { count: number; logical: number; full: number; incr: number; bytes: number; incomplete: number };
  window: RecoveryWindow;
  newestFull?: BackupRef;
  newestLogical?: BackupRef;
  newestWal?: { name: string; archivedAt?: string; ageHours?: number };
  walSegments: number;
  maxAgeHours: number;
  maxWalAgeHours: number;
  /** True when the dead-man check fails: a scheduler or archive_command has gone quiet. */
  stale: boolean;
  /** Why it is stale (empty when fresh), one sentence each. */
  problems: string[];
  /** Facts that could not be established (e.g. a store that does not report write times). */
  notes: string[];
}

const hours = (iso: string, now: Date) => (now.getTime() - new Date(iso).getTime()) / 3_600_000;
const round = (n: number) => Math.round(n * 100) / 100;

function ref(m: Manifest, now: Date): BackupRef {
  return { id: m.id, type: m.type, stopTime: m.stopTime, bytes: m.bytes, ageHours: round(hours(m.stopTime, now)) };
}

export function computeStatus(
  cat: Catalog,
  wal: WalCatalog,
  opts: { now: Date; maxAgeHours: number; maxWalAgeHours?: number },
): RepoStatus {
  const { now, maxAgeHours } = opts;
  const maxWalAgeHours = opts.maxWalAgeHours ?? maxAgeHours;
  const b = cat.backups;
  const byStop = [...b].sort((x, y) => (x.stopTime < y.stopTime ? -1 : x.stopTime > y.stopTime ? 1 : 0));
  const fulls = byStop.filter((m) => m.type === 'full');
  const physical = byStop.filter((m) => m.type !== 'logical');
  const logicals = byStop.filter((m) => m.type === 'logical');
  const newestFull = fulls.at(-1);
  const newestLogical = logicals.at(-1);

  // Newest segment of the highest timeline (segments are sorted by timeline, then number).
  const seg = wal.segments.at(-1);
  const newestWal = seg
    ? { name: seg.name, archivedAt: seg.archivedAt, ageHours: seg.archivedAt ? round(hours(seg.archivedAt, now)) : undefined }
    : undefined;

  const window: RecoveryWindow = {};
  if (byStop.length) {
    window.oldest = byStop[0].stopTime;
    window.newest = byStop.at(-1)!.stopTime;
    const firstFull = fulls[0];
    if (firstFull && seg?.archivedAt && (!firstFull.stopWal || seg.name >= firstFull.stopWal) && seg.archivedAt > window.newest)
      window.newest = seg.archivedAt;
  }

  const problems: string[] = [];
  const notes: string[] = [];
  if (!b.length) problems.push('The repository holds no backup at all.');
  // Logical-only setups have no full backups and no WAL: their freshness is the newest dump.
  const base = newestFull ?? (physical.length ? undefined : newestLogical);
  if (base && hours(base.stopTime, now) > maxAgeHours)
    problems.push(`The newest ${base.type} backup ${base.id} finished ${round(hours(base.stopTime, now))} h ago, more than the allowed ${maxAgeHours} h.`);
  if (physical.length && !newestFull) problems.push('There is no full backup to restore a cluster from.');
  if (newestFull) {
    if (!seg) problems.push('No WAL has been archived: point-in-time recovery is impossible.');
    else if (newestWal?.ageHours === undefined) notes.push('The repository does not report when WAL was archived; WAL age unknown.');
    else if (newestWal.ageHours > maxWalAgeHours)
      problems.push(`The newest archived WAL ${seg.name} is ${newestWal.ageHours} h old, more than the allowed ${maxWalAgeHours} h: is archive_command failing?`);
  }
  if (cat.incomplete.length) notes.push(`${cat.incomplete.length} incomplete backup(s) without manifest: ${cat.incomplete.slice(-3).join(', ')}.`);

  return {
    now: now.toISOString(),
    backups: {
      count: b.length,
      logical: logicals.length,
      full: fulls.length,
      incr: b.filter((m) => m.type === 'incr').length,
      bytes: b.reduce((s, m) => s + m.bytes, 0),
      incomplete: cat.incomplete.length,
    },
    window,
    newestFull: newestFull && ref(newestFull, now),
    newestLogical: newestLogical && ref(newestLogical, now),
    newestWal,
    walSegments: wal.segments.length,
    maxAgeHours,
    maxWalAgeHours,
    stale: problems.length > 0,
    problems,
    notes,
  };
}
