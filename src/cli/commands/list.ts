// CLI adapter for `pgkeep list`: --json prints the contract array (oldest first); otherwise a table.
import type { CliCommand } from '../command.js';
import { listBackups } from '../../commands/list.js';
import type { ListEntry } from '../../commands/types.js';
import { formatBytes, formatDuration } from '../../util/log.js';
import { timelineLines } from '../../restore/timeline-choice.js';

export function formatListTable(backups: ListEntry[]): string {
  const rows = backups.map((b) => {
    const secs = (Date.parse(b.stopTime) - Date.parse(b.startTime)) / 1000;
    const what =
      b.type === 'logical' ? (b.databases ?? []).join(',') : b.startLsn ? `tl ${b.timeline ?? '?'} ${b.startLsn}–${b.stopLsn ?? '?'}${b.parent ? `, on ${b.parent}` : ''}` : '';
    return [b.id, b.type, b.startTime.replace(/\.\d+Z$/, 'Z'), formatDuration(Number.isFinite(secs) ? secs : 0), formatBytes(b.bytes), `PG ${b.pgVersion}`, what];
  });
  const head = ['ID', 'TYPE', 'STARTED', 'DURATION', 'STORED', 'VERSION', 'CONTENTS'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

export const listCommand: CliCommand = {
  synopsis: '[--json]',
  help: 'Complete backups in the repository, oldest first. --json prints an array of {id, type, startTime, stopTime, bytes, rawBytes, databases?, timeline?, startLsn?, stopLsn?, parent? (incremental: the backup it builds on), pgVersion}.',
  options: {},
  async run({ cfg, flags }) {
    // Timelines only in the text listing: --json stays the contract array of backups (status --json has them).
    const { backups, incomplete, broken, timelines, currentTimeline } = await listBackups(cfg, { timelines: flags.json !== true });
    const lines: string[] = [];
    if (!backups.length) lines.push(`No backups in ${cfg.repos.map((r) => r.url).join(', ')} yet. Take one with: pgkeep backup --type logical`);
    else lines.push(formatListTable(backups), '', `${backups.length} backup(s), ${formatBytes(backups.reduce((s, b) => s + b.bytes, 0))} stored.`);
    if (timelines?.length) lines.push('', 'Timelines:', ...timelineLines(timelines, currentTimeline?.why));
    if (incomplete.length)
      lines.push(`Incomplete (no manifest: killed, failed or still running; not restorable): ${incomplete.join(', ')}`);
    // --json keeps the contract array of usable backups; the broken ones are named on stderr (warnings) and here.
    for (const b of broken) lines.push(`BROKEN ${b.id} (not restorable): ${b.error}`);
    return { json: backups, text: lines.join('\n') };
  },
};
