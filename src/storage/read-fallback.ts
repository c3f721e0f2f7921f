// Reads that fall back to the next copy when the bytes of one turn out bad. A mirror reads
// from the first copy that has an object, but a checksum failure is only known at the end of
// the stream, after the consumer took the bytes: so the whole read (fetch one WAL file, extract
// one tar) is repeated against the mirror with the next copy first. The bad copy is named in a
// warning (and pgkeep verify reports it); only when every copy fails does the read fail.
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';
import { MirrorStore } from './mirror-store.js';
import type { Store } from './store.js';

/**
 * Codes of a read whose bytes were wrong or broke off: another copy may hold good ones. (A copy
 * that cannot be opened at all is already skipped by MirrorStore.get; a broken S3 body is resumed.)
 */
export const BAD_READ_CODES = new Set(['checksum-mismatch', 'corrupt-object', 'wal-corrupt', 'wal-read-failed']);

export function isBadRead(e: unknown): boolean {
  return e instanceof PgkeepError && BAD_READ_CODES.has(e.code);
}

/**
 * Run `read` against `store`; on a bad read from a mirror, run it again preferring the next
 * copy, until one succeeds. `before` runs before each retry (undo a partial extraction).
 */
export async function withCopyFallback<T>(store: Store, what: string, read: (s: Store) => Promise<T>, before?: () => Promise<void>): Promise<T> {
  if (!(store instanceof MirrorStore) || store.copies.length < 2) return read(store);
  const failures: string[] = [];
  for (let i = 0; i < store.copies.length; i++) {
    try {
      if (i > 0) await before?.();
      const r = await read(i === 0 ? store : store.preferring(i));
      if (failures.length) log.warn(`${what}: read from ${store.copies[i].description} after ${failures.join('; ')}; run pgkeep verify to find and repair the damaged copy`);
      return r;
    } catch (e) {
      if (!isBadRead(e) || i === store.copies.length - 1) throw e;
      failures.push(`${store.copies[i].description} failed (${(e as Error).message})`);
    }
  }
  /* c8 ignore next */
  throw new PgkeepError('read-failed', `${what} could not be read from any copy.`);
}
