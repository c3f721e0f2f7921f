import { describe, expect, it } from 'vitest';
import {
  formatLsn, historyFileName, historyTimeline, parseHistoryFile, parseLsn, parseSegmentName, segmentName, segnoForLsn,
} from '../../../src/wal/segment.js';

describe('WAL segment names and LSNs', () => {
  it('round-trips segment names across the 0xFF boundary of a log file', () => {
    const id = parseSegmentName('0000000100000001000000FF');
    expect(id).toEqual({ timeline: 1, segno: 511n });
    expect(segmentName(1, 512n)).toBe('000000010000000200000000');
    expect(segmentName(2, 3n)).toBe('000000020000000000000003');
  });

  it('maps an LSN to the segment that holds it', () => {
    expect(parseLsn('0/3000060')).toBe(0x3000060n);
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(segmentName(1, segnoForLsn(parseLsn('1/FF000028')))).toBe('0000000100000001000000FF');
  });

  it('rejects malformed names and LSNs with a clear message', () => {
    expect(() => parseSegmentName('00000001000000000000000')).toThrow(/not a WAL segment name/);
    expect(() => parseLsn('3000060')).toThrow(/not an LSN/);
  });

  it('parses timeline history files', () => {
    expect(historyFileName(10)).toBe('0000000A.history');
    expect(historyTimeline('0000000A.history')).toBe(10);
    const h = parseHistoryFile('1\t0/5000198\tno recovery target specified\n\n2\t0/9000000\tbefore 2025-11-08\n');
    expect(h).toEqual([
      { timeline: 1, switchLsn: 0x5000198n },
      { timeline: 2, switchLsn: 0x9000000n },
    ]);
  });
});
