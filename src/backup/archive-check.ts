// The 6-hourly `backup --type incr` on PostgreSQL 15/16 where archive_command archives: no
// replication slot, no pg_receivewal. It switches WAL and waits until the segment holding the
// last write before the run is in the repository: the same guarantee as a slot pull (every WAL
// up to the run's start is stored), proven from the repository itself, while the server keeps
// nothing extra. Failing or stale archiving fails the run loudly, naming pg_stat_archiver's facts.
import type { Store } from '../storage/store.js';
import { withClient, type PgEnv } from '../postgres/client.js';
import { walKey, walKeyEncrypted } from '../repo/layout.js';
import { PgkeepError } from '../util/errors.js';
import { parseLsn, segmentName, segnoForLsn } from '../wal/segment.js';

/** pg_stat_archiver, as ISO-8601 times. */
export interface ArchiverStats {
  archivedCount: number;
  lastArchivedWal?: string;
  lastArchivedTime?: string;
  failedCount: number;
  lastFailedWal?: string;
  lastFailedTime?: string;
}

/** What the run found (the incr result's `wal`: job summary and --json). */
export interface IncrWalReport {
  source: 'archive' | 'slot';
  /** The LSN pg_switch_wal() returned: every WAL before it is in the repository. */
  upTo: string;
  /** archive: the newest segment the run proved stored. */
  archivedThrough?: string;
  /** archive: pg_stat_archiver after the check. */
  archiver?: ArchiverStats;
  /** slot: WAL files pulled and pushed. */
  pulled?: number;
  /** slot: what the slot retains on the server after the pull. */
  slotRetainedBytes?: number;
  warnings: string[];
}

export async function readArchiver(pgEnv: PgEnv): Promise<ArchiverStats> {
  return withClient(pgEnv, undefined, async (c) => {
    const r = await c.query<{ archived_count: string; last_archived_wal: string | null; last_archived_time: Date | null; failed_count: string; last_failed_wal: string | null; last_failed_time: Date | null }>(
      'select archived_count, last_archived_wal, last_archived_time, failed_count, last_failed_wal, last_failed_time from pg_stat_archiver',
    );
    const a = r.rows[0];
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : undefined);
    return {
      archivedCount: Number(a?.archived_count ?? 0),
      ...(a?.last_archived_wal ? { lastArchivedWal: a.last_archived_wal } : {}),
      ...(iso(a?.last_archived_time ?? null) ? { lastArchivedTime: iso(a!.last_archived_time) } : {}),
      failedCount: Number(a?.failed_count ?? 0),
      ...(a?.last_failed_wal ? { lastFailedWal: a.last_failed_wal } : {}),
      ...(iso(a?.last_failed_time ?? null) ? { lastFailedTime: iso(a!.last_failed_time) } : {}),
    };
  });
}

/** The archiver's last attempt failed (a later success would have moved last_archived_time past it). */
export function archiverFailing(a: ArchiverStats): boolean {
  if (!a.lastFailedTime) return false;
  return !a.lastArchivedTime || a.lastFailedTime >= a.lastArchivedTime;
}

/** archive_command visibly runs pgkeep (a wrapper script may too: the repository check decides). */
export function archiveCommandRunsPgkeep(cmd: string): boolean {
  return /pgkeep|wal-push/.test(cmd);
}

export function describeArchiver(a: ArchiverStats): string {
  const ok = a.lastArchivedWal ? `last archived ${a.lastArchivedWal} at ${a.lastArchivedTime}` : 'nothing archived since the statistics were reset';
  const bad = a.lastFailedWal ? `; last failure ${a.lastFailedWal} at ${a.lastFailedTime} (${a.failedCount} failures in all)` : '';
  return `pg_stat_archiver: ${ok}${bad}`;
}

/** How long a failing archiver may stay failing before a run gives up (PostgreSQL retries 3 times, 1 s apart). */
export const ARCHIVE_FAIL_GRACE_MS = 5000;

export interface ArchiveCheckOptions {
  store: Store;
  pgEnv: PgEnv;
  segSize: number;
  timeline: number;
  /** How long the switched segment may take to reach the repository (PGKEEP_WAL_WAIT_SECONDS). */
  waitSeconds: number;
  /** How long a failing archiver may stay failing before the run gives up (PostgreSQL retries 3 times, 1 s apart). */
  failGraceMs?: number;
  pollMs?: number;
}

/** Switch WAL and wait until the segment it completed is in the repository. */
export async function checkArchiveFresh(o: ArchiveCheckOptions): Promise<{ upTo: string; archivedThrough: string; archiver: ArchiverStats }> {
  const upTo = await withClient(o.pgEnv, undefined, async (c) => (await c.query<{ l: string }>('select pg_switch_wal()::text as l')).rows[0].l);
  // pg_switch_wal() returns the end of the switched segment (or, with nothing to switch, where
  // the current one begins): the WAL written before the run ends in the segment before it.
  const lsn = parseLsn(upTo);
  const target = segmentName(o.timeline, segnoForLsn(lsn > 0n ? lsn - 1n : 0n, o.segSize), o.segSize);
  const deadline = Date.now() + o.waitSeconds * 1000;
  const grace = o.failGraceMs ?? ARCHIVE_FAIL_GRACE_MS;
  let failingSince: number | undefined;
  for (;;) {
    if ((await o.store.head(walKey(target))) || (await o.store.head(walKeyEncrypted(target)))) return { upTo, archivedThrough: target, archiver: await readArchiver(o.pgEnv) };
    const a = await readArchiver(o.pgEnv);
    if (archiverFailing(a)) {
      failingSince ??= Date.now();
      if (Date.now() - failingSince >= grace)
        throw new PgkeepError(
          'archiving-failing',
          `archive_command is failing, so WAL ${target} (written before this run) is not in ${o.store.description}: ${describeArchiver(a)}.`,
          'Read the server log for the archive_command error and fix it (repository reachable, credentials, pgkeep on the server\'s PATH); WAL piles up in pg_wal until archiving succeeds.',
        );
    } else failingSince = undefined;
    if (Date.now() >= deadline) {
      // The server says it archived the segment, yet the repository lacks it: archiving goes elsewhere.
      const elsewhere = a.lastArchivedWal !== undefined && a.lastArchivedWal.length === 24 && a.lastArchivedWal >= target;
      throw new PgkeepError(
        'archiving-stale',
        elsewhere
          ? `The server reports WAL ${target} archived, but it is not in ${o.store.description} after ${o.waitSeconds} s: archive_command stores WAL somewhere else (${describeArchiver(a)}).`
          : `WAL ${target} (written before this run) did not reach ${o.store.description} within ${o.waitSeconds} s: archiving is stale (${describeArchiver(a)}).`,
        elsewhere
          ? "Point archive_command at this repository (archive_command = 'pgkeep wal-push %p' with the same PGKEEP_REPO), or pull WAL over a replication slot with --wal-source slot."
          : 'Check archive_command and the server log; PGKEEP_WAL_WAIT_SECONDS raises the wait on a busy server.',
      );
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
  }
}
