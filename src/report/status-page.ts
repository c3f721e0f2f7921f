// The status branch's README.md: badge, recovery window, last results and the chart.
import { escapeMarkdownCell } from './escape.js';
import { ageSeconds, formatAge, formatBytes, formatDuration } from './format.js';
import type { RunRecord, StatusFile } from './status-record.js';

function resultCell(r: RunRecord): string {
  if (!r.ok) return `❌ ${escapeMarkdownCell(r.error ?? 'failed')}`;
  const bits: string[] = ['✅'];
  if (r.dryRun) bits.push('dry run');
  if (r.bytes !== undefined) bits.push(formatBytes(r.bytes));
  if (r.rtoSeconds !== undefined) bits.push(`RTO ${formatDuration(r.rtoSeconds)}`);
  else if (r.durationSeconds !== undefined) bits.push(formatDuration(r.durationSeconds));
  if (r.recoveredTo) bits.push(`to ${escapeMarkdownCell(r.recoveredTo)}`);
  return bits.join(' ');
}

export function renderStatusPage(s: StatusFile, now: Date, rows = 20): string {
  const title = `# pgkeep status${s.cluster ? ` — ${escapeMarkdownCell(s.cluster)}` : ''}`;
  const w = s.window;
  const lines = [
    title,
    '',
    '![status](badge.svg)',
    '',
    `Updated ${escapeMarkdownCell(s.updated)} (this page is rewritten by every pgkeep run).`,
    '',
    '## Recovery window',
    '',
    w?.newest
      ? `Restorable from **${escapeMarkdownCell(w.oldest ?? '?')}** to **${escapeMarkdownCell(w.newest)}** (${formatAge(ageSeconds(w.newest, now))} when written).`
      : 'No restorable backup recorded yet.',
    '',
    '## Last results',
    '',
    '| Finished (UTC) | Action | Kind | Backup | Result | Run |',
    '|---|---|---|---|---|---|',
    ...s.runs
      .slice(-rows)
      .reverse()
      .map(
        (r) =>
          `| ${escapeMarkdownCell(r.at)} | ${r.action} | ${escapeMarkdownCell(r.kind ?? '')} | ${escapeMarkdownCell(r.backupId ?? '')} | ${resultCell(r)} | ${r.runUrl ? `[log](${encodeURI(r.runUrl)})` : ''} |`,
      ),
    '',
    '## Last 30 days',
    '',
    '![recovery window, sizes and durations](chart.svg)',
    '',
    'Raw history: [status.json](status.json).',
    '',
  ];
  return lines.join('\n');
}
