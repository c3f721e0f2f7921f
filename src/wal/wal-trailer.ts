// The trailer of a stored WAL object: a zstd skippable frame (RFC 8878 §3.1.2) after the data
// frame, holding the SHA-256 and size of the raw file that was compressed, and its name. Every
// zstd reader skips it (`zstd -d`, our MultiFrameZstdDecompress), so objects stay plain zstd.
// Why: PostgreSQL re-runs archive_command for a segment that is already archived (a crash between
// our push and its .done). Answering "identical" used to need the whole stored object
// decompressed and hashed; with the trailer it needs its last TRAILER_BYTES and a hash of the
// local file. The hash is the one computed while the object was written, over the very bytes fed
// to the compressor, so a matching trailer is the same proof the full comparison gave. A missing,
// malformed or foreign trailer (older objects, another name) proves nothing: the caller falls back
// to the full comparison, which alone may report a difference.

/** Skippable frame magic 0x184D2A5E (any of 0x184D2A50..5F is skippable; this one is ours). */
const MAGIC = 0x184d2a5e;
const TAG = Buffer.from('PGKWAL01', 'ascii');
const NAME_BYTES = 40; // the longest WAL file name: <segment>.<offset>.backup
const PAYLOAD_BYTES = TAG.length + 8 + 32 + NAME_BYTES;
export const TRAILER_BYTES = 8 + PAYLOAD_BYTES;

export interface WalTrailer {
  name: string;
  bytes: number;
  sha256: string;
}

export function encodeWalTrailer(t: WalTrailer): Buffer {
  const name = Buffer.from(t.name, 'ascii');
  if (name.length > NAME_BYTES || !/^[0-9a-f]{64}$/.test(t.sha256)) throw new Error(`cannot describe WAL file ${t.name} in a trailer`);
  const b = Buffer.alloc(TRAILER_BYTES);
  b.writeUInt32LE(MAGIC, 0);
  b.writeUInt32LE(PAYLOAD_BYTES, 4);
  TAG.copy(b, 8);
  b.writeBigUInt64LE(BigInt(t.bytes), 8 + TAG.length);
  Buffer.from(t.sha256, 'hex').copy(b, 16 + TAG.length);
  name.copy(b, 48 + TAG.length);
  return b;
}

/** The trailer at the end of `tail` (an object's last bytes), or null when there is none. */
export function decodeWalTrailer(tail: Buffer): WalTrailer | null {
  if (tail.length < TRAILER_BYTES) return null;
  const b = tail.subarray(tail.length - TRAILER_BYTES);
  if (b.readUInt32LE(0) !== MAGIC || b.readUInt32LE(4) !== PAYLOAD_BYTES || !b.subarray(8, 8 + TAG.length).equals(TAG)) return null;
  const bytes = b.readBigUInt64LE(8 + TAG.length);
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  const nameField = b.subarray(48 + TAG.length);
  const end = nameField.indexOf(0);
  const name = nameField.subarray(0, end < 0 ? NAME_BYTES : end).toString('ascii');
  if (!/^[0-9A-Za-z.]+$/.test(name)) return null;
  return { name, bytes: Number(bytes), sha256: b.subarray(16 + TAG.length, 48 + TAG.length).toString('hex') };
}
