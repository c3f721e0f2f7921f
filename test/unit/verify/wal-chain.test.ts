import { describe, expect, it } from 'vitest';
import { checkWalChain, describeGap } from '../../../src/verify/wal-chain.js';
import { segmentName, type HistoryEntry } from '../../../src/wal/segment.js';
import { history, walCat, walRange } from '../retention/catalog-fixture.js';

const SEG = 0x1000000n;
const start = (tl: number, segno: number) => ({ timeline: tl, segno: BigInt(segno) });

describe('WAL chain check', () => {
  it('a continuous chain has no gaps and names the newest segment', () => {
    const r = checkWalChain({ wal: walCat(walRange(1, 3, 20)), start: start(1, 3), histories: new Map() });
    expect(r.gaps).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(r.segments).toBe(18);
    expect(r.newest).toBe(segmentName(1, 20n));
  });

  it('names a single missing segment and a missing range', () => {
    const r = checkWalChain({ wal: walCat(walRange(1, 3, 20, [7, 11, 12, 13])), start: start(1, 3), histories: new Map() });
    expect(r.gaps.map(describeGap)).toEqual([
      `WAL segment ${segmentName(1, 7n)} is missing on timeline 1`,
      `WAL segments ${segmentName(1, 11n)} to ${segmentName(1, 13n)} (3) are missing on timeline 1`,
    ]);
  });

  it('ignores WAL before the oldest backup and reports a missing first segment', () => {
    const ok = checkWalChain({ wal: walCat(walRange(1, 1, 2), walRange(1, 5, 9)), start: start(1, 5), histories: new Map() });
    expect(ok.gaps).toEqual([]);
    const bad = checkWalChain({ wal: walCat(walRange(1, 6, 9)), start: start(1, 5), histories: new Map() });
    expect(bad.gaps).toEqual([{ timeline: 1, first: segmentName(1, 5n), last: segmentName(1, 5n), count: 1 }]);
  });

  it('reports when nothing is archived after the oldest backup', () => {
    const r = checkWalChain({ wal: walCat(walRange(1, 1, 4)), start: start(1, 5), histories: new Map() });
    expect(r.problems[0]).toMatch(/no WAL is archived from 000000010000000000000005/);
  });

  it('checks each timeline from its switch point, and that the parent reaches it', () => {
    const hist2: HistoryEntry[] = [{ timeline: 1, switchLsn: 12n * SEG + 0x100n }];
    const wal = walCat(walRange(1, 3, 11), [history(2)], walRange(2, 12, 20, [15]));
    const r = checkWalChain({ wal, start: start(1, 3), histories: new Map([[2, hist2]]) });
    expect(r.gaps.map(describeGap)).toEqual([`WAL segment ${segmentName(2, 15n)} is missing on timeline 2`]);
    expect(r.newest).toBe(segmentName(2, 20n));

    const short = checkWalChain({ wal: walCat(walRange(1, 3, 9), walRange(2, 12, 20)), start: start(1, 3), histories: new Map([[2, hist2]]) });
    expect(short.gaps.map(describeGap)).toEqual([`WAL segments ${segmentName(1, 10n)} to ${segmentName(1, 11n)} (2) are missing on timeline 1`]);
  });

  it('a timeline without its history file is a problem', () => {
    const r = checkWalChain({ wal: walCat(walRange(1, 3, 11), walRange(2, 12, 14)), start: start(1, 3), histories: new Map() });
    expect(r.problems.join(' ')).toMatch(/timeline 2 .*00000002\.history/);
  });

  it('with no backup there is nothing to require', () => {
    const r = checkWalChain({ wal: walCat(walRange(1, 3, 11, [5])), start: null, histories: new Map() });
    expect(r.gaps).toEqual([]);
  });
});
