// CLI adapter for `pgkeep status`: exits 1 when the repository is stale (dead-man check),
// so cron or a scheduled workflow turns a silently stopped scheduler into a failure.
import type { CliCommand } from '../command.js';
import { str } from '../command.js';
import { PgkeepError } from '../../util/errors.js';
import { formatBytes } from '../../util/log.js';
import { DEFAULT_MAX_AGE_HOURS, runStatus } from '../../commands/status.js';
import type { StatusWithTimelines } from '../../commands/status.js';
import { timelineLines } from '../../restore/timeline-choice.js';
import { slotLine } from '../../wal/replication-slot.js';

function hoursFlag(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new PgkeepError('bad-usage', `--${name}="${v}" is not valid: expected a positive number of hours.`);
  return n;
}

/** Replication slots on the server: what each keeps back, and since when (from the archive). */
function slotLines(s: StatusWithTimelines): string[] {
  if (!s.replicationSlots) return [];
  if (!s.replicationSlots.length) return ['Replication slots: none (the server keeps no WAL for a slot).'];
  const cap = (s.maxSlotWalKeepSizeBytes ?? -1) < 0 ? 'unlimited' : formatBytes(s.maxSlotWalKeepSizeBytes!);
  return [
    `Replication slots (max_slot_wal_keep_size ${cap}):`,
    ...s.replicationSlots.map((r) => `  ${slotLine(r, r.oldestRetainedArchivedAt ? `, oldest retained WAL archived ${r.oldestRetainedArchivedAt} (${r.oldestRetainedAgeHours} h ago)` : '')}`),
  ];
}

export function statusText(s: StatusWithTimelines): string {
  const age = (h?: number) => (h === undefined ? 'unknown' : `${h} h ago`);
  const lines = [
    `Backups: ${s.backups.count} (${s.backups.full} full, ${s.backups.incr} incr, ${s.backups.logical} logical), ${formatBytes(s.backups.bytes)} stored; ${s.walSegments} WAL segments.`,
    s.window.newest ? `Recovery window: ${s.window.oldest} → ${s.window.newest}` : 'Recovery window: none (no backup).',
    `Newest full backup:    ${s.newestFull ? `${s.newestFull.id} (${age(s.newestFull.ageHours)})` : 'none'}`,
    `Newest logical backup: ${s.newestLogical ? `${s.newestLogical.id} (${age(s.newestLogical.ageHours)})` : 'none'}`,
    `Newest archived WAL:   ${s.newestWal ? `${s.newestWal.name} (${age(s.newestWal.ageHours)})` : 'none'}`,
    ...(s.timelines?.length ? ['Timelines (restores follow the current one; --timeline N picks another):', ...timelineLines(s.timelines, s.currentTimeline?.why)] : []),
    ...slotLines(s),
    ...s.notes.map((n) => `Note: ${n}`),
    s.stale ? `STALE (threshold ${s.maxAgeHours} h):` : `Fresh (threshold ${s.maxAgeHours} h).`,
    ...s.problems.map((p) => `  - ${p}`),
  ];
  return lines.join('\n');
}

export const statusCommand: CliCommand = {
  synopsis: '[--max-age-hours N] [--max-wal-age-hours N] [--json]',
  help: `Catalog summary, recovery window, and a dead-man check: exits 1 when the newest full (or, without physical backups, logical) backup or the newest archived WAL is older than the threshold (default ${DEFAULT_MAX_AGE_HOURS} h).`,
  options: {
    'max-age-hours': { type: 'string' },
    'max-wal-age-hours': { type: 'string' },
  },
  async run({ cfg, flags }) {
    const s = await runStatus(cfg, {
      maxAgeHours: hoursFlag(str(flags, 'max-age-hours'), 'max-age-hours'),
      maxWalAgeHours: hoursFlag(str(flags, 'max-wal-age-hours'), 'max-wal-age-hours'),
      timelines: true,
      slots: true,
    });
    return { json: s, text: statusText(s), exitCode: s.stale ? 1 : 0 };
  },
};
