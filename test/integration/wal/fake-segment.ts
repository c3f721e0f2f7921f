// WAL-like segment content for tests that need no server: a valid long page header (what
// wal-push and wal-fetch check: magic, position from the name, segment size, system identifier),
// then mostly compressible bytes with a random part so each segment differs.
import { randomBytes } from 'node:crypto';
import { parseSegmentName } from '../../../src/wal/segment.js';

export const SEG = 16 * 1024 * 1024;
export const FAKE_SYSID = '7300000000000000001';

export function segmentHeader(name: string, sysid = FAKE_SYSID, segSize = SEG): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt16LE(0xd10d, 0); // XLOG_PAGE_MAGIC of PostgreSQL 15
  h.writeUInt16LE(0x0002 | 0x0004, 2); // XLP_LONG_HEADER | XLP_BKP_REMOVABLE
  h.writeUInt32LE(parseInt(name.slice(0, 8), 16), 4);
  h.writeBigUInt64LE(parseSegmentName(name.slice(0, 24), segSize).segno * BigInt(segSize), 8);
  h.writeBigUInt64LE(BigInt(sysid), 24);
  h.writeUInt32LE(segSize, 32);
  h.writeUInt32LE(8192, 36);
  return h;
}

export function fakeSegment(name: string, sysid = FAKE_SYSID): Buffer {
  const b = Buffer.alloc(SEG);
  randomBytes(64 * 1024).copy(b, 0);
  for (let i = 64 * 1024; i < SEG; i += 4096) b.writeUInt32LE(i, i);
  segmentHeader(name, sysid).copy(b, 0);
  return b;
}
