// CLI adapter for `pgkeep expire`: retention by recovery window; --dry-run prints the plan.
import type { CliCommand } from '../command.js';
import { str } from '../command.js';
import { nowNeedsDryRun, runExpire, type ExpireResult } from '../../commands/expire.js';
import { PgkeepError } from '../../util/errors.js';
import { formatBytes } from '../../util/log.js';

export function formatExpire(r: ExpireResult): string {
  const p = r.plan;
  const lines = [
    `${r.dryRun ? 'Dry run (nothing deleted): ' : ''}recovery window ${p.retentionDays} days: ${p.windowStart} to ${p.now}.`,
  ];
  for (const k of p.keep) lines.push(`  keep    ${k.id}  ${formatBytes(k.bytes).padStart(10)}  ${k.reason}`);
  for (const e of p.expire) lines.push(`  ${r.dryRun ? 'expire' : 'deleted'} ${e.id}  ${formatBytes(e.bytes).padStart(10)}  ${e.reason}`);
  for (const i of p.expireIncomplete) lines.push(`  ${r.dryRun ? 'expire' : 'deleted'} ${i.id}  ${formatBytes(i.bytes).padStart(10)}  ${i.reason}`);
  if (p.walKeepFrom)
    lines.push(`  WAL: keep ${p.keptWal.segments} segment(s) (${formatBytes(p.keptWal.bytes)}) from ${p.walKeepFrom}; ${r.dryRun ? 'expire' : 'deleted'} ${p.expireWal.length} file(s) (${formatBytes(p.expireWal.reduce((a, w) => a + w.size, 0))}).`);
  // Object Lock: a real run reports what it found on each object; a dry run, the estimate.
  const held = r.applied?.held ?? p.locked.flatMap((h) => [
    ...h.backups.map((b) => ({ copy: h.description, kind: 'backup' as const, what: b.id, deletableAt: b.deletableAt as string | null })),
    ...h.incomplete.map((b) => ({ copy: h.description, kind: 'incomplete' as const, what: b.id, deletableAt: b.deletableAt as string | null })),
    ...h.wal.map((w) => ({ copy: h.description, kind: 'wal' as const, what: w.key, deletableAt: w.deletableAt as string | null })),
  ]);
  for (const x of held.filter((x) => x.kind !== 'wal'))
    lines.push(`  locked  ${x.what}  on ${x.copy}: ${x.deletableAt ? `deletable from ${x.deletableAt}` : 'under a legal hold (no date)'}`);
  const byCopy = new Map<string, (string | null)[]>();
  for (const x of held.filter((x) => x.kind === 'wal')) byCopy.set(x.copy, [...(byCopy.get(x.copy) ?? []), x.deletableAt]);
  for (const [copy, dates] of byCopy) {
    const known = dates.filter((d): d is string => !!d).sort();
    lines.push(
      `  locked  ${dates.length} WAL file(s) on ${copy}: ${known.length ? known.length > 1 ? `becoming deletable between ${known[0]} and ${known[known.length - 1]}` : `deletable from ${known[0]}` : ''}${known.length < dates.length ? `${known.length ? '; ' : ''}${dates.length - known.length} without a date` : ''}`,
    );
  }
  for (const n of p.notes) lines.push(`  note: ${n}`);
  lines.push(`${r.dryRun ? 'Would free' : 'Freed'} ${formatBytes(p.bytesFreed)}.`);
  return lines.join('\n');
}

export const expireCommand: CliCommand = {
  synopsis: '[--retention-days N] [--now <ISO-8601>] [--dry-run] [--json]',
  help:
    'Keeps every backup and WAL file needed to restore to any instant of the last N days (PGKEEP_RETENTION_DAYS, 30) and deletes the rest on every copy.\n' +
    'Never deletes the only backup, never runs while a backup holds its lock, deletes each manifest before its objects. --now (with --dry-run only) shows what would expire at that time.\n' +
    'On a copy with S3 Object Lock (object-lock=… in PGKEEP_REPO) nothing still locked is deleted: it stays there and is reported with the date it becomes deletable.',
  options: {
    'retention-days': { type: 'string' },
    now: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  async run({ cfg, flags }) {
    const now = str(flags, 'now');
    const dryRun = flags['dry-run'] === true;
    if (now !== undefined && !dryRun) throw nowNeedsDryRun();
    if (now !== undefined && Number.isNaN(Date.parse(now)))
      throw new PgkeepError('bad-usage', `--now="${now}" is not an ISO-8601 time.`, 'Example: --now 2026-12-01T00:00:00Z');
    // --retention-days reaches cfg.retentionDays through the config overrides (validated there).
    const r = await runExpire(cfg, { now, dryRun });
    return { json: r, text: formatExpire(r) };
  },
};
