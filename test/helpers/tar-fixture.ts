// Hand-made tar archives for tests that need entries no tar tool writes on request
// (absolute names, "..", links out of the directory, pax and GNU long-name headers).
export interface TarFixtureEntry {
  name: string;
  /** tar typeflag: '0' file (default), '5' directory, '2' symlink, '1' hard link, 'L', 'x', … */
  type?: string;
  link?: string;
  data?: string | Buffer;
  /** ustar prefix field (POSIX magic is written when given). */
  prefix?: string;
  /** Size field override (a header that lies about its body). */
  size?: number;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** One header block followed by the entry's data, padded to 512. */
export function tarBlock(e: TarFixtureEntry): Buffer {
  const data = Buffer.from(e.data ?? '');
  const h = Buffer.alloc(512);
  h.write(e.name, 0, 100, 'utf8');
  h.write(octal(e.type === '5' ? 0o755 : 0o644, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  h.write(octal(e.size ?? data.length, 12), 124, 'latin1');
  h.write(octal(1_700_000_000, 12), 136, 'latin1');
  h.write(e.type ?? '0', 156, 'latin1');
  if (e.link) h.write(e.link, 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 'latin1');
  if (e.prefix) h.write(e.prefix, 345, 155, 'utf8');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, pad]);
}

/** A whole archive: the entries, then the two zero blocks that end it. */
export function tarOf(entries: TarFixtureEntry[]): Buffer {
  return Buffer.concat([...entries.map(tarBlock), Buffer.alloc(1024)]);
}
