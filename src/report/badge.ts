// Status badge (shields-style SVG) for the README: "restorable to 2 min ago · drill 41 s".
// Ages are as of the run that wrote it; the tooltip carries the exact instants.
import { escapeHtml } from './escape.js';
import { ageSeconds, formatAge, formatDuration } from './format.js';
import { failedKindLabel, STALE_AFTER_HOURS, statusHealth, type HealthState } from './status-health.js';
import { lastRun, type StatusFile } from './status-record.js';

// Verdana 11px average advance, close enough for layout without a font.
const textWidth = (s: string) => Math.round([...s].reduce((w, c) => w + (/[ilI.·:|]/.test(c) ? 3.5 : /[mwMW]/.test(c) ? 10 : 6.8), 0)) + 10;

export const BADGE_COLORS = { ok: '#4c1', failing: '#e05d44', stale: '#fe7d37', empty: '#9f9f9f' } as const;

/**
 * ok: "restorable to 2 min ago · drill 41 s" (green); failing: "restorable to 4 h ago · full
 * backup failed" (red) while the newest run of any backup/verify kind failed, even if another
 * kind succeeded after it; stale: "no backup for 40 h · restorable to 1 min ago" (orange) when no
 * backup finished for more than staleAfterHours. A failing or stale badge leaves the drill out:
 * read at a glance, the problem is what matters.
 */
export function badgeMessage(s: StatusFile, now: Date, staleAfterHours = STALE_AFTER_HOURS): { message: string; color: string; title: string; state: HealthState } {
  const last = s.runs.at(-1);
  const health = statusHealth(s, now, staleAfterHours);
  const drill = lastRun(s, (r) => r.action === 'verify' && r.kind === 'drill' && r.ok && r.rtoSeconds !== undefined);
  const parts: string[] = [];
  const newest = s.window?.newest;
  if (health.state === 'stale') parts.push(`no backup for ${formatHours(health.staleHours!)}`);
  parts.push(newest ? `restorable to ${formatAge(ageSeconds(newest, now))}` : 'no restorable backup');
  // Whole seconds under a minute: a badge is read at a glance ("drill 41 s").
  if (drill && health.state === 'ok') parts.push(`drill ${drill.rtoSeconds! < 60 ? `${Math.round(drill.rtoSeconds!)} s` : formatDuration(drill.rtoSeconds!)}`);
  if (health.failing.length) parts.push(`${health.failing.map(failedKindLabel).join(', ')} failed`);
  const state: HealthState = !newest && health.state === 'ok' ? 'empty' : health.state;
  const title = [
    newest ? `recovery window ${s.window?.oldest ?? '?'} → ${newest}` : 'no recovery window yet',
    health.lastBackup ? `last backup ${health.lastBackup.at}` : 'no successful backup',
    drill ? `last drill ${drill.at}: RTO ${drill.rtoSeconds} s` : 'no drill yet',
    ...health.failing.map((r) => `${failedKindLabel(r)} FAILED at ${r.at}`),
    last ? `last run ${last.at}: ${last.action}${last.kind ? ' ' + last.kind : ''} ${last.ok ? 'ok' : 'FAILED'}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return { message: parts.join(' · '), color: BADGE_COLORS[state], title, state };
}

/** "40 h", "3 d": how long nothing has been backed up. */
function formatHours(h: number): string {
  return h < 72 ? `${Math.round(h)} h` : `${Math.round(h / 24)} d`;
}

export function renderBadge(s: StatusFile, now: Date, label = 'pgkeep', staleAfterHours = STALE_AFTER_HOURS): string {
  const { message, color, title, state } = badgeMessage(s, now, staleAfterHours);
  const lw = textWidth(label);
  const mw = textWidth(message);
  const w = lw + mw;
  const L = escapeHtml(label);
  const M = escapeHtml(message);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${L}: ${M}" data-state="${state}">
<title>${escapeHtml(title)}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${color}"/><rect width="${w}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">
<text x="${lw / 2}" y="14">${L}</text><text x="${lw + mw / 2}" y="14">${M}</text>
</g>
</svg>
`;
}
