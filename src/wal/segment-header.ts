// The long page header every WAL segment starts with (XLogLongPageHeaderData in PostgreSQL's
// access/xlog_internal.h), read to tell whose WAL a segment is and whether it is the segment its
// name says. Layout (little-endian on the platforms PostgreSQL runs on here):
//   0 uint16 xlp_magic   2 uint16 xlp_info   4 uint32 xlp_tli   8 uint64 xlp_pageaddr
//  16 uint32 xlp_rem_len (padded to 24)   24 uint64 xlp_sysid   32 uint32 xlp_seg_size
//  36 uint32 xlp_xlog_blcksz
// PostgreSQL itself checks these when it reads a segment, but in archive recovery a failed check
// reads as "end of valid WAL" and the server promotes; pgkeep checks first and fails loudly.
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { PgkeepError } from '../util/errors.js';
import { isPartialName, isSegmentName, parseSegmentName } from './segment.js';

export const LONG_HEADER_BYTES = 40;
/** xlp_info bit set on the first page of a segment. */
const XLP_LONG_HEADER = 0x0002;

export interface SegmentHeader {
  magic: number;
  info: number;
  timeline: number;
  pageAddr: bigint;
  /** Decimal, as pg_control_system() and pgkeep.json write it. */
  systemIdentifier: string;
  segSize: number;
  blockSize: number;
}

export function parseSegmentHeader(buf: Buffer): SegmentHeader {
  if (buf.length < LONG_HEADER_BYTES) throw new PgkeepError('bad-wal-header', `A WAL segment header needs ${LONG_HEADER_BYTES} bytes, got ${buf.length}.`);
  return {
    magic: buf.readUInt16LE(0),
    info: buf.readUInt16LE(2),
    timeline: buf.readUInt32LE(4),
    pageAddr: buf.readBigUInt64LE(8),
    systemIdentifier: buf.readBigUInt64LE(24).toString(),
    segSize: buf.readUInt32LE(32),
    blockSize: buf.readUInt32LE(36),
  };
}

const powerOfTwo = (n: number, lo: number, hi: number) => n >= lo && n <= hi && (n & (n - 1)) === 0;

/**
 * Why the header of the WAL file `name` (segment or .partial) is not what its name promises, or
 * null when it is. `fileBytes` is the file's size when known (a .partial file may be shorter).
 * Every XLOG_PAGE_MAGIC since PostgreSQL 9.3 is 0xD0xx or 0xD1xx (0xD10D in 15, 0xD118 in 18).
 */
export function segmentHeaderProblem(name: string, h: SegmentHeader, fileBytes?: number): string | null {
  if (h.magic < 0xd000 || h.magic > 0xd1ff) return `its page magic is 0x${h.magic.toString(16)}, not a PostgreSQL WAL page`;
  if (!(h.info & XLP_LONG_HEADER)) return 'its first page has no long header';
  if (!powerOfTwo(h.segSize, 1 << 20, 1 << 30)) return `its header names a segment size of ${h.segSize} bytes`;
  if (!powerOfTwo(h.blockSize, 1 << 10, 1 << 16)) return `its header names a WAL block size of ${h.blockSize} bytes`;
  if (fileBytes !== undefined && !isPartialName(name) && fileBytes !== h.segSize) return `it is ${fileBytes} bytes, its header says segments are ${h.segSize}`;
  const seg = isPartialName(name) ? name.slice(0, 24) : name;
  if (isSegmentName(seg)) {
    const start = parseSegmentName(seg, h.segSize).segno * BigInt(h.segSize);
    if (h.pageAddr !== start) return `its first page is for position ${fmt(h.pageAddr)}, the name says ${fmt(start)}`;
  }
  return null;
}

const fmt = (v: bigint) => `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;

/** The header of a local segment file (first 40 bytes). */
export async function readSegmentHeader(file: string): Promise<{ header: SegmentHeader; bytes: number }> {
  const fh = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(LONG_HEADER_BYTES);
    const { bytesRead } = await fh.read(buf, 0, LONG_HEADER_BYTES, 0);
    const st = await fh.stat();
    if (bytesRead < LONG_HEADER_BYTES)
      throw new PgkeepError('bad-wal-header', `WAL file ${file} is only ${st.size} bytes: not a WAL segment.`);
    return { header: parseSegmentHeader(buf), bytes: st.size };
  } finally {
    await fh.close();
  }
}

/**
 * The system identifier in a data directory's global/pg_control (ControlFileData starts with
 * it, a uint64), or undefined when there is none to read (pgkeep run outside a data directory).
 */
export async function controlFileSystemIdentifier(dataDir: string): Promise<string | undefined> {
  let fh: FileHandle;
  try {
    fh = await fsp.open(`${dataDir}/global/pg_control`, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
  try {
    const buf = Buffer.alloc(8);
    const { bytesRead } = await fh.read(buf, 0, 8, 0);
    return bytesRead === 8 ? buf.readBigUInt64LE(0).toString() : undefined;
  } finally {
    await fh.close();
  }
}
