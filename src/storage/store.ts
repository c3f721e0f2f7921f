// Storage: the one interface commands use to reach a repository. Drivers (fs, s3, mirror)
// live beside it; nothing above this layer knows which one it talks to.
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  size: number;
  /** When the object was written (ISO-8601), where the driver knows it; freshness checks use it. */
  modified?: string;
  /** S3 Object Lock: the object version cannot be deleted before this instant (head() only). */
  retainUntil?: string;
  /** S3 Object Lock legal hold: undeletable until someone lifts it (head() only). */
  legalHold?: boolean;
}

export interface PutOptions {
  /** Refuse when the key already exists (used for WAL and manifests). Best effort on S3. */
  ifNoneMatch?: boolean;
  /**
   * The object holds nothing secret and every user of the repository must read it (pgkeep.json:
   * wal-push checks it as the PostgreSQL server's user). A file store writes it 0644, not 0640.
   */
  readableByAll?: boolean;
}

export interface Store {
  /** Redacted, human-readable location (never carries credentials). */
  readonly description: string;
  /** head() costs no network round trip (a local file system): worth asking before a write. */
  readonly localHead?: boolean;
  /** Stream `body` to `key`; the object becomes visible only when complete. Returns bytes written. */
  put(key: string, body: Readable, opts?: PutOptions): Promise<{ bytes: number }>;
  /** Stream an object; throws PgkeepError code `not-found` when missing. */
  get(key: string): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | null>;
  /**
   * The last `bytes` bytes of an object (all of it when smaller), without reading the rest;
   * throws like get(). Optional: a caller without it reads the whole object.
   */
  readTail?(key: string, bytes: number): Promise<Buffer>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  delete(key: string): Promise<void>;
  /** Checks the location is reachable and usable (bucket exists, directory writable). */
  check(): Promise<void>;
}
