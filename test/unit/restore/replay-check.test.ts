import { describe, expect, it } from 'vitest';
import { checkReplayReached, type PlannedEnd } from '../../../src/restore/replay-check.js';
import { parseTargetTime } from '../../../src/restore/target-time.js';
import { parseLsn } from '../../../src/wal/segment.js';

const SEG = 16 * 1024 * 1024;
const latest: PlannedEnd = { target: { kind: 'latest' }, lastSegment: '000000010000000000000007', consistentLsn: '0/2000100' };
const at = (lsn: string, more: object = {}) => ({ replayLsn: parseLsn(lsn), segSize: SEG, ...more });

describe('did replay reach the planned end?', () => {
  it('latest: anywhere inside the last planned segment or past it is reached', () => {
    expect(checkReplayReached(latest, at('0/8000000'), 'x')).toBeUndefined(); // after a WAL switch: the next segment's start
    expect(checkReplayReached(latest, at('0/7000150'), 'x')).toBeUndefined(); // a record continues into an unarchived segment
  });

  it('latest: ending at the start of the last planned segment means it was never read', () => {
    const e = checkReplayReached(latest, at('0/7000000', { lastReplayedXact: '2026-01-01T00:00:00.000000Z' }), 'The restored cluster in /r');
    expect(e?.code).toBe('replay-short');
    expect(e?.message).toBe(
      'The restored cluster in /r promoted, but replay ended at 0/7000000 (last transaction replayed 2026-01-01T00:00:00.000000Z), before the last planned segment 000000010000000000000007; the plan was to replay into the last planned segment 000000010000000000000007 (past 0/7000000).',
    );
    expect(checkReplayReached(latest, at('0/5000000'), 'x')?.message).toMatch(/replay ended at 0\/5000000/);
  });

  it('unknown position: refused, not assumed', () => {
    expect(checkReplayReached(latest, { segSize: SEG }, 'x')?.message).toMatch(/cannot be checked/);
  });

  it('lsn and immediate targets', () => {
    const lsn: PlannedEnd = { ...latest, target: { kind: 'lsn', lsn: parseLsn('0/4000200') } };
    expect(checkReplayReached(lsn, at('0/4000228'), 'x')).toBeUndefined();
    expect(checkReplayReached(lsn, at('0/4000100'), 'x')?.message).toMatch(/before the target LSN; the plan was to replay the target LSN 0\/4000200/);
    const imm: PlannedEnd = { ...latest, target: { kind: 'immediate' } };
    expect(checkReplayReached(imm, at('0/2000100'), 'x')).toBeUndefined();
    expect(checkReplayReached(imm, at('0/2000000'), 'x')?.message).toMatch(/before the backup is consistent/);
  });

  it('time: PostgreSQL must have found the first transaction past the target, and nothing after it was replayed', () => {
    const t: PlannedEnd = { ...latest, target: { kind: 'time', time: parseTargetTime('2026-01-01T00:00:05Z') } };
    const stop = 'recovery stopping before commit of transaction 740, time 2026-01-01 00:00:06+00';
    expect(checkReplayReached(t, at('0/5000000', { stopLine: stop, lastReplayedXact: '2026-01-01T00:00:04.5Z' }), 'x')).toBeUndefined();
    expect(checkReplayReached(t, at('0/5000000', { lastReplayedXact: '2026-01-01T00:00:04.5Z' }), 'x')?.message).toMatch(/without reaching the target time/);
    expect(checkReplayReached(t, at('0/5000000', { stopLine: stop, lastReplayedXact: '2026-01-01T00:00:05.000001Z' }), 'x')?.message).toMatch(/after the target time/);
  });
});
