// A pass-through that reads every tar header on its way to `tar -x` and stops the stream before
// tar sees an entry that could write outside the extraction directory: absolute names, `..`
// components, symlinks or hard links whose target leaves the directory, entries reached through
// a symlink the archive itself made, device nodes and FIFOs. GNU tar strips a leading `/` and
// skips `..` members, but it extracts a symlink to /etc as asked; a backup is only ever a data
// directory written by the server (plain ustar), so refusing anything else costs nothing.
// Headers are read past end-of-archive zero blocks: extraction runs with --ignore-zeros.
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { PgkeepError } from '../util/errors.js';
import { cstr, tarNumber } from '../util/tar-header.js';

/** Typeflags tar may extract: files, directories, links, and the GNU/pax headers that rename the next entry. */
const FILE_TYPES = new Set(['0', '\0', '7']);
const DIR = '5';
const SYMLINK = '2';
const HARDLINK = '1';
const GNU_LONG_NAME = 'L';
const GNU_LONG_LINK = 'K';
const PAX = 'x';
/** Metadata of a long name or pax header is buffered whole; anything larger is not a real path. */
const MAX_META = 1 << 20;

export class TarGuard extends Transform {
  private header = Buffer.alloc(0);
  /** Bytes of the current entry's data (+ padding) still to pass before the next header. */
  private skip = 0;
  /** A GNU long name/link or pax header being read: its body decides the next entry's names. */
  private meta: { type: string; left: number; parts: Buffer[]; padding: number } | null = null;
  private nextName?: string;
  private nextLink?: string;
  /** A pax `size` record overrides the header's size field for the next entry. */
  private nextSize?: number;
  /** Symlinks the archive made so far (normalised names): nothing may be written through them. */
  private readonly symlinks = new Set<string>();

  /** `onBytes` counts what passes (progress, raw size): one stage fewer than a counting stream after it. */
  constructor(
    private readonly what: string,
    private readonly onBytes?: (n: number) => void,
  ) {
    super({ highWaterMark: 1 << 20 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.scan(chunk);
    } catch (e) {
      // Nothing of this chunk goes on: tar never sees the refused header.
      cb(e as Error);
      return;
    }
    this.onBytes?.(chunk.length);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    cb();
  }

  private scan(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.meta) {
        const n = Math.min(this.meta.left, chunk.length - off);
        this.meta.parts.push(Buffer.from(chunk.subarray(off, off + n)));
        this.meta.left -= n;
        off += n;
        if (this.meta.left === 0) {
          this.applyMeta(this.meta.type, Buffer.concat(this.meta.parts));
          this.skip = this.meta.padding;
          this.meta = null;
        }
        continue;
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - off);
        this.skip -= n;
        off += n;
        continue;
      }
      let h: Buffer;
      if (this.header.length === 0 && chunk.length - off >= 512) {
        // The usual case: the whole header lies in this chunk; no copy.
        h = chunk.subarray(off, off + 512);
        off += 512;
      } else {
        const take = Math.min(512 - this.header.length, chunk.length - off);
        this.header = Buffer.concat([this.header, chunk.subarray(off, off + take)]);
        off += take;
        if (this.header.length < 512) break;
        h = this.header;
        this.header = Buffer.alloc(0);
      }
      if (h.every((b) => b === 0)) continue; // end-of-archive block; tar reads on (--ignore-zeros)
      this.entry(h);
    }
  }

  private entry(h: Buffer): void {
    if (!checksumOk(h)) throw this.refuse('a damaged tar header', 'it is not a valid tar header (bad checksum)');
    const type = String.fromCharCode(h[156]);
    let size = tarNumber(h.subarray(124, 136));
    if (type === GNU_LONG_NAME || type === GNU_LONG_LINK || type === PAX) {
      if (size > MAX_META) throw this.refuse('a tar metadata header', `it is ${size} bytes long`);
      this.meta = { type, left: size, parts: [], padding: Math.ceil(size / 512) * 512 - size };
      if (size === 0) {
        this.applyMeta(type, Buffer.alloc(0));
        this.skip = 0;
        this.meta = null;
      }
      return;
    }
    const magic = h.subarray(257, 263).toString('latin1');
    // POSIX ustar splits long names into prefix/name; GNU's "ustar  " keeps other fields there.
    const prefix = magic === 'ustar\0' ? cstr(h, 345, 155) : '';
    const headerName = prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100);
    const name = this.nextName ?? headerName;
    const link = this.nextLink ?? cstr(h, 157, 100);
    if (this.nextSize !== undefined) size = this.nextSize;
    this.nextName = this.nextLink = this.nextSize = undefined;
    // Where the next header starts must be beyond doubt (tar and this guard must agree), so links
    // and directories with a body, which tar readers treat differently, are refused.
    if ((type === DIR || type === SYMLINK || type === HARDLINK) && size > 0) throw this.refuse(`entry ${name}`, `it is a ${type === DIR ? 'directory' : 'link'} with a ${size}-byte body`);
    this.skip = Math.ceil(size / 512) * 512;
    const rel = this.checkName(name);
    if (FILE_TYPES.has(type) || type === DIR) {
      this.symlinks.delete(rel); // tar replaces a symlink with the new entry
      return;
    }
    if (type === SYMLINK) {
      if (!link) throw this.refuse(`symlink ${name}`, 'it has no target');
      if (path.posix.isAbsolute(link)) throw this.refuse(`symlink ${name} → ${link}`, 'it points to an absolute path outside the directory');
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(rel), link));
      if (resolved === '..' || resolved.startsWith('../'))
        throw this.refuse(`symlink ${name} → ${link}`, 'it points outside the directory');
      this.symlinks.add(rel);
      return;
    }
    if (type === HARDLINK) {
      if (path.posix.isAbsolute(link)) throw this.refuse(`hard link ${name} → ${link}`, 'it links to an absolute path outside the directory');
      this.checkName(link, `hard link ${name} → ${link}`);
      return;
    }
    const kinds: Record<string, string> = { '3': 'a character device', '4': 'a block device', '6': 'a FIFO', g: 'a global pax header', S: 'a sparse file', M: 'a multi-volume part', V: 'a volume label' };
    throw this.refuse(`entry ${name}`, `it is ${kinds[type] ?? `of tar type "${type}"`}, which no PostgreSQL data directory holds`);
  }

  /** The entry's name relative to the directory (normalised), or a refusal. */
  private checkName(name: string, label = `entry ${name}`): string {
    if (!name) throw this.refuse('an entry without a name', 'tar cannot place it');
    if (path.posix.isAbsolute(name)) throw this.refuse(label, 'it has an absolute path');
    if (name.split('/').includes('..')) throw this.refuse(label, 'its path contains ".."');
    const rel = path.posix.normalize(name).replace(/\/+$/, '');
    // An entry below a symlink the archive made would be written wherever that link points.
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (this.symlinks.has(dir)) throw this.refuse(label, `it lies below symlink ${dir} of the same archive`);
    }
    return rel;
  }

  private applyMeta(type: string, body: Buffer): void {
    if (type === GNU_LONG_NAME) this.nextName = cstr(body, 0, body.length);
    else if (type === GNU_LONG_LINK) this.nextLink = cstr(body, 0, body.length);
    else {
      // pax records: "<len> <key>=<value>\n"
      let off = 0;
      while (off < body.length) {
        const sp = body.indexOf(0x20, off);
        const len = sp > off ? Number(body.subarray(off, sp).toString('latin1')) : NaN;
        if (!Number.isInteger(len) || len <= 0 || off + len > body.length) throw this.refuse('a pax header', 'its records cannot be read');
        const rec = body.subarray(sp + 1, off + len - 1).toString('utf8');
        const eq = rec.indexOf('=');
        const key = rec.slice(0, eq);
        const value = rec.slice(eq + 1);
        if (key === 'path' || key === 'GNU.sparse.name') this.nextName = value;
        else if (key === 'linkpath') this.nextLink = value;
        else if (key === 'size') {
          if (!/^\d+$/.test(value)) throw this.refuse('a pax header', `its size record "${value}" is not a number`);
          this.nextSize = Number(value);
        }
        off += len;
      }
    }
  }

  private refuse(entry: string, why: string): PgkeepError {
    return new PgkeepError(
      'unsafe-tar-entry',
      `${this.what} holds ${entry.replace(/[\n\r]/g, '?')}, which pgkeep refuses to extract: ${why}.`,
      'A PostgreSQL base backup never holds such an entry: this object was not written by pgkeep backup, or was tampered with. Nothing was left in the target directory; restore from another backup or copy.',
    );
  }
}

function checksumOk(h: Buffer): boolean {
  const stored = tarNumber(h.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}
