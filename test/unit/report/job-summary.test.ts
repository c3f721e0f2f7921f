import { describe, expect, it } from 'vitest';
import { renderJobSummary } from '../../../src/report/job-summary.js';
import { escapeHtml, escapeMarkdownCell } from '../../../src/report/escape.js';

const now = new Date('2026-11-25T12:00:00Z');

describe('job summary', () => {
  it('escapes every outside value: database names, error text, hints, plan lines, problems', () => {
    const html = renderJobSummary({
      title: 'pgkeep backup',
      ok: false,
      now,
      facts: [['Backup id', '<img src=x onerror=alert(1)>']],
      databases: ['a<b>', 'c&d'],
      plan: ['restore "x" <into> y'],
      verify: { ok: false, problems: [{ backupId: 'id<1>', object: 'o&', message: '<script>' }] },
      error: { message: 'database "<evil>" does not exist', hint: 'use <this>' },
    });
    expect(html).not.toMatch(/<(img|b|evil|this|into|script|1)>?[ >]/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<code>a&lt;b&gt;</code>, <code>c&amp;d</code>');
    expect(html).toContain('database &quot;&lt;evil&gt;&quot; does not exist');
    expect(html).toContain('<strong>Hint:</strong> use &lt;this&gt;');
    expect(html).toContain('<li><code>id&lt;1&gt;</code> <code>o&amp;</code> &lt;script&gt;</li>');
  });

  it('a restore of several databases gets one escaped row per database: into and seconds, or why not', () => {
    const html = renderJobSummary({
      title: 'pgkeep restore (logical, 3 databases)',
      ok: false,
      now,
      facts: [],
      databaseRestores: [
        { database: 'core', into: 'core_restore', result: '12.5' },
        { database: 'a<b>', into: 'a<b>_restore', result: 'failed: tablespace "<gone>" does not exist' },
        { database: 'c&d', into: 'c&d_restore', result: 'not started' },
      ],
    });
    expect(html).toContain('<tr><th>Database</th><th>Restored into</th><th>Seconds</th></tr>');
    expect(html).toContain('<tr><td><code>core</code></td><td><code>core_restore</code></td><td>12.5</td></tr>');
    expect(html).toContain('<tr><td><code>a&lt;b&gt;</code></td><td><code>a&lt;b&gt;_restore</code></td><td>failed: tablespace &quot;&lt;gone&gt;&quot; does not exist</td></tr>');
    expect(html).toContain('<tr><td><code>c&amp;d</code></td><td><code>c&amp;d_restore</code></td><td>not started</td></tr>');
    expect(html).not.toMatch(/<(b|gone)>/);
    const dry = renderJobSummary({ title: 't', ok: true, now, facts: [], databaseRestores: [{ database: 'core', into: 'core_restore', result: 'dry run' }], databaseRestoresInto: 'Into (planned)' });
    expect(dry).toContain('<tr><th>Database</th><th>Into (planned)</th><th>Seconds</th></tr>');
  });

  it('shows the backup id in a table row, the recovery window with its age, and omits empty facts', () => {
    const html = renderJobSummary({
      title: 'pgkeep backup (full)',
      ok: true,
      now,
      facts: [['Backup id', '20261125T020000Z-full'], ['Recovered to', undefined]],
      window: { oldest: '2026-10-26T02:00:00Z', newest: '2026-11-25T11:58:00Z' },
    });
    expect(html).toContain('<h2>✅ pgkeep backup (full)</h2>');
    expect(html).toContain('<tr><th align="left">Backup id</th><td>20261125T020000Z-full</td></tr>');
    expect(html).not.toContain('Recovered to');
    expect(html).toContain('Restorable from <strong>2026-10-26T02:00:00Z</strong> to <strong>2026-11-25T11:58:00Z</strong> (2 min ago)');
  });

  it('lists at most 50 verification problems and counts the rest (summaries are limited to 1 MiB)', () => {
    const problems = Array.from({ length: 120 }, (_, i) => ({ object: `wal/${i}`, message: 'checksum mismatch' }));
    const html = renderJobSummary({ title: 't', ok: false, now, facts: [], verify: { ok: false, problems } });
    expect(html.match(/checksum mismatch/g)).toHaveLength(50);
    expect(html).toContain('… and 70 more (see the log)');
  });

  it('distinguishes an empty repository from one that was never read', () => {
    expect(renderJobSummary({ title: 't', ok: true, now, facts: [], window: {} })).toContain('Empty: the repository holds no restorable backup');
    expect(renderJobSummary({ title: 't', ok: false, now, facts: [] })).toContain('Not read');
  });

  it('escapes markdown table cells (pipes, newlines) as well as HTML', () => {
    expect(escapeHtml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;');
    expect(escapeMarkdownCell('a|b\nc<d>')).toBe('a&#124;b c&lt;d&gt;');
  });
});
