// Fields of a ustar/GNU tar header, shared by the backup's tar scanner and the restore's tar guard.

/** A NUL-terminated string field. */
export function cstr(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const z = s.indexOf(0);
  return s.subarray(0, z < 0 ? len : z).toString('utf8');
}

/** A numeric field: octal, or GNU base-256 when the high bit of the first byte is set. */
export function tarNumber(f: Buffer): number {
  if (f[0] & 0x80) {
    let v = 0;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i];
    return v;
  }
  const s = cstr(f, 0, f.length).trim();
  return s ? parseInt(s, 8) : 0;
}
