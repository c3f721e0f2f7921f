// WAL names and positions: segment file names, LSNs, timelines. Pure functions.
// A segment name is TTTTTTTT XXXXXXXX YYYYYYYY: timeline, then the segment number split as
// "log" (high 32 bits of the LSN) and "seg" (low bits / segment size).
import { PgkeepError } from '../util/errors.js';

export const DEFAULT_WAL_SEGMENT_SIZE = 16 * 1024 * 1024;
const SEGMENT_RE = /^[0-9A-F]{24}$/;
const HISTORY_RE = /^([0-9A-F]{8})\.history$/;
const PARTIAL_RE = /^[0-9A-F]{24}\.partial$/;
const BACKUP_LABEL_RE = /^[0-9A-F]{24}\.[0-9A-F]{8}\.backup$/;

export const isSegmentName = (n: string) => SEGMENT_RE.test(n);
export const isHistoryName = (n: string) => HISTORY_RE.test(n);
export const isPartialName = (n: string) => PARTIAL_RE.test(n);
export const isBackupHistoryName = (n: string) => BACKUP_LABEL_RE.test(n);

export function segmentsPerXLogId(segSize = DEFAULT_WAL_SEGMENT_SIZE): bigint {
  return 0x100000000n / BigInt(segSize);
}

export interface SegmentId {
  timeline: number;
  /** Absolute segment number (LSN / segment size). */
  segno: bigint;
}

export function parseSegmentName(name: string, segSize = DEFAULT_WAL_SEGMENT_SIZE): SegmentId {
  if (!SEGMENT_RE.test(name)) throw new PgkeepError('bad-wal-name', `"${name}" is not a WAL segment name (24 hex digits).`);
  const timeline = parseInt(name.slice(0, 8), 16);
  const log = BigInt('0x' + name.slice(8, 16));
  const seg = BigInt('0x' + name.slice(16, 24));
  return { timeline, segno: log * segmentsPerXLogId(segSize) + seg };
}

export function segmentName(timeline: number, segno: bigint, segSize = DEFAULT_WAL_SEGMENT_SIZE): string {
  const per = segmentsPerXLogId(segSize);
  const hex = (n: bigint | number) => n.toString(16).toUpperCase().padStart(8, '0');
  return hex(timeline) + hex(segno / per) + hex(segno % per);
}

export function historyFileName(timeline: number): string {
  return timeline.toString(16).toUpperCase().padStart(8, '0') + '.history';
}

export function historyTimeline(name: string): number {
  const m = HISTORY_RE.exec(name);
  if (!m) throw new PgkeepError('bad-wal-name', `"${name}" is not a timeline history file name.`);
  return parseInt(m[1], 16);
}

/** `16/B374D848` → 64-bit number. */
export function parseLsn(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!m) throw new PgkeepError('bad-lsn', `"${lsn}" is not an LSN.`, 'An LSN looks like 0/3000060 (two hex numbers separated by a slash).');
  return (BigInt('0x' + m[1]) << 32n) | BigInt('0x' + m[2]);
}

export function formatLsn(v: bigint): string {
  return `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** The segment holding the byte at `lsn`. */
export function segnoForLsn(lsn: bigint, segSize = DEFAULT_WAL_SEGMENT_SIZE): bigint {
  return lsn / BigInt(segSize);
}

/** Timeline history: each line `parentTLI  switchpoint  reason`. */
export interface HistoryEntry {
  timeline: number;
  /** LSN where this (parent) timeline ended and the next began. */
  switchLsn: bigint;
}

export function parseHistoryFile(text: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [tli, lsn] = line.split(/\s+/);
    if (!tli || !lsn) continue;
    out.push({ timeline: Number(tli), switchLsn: parseLsn(lsn) });
  }
  return out;
}
