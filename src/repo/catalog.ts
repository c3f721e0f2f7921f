// Catalog: what the repository holds. A backup exists only if its manifest parses;
// directories without one are incomplete (killed or running) and never listed as backups.
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';
import { mapLimit } from '../util/streams.js';
import { BACKUPS_PREFIX, REPO_INFO_KEY, manifestKey, FORMAT_VERSION, backupPrefix, makeBackupId, type BackupType } from './layout.js';
import { manifestSchema, repoInfoSchema, type Manifest, type RepoInfo } from './manifest.js';
import { Readable } from 'node:stream';

export interface Catalog {
  /** Complete backups, oldest first. */
  backups: Manifest[];
  /** Backup ids that have objects but no manifest. */
  incomplete: string[];
  /**
   * Backups whose manifest exists but cannot be used (too big, not JSON, not the schema, another
   * id): each is unusable on its own, the rest of the repository stays usable.
   */
  broken?: BrokenBackup[];
}

export interface BrokenBackup {
  id: string;
  /** Why, one sentence (the manifest's problem). */
  error: string;
}

/** pgkeep.json, locks, timeline.json: a few hundred bytes each; anything far larger is not ours. */
export const MAX_SMALL_JSON_BYTES = 1 << 20;
/** A manifest lists a backup's objects (~300 bytes each): 16 MiB is some 50,000 objects. */
export const MAX_MANIFEST_BYTES = 16 << 20;

/**
 * Read and parse a small JSON file of the repository. Read with a cap (a huge or endless object
 * is refused after `maxBytes`, not buffered), parse errors name the key and the parser's words.
 */
export async function readJson(store: Store, key: string, maxBytes = MAX_SMALL_JSON_BYTES): Promise<unknown> {
  const body = await store.get(key);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c as string);
    n += b.length;
    if (n > maxBytes) {
      (body as { destroy?: () => void }).destroy?.();
      throw new PgkeepError('corrupt-repo', `${key} in ${store.description} is larger than ${maxBytes} bytes, far more than pgkeep ever writes there; it was not read further.`, 'The file was damaged or replaced: restore it from another copy (pgkeep verify --repair on a mirror) or remove it.');
    }
    chunks.push(b);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new PgkeepError('corrupt-repo', `${key} in ${store.description} is not valid JSON (${(e as Error).message}).`, 'The file was damaged or cut short: restore it from another copy (pgkeep verify --repair on a mirror) or remove it.');
  }
}

export async function writeJson(store: Store, key: string, value: unknown, ifNoneMatch = false): Promise<void> {
  // pgkeep.json is read by wal-push as the server's user (whoever wrote it): readable by all.
  await store.put(key, Readable.from([Buffer.from(JSON.stringify(value, null, 2) + '\n')]), { ifNoneMatch, readableByAll: key === REPO_INFO_KEY });
}

export async function readManifest(store: Store, id: string): Promise<Manifest> {
  const data = await readJson(store, manifestKey(id), MAX_MANIFEST_BYTES);
  const r = manifestSchema.safeParse(data);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new PgkeepError('corrupt-repo', `Manifest of backup ${id} in ${store.description} is not a pgkeep manifest (${issues.join('; ')}${r.error.issues.length > 3 ? `; ${r.error.issues.length - 3} more` : ''}).`, BROKEN_HINT);
  }
  // A manifest copied into another backup's directory would make that directory's objects unreadable by name.
  if (r.data.id !== id) throw new PgkeepError('corrupt-repo', `Manifest of backup ${id} in ${store.description} describes backup ${r.data.id}.`, BROKEN_HINT);
  return r.data;
}

const BROKEN_HINT = 'This backup cannot be used; restore its manifest from another copy (pgkeep verify --repair on a mirror) or restore from another backup.';

export async function loadCatalog(store: Store): Promise<Catalog> {
  const objs = await store.list(BACKUPS_PREFIX);
  const ids = new Set<string>();
  const withManifest = new Set<string>();
  for (const o of objs) {
    const rest = o.key.slice(BACKUPS_PREFIX.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) continue;
    const id = rest.slice(0, slash);
    ids.add(id);
    if (rest.slice(slash + 1) === 'manifest.json') withManifest.add(id);
  }
  // One unusable manifest makes its own backup unusable, not the repository: it is reported
  // apart (list, verify) and every other backup stays listed and restorable. Read failures
  // (network, permissions) still fail the command: they say nothing about the manifest.
  const read = await mapLimit([...withManifest].sort(), 8, async (id) => {
    try {
      return { id, m: await readManifest(store, id) };
    } catch (e) {
      if (e instanceof PgkeepError && e.code === 'corrupt-repo') return { id, error: e.message };
      throw e;
    }
  });
  const backups = read.flatMap((r) => (r.m ? [r.m] : []));
  const broken = read.flatMap((r) => (r.error !== undefined ? [{ id: r.id, error: r.error }] : []));
  for (const b of broken) log.warn(`backup ${b.id} is unusable: ${b.error}`);
  const incomplete = [...ids].filter((id) => !withManifest.has(id)).sort();
  backups.sort((a, b) => (a.startTime < b.startTime ? -1 : a.startTime > b.startTime ? 1 : a.id < b.id ? -1 : 1));
  return { backups, incomplete, broken };
}

/** Find a backup by id or `latest` (optionally of given types). */
export function findBackup(cat: Catalog, ref: string, types?: Manifest['type'][]): Manifest {
  const pool = types ? cat.backups.filter((b) => types.includes(b.type)) : cat.backups;
  if (ref === 'latest') {
    const b = pool[pool.length - 1];
    if (!b)
      throw new PgkeepError('no-backup', `The repository has no ${types ? types.join('/') + ' ' : ''}backup yet.`, 'Run pgkeep backup first.');
    return b;
  }
  const b = pool.find((x) => x.id === ref);
  const broken = cat.broken?.find((x) => x.id === ref);
  if (!b && broken) throw new PgkeepError('broken-backup', `Backup ${ref} cannot be used: ${broken.error}`, BROKEN_HINT);
  if (!b) {
    const known = pool.slice(-5).map((x) => x.id).join(', ') || 'none';
    throw new PgkeepError('no-backup', `Backup "${ref}" not found.`, `Recent backups: ${known}. See pgkeep list.`);
  }
  return b;
}

/** Create pgkeep.json on first write; refuse a repository of another cluster or format. */
export async function ensureRepoInfo(store: Store, systemIdentifier?: string): Promise<RepoInfo> {
  if (await store.head(REPO_INFO_KEY)) {
    const r = repoInfoSchema.safeParse(await readJson(store, REPO_INFO_KEY));
    if (!r.success)
      throw new PgkeepError(
        'corrupt-repo',
        `${REPO_INFO_KEY} in ${store.description} is not a pgkeep format ${FORMAT_VERSION} file (${r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}).`,
        'Restore it from another copy of the repository; a repository of another tool or format needs a prefix of its own.',
      );
    const info = r.data;
    if (systemIdentifier && info.systemIdentifier && info.systemIdentifier !== systemIdentifier)
      throw new PgkeepError(
        'wrong-cluster',
        `Repository ${store.description} belongs to cluster ${info.systemIdentifier}, but the server is cluster ${systemIdentifier}.`,
        'Use a separate repository (or prefix) per cluster.',
      );
    if (systemIdentifier && !info.systemIdentifier) {
      const updated = { ...info, systemIdentifier };
      await writeJson(store, REPO_INFO_KEY, updated);
      return updated;
    }
    return info;
  }
  const info: RepoInfo = { format: FORMAT_VERSION, systemIdentifier, created: new Date().toISOString() };
  await writeJson(store, REPO_INFO_KEY, info);
  return info;
}

/**
 * The id for a backup starting at `at`: its second, or the next free one when another backup
 * (of any state, even incomplete) already holds it. Ids stay sortable by time.
 */
export async function freshBackupId(store: Store, at: Date, type: BackupType): Promise<string> {
  let t = at.getTime();
  for (let i = 0; i < 60; i++, t += 1000) {
    const id = makeBackupId(new Date(t), type);
    if ((await store.list(backupPrefix(id))).length === 0) return id;
  }
  throw new PgkeepError('id-taken', `Could not find a free backup id near ${at.toISOString()}.`);
}
