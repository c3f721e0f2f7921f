import { describe, expect, it } from 'vitest';
import { median, parseLagSummary, parseMeasures, renderReport } from '../../../bench/report.js';

const measures = parseMeasures([
  'full-backup\tpgkeep backup --type full\t1\t3.70\t204800\t1\tstored 230 MiB',
  'full-backup\tpgbackrest backup (zst-3, process-max 2)\t1\t4.20\t20480\t1\tstored 240 MiB',
  'full-backup\tpgkeep backup --type full\t2\t3.10\t210000\t1\tstored 230 MiB',
  'full-backup\tpgbackrest backup (zst-3, process-max 2)\t2\t4.40\t20480\t1\tstored 240 MiB',
  'full-backup\tpgkeep backup --type full\t3\t3.90\t200000\t1\tstored 230 MiB',
  'full-backup\tpgbackrest backup (zst-3, process-max 2)\t3\t4.00\t20480\t1\tstored 240 MiB',
  'logical-backup\tscript: pg_dump | gzip (serial)\t1\t30.0\t9000\t1\t',
  'logical-backup\tpgkeep backup --type logical\t1\t10.0\t100000\t0\t',
].join('\n'));

describe('bench report', () => {
  it('medians of odd and even rounds', () => {
    expect(median([3.7, 3.1, 3.9])).toBe(3.7);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('gives every round, the medians, peak RSS and pgkeep ÷ peer on medians', () => {
    const md = renderReport({ title: 't', facts: [['cores (nproc)', '2']], measures, lag: [] });
    expect(md).toContain('| pgkeep backup --type full | 3.70, 3.10, 3.90 | 3.70 | 205 | yes | stored 230 MiB |');
    // 3.70 / 4.20 on the medians.
    expect(md).toContain('| pgkeep backup --type full | 0.88 (1.14× faster) |');
    expect(md).toContain('0.33 (3.00× faster)');
    expect(md).toContain('**1 failed**');
  });

  it('escapes the pipes in tool names so Markdown tables keep their columns', () => {
    const md = renderReport({ title: 't', facts: [], measures, lag: [] });
    const row = md.split('\n').find((l) => l.startsWith('| script: pg_dump'))!;
    expect(row).toContain('pg_dump \\| gzip');
    expect(row.replace(/\\\|/g, '').split('|').length - 2).toBe(6);
  });

  it('summarises archive lag and links the SVG', () => {
    const lag = parseLagSummary('pgkeep wal-push\t31.2\t4\t2\t3.1\t80\t0\npgbackrest archive-push (zst-3)\t30.9\t1\t1\t0.8\t79\t0\n');
    const md = renderReport({ title: 't', facts: [], measures: [], lag, svgName: 'x-archive-lag.svg' });
    expect(md).toContain('| pgkeep wal-push | 31.2 | 4 | 2 | 3.10 | 80 | 0 |');
    expect(md).toContain('![segments waiting in pg_wal/archive_status over time](x-archive-lag.svg)');
  });
});
