// Catalog: what the repository holds. A backup exists only if its manifest parses;
// directories without one are incomplete (killed or running) and never listed as backups.
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { mapLimit, streamToBuffer } from '../util/streams.js';
import { BACKUPS_PREFIX, REPO_INFO_KEY, manifestKey, FORMAT_VERSION, backupPrefix, makeBackupId, type BackupType } from './layout.js';
import { manifestSchema, repoInfoSchema, type Manifest, type RepoInfo } from './manifest.js';
import { Readable } from 'node:stream';

export interface Catalog {
  /** Complete backups, oldest first. */
  backups: Manifest[];
  /** Backup ids that have objects but no manifest. */
  incomplete: string[];
}

export async function readJson(store: Store, key: string): Promise<unknown> {
  const buf = await streamToBuffer(await store.get(key));
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw new PgkeepError('corrupt-repo', `${key} in ${store.description} is not valid JSON.`);
  }
}

export async function writeJson(store: Store, key: string, value: unknown, ifNoneMatch = false): Promise<void> {
  // pgkeep.json is read by wal-push as the server's user (whoever wrote it): readable by all.
  await store.put(key, Readable.from([Buffer.from(JSON.stringify(value, null, 2) + '\n')]), { ifNoneMatch, readableByAll: key === REPO_INFO_KEY });
}

export async function readManifest(store: Store, id: string): Promise<Manifest> {
  const data = await readJson(store, manifestKey(id));
  const r = manifestSchema.safeParse(data);
  if (!r.success)
    throw new PgkeepError('corrupt-repo', `Manifest of backup ${id} is invalid: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}.`);
  return r.data;
}

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
  const backups = await mapLimit([...withManifest].sort(), 8, (id) => readManifest(store, id));
  const incomplete = [...ids].filter((id) => !withManifest.has(id)).sort();
  backups.sort((a, b) => (a.startTime < b.startTime ? -1 : a.startTime > b.startTime ? 1 : a.id < b.id ? -1 : 1));
  return { backups, incomplete };
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
      throw new PgkeepError('corrupt-repo', `${REPO_INFO_KEY} in ${store.description} is not a pgkeep format ${FORMAT_VERSION} file.`);
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
