import { describe, expect, it } from 'vitest';
import { renderBadge, badgeMessage } from '../../../src/report/badge.js';
import { renderChart } from '../../../src/report/chart.js';
import { renderStatusPage } from '../../../src/report/status-page.js';
import { appendRun, emptyStatus, parseStatus, recentRuns, STATUS_HISTORY_LIMIT, type RunRecord } from '../../../src/report/status-record.js';

const now = new Date('2026-11-25T12:00:00Z');
const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * 3600_000).toISOString();

function history(): RunRecord[] {
  const runs: RunRecord[] = [];
  for (let d = 40; d >= 1; d--)
    runs.push({ at: at(d * 24), action: 'backup', ok: true, kind: 'full', backupId: `b${d}`, bytes: 1000 * d, durationSeconds: 60 + d, window: { oldest: at(d * 24 + 30 * 24), newest: at(d * 24) } });
  runs.push({ at: at(5), action: 'verify', ok: true, kind: 'drill', rtoSeconds: 41, window: { oldest: at(30 * 24), newest: at(2 / 60) } });
  return runs;
}

describe('status record', () => {
  it(`keeps the newest ${STATUS_HISTORY_LIMIT} runs (one a day: older than the chart) in time order and the newest known window`, () => {
    let s = emptyStatus('main-db');
    const day = (i: number) => at(24 * (1000 - i));
    for (let i = 0; i < STATUS_HISTORY_LIMIT + 25; i++) s = appendRun(s, { at: day(i), action: 'backup', ok: true, window: { oldest: at(50000), newest: day(i) } });
    expect(s.runs).toHaveLength(STATUS_HISTORY_LIMIT);
    expect(s.runs[0].at).toBe(day(25));
    expect(s.runs.at(-1)!.at).toBe(day(STATUS_HISTORY_LIMIT + 24));
    // A failed run without a window keeps the previous window.
    const f = appendRun(s, { at: at(1), action: 'backup', ok: false, error: 'x' });
    expect(f.window).toEqual(s.window);
  });

  it('starts a fresh history from unreadable or foreign content', () => {
    expect(parseStatus('not json').runs).toEqual([]);
    expect(parseStatus('{"format":2,"runs":[1]}').runs).toEqual([]);
    expect(parseStatus(JSON.stringify({ format: 1, updated: 'x', runs: [{ at: 'a', action: 'backup', ok: true }, null] })).runs).toHaveLength(1);
  });

  it('limits the chart to the last 30 days (boundary included)', () => {
    const s = { ...emptyStatus(), runs: history() };
    // backups 30..1 days ago plus the drill; 40..31 days ago are left out.
    expect(recentRuns(s, now).map((r) => r.backupId ?? 'drill')).toEqual([...Array.from({ length: 30 }, (_, i) => `b${30 - i}`), 'drill']);
  });
});

describe('badge', () => {
  it('says how recent the newest restorable instant is and the last drill RTO', () => {
    const s = history().reduce(appendRun, emptyStatus());
    expect(badgeMessage(s, now).message).toBe('restorable to 2 min ago · drill 41 s');
    const svg = renderBadge(s, now);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="\d+" height="20"/);
    expect(svg).toContain('#4c1');
  });

  it('turns red and names the failure when the last run failed', () => {
    const s = appendRun(history().reduce(appendRun, emptyStatus()), { at: at(0.5), action: 'backup', ok: false, error: 'x' });
    const b = badgeMessage(s, now);
    expect(b.message).toMatch(/backup failed$/);
    expect(b.color).toBe('#e05d44');
  });

  it('is grey with no restorable backup and escapes the label', () => {
    const svg = renderBadge(emptyStatus(), now, 'db<1>');
    expect(svg).toContain('no restorable backup');
    expect(svg).toContain('#9f9f9f');
    expect(svg).toContain('db&lt;1&gt;');
  });
});

describe('chart and page', () => {
  it('draws one size bar per backup of the last 30 days, drill RTO among durations, failures in red', () => {
    const runs = [...history(), { at: at(3), action: 'backup' as const, ok: false, error: 'boom' }];
    const svg = renderChart(runs.reduce(appendRun, emptyStatus('c1')), now);
    expect(svg.match(/class="size"/g)).toHaveLength(30);
    expect(svg.match(/class="duration"/g)).toHaveLength(31);
    expect(svg.match(/class="failed"/g)).toHaveLength(1);
    expect(svg).toContain('class="window"');
    expect(svg.startsWith('<svg')).toBe(true);
  });

  it('status page: recovery window, newest run first, escaped error text', () => {
    const s = appendRun(history().reduce(appendRun, emptyStatus('c1')), { at: at(0.1), action: 'backup', ok: false, kind: 'incr', error: 'disk | full <now>' });
    const md = renderStatusPage(s, now);
    expect(md).toContain('# pgkeep status — c1');
    expect(md).toContain(`Restorable from **${at(30 * 24)}**`);
    const rows = md.split('\n').filter((l) => l.startsWith(`| 2026`));
    expect(rows[0]).toContain('❌ disk &#124; full &lt;now&gt;');
    expect(rows[1]).toContain('RTO 41.0 s');
    expect(rows).toHaveLength(20);
  });
});
