// The status branch's README.md: badge, recovery window, last results and the chart.
import { escapeMarkdownCell } from './escape.js';
import { ageSeconds, formatAge, formatBytes, formatDuration } from './format.js';
import { failedKindLabel, STALE_AFTER_HOURS, statusHealth } from './status-health.js';
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

/** One line a team reads first: healthy, which kinds fail, or how long nothing was backed up. */
function stateLine(s: StatusFile, now: Date, staleAfterHours: number): string {
  const h = statusHealth(s, now, staleAfterHours);
  const link = (r: RunRecord) => (r.runUrl ? ` ([log](${encodeURI(r.runUrl)}))` : '');
  const failures = h.failing.map((r) => `${failedKindLabel(r)} failed at ${escapeMarkdownCell(r.at)}${link(r)}`).join('; ');
  const last = h.lastBackup ? `${escapeMarkdownCell(h.lastBackup.kind ?? 'backup')} backup finished ${escapeMarkdownCell(h.lastBackup.at)}` : '';
  switch (h.state) {
    case 'empty':
      return '**State:** no runs recorded in the last 30 days.';
    case 'stale':
      return `**State:** ⚠️ stale — no backup has finished for ${Math.round(h.staleHours!)} h (more than ${staleAfterHours} h)${last ? `; the last ${last}` : ''}. Check that the runner is online and the scheduled workflows still run.${failures ? ` Also failing: ${failures}.` : ''}`;
    case 'failing':
      return `**State:** ❌ failing — ${failures}. The alert issue stays open until the same kind of run succeeds.${last ? ` Last ${last}.` : ''}`;
    default:
      return `**State:** ✅ every scheduled kind of run passed its last time${last ? `; the last ${last}` : ''}.`;
  }
}

export function renderStatusPage(s: StatusFile, now: Date, rows = 20, staleAfterHours = STALE_AFTER_HOURS): string {
  const title = `# pgkeep status${s.cluster ? ` — ${escapeMarkdownCell(s.cluster)}` : ''}`;
  const w = s.window;
  const lines = [
    title,
    '',
    '![status](badge.svg)',
    '',
    `Updated ${escapeMarkdownCell(s.updated)} (this page is rewritten by every pgkeep run).`,
    '',
    stateLine(s, now, staleAfterHours),
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
