// `pgkeep wal-push %p` (archive_command): archive one WAL file, and — to keep up with heavy
// write load — also the other files PostgreSQL has marked `.ready` in pg_wal/archive_status,
// in parallel (bounded). Files pushed ahead get a marker in pg_wal/pgkeep-pushed/<name>
// holding the repository URL and the SHA-256 of what was stored; when PostgreSQL then asks for
// that file, we hash the local file, compare with the marker and return at once. A marker is
// written only after the store confirmed the object durable, and consumed (deleted) when used,
// so success is never reported for a file that was not stored (the WAL-G/pgBackRest approach).
// pg_wal subdirectories are ignored by PostgreSQL's WAL recycling and excluded from base backups.
// Before anything is written, the file's system identifier (a segment's long page header; for
// .history/.backup files the data directory's pg_control) must be the repository's
// (repo-system.ts): WAL of another cluster is refused, and look-ahead skips such files.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';
import { mapLimit } from '../util/streams.js';
import { hashFile, pushWalFile, type PushOutcome } from './wal-object.js';
import { isBackupHistoryName, isHistoryName, isPartialName, isSegmentName } from './segment.js';
import { controlFileSystemIdentifier, readSegmentHeader, segmentHeaderProblem } from './segment-header.js';
import { checkRepoSystem, isRepoSystemCacheName } from './repo-system.js';

export const MARKER_DIR = 'pgkeep-pushed';

export interface WalPushOptions {
  /** Path as PostgreSQL passes %p (relative to the data directory, which is the cwd) or absolute. */
  file: string;
  /** Repository URL recorded in markers: a marker for another repository is not trusted. */
  repoUrl: string;
  /** Bound on files pushed at once (PGKEEP_WAL_PUSH_PARALLEL, default 4). */
  parallel: number;
  /** Max extra `.ready` files pushed ahead per call (default 4 × parallel). */
  lookAhead?: number;
}

export interface WalPushResult {
  name: string;
  status: 'stored' | 'identical' | 'already-pushed';
  /** Other files pushed ahead in this call. */
  ahead: string[];
  durationSeconds: number;
}

export function isArchivableName(n: string): boolean {
  return isSegmentName(n) || isHistoryName(n) || isBackupHistoryName(n) || isPartialName(n);
}

interface Marker {
  repo: string;
  sha256: string;
  bytes: number;
  /** Identity of the local file that was pushed (inode, size, mtime in ns): a match skips re-hashing. */
  stat?: string;
}

async function fileIdentity(file: string): Promise<string | null> {
  try {
    const st = await fsp.stat(file, { bigint: true });
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return null;
  }
}

async function readMarker(dir: string, name: string): Promise<Marker | null> {
  try {
    return JSON.parse(await fsp.readFile(path.join(dir, name), 'utf8')) as Marker;
  } catch {
    return null;
  }
}

async function writeMarker(dir: string, o: PushOutcome, repo: string, stat: string | null): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${o.name}.tmp`);
  await fsp.writeFile(tmp, JSON.stringify({ repo, sha256: o.sha256, bytes: o.rawBytes, ...(stat ? { stat } : {}) } satisfies Marker));
  await fsp.rename(tmp, path.join(dir, o.name));
}

/** Names of `.ready` files other than `except`, oldest first (segments sort by name = by position). */
async function readyFiles(statusDir: string, except: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await fsp.readdir(statusDir);
  } catch {
    return [];
  }
  const names = entries.filter((e) => e.endsWith('.ready')).map((e) => e.slice(0, -'.ready'.length));
  // History files first: a new timeline's segments are useless without them.
  return names
    .filter((n) => n !== except && isArchivableName(n))
    .sort((a, b) => Number(isHistoryName(b)) - Number(isHistoryName(a)) || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The marker check alone: true (and the marker consumed) when `file` was pushed ahead to
 * `repoUrl` and is unchanged. Cheap enough for the CLI to run before loading anything else.
 */
export async function consumePushedMarker(file: string, repoUrl: string): Promise<boolean> {
  const name = path.basename(file);
  if (!isArchivableName(name)) return false;
  const markerDir = path.join(path.dirname(path.resolve(file)), MARKER_DIR);
  const marker = await readMarker(markerDir, name);
  if (!marker || marker.repo !== repoUrl) return false;
  // PostgreSQL never rewrites a finished segment in place (recycling renames it), so the same
  // inode, size and mtime is the same content; anything else is re-hashed.
  const sameFile = !!marker.stat && marker.stat === (await fileIdentity(file));
  const local = sameFile ? marker : await hashFile(file).catch(() => null);
  if (!local || local.sha256 !== marker.sha256 || local.bytes !== marker.bytes) return false;
  await fsp.rm(path.join(markerDir, name), { force: true });
  return true;
}

export async function walPush(store: Store, o: WalPushOptions): Promise<WalPushResult> {
  const t0 = Date.now();
  const file = o.file;
  const name = path.basename(file);
  if (!isArchivableName(name))
    throw new PgkeepError('bad-wal-name', `"${file}" is not a WAL segment, .history, .backup or .partial file.`, "Use archive_command = 'pgkeep wal-push %p'.");
  const walDir = path.dirname(path.resolve(file));
  const markerDir = path.join(walDir, MARKER_DIR);
  const elapsed = () => (Date.now() - t0) / 1000;

  if (await consumePushedMarker(file, o.repoUrl)) return { name, status: 'already-pushed', ahead: [], durationSeconds: elapsed() };
  // A marker that did not match (other repository, changed file) must not be trusted later.
  await fsp.rm(path.join(markerDir, name), { force: true });

  // Whose WAL this is, checked against the repository before anything is written.
  const controlSysid = await controlFileSystemIdentifier(path.dirname(walDir)).catch(() => undefined);
  const mySysid = await walFileSystemIdentifier(file, name, controlSysid);
  if (mySysid) await checkRepoSystem(store, { systemIdentifier: mySysid, what: `WAL file ${name}`, repoUrl: o.repoUrl, cacheDir: markerDir });

  const candidates = (await readyFiles(path.join(walDir, 'archive_status'), name)).slice(0, o.lookAhead ?? o.parallel * 4);
  // Look-ahead only pushes files of the same system; anything else fails when its turn comes.
  const ahead: string[] = [];
  for (const n of candidates) {
    const id = await walFileSystemIdentifier(path.join(walDir, n), n, controlSysid).catch(() => null);
    if (id !== null && id === mySysid) ahead.push(n);
  }
  const pushedAhead: string[] = [];
  let mine: PushOutcome | undefined;
  let myError: unknown;
  await mapLimit([name, ...ahead], Math.max(1, o.parallel), async (n) => {
    if (n === name) {
      try {
        mine = await pushWalFile(store, file, name);
      } catch (e) {
        myError = e;
      }
      return;
    }
    try {
      const f = path.join(walDir, n);
      const before = await fileIdentity(f);
      const r = await pushWalFile(store, f, n);
      // Only vouch for the identity if the file did not change while it was read.
      const after = await fileIdentity(f);
      await writeMarker(markerDir, r, o.repoUrl, before === after ? after : null);
      pushedAhead.push(n);
    } catch (e) {
      // The server will call us for this one later and the error will surface then.
      log.debug(`look-ahead push of ${n} failed: ${(e as Error).message}`);
    }
  });
  if (myError || !mine) throw myError;
  await cleanupMarkers(markerDir, walDir);
  return { name, status: mine.status, ahead: pushedAhead.sort(), durationSeconds: elapsed() };
}

/**
 * The system identifier a WAL file belongs to: a segment's (or .partial's) own header, which
 * must also be that segment's; a .history/.backup file carries none, so the data directory's
 * pg_control speaks for it (undefined when pgkeep runs outside a data directory).
 */
async function walFileSystemIdentifier(file: string, name: string, controlSysid: string | undefined): Promise<string | undefined> {
  if (!isSegmentName(name) && !isPartialName(name)) return controlSysid;
  let h: Awaited<ReturnType<typeof readSegmentHeader>>;
  try {
    h = await readSegmentHeader(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new PgkeepError('wal-missing-local', `WAL file ${file} does not exist.`, 'archive_command must pass %p (the path relative to the data directory).');
    throw e;
  }
  const problem = segmentHeaderProblem(name, h.header, h.bytes);
  if (problem)
    throw new PgkeepError('bad-wal-header', `WAL file ${file} is not a valid segment: ${problem}; nothing was written.`, 'archive_command must pass %p; a damaged segment in pg_wal needs investigating before anything is archived.');
  return h.header.systemIdentifier;
}

/** Drop markers whose WAL file is gone (recycled after a crash between marker and .done). */
async function cleanupMarkers(markerDir: string, walDir: string): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(markerDir);
  } catch {
    return;
  }
  if (names.length < 64) return;
  await Promise.all(
    names.filter((n) => !isRepoSystemCacheName(n)).map(async (n) => {
      try {
        await fsp.access(path.join(walDir, n));
      } catch {
        await fsp.rm(path.join(markerDir, n), { force: true });
      }
    }),
  );
}
