// Point-in-time restore planning: target → backup + timeline path + WAL segments + steps.
// Pure: it takes the catalog, the WAL listing and the parsed timeline histories and touches
// nothing, so every refusal (target outside the window, unknown timeline, a gap in the WAL
// chain) happens before a single byte is written.
//
// Rules (documented in the README's restore section):
// - Timeline: the caller chooses it (plan-from-repo: `current` by default, see
//   timeline-choice.ts); without one, the newest timeline with archived WAL. Its
//   `.history` file (required for any timeline > 1) gives the path of ancestors and where each
//   one ended; a backup is usable only if it lies on that path (stopLsn not past the switch).
// - Backup: the newest usable full or incremental backup that ends (stopTime for a time,
//   stopLsn for an LSN) at or before the target; `--backup` must itself end at or before the
//   target. An incremental (PG17+) is usable only with its whole chain: `parent` links back to
//   a full backup, every link in the catalog, restorable and of the same system
//   (src/repo/backup-chain.ts). The chain's backups only provide data: the timeline rule and
//   the WAL range apply to the chosen (newest) backup alone, so an incr may sit on a later
//   timeline than its parent. A chain of more than one backup is combined by pg_combinebackup
//   (17+), which the caller probes for (`combineTool`) so the dry run can say whether it is there.
// - WAL: every segment from the backup's startWal to the end of the chain must be archived.
//   The end is the target LSN's segment (--lsn), the backup's stopWal (--immediate), or the
//   newest archived segment on the path (--latest and --time, where a segment's name says
//   nothing about the commit times inside it). At a timeline switch the segment holding the
//   switch point may come from either timeline (PostgreSQL tries the newer one first).
// - Time targets: PostgreSQL stops before the first transaction that committed after the
//   target, and since PostgreSQL 13 refuses to promote when the archive ends before it sees
//   one ("recovery ended before configured recovery target was reached"). Conservative
//   checks: the target must not be in the future; at least one segment must be archived after
//   the backup's stopWal (the stop segment ends at the backup, so without more WAL nothing
//   after the backup can be reached); when the store reports archive times, the target must
//   not be later than the newest archived segment's write time; and when the caller knows the
//   newest archived commit (pg_waldump over the last segments), the target must be before it.
import { resolveChain, type ChainResolution } from '../repo/backup-chain.js';
import type { Manifest, ManifestObject } from '../repo/manifest.js';
import type { ArchivedSegment, WalCatalog } from '../repo/wal-catalog.js';
import { PgkeepError } from '../util/errors.js';
import { formatBytes, formatDuration } from '../util/log.js';
import {
  DEFAULT_WAL_SEGMENT_SIZE,
  formatLsn,
  historyFileName,
  parseLsn,
  parseSegmentName,
  segmentName,
  segnoForLsn,
  type HistoryEntry,
} from '../wal/segment.js';
import { microsToIso, timestampToMicros, type TargetTime } from './target-time.js';
import type { TimelineChoice } from './timeline-choice.js';

export type PlanTarget =
  | { kind: 'time'; time: TargetTime }
  | { kind: 'lsn'; lsn: bigint }
  | { kind: 'latest' }
  | { kind: 'immediate' };

export interface PlanRates {
  /** Download + verify + decompress + extract, bytes per second. */
  fetchBytesPerSec: number;
  /** WAL replay, bytes of (uncompressed) WAL per second. */
  replayBytesPerSec: number;
}

/** Assumed rates for the estimate (measured on the reference runner: see bench/restore.sh). */
export const DEFAULT_RATES: PlanRates = { fetchBytesPerSec: 150 * 1024 * 1024, replayBytesPerSec: 64 * 1024 * 1024 };

export interface PlanInput {
  backups: Manifest[];
  wal: WalCatalog;
  /** Parsed `<TLI>.history` contents by the timeline they describe. */
  histories: Map<number, HistoryEntry[]>;
  target: PlanTarget;
  /** Default: the newest timeline in the archive (PostgreSQL's `latest`). */
  targetTimeline?: number;
  /** `--backup <id>`. */
  backupId?: string;
  /** Microseconds since the epoch. */
  nowMicros: bigint;
  /** Newest commit time archived on the path, when known (pg_waldump); tightens time checks. */
  lastArchivedCommitMicros?: bigint;
  segSize?: number;
  rates?: PlanRates;
  /** Whether pg_combinebackup was found, for chains of more than one backup (I/O is the caller's). */
  combineTool?: CombineToolStatus;
}

/** pg_combinebackup, as probed by the caller: where and which major, or why not. */
export type CombineToolStatus = { found: true; path: string; major: number } | { found: false; why: string };

/** One backup of the chain a restore combines (a full alone is a chain of one). */
export interface ChainMember {
  id: string;
  type: Manifest['type'];
  timeline?: number;
  stopLsn?: string;
  /** Objects fetched for it: the base object, then tablespace objects and the backup_manifest. */
  objects: ManifestObject[];
  /** Stored bytes of those objects. */
  bytes: number;
  manifest: Manifest;
}

export interface TimelineStep {
  timeline: number;
  /** LSN where this timeline begins (0 for the first). */
  beginLsn: bigint;
  /** LSN where it was switched away from; undefined for the target timeline. */
  endLsn?: bigint;
}

export interface PlannedSegment {
  name: string;
  key: string;
  size: number;
}

export interface RestorePlan {
  /** The chosen backup: the newest of the chain; the WAL range and recovery start from it. */
  backup: Manifest;
  baseObject: ManifestObject;
  /** Oldest first: the full backup, then each incremental up to `backup` (length 1 for a full). */
  chain: ChainMember[];
  /** For a chain of more than one backup: pg_combinebackup's status as the caller probed it. */
  combineTool?: CombineToolStatus;
  target: PlanTarget;
  targetTimeline: number;
  timelinePath: TimelineStep[];
  wal: { first: string; last: string; count: number; bytes: number; segments: PlannedSegment[] };
  /** History files recovery reads (all ancestors of the target timeline). */
  historyFiles: { name: string; key: string; size: number }[];
  bytesToFetch: number;
  estimatedSeconds: number;
  rates: PlanRates;
  /** Where recovery becomes consistent (end of the backup). */
  consistentLsn: string;
  warnings: string[];
  /** Human lines for --dry-run and logs. */
  lines: string[];
  /** How the target timeline was chosen (set by plan-from-repo: current, latest or a number). */
  timelineChoice?: TimelineChoice;
}

const BASE_KIND = 'base';
const TABLESPACE_KIND = 'tablespace';
const BACKUP_MANIFEST_KIND = 'backup-manifest';
/** pg_combinebackup first shipped with PostgreSQL 17, with incremental backups. */
export const COMBINE_MIN_MAJOR = 17;

function baseObjectOf(b: Manifest): ManifestObject | undefined {
  return b.objects.find((o) => o.kind === BASE_KIND) ?? b.objects.find((o) => o.name === 'base.tar.zst');
}

/** What a restore fetches of a backup: its base object, then tablespace objects and the backup_manifest. */
export function restoreObjectsOf(b: Manifest): ManifestObject[] {
  const base = baseObjectOf(b);
  return base ? [base, ...b.objects.filter((o) => (o.kind === TABLESPACE_KIND || o.kind === BACKUP_MANIFEST_KIND) && o !== base)] : [];
}

function isRestorablePhysical(b: Manifest): boolean {
  return (b.type === 'full' || b.type === 'incr') && b.timeline !== undefined && !!b.startLsn && !!b.stopLsn && !!b.startWal && !!b.stopWal && !!baseObjectOf(b);
}

function chainMember(b: Manifest): ChainMember {
  const objects = restoreObjectsOf(b);
  return { id: b.id, type: b.type, timeline: b.timeline, stopLsn: b.stopLsn, objects, bytes: objects.reduce((a, o) => a + o.bytes, 0), manifest: b };
}

/** The ancestry of `target`: its history file's entries, then itself. */
export function timelinePath(target: number, histories: Map<number, HistoryEntry[]>): TimelineStep[] {
  if (target === 1) return [{ timeline: 1, beginLsn: 0n }];
  const h = histories.get(target);
  if (!h)
    throw new PgkeepError(
      'missing-history',
      `Timeline ${target} has no history file ${historyFileName(target)} in the repository, so its ancestry is unknown.`,
      'Archive the .history file (wal-push runs on promotion) or restore to an older timeline.',
    );
  const steps: TimelineStep[] = [];
  let begin = 0n;
  for (const e of h) {
    if (steps.length && e.timeline <= steps[steps.length - 1].timeline)
      throw new PgkeepError('corrupt-history', `History file ${historyFileName(target)} lists timeline ${e.timeline} out of order.`);
    steps.push({ timeline: e.timeline, beginLsn: begin, endLsn: e.switchLsn });
    begin = e.switchLsn;
  }
  steps.push({ timeline: target, beginLsn: begin });
  return steps;
}

function pathDescription(path: TimelineStep[]): string {
  return path.map((s) => (s.endLsn !== undefined ? `${s.timeline} (until ${formatLsn(s.endLsn)})` : `${s.timeline}`)).join(' → ');
}

/** Is the backup's WAL range part of the history the path describes? */
function backupOnPath(b: Manifest, path: TimelineStep[]): boolean {
  const step = path.find((s) => s.timeline === b.timeline);
  if (!step) return false;
  const start = parseLsn(b.startLsn!);
  const stop = parseLsn(b.stopLsn!);
  return start >= step.beginLsn && (step.endLsn === undefined || stop <= step.endLsn);
}

export function planRestore(input: PlanInput): RestorePlan {
  const segSize = input.segSize ?? DEFAULT_WAL_SEGMENT_SIZE;
  const rates = input.rates ?? DEFAULT_RATES;
  const { target } = input;
  const warnings: string[] = [];

  // 1. Target timeline and its ancestry.
  const known = new Set<number>([...input.wal.segments.map((s) => s.timeline), ...input.wal.histories.map((h) => h.timeline)]);
  const withWal = new Set<number>(input.wal.segments.map((s) => s.timeline));
  for (const b of input.backups)
    if (b.timeline !== undefined) {
      known.add(b.timeline);
      withWal.add(b.timeline);
    }
  if (known.size === 0) known.add(1);
  // The newest timeline that has archived WAL: a bare .history file (a restored copy that
  // promoted but never archived a segment) holds nothing to replay and is not followed.
  const targetTimeline = input.targetTimeline ?? (withWal.size ? Math.max(...withWal) : Math.max(...known));
  if (!known.has(targetTimeline))
    throw new PgkeepError(
      'unknown-timeline',
      `Timeline ${targetTimeline} is unknown: the repository holds timelines ${[...known].sort((a, b) => a - b).join(', ')}.`,
      'Omit --timeline to follow the current one, or pick one the repository holds (pgkeep status lists them).',
    );
  const path = timelinePath(targetTimeline, input.histories);

  // 2. The backup (with its chain, for an incremental).
  const byId = new Map(input.backups.map((b) => [b.id, b]));
  const chains = new Map<string, ChainResolution>();
  for (const b of input.backups.filter(isRestorablePhysical)) chains.set(b.id, resolveChain(b, byId, isRestorablePhysical));
  const brokenChain = (b: Manifest) => {
    const c = chains.get(b.id);
    return c && !c.ok ? c : undefined;
  };
  const physical = input.backups.filter((b) => isRestorablePhysical(b) && !brokenChain(b));
  const usable = physical
    .filter((b) => backupOnPath(b, path))
    .sort((a, b) => {
      const d = parseLsn(a.stopLsn!) - parseLsn(b.stopLsn!);
      return d < 0n ? -1 : d > 0n ? 1 : a.stopTime < b.stopTime ? -1 : a.stopTime > b.stopTime ? 1 : 0;
    });
  const stopMicros = (b: Manifest) => timestampToMicros(b.stopTime);
  const endsBeforeTarget = (b: Manifest): boolean =>
    target.kind === 'time' ? stopMicros(b) <= target.time.micros : target.kind === 'lsn' ? parseLsn(b.stopLsn!) <= target.lsn : true;
  const targetText =
    target.kind === 'time' ? target.time.iso : target.kind === 'lsn' ? `LSN ${formatLsn(target.lsn)}` : target.kind === 'latest' ? 'the end of archived WAL' : 'the end of the backup';

  let backup: Manifest;
  if (input.backupId) {
    const b = input.backups.find((x) => x.id === input.backupId);
    if (!b) {
      const recent = physical.slice(-5).map((x) => x.id).join(', ') || 'none';
      throw new PgkeepError('no-backup', `Backup "${input.backupId}" not found.`, `Recent physical backups: ${recent}. See pgkeep list.`);
    }
    if (!isRestorablePhysical(b))
      throw new PgkeepError(
        'not-physical',
        `Backup ${b.id} is a ${b.type} backup${b.type === 'logical' ? '' : ' without a restorable base object or WAL positions'}, not a physical backup a point-in-time restore starts from.`,
        'Pick a full or incremental backup (pgkeep list), or use restore --logical for logical backups.',
      );
    const broken = brokenChain(b);
    if (broken)
      throw new PgkeepError(
        'broken-chain',
        `Incremental backup ${b.id} cannot be restored: ${broken.at.id === b.id ? '' : `its chain passes through ${broken.at.id}, and `}${broken.why}.`,
        'Restore from a full backup or an incremental whose chain is complete (pgkeep list), or omit --backup to let pgkeep choose.',
      );
    if (!backupOnPath(b, path))
      throw new PgkeepError(
        'backup-not-on-timeline',
        `Backup ${b.id} (timeline ${b.timeline}, ${b.startLsn}..${b.stopLsn}) is not on the history of timeline ${targetTimeline} (${pathDescription(path)}).`,
        `Pick a backup taken on this timeline or one of its ancestors before the switch, or restore along the backup's own timeline with --timeline ${b.timeline}.`,
      );
    if (!endsBeforeTarget(b))
      throw new PgkeepError(
        'backup-after-target',
        `Backup ${b.id} finished at ${target.kind === 'lsn' ? b.stopLsn : b.stopTime}, after the target ${targetText}; a backup can only be rolled forward.`,
        'Pick an older backup, or omit --backup to let pgkeep choose.',
      );
    backup = b;
  } else {
    if (usable.length === 0) {
      const on = physical.length ? ` (the ${physical.length} physical backup(s) are on timeline(s) ${[...new Set(physical.map((b) => b.timeline))].join(', ')}, outside this history)` : '';
      throw new PgkeepError(
        'no-backup',
        `No restorable physical backup (full, or incremental with a complete chain) lies on the history of timeline ${targetTimeline} (${pathDescription(path)})${on}.`,
        'Take one with pgkeep backup --type full.',
      );
    }
    const eligible = usable.filter(endsBeforeTarget);
    if (eligible.length === 0) {
      const oldest = usable[0];
      throw new PgkeepError(
        'target-before-oldest',
        `The target ${targetText} is before the oldest backup finished (${oldest.id} stopped at ${target.kind === 'lsn' ? oldest.stopLsn : oldest.stopTime}).`,
        `The recovery window starts at ${oldest.stopTime} (LSN ${oldest.stopLsn}); pick a later target.`,
      );
    }
    backup = eligible[eligible.length - 1];
    // Say when a newer incremental was passed over for its broken chain.
    for (const b of input.backups) {
      const broken = brokenChain(b);
      if (broken && backupOnPath(b, path) && endsBeforeTarget(b) && parseLsn(b.stopLsn!) > parseLsn(backup.stopLsn!))
        warnings.push(`Incremental backup ${b.id} is newer but not restorable: ${broken.at.id === b.id ? '' : `its chain passes through ${broken.at.id}, and `}${broken.why}.`);
    }
  }
  const baseObject = baseObjectOf(backup)!;
  const resolved = chains.get(backup.id)!;
  const chain = (resolved.ok ? resolved.chain : [backup]).map(chainMember);
  const combineTool = chain.length > 1 ? input.combineTool : undefined;

  // 3. The WAL chain.
  const archived = new Map<string, ArchivedSegment>();
  for (const s of input.wal.segments) archived.set(s.name, s);
  const lastByte = (lsn: bigint) => (lsn > 0n ? lsn - 1n : 0n);
  const beginSeg = (s: TimelineStep) => segnoForLsn(s.beginLsn, segSize);
  const endSeg = (s: TimelineStep) => (s.endLsn === undefined ? undefined : segnoForLsn(lastByte(s.endLsn), segSize));
  const candidates = (segno: bigint): TimelineStep[] =>
    path.filter((s) => s.timeline >= backup.timeline! && beginSeg(s) <= segno && (endSeg(s) === undefined || segno <= endSeg(s)!)).reverse();

  const startSeg = parseSegmentName(backup.startWal!, segSize).segno;
  const stopSeg = parseSegmentName(backup.stopWal!, segSize).segno;
  // Newest archived segment that belongs to the path (beyond the backup's start).
  let newestOnPath: ArchivedSegment | undefined;
  for (const s of input.wal.segments) {
    if (s.segno < startSeg) continue;
    const step = path.find((p) => p.timeline === s.timeline);
    if (!step || s.timeline < backup.timeline! || s.segno < beginSeg(step)) continue;
    const e = endSeg(step);
    if (e !== undefined && s.segno > e) continue;
    if (!newestOnPath || s.segno > newestOnPath.segno || (s.segno === newestOnPath.segno && s.timeline > newestOnPath.timeline)) newestOnPath = s;
  }
  const archiveEnd = newestOnPath?.segno ?? startSeg - 1n;
  const archiveEndText = newestOnPath ? `${newestOnPath.name}${newestOnPath.archivedAt ? `, archived at ${newestOnPath.archivedAt}` : ''}` : 'none';

  let lastSeg: bigint;
  if (target.kind === 'immediate') lastSeg = stopSeg;
  else if (target.kind === 'lsn') {
    lastSeg = segnoForLsn(target.lsn, segSize);
    if (lastSeg < stopSeg) lastSeg = stopSeg;
    if (lastSeg > archiveEnd)
      throw new PgkeepError(
        'target-after-archive',
        `The target LSN ${formatLsn(target.lsn)} is after the newest archived WAL on timeline ${targetTimeline} (${archiveEndText}).`,
        'Wait for archiving to catch up (or run select pg_switch_wal() on the server), or pick an earlier target.',
      );
  } else lastSeg = archiveEnd > stopSeg ? archiveEnd : stopSeg;

  const segments: PlannedSegment[] = [];
  for (let n = startSeg; n <= lastSeg; n++) {
    const cands = candidates(n);
    const found = cands.map((c) => archived.get(segmentName(c.timeline, n, segSize))).find((x) => x !== undefined);
    if (!found) {
      const names = cands.map((c) => segmentName(c.timeline, n, segSize));
      const missing = names.length ? names.join(' or ') : segmentName(backup.timeline!, n, segSize);
      const why = n <= stopSeg ? `it is needed to make backup ${backup.id} consistent` : `recovery would stop there, before ${targetText}`;
      throw new PgkeepError(
        'wal-gap',
        `WAL segment ${missing} is missing from the repository: ${why} (chain ${segmentName(backup.timeline!, startSeg, segSize)}..${segmentName(path[path.length - 1].timeline, lastSeg, segSize)}).`,
        'Check archive_command failures in the server log and pgkeep verify; restore an earlier target or from a later backup past the gap.',
      );
    }
    segments.push({ name: found.name, key: found.key, size: found.size });
  }

  // 4. Time-target window checks (see the header for the rule).
  if (target.kind === 'time') {
    const t = target.time;
    if (t.micros > input.nowMicros)
      throw new PgkeepError('target-in-future', `The target ${t.iso} is in the future (now is ${microsToIso(input.nowMicros)}).`, 'Pick a time in the past, or --latest to replay everything archived.');
    if (lastSeg <= stopSeg)
      throw new PgkeepError(
        'target-after-archive',
        `The target ${t.iso} is after the newest archived WAL: nothing is archived on timeline ${targetTimeline} after backup ${backup.id} ended (${backup.stopWal}, ${backup.stopTime}).`,
        'Wait for archiving (or run select pg_switch_wal() on the server), or pick an earlier target.',
      );
    // The archive time is the storage's clock, at one-second resolution on S3 (Last-Modified),
    // and may be skewed against the database's: it is only a coarse bound, used when the exact
    // one (the newest archived commit, read with pg_waldump) is not available, with 1 s of slack.
    if (newestOnPath?.archivedAt && input.lastArchivedCommitMicros === undefined) {
      const at = timestampToMicros(newestOnPath.archivedAt) + 1_000_000n;
      if (t.micros > at)
        throw new PgkeepError(
          'target-after-archive',
          `The target ${t.iso} is after the newest archived WAL (${archiveEndText}).`,
          'Wait for archiving (or run select pg_switch_wal() on the server), or pick an earlier target.',
        );
    } else if (!newestOnPath?.archivedAt && input.lastArchivedCommitMicros === undefined)
      warnings.push('The store does not report archive times; the target is checked against the clock only.');
    if (input.lastArchivedCommitMicros !== undefined && t.micros >= input.lastArchivedCommitMicros)
      throw new PgkeepError(
        'target-after-archive',
        `The target ${t.iso} is not before the newest archived commit (${microsToIso(input.lastArchivedCommitMicros)}), so recovery cannot see a transaction after it and PostgreSQL would refuse to promote.`,
        'Wait for more WAL to be archived (select pg_switch_wal()), or pick an earlier target (or --latest).',
      );
    if (input.lastArchivedCommitMicros === undefined)
      warnings.push(
        'If no transaction committed after the target is archived, PostgreSQL stops at the end of archived WAL and refuses to promote ("recovery ended before configured recovery target was reached").',
      );
  }

  // 5. History files recovery reads, bytes and time.
  const historyFiles = path
    .filter((s) => s.timeline > 1)
    .map((s) => input.wal.histories.find((h) => h.timeline === s.timeline))
    .filter((h): h is NonNullable<typeof h> => !!h)
    .map((h) => ({ name: h.name, key: h.key, size: h.size }));
  const walBytes = segments.reduce((a, s) => a + s.size, 0);
  const chainBytes = chain.reduce((a, m) => a + m.bytes, 0);
  const bytesToFetch = chainBytes + walBytes + historyFiles.reduce((a, h) => a + h.size, 0);
  const estimatedSeconds = bytesToFetch / rates.fetchBytesPerSec + (segments.length * segSize) / rates.replayBytesPerSec;

  const first = segments[0].name;
  const last = segments[segments.length - 1].name;
  const tlText = path.length > 1 ? `timelines ${pathDescription(path)}` : `timeline ${targetTimeline}`;
  const objectsText = (m: ChainMember) => m.objects.map((o) => `${o.name} ${formatBytes(o.bytes)}`).join(' + ');
  const combining = chain.length > 1;
  const lines = [
    `Backup ${backup.id}${combining ? ' (incremental)' : ''} (timeline ${backup.timeline}, ${backup.startLsn}..${backup.stopLsn}, stopped ${backup.stopTime}), ${objectsText(chain[chain.length - 1])}`,
    ...(combining
      ? [
          `Chain: ${chain.map((m) => `${m.type} ${m.id}`).join(' → ')} (${chain.length} backups, ${formatBytes(chainBytes)} stored)`,
          `Combine: needs pg_combinebackup of PostgreSQL ${Math.max(COMBINE_MIN_MAJOR, Math.floor(backup.pgVersionNum / 10000))}: ${combineToolText(combineTool)}`,
        ]
      : []),
    `Target: ${targetLine(target)} on ${tlText}`,
    `WAL: ${first} .. ${last}, ${segments.length} segment(s), ${formatBytes(walBytes)} stored${historyFiles.length ? ` + ${historyFiles.length} history file(s)` : ''}; consistent at ${backup.stopLsn}`,
    `Fetch: ${formatBytes(bytesToFetch)}; estimated ${formatDuration(estimatedSeconds)} at ${formatBytes(rates.fetchBytesPerSec)}/s fetch+extract and ${formatBytes(rates.replayBytesPerSec)}/s WAL replay (assumed rates)`,
    combining
      ? `Steps: extract each backup of the chain (verified) into a staging directory beside the target; pg_combinebackup -o DIR ${chain.map((m) => m.id).join(' ')}; remove the staging directory; write recovery.signal and recovery settings in postgresql.auto.conf; start: PostgreSQL fetches WAL with pgkeep wal-fetch, replays to the target and promotes`
      : `Steps: extract ${baseObject.name} (verified) into an empty directory; write recovery.signal and recovery settings in postgresql.auto.conf; start: PostgreSQL fetches WAL with pgkeep wal-fetch, replays to the target and promotes`,
    ...warnings.map((w) => `Note: ${w}`),
  ];
  return {
    backup,
    baseObject,
    chain,
    ...(combineTool ? { combineTool } : {}),
    target,
    targetTimeline,
    timelinePath: path,
    wal: { first, last, count: segments.length, bytes: walBytes, segments },
    historyFiles,
    bytesToFetch,
    estimatedSeconds,
    rates,
    consistentLsn: backup.stopLsn!,
    warnings,
    lines,
  };
}

function combineToolText(t: CombineToolStatus | undefined): string {
  if (!t) return 'not checked';
  return t.found ? `found ${t.path} (${t.major})` : `NOT FOUND (${t.why}); the restore will refuse to start`;
}

function targetLine(t: PlanTarget): string {
  switch (t.kind) {
    case 'time':
      return `time ${t.time.iso} (recovery_target_time = '${t.time.pg}', inclusive)`;
    case 'lsn':
      return `LSN ${formatLsn(t.lsn)} (inclusive)`;
    case 'latest':
      return 'latest (replay all archived WAL)';
    case 'immediate':
      return 'immediate (stop as soon as the backup is consistent)';
  }
}
