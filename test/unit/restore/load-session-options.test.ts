import { describe, expect, it } from 'vitest';
import { loadSessionOptions } from '../../../src/restore/logical-restore.js';

describe('loadSessionOptions (PGOPTIONS of the sessions that load a dump)', () => {
  it('asks for no commit flush, more sort memory and parallel index builds, per session only', () => {
    expect(loadSessionOptions(undefined, 1)).toBe('-c synchronous_commit=off -c maintenance_work_mem=256MB -c max_parallel_maintenance_workers=4');
    expect(loadSessionOptions('  ', 1)).toBe(loadSessionOptions(undefined, 1));
  });

  it('gives each pg_restore -j job fewer parallel index workers', () => {
    expect(loadSessionOptions(undefined, 4)).toContain('-c max_parallel_maintenance_workers=2');
  });

  it("puts the operator's own PGOPTIONS last, so they override ours", () => {
    const o = loadSessionOptions('-c maintenance_work_mem=1GB -c search_path=app', 1);
    expect(o.endsWith('-c maintenance_work_mem=1GB -c search_path=app')).toBe(true);
    expect(o.indexOf('maintenance_work_mem=256MB')).toBeLessThan(o.indexOf('maintenance_work_mem=1GB'));
  });
});
