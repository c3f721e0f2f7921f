// Apply a retention plan: under the `expire` lock (refused while any backup runs), on every
// copy of the repository. For each expired backup the manifest goes FIRST, so a half-deleted
// backup is never listed as valid; then its objects; WAL last, once no kept backup needs it.
import { backupPrefix, manifestKey } from '../repo/layout.js';
import { MirrorStore } from '../storage/mirror-store.js';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { formatBytes, log } from '../util/log.js';
import { mapLimit } from '../util/streams.js';
import type { RetentionPlan } from './plan.js';

export interface ApplyResult {
  deletedBackups: string[];
  deletedIncomplete: string[];
  deletedWal: number;
  deletedObjects: number;
  bytesFreed: number;
}

export function storeCopies(store: Store): Store[] {
  return store instanceof MirrorStore ? store.copies : [store];
}

export async function applyRetention(store: Store, plan: RetentionPlan, parallel = 8): Promise<ApplyResult> {
  const copies = storeCopies(store);
  const res: ApplyResult = { deletedBackups: [], deletedIncomplete: [], deletedWal: 0, deletedObjects: 0, bytesFreed: 0 };
  const failures: string[] = [];
  const del = async (copy: Store, key: string) => {
    try {
      await copy.delete(key);
      res.deletedObjects++;
    } catch (e) {
      failures.push(`${key} on ${copy.description}: ${(e as Error).message}`);
      throw e;
    }
  };

  const removeBackup = async (id: string, hasManifest: boolean) => {
    // Manifest first on every copy: from here on no copy lists the backup as restorable.
    if (hasManifest) await Promise.all(copies.map((c) => del(c, manifestKey(id))));
    for (const c of copies) {
      const objs = await c.list(backupPrefix(id));
      await mapLimit(objs, parallel, (o) => del(c, o.key));
    }
  };

  for (const b of plan.expire) {
    await removeBackup(b.id, true);
    res.deletedBackups.push(b.id);
    res.bytesFreed += b.bytes;
    log.info(`expire: removed ${b.type} backup ${b.id} (${formatBytes(b.bytes)}): ${b.reason}`);
  }
  for (const inc of plan.expireIncomplete) {
    await removeBackup(inc.id, false);
    res.deletedIncomplete.push(inc.id);
    res.bytesFreed += inc.bytes;
    log.info(`expire: removed incomplete backup ${inc.id} (${formatBytes(inc.bytes)})`);
  }
  for (const c of copies) await mapLimit(plan.expireWal, parallel, (w) => del(c, w.key)).catch(() => undefined);
  if (failures.length)
    throw new PgkeepError(
      'expire-incomplete',
      `expire could not delete ${failures.length} object(s), first: ${failures[0]}.`,
      'Nothing restorable was lost (manifests go first); fix the copy and run pgkeep expire again.',
    );
  res.deletedWal = plan.expireWal.length;
  res.bytesFreed += plan.expireWal.reduce((a, w) => a + w.size, 0);
  if (plan.expireWal.length) log.info(`expire: removed ${plan.expireWal.length} WAL files before ${plan.walKeepFrom}`);
  return res;
}
