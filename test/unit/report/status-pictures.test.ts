// The pictures in docs/actions.md are the product's own renderers fed a realistic month
// (scripts/render-status-examples.ts): well-formed, reproducible, and showing what went wrong.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleRuns, FAILED_NIGHT, IMAGES_DIR, SILENCE, statusExamples } from '../../../scripts/render-status-examples.js';
import { badgeMessage, BADGE_COLORS } from '../../../src/report/badge.js';
import { renderChart } from '../../../src/report/chart.js';
import { STALE_AFTER_HOURS } from '../../../src/report/status-health.js';
import { renderStatusPage } from '../../../src/report/status-page.js';
import { appendRun, emptyStatus, type RunRecord } from '../../../src/report/status-record.js';
import { allElements, parseXml, textOf, type XmlElement } from './xml-tree.js';

const files = statusExamples();
const runs = exampleRuns();
const HOUR = 3_600_000;
const t = (iso: string) => new Date(iso).getTime();
const RED = '#cf222e';
const at = (h: number) => new Date(Date.parse('2026-11-25T12:00:00Z') + h * HOUR).toISOString();

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? listFiles(p).map((f) => `${n}/${f}`) : [n];
  });
}

/** The chart's time axis, read from the picture itself: panel backgrounds span the 30 days. */
function chartAxis(svg: XmlElement, now: Date) {
  const panels = allElements(svg).filter((e) => e.name === 'rect' && e.attrs.fill === '#f6f8fa');
  expect(panels).toHaveLength(3);
  const left = Number(panels[0].attrs.x);
  const width = Number(panels[0].attrs.width);
  const t1 = now.getTime();
  const t0 = t1 - 30 * 24 * HOUR;
  return { panels, x: (ms: number) => left + ((ms - t0) / (t1 - t0)) * width };
}

const inPanel = (e: XmlElement, p: XmlElement) => {
  const top = Number(p.attrs.y);
  const y = Number(e.attrs.y ?? e.attrs.y1 ?? e.attrs.cy);
  return y >= top && y <= top + Number(p.attrs.height);
};

describe('status pictures (docs/images)', () => {
  it('are well-formed XML: every SVG parses strictly with an <svg> root in the SVG namespace', () => {
    const svgs = Object.entries(files).filter(([n]) => n.endsWith('.svg'));
    expect(svgs.map(([n]) => n).sort()).toEqual([
      'status-badge-failing.svg',
      'status-badge-ok.svg',
      'status-badge-stale.svg',
      'status-branch/badge.svg',
      'status-branch/chart.svg',
    ]);
    for (const [name, svg] of svgs) {
      const root = parseXml(svg);
      expect(root.name, name).toBe('svg');
      expect(root.attrs.xmlns, name).toBe('http://www.w3.org/2000/svg');
    }
  });

  it('the checker itself rejects what is not well-formed', () => {
    for (const bad of ['<svg><g></svg>', '<svg a="1" a="2"/>', '<svg>&nbsp;</svg>', '<svg>a < b</svg>', '<svg/><svg/>', '<svg x=1/>', '<svg t="<"/>', '<svg>', 'text<svg/>'])
      expect(() => parseXml(bad), bad).toThrow();
    expect(textOf(parseXml('<?xml version="1.0"?><!-- c --><svg><t>a &amp; &#62;</t></svg>'))).toBe('a & >');
  });

  it('are committed as the script renders them today (npx vite-node scripts/render-status-examples.ts -- --write)', () => {
    const committed = listFiles(IMAGES_DIR).filter((f) => f.startsWith('status-'));
    expect(committed.sort()).toEqual(Object.keys(files).sort());
    for (const [name, content] of Object.entries(files)) expect(readFileSync(path.join(IMAGES_DIR, name), 'utf8'), name).toBe(content);
  });

  it('the history is the month the docs describe: daily fulls at 02:00, 6-hourly incrementals, Sunday drills', () => {
    const ok = (kind: string) => runs.filter((r) => r.kind === kind && r.ok);
    expect(ok('full').length).toBeGreaterThanOrEqual(28);
    expect(ok('full').every((r) => /T02:/.test(r.at))).toBe(true);
    expect(ok('incr').length).toBeGreaterThanOrEqual(4 * 28);
    expect(ok('drill').every((r) => new Date(r.at).getUTCDay() === 0 || r.at.startsWith('2026-11-21'))).toBe(true);
    expect(runs.filter((r) => !r.ok).map((r) => `${r.at.slice(0, 10)} ${r.kind}`)).toEqual([`${FAILED_NIGHT} full`, '2026-11-21 check']);
    // Nothing ran for ~40 h: the longest gap between two runs.
    const gaps = runs.slice(1).map((r, i) => (t(r.at) - t(runs[i].at)) / HOUR);
    expect(Math.max(...gaps)).toBeGreaterThan(38);
    expect(Math.max(...gaps)).toBeLessThan(42);
  });
});

describe('chart', () => {
  const svg = files['status-branch/chart.svg'];
  const root = parseXml(svg);
  const now = new Date(runs.at(-1)!.at);
  const { panels, x } = chartAxis(root, now);
  const els = allElements(root);

  it("marks the failed night in red at its instant: a dot on the recovery-window axis and a line through every panel", () => {
    const failed = runs.find((r) => !r.ok && r.at.startsWith(FAILED_NIGHT))!;
    const fx = x(t(failed.at));
    const dots = els.filter((e) => e.name === 'circle' && e.attrs.class === 'failed' && Math.abs(Number(e.attrs.cx) - fx) < 0.1);
    expect(dots).toHaveLength(1);
    expect(dots[0].attrs.fill).toBe(RED);
    expect(textOf(dots[0])).toContain(`${failed.at} backup full failed`);
    const lines = els.filter((e) => e.name === 'line' && e.attrs.class === 'failed-line' && Math.abs(Number(e.attrs.x1) - fx) < 0.1);
    expect(lines.map((l) => panels.findIndex((p) => inPanel(l, p)))).toEqual([0, 1, 2]);
    expect(lines.every((l) => l.attrs.stroke === RED)).toBe(true);
    // No size bar (no backup) for that night's full.
    const fullBars = els.filter((e) => e.attrs.class === 'size' && textOf(e).includes(`${FAILED_NIGHT.replace(/-/g, '')}T02`) && textOf(e).includes('-full'));
    expect(fullBars).toHaveLength(0);
  });

  it('shades the stale window in every panel: from the last backup + 26 h to the next backup, labelled with the silence', () => {
    const backups = runs.filter((r) => r.action === 'backup' && r.ok);
    const before = backups.filter((r) => t(r.at) < SILENCE.from).at(-1)!;
    const after = backups.find((r) => t(r.at) > SILENCE.to)!;
    const bands = els.filter((e) => e.name === 'rect' && e.attrs.class === 'stale');
    expect(bands.map((b) => panels.findIndex((p) => inPanel(b, p)))).toEqual([0, 1, 2]);
    for (const b of bands) {
      expect(Number(b.attrs.x)).toBeCloseTo(x(t(before.at) + STALE_AFTER_HOURS * HOUR), 0);
      expect(Number(b.attrs.x) + Number(b.attrs.width)).toBeCloseTo(x(t(after.at)), 0);
      expect(Number(b.attrs.height)).toBe(Number(panels[0].attrs.height));
    }
    const silentHours = Math.round((t(after.at) - t(before.at)) / HOUR);
    expect(els.filter((e) => e.attrs.class === 'stale-label').map(textOf)).toEqual([`no backup for ${silentHours} h`]);
    // The failed night is red, not stale: incrementals kept backing up.
    expect(bands.every((b) => !b.attrs['data-from']!.startsWith(FAILED_NIGHT))).toBe(true);
  });

  it('labels the time axis with dates and the legend names the stale shading', () => {
    const labels = els.filter((e) => e.name === 'text').map(textOf);
    expect(labels).toEqual(expect.arrayContaining(['Nov 30', 'Nov 23', 'Nov 16', 'Nov 9', 'failed run', `stale (no backup > ${STALE_AFTER_HOURS} h)`]));
  });

  it('a silence that is still going on is shaded up to the moment of drawing', () => {
    const s = [{ at: '2026-11-01T02:20:00Z', action: 'backup', ok: true, kind: 'full' } as RunRecord].reduce(appendRun, emptyStatus());
    const later = new Date('2026-11-03T02:20:00Z');
    const band = allElements(parseXml(renderChart(s, later))).filter((e) => e.attrs.class === 'stale');
    expect(band).toHaveLength(3);
    expect(band[0].attrs['data-from']).toBe('2026-11-02T04:20:00.000Z');
    expect(band[0].attrs['data-to']).toBe(later.toISOString());
  });
});

describe('badge', () => {
  const badge = (name: string) => {
    const root = parseXml(files[name]);
    const fills = allElements(root).filter((e) => e.name === 'rect' && e.attrs.fill?.startsWith('#')).map((e) => e.attrs.fill);
    const texts = allElements(root).filter((e) => e.name === 'text').map(textOf);
    // [clip #fff, label #555, message colour, gradient]
    return { state: root.attrs['data-state'], color: fills[fills.indexOf('#555') + 1], label: texts[0], message: texts[1], aria: root.attrs['aria-label'] };
  };

  it('ok: green, how recent the newest restorable instant is, the last drill', () => {
    const b = badge('status-badge-ok.svg');
    expect(b).toMatchObject({ state: 'ok', color: BADGE_COLORS.ok, label: 'pgkeep' });
    expect(b.message).toMatch(/^restorable to \d+ s ago · drill 10 min 0 s$/);
    expect(files['status-branch/badge.svg']).toBe(files['status-badge-ok.svg']);
  });

  it('failing: red and names the failing kind, although the logical backup after it succeeded', () => {
    const b = badge('status-badge-failing.svg');
    expect(b).toMatchObject({ state: 'failing', color: BADGE_COLORS.failing });
    expect(b.message).toMatch(/^restorable to \d+ min ago · full backup failed$/);
    expect(b.aria).toBe(`pgkeep: ${b.message}`);
  });

  it('stale: orange, how long nothing was backed up first, and the check that noticed', () => {
    const b = badge('status-badge-stale.svg');
    expect(b).toMatchObject({ state: 'stale', color: BADGE_COLORS.stale });
    expect(b.message).toMatch(/^no backup for 40 h · restorable to \d+ s ago · check failed$/);
  });

  const backup = (h: number, ok = true, kind = 'full'): RunRecord => ({ at: at(h), action: 'backup', ok, kind, window: { oldest: at(-500), newest: at(h) } });
  const after = (...rs: RunRecord[]) => rs.reduce(appendRun, emptyStatus());

  it('goes green again once the failing kind succeeds; a failed restore does not turn it red', () => {
    const now = new Date(at(30));
    expect(badgeMessage(after(backup(0, false), backup(1, true, 'logical')), new Date(at(2))).state).toBe('failing');
    expect(badgeMessage(after(backup(0, false), backup(24)), now).state).toBe('ok');
    expect(badgeMessage(after(backup(24), { at: at(25), action: 'restore', ok: false, kind: 'physical', error: 'x' }), now).state).toBe('ok');
  });

  it('turns stale once no backup finished for more than the threshold, whatever else ran', () => {
    const s = after(backup(0), { at: at(27), action: 'verify', ok: true, kind: 'drill', rtoSeconds: 30 });
    expect(badgeMessage(s, new Date(at(26))).state).toBe('ok');
    const b = badgeMessage(s, new Date(at(27)));
    expect(b).toMatchObject({ state: 'stale', color: BADGE_COLORS.stale });
    expect(b.message).toBe('no backup for 27 h · restorable to 27 h ago');
    expect(badgeMessage(s, new Date(at(27)), 48).state).toBe('ok');
  });
});

describe('status page', () => {
  it('states the health in one line: healthy, failing (with the log) or stale', () => {
    const md = files['status-branch/README.md'];
    expect(md).toContain('**State:** ✅');
    const failedAt = runs.findIndex((r) => r.at.startsWith(FAILED_NIGHT) && r.kind === 'logical');
    const failing = renderStatusPage(runs.slice(0, failedAt + 1).reduce(appendRun, emptyStatus('main')), new Date(runs[failedAt].at));
    const failedFull = runs.find((r) => !r.ok)!;
    expect(failing).toContain(`**State:** ❌ failing — full backup failed at ${failedFull.at} ([log](${failedFull.runUrl}))`);
    const staleAt = runs.findIndex((r) => r.kind === 'check' && !r.ok);
    const stale = renderStatusPage(runs.slice(0, staleAt + 1).reduce(appendRun, emptyStatus('main')), new Date(runs[staleAt].at));
    expect(stale).toMatch(/\*\*State:\*\* ⚠️ stale — no backup has finished for 40 h \(more than 26 h\); the last incr backup finished 2026-11-20T06:\d\d:\d\dZ\./);
  });
});

describe('status history', () => {
  it('keeps every run of the last 30 days, so a busy schedule still fills the chart', () => {
    // 8 runs a day (6-hourly incrementals, full, logical, a daily restore dry run and a check)
    // is 240 runs in 30 days: more than the 200 kept before.
    let s = emptyStatus();
    for (let h = 0; h < 35 * 24; h += 3) s = appendRun(s, { at: at(h), action: 'backup', ok: true, kind: 'incr' });
    const newest = t(s.runs.at(-1)!.at);
    expect(s.runs.filter((r) => t(r.at) >= newest - 30 * 24 * HOUR)).toHaveLength(30 * 8 + 1);
    expect(t(s.runs[0].at)).toBeLessThanOrEqual(newest - 30 * 24 * HOUR);
  });
});
