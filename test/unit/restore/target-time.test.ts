import { describe, expect, it } from 'vitest';
import { microsToIso, parseTargetTime, timestampToMicros } from '../../../src/restore/target-time.js';
import { PgkeepError } from '../../../src/util/errors.js';

describe('parseTargetTime', () => {
  const ok: [string, string, string][] = [
    ['2025-11-08T14:30:00Z', '2025-11-08 14:30:00.000000+00', '2025-11-08T14:30:00.000000Z'],
    ['2025-11-08T14:30:00.1Z', '2025-11-08 14:30:00.100000+00', '2025-11-08T14:30:00.100000Z'],
    ['2025-11-08T14:30:00.123Z', '2025-11-08 14:30:00.123000+00', '2025-11-08T14:30:00.123000Z'],
    ['2025-11-08T14:30:00.123456Z', '2025-11-08 14:30:00.123456+00', '2025-11-08T14:30:00.123456Z'],
    ['2025-11-08T16:30:00.000001+02:00', '2025-11-08 14:30:00.000001+00', '2025-11-08T14:30:00.000001Z'],
    ['2025-11-08T00:15:00-05:30', '2025-11-08 05:45:00.000000+00', '2025-11-08T05:45:00.000000Z'],
    // Offsets move across a day, month and year boundary.
    ['2026-01-01T01:00:00.999999+02:00', '2025-12-31 23:00:00.999999+00', '2025-12-31T23:00:00.999999Z'],
    ['2024-02-29T23:59:59.999999Z', '2024-02-29 23:59:59.999999+00', '2024-02-29T23:59:59.999999Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01 00:00:00.000000+00', '1970-01-01T00:00:00.000000Z'],
  ];
  it.each(ok)('accepts %s', (input, pg, iso) => {
    const t = parseTargetTime(input);
    expect(t.pg).toBe(pg);
    expect(t.iso).toBe(iso);
    expect(t.input).toBe(input);
  });

  it('keeps microseconds that a JavaScript Date would lose', () => {
    const a = parseTargetTime('2025-11-08T14:30:00.123456Z');
    const b = parseTargetTime('2025-11-08T14:30:00.123457Z');
    expect(b.micros - a.micros).toBe(1n);
    expect(a.micros).toBe(BigInt(Date.parse('2025-11-08T14:30:00.123Z')) * 1000n + 456n);
  });

  it('gives the same instant for the same moment written with different offsets', () => {
    expect(parseTargetTime('2025-11-08T16:30:00.5+02:00').micros).toBe(parseTargetTime('2025-11-08T14:30:00.500Z').micros);
  });

  const rejected: [string, RegExp][] = [
    ['2025-11-08 14:30:00', /no time zone/],
    ['2025-11-08T14:30:00', /no time zone/],
    ['2025-11-08T14:30', /no time zone/],
    ['2025-11-08', /expected YYYY-MM-DD/],
    ['yesterday', /expected YYYY-MM-DD/],
    ['', /expected YYYY-MM-DD/],
    ['2025-11-08T14:30:00.1234567Z', /at most 6 fraction digits/],
    ['2025-11-08T14:30:00+0200', /expected YYYY-MM-DD/],
    ['2025-11-08T14:30:00 UTC', /expected YYYY-MM-DD/],
    ['2025-13-08T14:30:00Z', /month 13/],
    ['2025-02-29T14:30:00Z', /day 29 does not exist/],
    ['2025-04-31T14:30:00Z', /day 31 does not exist/],
    ['2025-11-08T24:00:00Z', /hour 24/],
    ['2025-11-08T14:60:00Z', /minute 60/],
    ['2025-11-08T14:30:60Z', /second 60/],
    ['2025-11-08T14:30:00+16:00', /offset/],
    ['1969-12-31T23:59:59Z', /before 1970/],
    ['1731076200', /expected YYYY-MM-DD/],
  ];
  it.each(rejected)('rejects %j with the value and an example', (input, why) => {
    let err: unknown;
    try {
      parseTargetTime(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PgkeepError);
    const e = err as PgkeepError;
    expect(e.code).toBe('bad-time');
    expect(e.message).toContain(`"${input}"`);
    expect(e.message).toMatch(why);
    expect(e.hint).toContain('2025-11-08T14:30:00Z');
  });
});

describe('timestampToMicros', () => {
  it('reads PostgreSQL and JavaScript renderings of the same instant', () => {
    const want = parseTargetTime('2025-11-08T14:30:00.123456Z').micros;
    expect(timestampToMicros('2025-11-08 14:30:00.123456+00')).toBe(want);
    expect(timestampToMicros('2025-11-08 16:30:00.123456+02')).toBe(want);
    expect(timestampToMicros('2025-11-08 16:30:00.123456+0200')).toBe(want);
    expect(timestampToMicros('2025-11-08 14:30:00.123456 UTC')).toBe(want);
    expect(timestampToMicros('2025-11-08T14:30:00.123Z')).toBe(want - 456n);
    expect(microsToIso(timestampToMicros('2025-11-08 09:00:00-05'))).toBe('2025-11-08T14:00:00.000000Z');
  });
  it('refuses text that is not a timestamp', () => {
    expect(() => timestampToMicros('last tuesday')).toThrow(/not a timestamp/);
  });
});
