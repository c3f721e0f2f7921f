// Did replay reach what the plan promised? Pure. A promoted cluster is not proof: with
// --latest there is no recovery target, and PostgreSQL ends recovery (and promotes) at the first
// segment restore_command reports missing — a segment deleted, expired or not yet copied after
// the plan was made ends recovery early without any error. So after promotion the restore,
// the drill and single-database PITR compare where replay ended with the plan:
// - latest: replay must have consumed part of the last planned segment (replay ending exactly
//   at its start means it was never read). A record may legitimately continue into a segment
//   that is not archived yet, so the end may lie anywhere inside the last segment.
// - time: PostgreSQL must have logged "recovery stopping before/after …" (it found the first
//   transaction past the target), and the last replayed commit must not be after the target.
// - lsn: replay must have reached the target LSN. immediate: the backup's end (consistency).
import { PgkeepError } from '../util/errors.js';
import { formatLsn, parseLsn, parseSegmentName } from '../wal/segment.js';
import type { PlanTarget } from './plan.js';
import { microsToIso, timestampToMicros } from './target-time.js';

export interface PlannedEnd {
  target: PlanTarget;
  /** Last planned WAL segment (plan.wal.last). */
  lastSegment: string;
  /** The backup's stop LSN: where recovery becomes consistent. */
  consistentLsn: string;
}

export interface ReplayReached {
  /** pg_last_wal_replay_lsn() after promotion: the end of the last record replayed. */
  replayLsn?: bigint;
  /** The server's "recovery stopping …" line. */
  stopLine?: string;
  /** pg_last_xact_replay_timestamp() (ISO-8601), when a transaction was replayed. */
  lastReplayedXact?: string;
  /** Server's wal_segment_size in bytes. */
  segSize: number;
}

/** What the plan must reach, in words (for logs and errors). */
export function plannedEndText(p: PlannedEnd, segSize: number): string {
  switch (p.target.kind) {
    case 'latest':
      return `into the last planned segment ${p.lastSegment} (past ${formatLsn(parseSegmentName(p.lastSegment, segSize).segno * BigInt(segSize))})`;
    case 'time':
      return `the target time ${p.target.time.iso}`;
    case 'lsn':
      return `the target LSN ${formatLsn(p.target.lsn)}`;
    case 'immediate':
      return `the end of the backup at ${p.consistentLsn}`;
  }
}

/** undefined when replay reached the planned end; else a one-paragraph error naming both positions. */
export function checkReplayReached(p: PlannedEnd, r: ReplayReached, where: string): PgkeepError | undefined {
  const planned = plannedEndText(p, r.segSize);
  const reached = r.replayLsn !== undefined ? formatLsn(r.replayLsn) : 'an unknown position (pg_last_wal_replay_lsn() returned nothing)';
  const fail = (why: string) =>
    new PgkeepError(
      'replay-short',
      `${where} promoted, but replay ended at ${reached}${r.lastReplayedXact ? ` (last transaction replayed ${r.lastReplayedXact})` : ''}, ${why}; the plan was to replay ${planned}.`,
      'WAL planned for this restore could not be fetched when PostgreSQL asked for it (deleted, expired or unreadable since the plan was made): check the server log and pgkeep verify, then restore again into an empty directory; do not use this cluster.',
    );
  if (r.replayLsn === undefined) return fail('which cannot be checked');
  switch (p.target.kind) {
    case 'latest': {
      const lastStart = parseSegmentName(p.lastSegment, r.segSize).segno * BigInt(r.segSize);
      return r.replayLsn > lastStart ? undefined : fail(`before the last planned segment ${p.lastSegment}`);
    }
    case 'lsn':
      return r.replayLsn >= p.target.lsn ? undefined : fail('before the target LSN');
    case 'immediate':
      return r.replayLsn >= parseLsn(p.consistentLsn) ? undefined : fail('before the backup is consistent');
    case 'time': {
      if (!r.stopLine) return fail('without reaching the target time (the server never logged "recovery stopping before/after")');
      if (r.lastReplayedXact && timestampToMicros(r.lastReplayedXact) > p.target.time.micros)
        return fail(`after the target time (a transaction of ${microsToIso(timestampToMicros(r.lastReplayedXact))} was replayed)`);
      return undefined;
    }
  }
}
