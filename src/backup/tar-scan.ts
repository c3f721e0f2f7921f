// A pass-through that reads tar headers as the bytes of a base backup stream by, so small
// members we want (backup_label) can be captured without staging or re-reading the archive.
// ustar only (what pg_basebackup writes); sizes in octal or GNU base-256.
import { Transform, type TransformCallback } from 'node:stream';
import { cstr, tarNumber } from '../util/tar-header.js';

export class TarScan extends Transform {
  /** Captured contents of wanted members (by path inside the tar). */
  readonly captured = new Map<string, Buffer>();
  memberCount = 0;
  private header = Buffer.alloc(0);
  /** Bytes left in the current member's data (+ padding) before the next header. */
  private skip = 0;
  private capturing: { name: string; left: number; parts: Buffer[]; tail: number } | null = null;
  private ended = false;

  /**
   * `wanted`: members to capture whole (up to maxCapture bytes); `tails`: members of which only
   * the last N bytes are kept (backup_manifest ends with its WAL-Ranges, whatever its size).
   */
  constructor(
    private readonly wanted: ReadonlySet<string>,
    private readonly maxCapture = 1 << 20,
    private readonly tails: ReadonlyMap<string, number> = new Map(),
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.ended) this.scan(chunk);
    cb(null, chunk);
  }

  private scan(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && !this.ended) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - off);
        if (this.capturing && this.capturing.left > 0) {
          const take = Math.min(n, this.capturing.left);
          this.capturing.parts.push(Buffer.from(chunk.subarray(off, off + take)));
          this.capturing.left -= take;
          if (this.capturing.tail > 0 && this.capturing.parts.length > 64) {
            const joined = Buffer.concat(this.capturing.parts);
            this.capturing.parts = [joined.subarray(Math.max(0, joined.length - this.capturing.tail))];
          }
          if (this.capturing.left === 0) {
            const all = Buffer.concat(this.capturing.parts);
            this.captured.set(this.capturing.name, this.capturing.tail > 0 ? all.subarray(Math.max(0, all.length - this.capturing.tail)) : all);
            this.capturing = null;
          }
        }
        this.skip -= n;
        off += n;
        continue;
      }
      const need = 512 - this.header.length;
      const take = Math.min(need, chunk.length - off);
      this.header = Buffer.concat([this.header, chunk.subarray(off, off + take)]);
      off += take;
      if (this.header.length < 512) break;
      const h = this.header;
      this.header = Buffer.alloc(0);
      if (h.every((b) => b === 0)) {
        this.ended = true;
        break;
      }
      this.memberCount++;
      const name = cstr(h, 0, 100);
      const prefix = h.subarray(257, 262).toString('latin1') === 'ustar' ? cstr(h, 345, 155) : '';
      const full = prefix ? `${prefix}/${name}` : name;
      const size = tarNumber(h.subarray(124, 136));
      this.skip = Math.ceil(size / 512) * 512;
      const tail = this.tails.get(full) ?? 0;
      if (size > 0 && (tail > 0 || (this.wanted.has(full) && size <= this.maxCapture))) this.capturing = { name: full, left: size, parts: [], tail };
      else if ((this.wanted.has(full) || tail > 0) && size === 0) this.captured.set(full, Buffer.alloc(0));
    }
  }
}

/** Facts from a backup_label file. */
export interface BackupLabel {
  startLsn: string;
  startWal: string;
  checkpointLsn?: string;
  timeline: number;
  startTime?: string;
  label?: string;
}

export function parseBackupLabel(text: string): BackupLabel | null {
  const m = /START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+) \(file ([0-9A-F]{24})\)/.exec(text);
  if (!m) return null;
  const tl = /START TIMELINE: (\d+)/.exec(text);
  const cp = /CHECKPOINT LOCATION: ([0-9A-F]+\/[0-9A-F]+)/.exec(text);
  const st = /START TIME: (.+)/.exec(text);
  const lb = /LABEL: (.+)/.exec(text);
  return {
    startLsn: m[1],
    startWal: m[2],
    checkpointLsn: cp?.[1],
    timeline: tl ? Number(tl[1]) : parseInt(m[2].slice(0, 8), 16),
    startTime: st?.[1].trim(),
    label: lb?.[1].trim(),
  };
}

/** The WAL range from the end of a backup_manifest ("WAL-Ranges": [{Timeline, Start-LSN, End-LSN}]). */
export function parseManifestWalRange(tail: string): { timeline: number; startLsn: string; endLsn: string } | null {
  const all = [...tail.matchAll(/"Timeline":\s*(\d+),\s*"Start-LSN":\s*"([0-9A-F]+\/[0-9A-F]+)",\s*"End-LSN":\s*"([0-9A-F]+\/[0-9A-F]+)"/g)];
  if (!all.length) return null;
  // Ranges are listed newest timeline first; the backup ends on the first one.
  const newest = all[0];
  const oldest = all[all.length - 1];
  return { timeline: Number(newest[1]), startLsn: oldest[2], endLsn: newest[3] };
}
