// Restore target times: strict ISO-8601 in, exact to the microsecond out. JavaScript's Date
// keeps only milliseconds, so the fields are parsed by hand and carried as bigint
// microseconds since the epoch. PostgreSQL rejects a trailing `Z` in recovery_target_time,
// so the server form is always `YYYY-MM-DD HH:MM:SS.ffffff+00` (UTC).
import { PgkeepError } from '../util/errors.js';

export interface TargetTime {
  /** What the person typed. */
  input: string;
  /** Microseconds since 1970-01-01T00:00:00Z. */
  micros: bigint;
  /** For recovery_target_time: `2025-11-08 14:30:00.123456+00`. */
  pg: string;
  /** Normalised ISO-8601 UTC: `2025-11-08T14:30:00.123456Z`. */
  iso: string;
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/;
const EXAMPLE = 'Use ISO-8601 with a zone, e.g. 2025-11-08T14:30:00Z, 2025-11-08T14:30:00.123456Z or 2025-11-08T16:30:00+02:00.';

function bad(value: string, why: string): PgkeepError {
  return new PgkeepError('bad-time', `--time "${value}" is not a valid restore time: ${why}.`, EXAMPLE);
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z0: number): [number, number, number] {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const DAY_US = 86_400_000_000n;
const p2 = (n: number) => String(n).padStart(2, '0');

function fields(micros: bigint) {
  let days = micros / DAY_US;
  let rem = micros % DAY_US;
  if (rem < 0n) {
    rem += DAY_US;
    days -= 1n;
  }
  const [y, m, d] = civilFromDays(Number(days));
  const secs = Number(rem / 1_000_000n);
  const frac = String(rem % 1_000_000n).padStart(6, '0');
  const date = `${String(y).padStart(4, '0')}-${p2(m)}-${p2(d)}`;
  const time = `${p2(Math.floor(secs / 3600))}:${p2(Math.floor(secs / 60) % 60)}:${p2(secs % 60)}`;
  return { date, time, frac };
}

/** `2025-11-08T14:30:00.123456Z` (always six fraction digits). */
export function microsToIso(micros: bigint): string {
  const f = fields(micros);
  return `${f.date}T${f.time}.${f.frac}Z`;
}

/** `2025-11-08 14:30:00.123456+00`: what recovery_target_time accepts, exact to the microsecond. */
export function microsToPg(micros: bigint): string {
  const f = fields(micros);
  return `${f.date} ${f.time}.${f.frac}+00`;
}

/** Parse a restore target time; throws a PgkeepError naming the value and showing an example. */
export function parseTargetTime(input: string): TargetTime {
  const s = input.trim();
  const m = ISO_RE.exec(s);
  if (!m) {
    if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) throw bad(input, 'it has no time zone (add Z for UTC or an offset like +02:00)');
    if (/\.\d{7,}/.test(s)) throw bad(input, 'PostgreSQL keeps at most 6 fraction digits (microseconds)');
    throw bad(input, 'expected YYYY-MM-DDTHH:MM:SS[.ffffff] followed by Z or ±HH:MM');
  }
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
  if (y < 1970) throw bad(input, 'the year is before 1970');
  if (mo < 1 || mo > 12) throw bad(input, `month ${m[2]} does not exist`);
  if (d < 1 || d > daysIn(y, mo)) throw bad(input, `day ${m[3]} does not exist in ${m[1]}-${m[2]}`);
  if (h > 23) throw bad(input, `hour ${m[4]} is out of range (00-23)`);
  if (mi > 59) throw bad(input, `minute ${m[5]} is out of range (00-59)`);
  if (se > 59) throw bad(input, `second ${m[6]} is out of range (00-59)`);
  const frac = BigInt((m[7] ?? '').padEnd(6, '0'));
  let offsetMin = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[8].slice(1, 3));
    const om = Number(m[8].slice(4, 6));
    if (oh > 15 || om > 59) throw bad(input, `offset ${m[8]} is out of range`);
    offsetMin = (m[8][0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const localSecs = BigInt(daysFromCivil(y, mo, d)) * 86400n + BigInt(h * 3600 + mi * 60 + se);
  const micros = (localSecs - BigInt(offsetMin) * 60n) * 1_000_000n + frac;
  return { input, micros, pg: microsToPg(micros), iso: microsToIso(micros) };
}

/**
 * Timestamps written by pgkeep or PostgreSQL (manifest stopTime, `select now()`, server log
 * `2025-11-08 14:30:00.123456+00`) → microseconds. Accepts a space separator, a missing
 * fraction and `+HH`/`+HHMM`/`+HH:MM`/`Z`/` UTC` zones; throws on anything else.
 */
export function timestampToMicros(value: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,6})?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)$/.exec(value.trim());
  if (!m) throw new PgkeepError('bad-time', `"${value}" is not a timestamp pgkeep understands.`, EXAMPLE);
  let zone = m[4];
  if (zone === 'UTC') zone = 'Z';
  else if (zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    zone = `${zone[0]}${digits.slice(0, 2)}:${(digits.slice(2) || '00').padEnd(2, '0')}`;
  }
  return parseTargetTime(`${m[1]}T${m[2]}${m[3] ?? ''}${zone}`).micros;
}

/** Milliseconds since the epoch (e.g. Date.now()) → microseconds. */
export const msToMicros = (ms: number): bigint => BigInt(Math.round(ms)) * 1000n;
