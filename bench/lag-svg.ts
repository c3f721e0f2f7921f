/**
 * Archive lag over time as a self-contained SVG: one step line per archiver (segments waiting in
 * pg_wal/archive_status/*.ready, sampled once per second), the load window shaded, so pgkeep's
 * archive_command and pgBackRest's archive-push under the same load read off one picture.
 *
 * Run by bench/run.sh under Node 24 (type stripping, no build step):
 *   node bench/lag-svg.ts OUT.svg "title" LOAD_SECONDS label=samples.tsv [label=samples.tsv …]
 * Each samples file holds "<second> <segments waiting>" lines. No dependencies, no imports
 * outside node:, so the bench runs from a bare checkout.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** [seconds since the load started, segments waiting]. */
export type LagPoint = readonly [number, number];

export interface LagSeries {
  label: string;
  points: readonly LagPoint[];
}

export interface LagChartOptions {
  title: string;
  /** The load ran from 0 to this second; the band behind it is shaded. */
  loadSeconds?: number;
  width?: number;
  height?: number;
}

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e'];

/** Parses "<second> <waiting>" lines; blank lines and lines starting with # are skipped. */
export function parseLagSamples(text: string): LagPoint[] {
  const out: LagPoint[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [a, b] = t.split(/\s+/).map(Number);
    // A sample taken while the server renamed a file can be garbled; one gap beats a bogus spike.
    if (Number.isFinite(a) && Number.isFinite(b)) out.push([a, b]);
  }
  return out;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** A tick step of 1, 2 or 5 × 10^k giving at most ~`want` ticks up to `max`. */
export function niceStep(max: number, want = 6): number {
  if (!(max > 0)) return 1;
  const raw = max / want;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return Math.max(1, m * mag);
  return Math.max(1, 10 * mag);
}

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

export function renderLagSvg(series: readonly LagSeries[], opts: LagChartOptions): string {
  const W = opts.width ?? 760;
  const H = opts.height ?? 360;
  const m = { top: 40, right: 20, bottom: 48, left: 56 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(1, opts.loadSeconds ?? 0, ...all.map((p) => p[0]));
  // Headroom above the worst lag, and never a flat axis when nothing waited at all.
  const maxY = Math.max(4, ...all.map((p) => p[1]));
  const xStep = niceStep(maxX, 8);
  const yStep = niceStep(maxY, 5);
  const xTop = Math.ceil(maxX / xStep) * xStep;
  const yTop = Math.ceil(maxY / yStep) * yStep;
  const x = (v: number): number => m.left + (v / xTop) * pw;
  const y = (v: number): number => m.top + ph - (v / yTop) * ph;
  const r = (n: number): string => n.toFixed(1);

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<title>${escapeXml(opts.title)}</title>`);
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(opts.title)}</text>`);
  if (opts.loadSeconds && opts.loadSeconds > 0) {
    parts.push(`<rect x="${r(x(0))}" y="${m.top}" width="${r(x(opts.loadSeconds) - x(0))}" height="${ph}" fill="#f2f2f2"/>`);
    parts.push(`<text x="${r(x(opts.loadSeconds) - 4)}" y="${m.top + 14}" text-anchor="end" fill="#777777">load</text>`);
  }
  for (let v = 0; v <= yTop; v += yStep) {
    parts.push(`<line x1="${m.left}" y1="${r(y(v))}" x2="${m.left + pw}" y2="${r(y(v))}" stroke="#dddddd"/>`);
    parts.push(`<text x="${m.left - 6}" y="${r(y(v) + 4)}" text-anchor="end">${fmt(v)}</text>`);
  }
  for (let v = 0; v <= xTop; v += xStep) {
    parts.push(`<line x1="${r(x(v))}" y1="${m.top + ph}" x2="${r(x(v))}" y2="${m.top + ph + 4}" stroke="#333333"/>`);
    parts.push(`<text x="${r(x(v))}" y="${m.top + ph + 18}" text-anchor="middle">${fmt(v)}</text>`);
  }
  parts.push(`<line x1="${m.left}" y1="${m.top + ph}" x2="${m.left + pw}" y2="${m.top + ph}" stroke="#333333"/>`);
  parts.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + ph}" stroke="#333333"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${H - 10}" text-anchor="middle">seconds since the load started</text>`);
  parts.push(`<text x="16" y="${m.top + ph / 2}" text-anchor="middle" transform="rotate(-90 16 ${m.top + ph / 2})">segments waiting (.ready)</text>`);

  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    // A step line: the count holds until the next sample, which is what a 1 s sampler saw.
    const coords: string[] = [];
    pts.forEach(([t, n], k) => {
      if (k > 0) coords.push(`${r(x(t))},${r(y(pts[k - 1][1]))}`);
      coords.push(`${r(x(t))},${r(y(n))}`);
    });
    if (coords.length > 0) {
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${coords.join(' ')}"/>`);
    }
    const ly = m.top + 8 + i * 18;
    const lx = m.left + pw - 230;
    parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    const peak = pts.length ? Math.max(...pts.map((p) => p[1])) : 0;
    parts.push(`<text x="${lx + 30}" y="${ly + 4}">${escapeXml(`${s.label} (max ${peak})`)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function main(argv: string[]): void {
  const [out, title, load, ...specs] = argv;
  if (!out || title === undefined || specs.length === 0) {
    process.stderr.write('usage: node bench/lag-svg.ts OUT.svg TITLE LOAD_SECONDS label=samples.tsv …\n');
    process.exit(2);
  }
  const series = specs.map((spec) => {
    const at = spec.indexOf('=');
    return { label: spec.slice(0, at), points: parseLagSamples(readFileSync(spec.slice(at + 1), 'utf8')) };
  });
  writeFileSync(out, renderLagSvg(series, { title, loadSeconds: Number(load) || 0 }));
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
