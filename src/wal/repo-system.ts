// Whose WAL a repository holds. pgkeep.json names the cluster's system identifier; wal-push
// refuses WAL of another system before writing anything (a staging clone pointed at the
// production repository would otherwise mix its WAL into production's restores).
// wal-push runs once per segment, so the repository's answer is cached in the data directory
// (pg_wal/pgkeep-pushed/repo-system-<hash of the URL>.json) and re-read from the repository
// after CACHE_TTL_MS or whenever a file's identifier differs from the cached one: a mismatch
// is only ever reported from a fresh read. A repository without pgkeep.json (archiving usually
// starts before the first backup) is claimed by the first push, as the first backup would.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Store } from '../storage/store.js';
import { FORMAT_VERSION, REPO_INFO_KEY } from '../repo/layout.js';
import type { RepoInfo } from '../repo/manifest.js';
import { PgkeepError } from '../util/errors.js';

/** How long a confirmed answer is trusted without asking the repository again. */
export const CACHE_TTL_MS = 15 * 60 * 1000;
const CACHE_PREFIX = 'repo-system-';

interface CacheEntry {
  repo: string;
  systemIdentifier: string;
  checkedAt: number;
}

export function repoSystemCacheFile(cacheDir: string, repoUrl: string): string {
  return path.join(cacheDir, `${CACHE_PREFIX}${createHash('sha256').update(repoUrl).digest('hex').slice(0, 16)}.json`);
}

export interface RepoSystemCheck {
  /** The system identifier of the WAL about to be written. */
  systemIdentifier: string;
  /** What is being written, for the message (e.g. "WAL file 0000000100000000000000A1"). */
  what: string;
  repoUrl: string;
  /** Where the answer is cached (wal-push: pg_wal/pgkeep-pushed); none: always ask. */
  cacheDir?: string;
  now?: number;
}

/**
 * Resolves when the repository belongs to `systemIdentifier` (claiming a repository that names
 * none); throws PgkeepError `wrong-cluster` naming both identifiers otherwise.
 */
export async function checkRepoSystem(store: Store, o: RepoSystemCheck): Promise<'cached' | 'checked' | 'claimed'> {
  const now = o.now ?? Date.now();
  const cacheFile = o.cacheDir ? repoSystemCacheFile(o.cacheDir, o.repoUrl) : undefined;
  if (cacheFile) {
    const c = await readCache(cacheFile);
    if (c && c.repo === o.repoUrl && c.systemIdentifier === o.systemIdentifier && now - c.checkedAt >= 0 && now - c.checkedAt < CACHE_TTL_MS) return 'cached';
  }
  const { info, claimed } = await repoInfoFor(store, o.systemIdentifier);
  if (info.systemIdentifier !== o.systemIdentifier) {
    if (cacheFile) await fsp.rm(cacheFile, { force: true });
    throw new PgkeepError(
      'wrong-cluster',
      `${o.what} belongs to database system ${o.systemIdentifier}, but repository ${store.description} holds database system ${info.systemIdentifier}; nothing was written.`,
      'Another cluster (e.g. a staging clone or a new initdb) archives into this repository: give each cluster its own repository or prefix in PGKEEP_REPO.',
    );
  }
  if (cacheFile) await writeCache(cacheFile, { repo: o.repoUrl, systemIdentifier: o.systemIdentifier, checkedAt: now });
  return claimed ? 'claimed' : 'checked';
}

/** pgkeep.json, written with `systemIdentifier` when it does not exist or names no system yet. */
async function repoInfoFor(store: Store, systemIdentifier: string): Promise<{ info: RepoInfo & { systemIdentifier: string }; claimed: boolean }> {
  // Loaded only here, on a cache miss: the catalog's schemas (zod) cost a cached wal-push more
  // than the rest of its start-up.
  const [{ readJson, writeJson }, { repoInfoSchema }] = await Promise.all([import('../repo/catalog.js'), import('../repo/manifest.js')]);
  const parseInfo = (data: unknown): RepoInfo => {
    const r = repoInfoSchema.safeParse(data);
    if (!r.success) throw new PgkeepError('corrupt-repo', `${REPO_INFO_KEY} in ${store.description} is not a pgkeep format ${FORMAT_VERSION} file.`);
    return r.data;
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = (await store.head(REPO_INFO_KEY)) ? parseInfo(await readJson(store, REPO_INFO_KEY)) : undefined;
    if (existing?.systemIdentifier) return { info: existing as RepoInfo & { systemIdentifier: string }, claimed: false };
    const info = { ...(existing ?? { format: FORMAT_VERSION, created: new Date().toISOString() }), systemIdentifier } as RepoInfo & { systemIdentifier: string };
    try {
      // Create-only when absent: two clusters pushing their first file at once cannot both win.
      await writeJson(store, REPO_INFO_KEY, info, !existing);
      return { info, claimed: true };
    } catch (e) {
      if (!(e instanceof PgkeepError && e.code === 'exists')) throw e;
    }
  }
  throw new PgkeepError('repo-busy', `${REPO_INFO_KEY} in ${store.description} changed while it was being created.`, 'Run the command again.');
}

async function readCache(file: string): Promise<CacheEntry | null> {
  try {
    const c = JSON.parse(await fsp.readFile(file, 'utf8')) as CacheEntry;
    return typeof c?.repo === 'string' && typeof c.systemIdentifier === 'string' && typeof c.checkedAt === 'number' ? c : null;
  } catch {
    return null;
  }
}

async function writeCache(file: string, c: CacheEntry): Promise<void> {
  try {
    await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, JSON.stringify(c));
    await fsp.rename(tmp, file);
  } catch {
    /* a cache only: the next push asks the repository again */
  }
}

/** True for files in the marker directory that are this cache, not per-WAL-file markers. */
export function isRepoSystemCacheName(name: string): boolean {
  return name.startsWith(CACHE_PREFIX);
}
