import { describe, expect, it } from 'vitest';
import { commitTimesFromWaldump } from '../../../src/restore/last-commit.js';
import { parseTargetTime } from '../../../src/restore/target-time.js';

describe('commitTimesFromWaldump', () => {
  it('reads commit and abort times from pg_waldump lines, exact to the microsecond', () => {
    const out = [
      'rmgr: Transaction len (rec/tot):     34/    34, tx:        735, lsn: 0/03000148, prev 0/03000110, desc: COMMIT 2026-11-25 13:42:03.682857 UTC',
      'rmgr: Transaction len (rec/tot):     34/    34, tx:        736, lsn: 0/03000190, prev 0/03000158, desc: ABORT 2026-11-25 13:42:04 UTC',
      'rmgr: Transaction len (rec/tot):    130/   130, tx:        737, lsn: 0/030001D0, prev 0/03000190, desc: COMMIT 2026-11-25 13:42:05.000001 UTC; inval msgs: catcache 7',
      'rmgr: Heap        len (rec/tot):     59/    59, tx:        737, lsn: 0/03000250, prev 0/030001D0, desc: INSERT off 3 flags 0x00',
      'pg_waldump: error: could not find file "000000010000000000000004": No such file or directory',
    ].join('\n');
    expect(commitTimesFromWaldump(out)).toEqual([
      parseTargetTime('2026-11-25T13:42:03.682857Z').micros,
      parseTargetTime('2026-11-25T13:42:04Z').micros,
      parseTargetTime('2026-11-25T13:42:05.000001Z').micros,
    ]);
    expect(commitTimesFromWaldump('desc: RUNNING_XACTS nextXid 738')).toEqual([]);
  });
});
