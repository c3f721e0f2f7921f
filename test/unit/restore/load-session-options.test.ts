import { describe, expect, it } from 'vitest';
import { loadSessionOptions } from '../../../src/restore/logical-restore.js';

describe('loadSessionOptions (PGOPTIONS of the sessions that load a dump)', () => {
  it('asks for commits that do not wait for a WAL flush, in the session only', () => {
    expect(loadSessionOptions(undefined)).toBe('-c synchronous_commit=off');
    expect(loadSessionOptions('  ')).toBe('-c synchronous_commit=off');
  });

  it("puts the operator's own PGOPTIONS last, so they override ours", () => {
    const o = loadSessionOptions('-c synchronous_commit=on -c maintenance_work_mem=1GB');
    expect(o).toBe('-c synchronous_commit=off -c synchronous_commit=on -c maintenance_work_mem=1GB');
  });
});
