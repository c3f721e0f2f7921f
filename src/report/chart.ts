// SVG chart for the status page: the recovery window, backup sizes and durations over the
// last 30 days, drawn from status.json alone (no external service, renders on github.com).
import { escapeHtml } from './escape.js';
import { formatBytes, formatDuration } from './format.js';
import { STALE_AFTER_HOURS, staleWindows } from './status-health.js';
import { CHART_DAYS, recentRuns, type RunRecord, type StatusFile } from './status-record.js';

const W = 760;
const PANEL_H = 110;
const LEFT = 78;
const RIGHT = 20;
const TOP = 30;
const GAP = 40;
const KIND_COLOR: Record<string, string> = { full: '#1f6feb', incr: '#79c0ff', logical: '#2da44e', drill: '#8250df', check: '#bf8700' };
const FAILED = '#cf222e';
const STALE = '#fb8f44';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Short axis label: "40 s", "17 min", "1.5 h". */
function axisDuration(s: number): string {
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  // Fine steps so the data fills most of a panel (31 days → 40 d, not 50 d).
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return Math.round(m * p * 1e6) / 1e6;
  return 10 * p;
}

/**
 * Failed runs are red (a dot on the recovery-window axis and a line through every panel at that
 * instant); stale windows — no backup finished for more than staleAfterHours — are shaded orange
 * from the moment the dead-man check would have fired until the next backup.
 */
export function renderChart(s: StatusFile, now: Date, days = CHART_DAYS, staleAfterHours = STALE_AFTER_HOURS): string {
  const runs = recentRuns(s, now, days);
  const t1 = now.getTime();
  const t0 = t1 - days * 86_400_000;
  const plotW = W - LEFT - RIGHT;
  const xt = (t: number) => LEFT + ((t - t0) / (t1 - t0)) * plotW;
  const x = (iso: string) => xt(new Date(iso).getTime());
  const failed = runs.filter((r) => !r.ok);
  const stale = staleWindows(s.runs, new Date(t0), now, staleAfterHours);
  // Week lines on UTC midnights counted back from the last one, so a night reads as a date.
  const lastMidnight = Math.floor(t1 / 86_400_000) * 86_400_000;
  const weeks: number[] = [];
  for (let t = lastMidnight; t > t0; t -= 7 * 86_400_000) weeks.unshift(t);
  const out: string[] = [];
  const H = TOP + 3 * PANEL_H + 2 * GAP + 56;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="-apple-system,Segoe UI,Helvetica,Arial,sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${LEFT}" y="18" font-size="14" font-weight="600">pgkeep${s.cluster ? ' · ' + escapeHtml(s.cluster) : ''} — last ${days} days</text>`);
  out.push(`<text x="${W - RIGHT}" y="18" text-anchor="end" fill="#57606a">${escapeHtml(`drawn ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`)}</text>`);

  const panel = (i: number, title: string, maxLabel: string, body: (y: (f: number) => number) => string[]) => {
    const top = TOP + i * (PANEL_H + GAP) + 16;
    const y = (f: number) => top + PANEL_H - f * PANEL_H;
    out.push(`<g><text x="${LEFT}" y="${top - 6}" font-weight="600">${escapeHtml(title)}</text>`);
    out.push(`<rect x="${LEFT}" y="${top}" width="${plotW}" height="${PANEL_H}" fill="#f6f8fa" stroke="#d0d7de"/>`);
    for (const w of stale) {
      const sx = x(w.from);
      // The quiet hours before the threshold, lighter: the silence reads as one stretch.
      const qx = Math.max(LEFT, x(w.since));
      if (sx > qx) out.push(`<rect class="silence" x="${qx.toFixed(1)}" y="${top}" width="${(sx - qx).toFixed(1)}" height="${PANEL_H}" fill="${STALE}" fill-opacity="0.12"/>`);
      out.push(
        `<rect class="stale" x="${sx.toFixed(1)}" y="${top}" width="${Math.max(1, x(w.to) - sx).toFixed(1)}" height="${PANEL_H}" fill="${STALE}" fill-opacity="0.35" data-from="${w.from}" data-to="${w.to}"><title>${escapeHtml(`stale ${w.from} → ${w.to}: no backup for ${Math.round(w.silentHours)} h`)}</title></rect>`,
      );
    }
    out.push(`<text x="${LEFT - 6}" y="${top + 10}" text-anchor="end" fill="#57606a">${escapeHtml(maxLabel)}</text>`);
    out.push(`<text x="${LEFT - 6}" y="${top + PANEL_H}" text-anchor="end" fill="#57606a">0</text>`);
    for (const t of weeks) {
      const gx = xt(t).toFixed(1);
      out.push(`<line x1="${gx}" y1="${top}" x2="${gx}" y2="${top + PANEL_H}" stroke="#d0d7de" stroke-dasharray="2,3"/>`);
    }
    for (const r of failed) {
      const fx = x(r.at).toFixed(1);
      out.push(`<line class="failed-line" x1="${fx}" y1="${top}" x2="${fx}" y2="${top + PANEL_H}" stroke="${FAILED}" stroke-width="1" stroke-opacity="0.6"/>`);
    }
    out.push(...body(y), '</g>');
  };

  // 1. Recovery window length (days) after each run; failed runs marked red on the axis.
  const win = runs.filter((r) => r.window?.oldest && r.window?.newest);
  const spanDays = (r: RunRecord) => (new Date(r.window!.newest!).getTime() - new Date(r.window!.oldest!).getTime()) / 86_400_000;
  const maxSpan = niceMax(Math.max(0, ...win.map(spanDays)));
  panel(0, 'Recovery window (days restorable)', `${maxSpan} d`, (y) => {
    const g: string[] = [];
    if (win.length) {
      const pts = win.map((r) => `${x(r.at).toFixed(1)},${y(spanDays(r) / maxSpan).toFixed(1)}`);
      g.push(`<polyline class="window" points="${pts.join(' ')}" fill="none" stroke="#1f6feb" stroke-width="2"/>`);
    } else g.push(`<text x="${LEFT + 8}" y="${y(0.5)}" fill="#57606a">no recovery window recorded yet</text>`);
    for (const w of stale)
      g.push(`<text class="stale-label" x="${((x(w.from) + x(w.to)) / 2).toFixed(1)}" y="${y(0.4).toFixed(1)}" text-anchor="middle" fill="#bc4c00" font-weight="600">${escapeHtml(`no backup for ${Math.round(w.silentHours)} h`)}</text>`);
    for (const r of failed)
      g.push(`<circle class="failed" cx="${x(r.at).toFixed(1)}" cy="${y(0).toFixed(1)}" r="4.5" fill="${FAILED}" stroke="#fff"><title>${escapeHtml(`${r.at} ${r.action}${r.kind ? ' ' + r.kind : ''} failed`)}</title></circle>`);
    return g;
  });

  // 2. Stored size of each backup, coloured by type.
  const sized = runs.filter((r) => r.action === 'backup' && r.ok && r.bytes !== undefined);
  const maxBytes = niceMax(Math.max(0, ...sized.map((r) => r.bytes!)));
  panel(1, 'Backup size (stored)', formatBytes(maxBytes), (y) =>
    sized.map(
      (r) =>
        `<rect class="size" x="${(x(r.at) - 2).toFixed(1)}" y="${y(r.bytes! / maxBytes).toFixed(1)}" width="4" height="${((r.bytes! / maxBytes) * PANEL_H).toFixed(1)}" fill="${KIND_COLOR[r.kind ?? ''] ?? '#57606a'}"><title>${escapeHtml(`${r.backupId ?? r.at}: ${formatBytes(r.bytes!)}`)}</title></rect>`,
    ),
  );

  // 3. Durations: backups and drill RTOs.
  const timed = runs.filter((r) => r.ok && (r.rtoSeconds ?? r.durationSeconds) !== undefined && r.action !== 'restore');
  const secs = (r: RunRecord) => r.rtoSeconds ?? r.durationSeconds ?? 0;
  const maxSecs = niceMax(Math.max(0, ...timed.map(secs)));
  panel(2, 'Duration (backups) and RTO (drills)', axisDuration(maxSecs), (y) =>
    timed.map(
      (r) =>
        `<circle class="duration" cx="${x(r.at).toFixed(1)}" cy="${y(secs(r) / maxSecs).toFixed(1)}" r="3.5" fill="${KIND_COLOR[r.kind ?? ''] ?? '#57606a'}"><title>${escapeHtml(`${r.at} ${r.action} ${r.kind ?? ''}: ${formatDuration(secs(r))}`)}</title></circle>`,
    ),
  );

  // Dates under the last panel, at the week lines.
  const axisY = TOP + 3 * PANEL_H + 2 * GAP + 16 + 14;
  for (const t of weeks) {
    const d = new Date(t);
    out.push(`<text x="${xt(t).toFixed(1)}" y="${axisY}" text-anchor="middle" fill="#57606a">${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}</text>`);
  }

  const ly = H - 10;
  let lx = LEFT;
  for (const [k, c] of Object.entries(KIND_COLOR)) {
    out.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${c}"/><text x="${lx + 14}" y="${ly}">${k}</text>`);
    lx += 62;
  }
  out.push(`<circle cx="${lx + 5}" cy="${ly - 4}" r="4.5" fill="${FAILED}"/><text x="${lx + 14}" y="${ly}">failed run</text>`);
  lx += 76;
  out.push(`<rect x="${lx}" y="${ly - 9}" width="14" height="10" fill="${STALE}" fill-opacity="0.35"/><text x="${lx + 18}" y="${ly}">${escapeHtml(`stale (no backup > ${staleAfterHours} h)`)}</text>`);
  out.push('</svg>', '');
  return out.join('\n');
}
