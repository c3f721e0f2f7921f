// Replication slots in `pgkeep status`: what each retains on the server and since when. The
// server knows no slot's age before PostgreSQL 17 (inactive_since), so the age of the oldest
// WAL a slot keeps comes from the repository: when the segment holding its restart_lsn (or the
// one before it) was archived. Pure: the slots are read by the command.
import type { WalCatalog } from '../repo/wal-catalog.js';
import type { SlotInfo, SlotReport } from '../wal/replication-slot.js';
import { unboundedSlotWarning } from '../wal/replication-slot.js';
import { DEFAULT_SLOT } from '../wal/wal-pull.js';
import { formatBytes } from '../util/log.js';
import { parseLsn, segnoForLsn } from '../wal/segment.js';

export interface SlotStatus extends SlotInfo {
  /** When the oldest WAL the slot retains was archived (from the repository), if it is there. */
  oldestRetainedArchivedAt?: string;
  oldestRetainedAgeHours?: number;
}

export interface SlotsStatus {
  replicationSlots: SlotStatus[];
  /** max_slot_wal_keep_size in bytes, -1 = unlimited. */
  maxSlotWalKeepSizeBytes: number;
  notes: string[];
}

export function slotsStatus(report: SlotReport, wal: WalCatalog, now: Date, segSize?: number): SlotsStatus {
  const replicationSlots = report.slots.map((s): SlotStatus => {
    if (!s.restartLsn) return s;
    const segno = segnoForLsn(parseLsn(s.restartLsn), segSize);
    // Highest timeline first: the segment the slot's position is on now.
    const seg = [...wal.segments].reverse().find((w) => (w.segno === segno || w.segno === segno - 1n) && w.archivedAt);
    if (!seg?.archivedAt) return s;
    return { ...s, oldestRetainedArchivedAt: seg.archivedAt, oldestRetainedAgeHours: Math.round(((now.getTime() - new Date(seg.archivedAt).getTime()) / 3_600_000) * 100) / 100 };
  });
  const notes: string[] = [];
  const ours = replicationSlots.find((s) => s.name === DEFAULT_SLOT);
  if (ours && report.maxSlotWalKeepSizeBytes < 0) notes.push(unboundedSlotWarning(DEFAULT_SLOT));
  if (ours && !ours.active && (ours.retainedBytes ?? 0) > 0)
    notes.push(`Replication slot "${DEFAULT_SLOT}" is not in use and keeps ${formatBytes(ours.retainedBytes ?? 0)} of WAL on the server; if WAL is archived by archive_command, drop it with pgkeep slot drop.`);
  return { replicationSlots, maxSlotWalKeepSizeBytes: report.maxSlotWalKeepSizeBytes, notes };
}
