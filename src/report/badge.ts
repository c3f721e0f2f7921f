// Status badge (shields-style SVG) for the README: "restorable to 2 min ago · drill 41 s".
// Ages are as of the run that wrote it; the tooltip carries the exact instants.
import { escapeHtml } from './escape.js';
import { ageSeconds, formatAge, formatDuration } from './format.js';
import { lastRun, type StatusFile } from './status-record.js';

// Verdana 11px average advance, close enough for layout without a font.
const textWidth = (s: string) => Math.round([...s].reduce((w, c) => w + (/[ilI.·:|]/.test(c) ? 3.5 : /[mwMW]/.test(c) ? 10 : 6.8), 0)) + 10;

export function badgeMessage(s: StatusFile, now: Date): { message: string; color: string; title: string } {
  const last = s.runs.at(-1);
  const drill = lastRun(s, (r) => r.action === 'verify' && r.kind === 'drill' && r.ok && r.rtoSeconds !== undefined);
  const parts: string[] = [];
  const newest = s.window?.newest;
  parts.push(newest ? `restorable to ${formatAge(ageSeconds(newest, now))}` : 'no restorable backup');
  // Whole seconds under a minute: a badge is read at a glance ("drill 41 s").
  if (drill) parts.push(`drill ${drill.rtoSeconds! < 60 ? `${Math.round(drill.rtoSeconds!)} s` : formatDuration(drill.rtoSeconds!)}`);
  let color = '#4c1';
  if (!newest) color = '#9f9f9f';
  if (last && !last.ok) {
    color = '#e05d44';
    parts.push(`${last.action} failed`);
  }
  const title = [
    newest ? `recovery window ${s.window?.oldest ?? '?'} → ${newest}` : 'no recovery window yet',
    drill ? `last drill ${drill.at}: RTO ${drill.rtoSeconds} s` : 'no drill yet',
    last ? `last run ${last.at}: ${last.action} ${last.ok ? 'ok' : 'FAILED'}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return { message: parts.join(' · '), color, title };
}

export function renderBadge(s: StatusFile, now: Date, label = 'pgkeep'): string {
  const { message, color, title } = badgeMessage(s, now);
  const lw = textWidth(label);
  const mw = textWidth(message);
  const w = lw + mw;
  const L = escapeHtml(label);
  const M = escapeHtml(message);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${L}: ${M}">
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
