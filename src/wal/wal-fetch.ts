// `pgkeep wal-fetch %f %p` (restore_command): fetch + verify + decompress one WAL file into
// %p atomically. During replay PostgreSQL asks for segments one at a time, so each call also
// fetches the next N segments of the same timeline in parallel into a spool directory
// (pg_wal/pgkeep-prefetch/, verified and decompressed); the next calls are served from there
// by a rename, after the spooled file's size and header are checked again. Spool files behind
// the requested segment on its timeline are deleted on every call.
//
// Exit status is what PostgreSQL acts on (RestoreArchivedFile in xlogarchive.c): 0 = restored;
// any status <= 125 = "not in the archive", so recovery ends there and the server PROMOTES; a
// status > 125 or a signal = FATAL, the startup process stops and nothing is promoted. Hence
// only PgkeepError `not-found` (the repository answered "no such file" — PostgreSQL asks for
// files that do not exist: the next timeline's .history, the end of the archive) exits 1;
// every other failure exits WAL_FETCH_EXIT.fatal.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';
import { mapLimit } from '../util/streams.js';
import { fetchWalFile, plausibleSegmentSize } from './wal-object.js';
import { controlFileSystemIdentifier, readSegmentHeader, segmentHeaderProblem } from './segment-header.js';
import { isBackupHistoryName, isHistoryName, isPartialName, isSegmentName, parseSegmentName, segmentName } from './segment.js';

export const PREFETCH_DIR = 'pgkeep-prefetch';

/**
 * wal-fetch's exit statuses (the one place they are defined; the restore_command shell line
 * uses the same). 200: above 125 so PostgreSQL stops recovery with FATAL, clear of 126/127
 * (which PostgreSQL logs as "command not executable"/"not found") and of 128+signal numbers.
 */
export const WAL_FETCH_EXIT = { restored: 0, notFound: 1, fatal: 200 } as const;

/** The exit status for a wal-fetch that failed with `e`. */
export function walFetchExitCode(e: unknown): number {
  return e instanceof PgkeepError && e.code === 'not-found' ? WAL_FETCH_EXIT.notFound : WAL_FETCH_EXIT.fatal;
}

export interface WalFetchOptions {
  name: string;
  /** %p: destination, relative to the data directory (the cwd) or absolute. */
  dest: string;
  /** Segments fetched ahead (PGKEEP_WAL_PREFETCH, default 8; 0 disables). */
  prefetch: number;
  parallel: number;
}

export interface WalFetchResult {
  name: string;
  source: 'spool' | 'repository';
  prefetched: number;
  durationSeconds: number;
}

export async function walFetch(store: Store, o: WalFetchOptions): Promise<WalFetchResult> {
  const t0 = Date.now();
  const { name } = o;
  if (!(isSegmentName(name) || isHistoryName(name) || isBackupHistoryName(name) || isPartialName(name)))
    throw new PgkeepError('bad-wal-name', `"${name}" is not a WAL file name.`, "Use restore_command = 'pgkeep wal-fetch %f %p'.");
  const dest = path.resolve(o.dest);
  const spool = path.join(path.dirname(dest), PREFETCH_DIR);
  const elapsed = () => (Date.now() - t0) / 1000;

  // The cluster being recovered (restore_command runs in its data directory, %p is pg_wal/…):
  // a segment of another system would read as "end of WAL" to PostgreSQL.
  const systemIdentifier =
    path.basename(path.dirname(dest)) === 'pg_wal' ? await controlFileSystemIdentifier(path.dirname(path.dirname(dest))) : undefined;
  const fetchOpts = { systemIdentifier };

  if (!isSegmentName(name) || o.prefetch <= 0) {
    await fetchWalFile(store, name, dest, fetchOpts);
    return { name, source: 'repository', prefetched: 0, durationSeconds: elapsed() };
  }

  const id = parseSegmentName(name);
  const spooled = await fsp.readdir(spool).catch(() => [] as string[]);
  // Forget what replay has passed on this timeline. Other timelines are left alone: across a
  // timeline switch PostgreSQL asks for the newer timeline's name first and then falls back to
  // the older one at the same position (the restore executor also stages files here).
  const tli = name.slice(0, 8);
  await Promise.all(
    spooled
      .filter((f) => isSegmentName(f) && f.slice(0, 8) === tli && f < name)
      .map((f) => fsp.rm(path.join(spool, f), { force: true })),
  );
  const have = new Set(spooled.filter((f) => isSegmentName(f) && f.slice(0, 8) === tli && f >= name));

  let source: WalFetchResult['source'] = 'repository';
  if (have.has(name)) {
    const spooled = path.join(spool, name);
    // Checked again before it is served: a spooled file that is not whole and this cluster's
    // is dropped and fetched (verified) from the repository instead.
    const problem = await spooledProblem(spooled, name, systemIdentifier);
    if (problem) {
      log.warn(`wal-fetch: dropping spooled ${name} (${problem}); fetching it from the repository`);
      await fsp.rm(spooled, { force: true });
    } else {
      try {
        await fsp.rename(spooled, dest);
        source = 'spool';
      } catch {
        /* vanished: fetch it */
      }
    }
  }
  // Refill in batches: while half the window is still spooled, return at once, so most calls
  // cost a rename and the others one parallel round trip.
  const ahead = [...have].filter((f) => f > name).length;
  if (source === 'spool' && ahead >= Math.ceil(o.prefetch / 2))
    return { name, source, prefetched: 0, durationSeconds: elapsed() };
  const next: string[] = [];
  for (let i = 1n; i <= BigInt(o.prefetch); i++) {
    const n = segmentName(id.timeline, id.segno + i);
    if (!have.has(n)) next.push(n);
  }
  let prefetched = 0;
  let ended = false;
  await fsp.mkdir(spool, { recursive: true, mode: 0o700 });
  const jobs = source === 'spool' ? next : [name, ...next];
  // With the requested file missing there is nothing to prefetch: fail fast.
  if (source === 'repository') await fetchWalFile(store, name, dest, fetchOpts);
  await mapLimit(jobs.filter((n) => n !== name), Math.max(1, o.parallel), async (n) => {
    if (ended) return;
    try {
      await fetchWalFile(store, n, path.join(spool, n), fetchOpts);
      prefetched++;
    } catch (e) {
      if (e instanceof PgkeepError && e.code === 'not-found') ended = true;
      else log.debug(`prefetch of ${n} failed: ${(e as Error).message}`);
    }
  });
  return { name, source, prefetched, durationSeconds: elapsed() };
}

/** Why a spooled segment must not be served, or null. */
async function spooledProblem(file: string, name: string, systemIdentifier: string | undefined): Promise<string | null> {
  try {
    const { header, bytes } = await readSegmentHeader(file);
    if (!plausibleSegmentSize(bytes)) return `${bytes} bytes`;
    const p = segmentHeaderProblem(name, header, bytes);
    if (p) return p;
    if (systemIdentifier && header.systemIdentifier !== systemIdentifier) return `database system ${header.systemIdentifier}, not ${systemIdentifier}`;
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Remove the spool directory (after recovery; also safe while none is running). */
export async function cleanupPrefetch(walDir: string): Promise<void> {
  await fsp.rm(path.join(walDir, PREFETCH_DIR), { recursive: true, force: true });
}
