// Apply a retention plan: under the `expire` lock (refused while any backup runs), on every
// copy of the repository. For each expired backup the manifest goes FIRST, so a half-deleted
// backup is never listed as valid; then its objects; WAL last, once no kept backup needs it.
// On a copy with S3 Object Lock nothing is deleted that is still locked: what the plan already
// holds there is skipped without a request, and every other object is looked up (HEAD: its
// retain-until date and legal hold) before its delete is sent. A backup with any locked object
// stays whole on that copy (manifest included), so the copy never lists a half-deleted backup.
import { backupPrefix, manifestKey } from '../repo/layout.js';
import { MirrorStore } from '../storage/mirror-store.js';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { formatBytes, log } from '../util/log.js';
import { mapLimit } from '../util/streams.js';
import type { LockedCopyHold, RetentionPlan } from './plan.js';

/** Expired, but left on a locked copy until `deletableAt` (null: a legal hold, no date). */
export interface HeldOnCopy {
  copy: string;
  kind: 'backup' | 'incomplete' | 'wal';
  /** Backup id, or the WAL object's key. */
  what: string;
  deletableAt: string | null;
}

export interface ApplyResult {
  /** Removed from every copy. */
  deletedBackups: string[];
  deletedIncomplete: string[];
  deletedWal: number;
  deletedObjects: number;
  bytesFreed: number;
  /** What locked copies keep for now; every other copy has already deleted it. */
  held: HeldOnCopy[];
}

export function storeCopies(store: Store): Store[] {
  return store instanceof MirrorStore ? store.copies : [store];
}

export async function applyRetention(store: Store, plan: RetentionPlan, parallel = 8, now: () => number = Date.now): Promise<ApplyResult> {
  const copies = storeCopies(store);
  const holds = new Map<number, LockedCopyHold>((plan.locked ?? []).map((h) => [h.copy, h]));
  const res: ApplyResult = { deletedBackups: [], deletedIncomplete: [], deletedWal: 0, deletedObjects: 0, bytesFreed: 0, held: [] };
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

  /** When `key` on a locked copy may be deleted (ms; Infinity under a legal hold; 0 when absent). */
  const lockedUntil = async (copy: Store, key: string, h: LockedCopyHold): Promise<number> => {
    const o = await copy.head(key);
    if (!o) return 0;
    if (o.legalHold) return Infinity;
    if (o.retainUntil) return Date.parse(o.retainUntil);
    // No retention in the answer: the runner may lack s3:GetObjectRetention, or the object predates
    // the lock setting. Assume it was written with this copy's lock-days: never delete early.
    return (o.modified ? Date.parse(o.modified) : now()) + h.days * 86400_000;
  };
  const holdUntil = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : null);
  // Copies where a backup turned out locked although the plan expected it deletable: the plan
  // does not know which WAL it needs there, so WAL stays on that copy this time.
  const walFrozen = new Set<number>();

  /** Removes a backup from every copy where nothing of it is locked; true when removed everywhere. */
  const removeBackup = async (id: string, kind: 'backup' | 'incomplete'): Promise<boolean> => {
    const targets: Store[] = [];
    for (const [i, c] of copies.entries()) {
      const h = holds.get(i);
      if (!h) {
        targets.push(c);
        continue;
      }
      const planned = (kind === 'backup' ? h.backups : h.incomplete).find((x) => x.id === id);
      if (planned) {
        res.held.push({ copy: c.description, kind, what: id, deletableAt: planned.deletableAt });
        continue;
      }
      const objs = await c.list(backupPrefix(id));
      const until = Math.max(0, ...(await mapLimit(objs, parallel, (o) => lockedUntil(c, o.key, h))));
      if (until > now()) {
        res.held.push({ copy: c.description, kind, what: id, deletableAt: holdUntil(until) });
        walFrozen.add(i);
        log.warn(`expire: ${kind} ${id} is still locked on ${c.description} until ${holdUntil(until) ?? 'its legal hold is lifted'} (later than the write time + lock-days); it stays there, and so does that copy's WAL this time`);
        continue;
      }
      targets.push(c);
    }
    // Manifest first on every copy that deletes: from here on none of them lists the backup.
    if (kind === 'backup') await Promise.all(targets.map((c) => del(c, manifestKey(id))));
    for (const c of targets) {
      const objs = await c.list(backupPrefix(id));
      await mapLimit(objs, parallel, (o) => del(c, o.key));
    }
    return targets.length === copies.length;
  };

  for (const b of plan.expire) {
    const everywhere = await removeBackup(b.id, 'backup');
    if (everywhere) {
      res.deletedBackups.push(b.id);
      res.bytesFreed += b.bytes;
    }
    log.info(`expire: removed ${b.type} backup ${b.id} (${formatBytes(b.bytes)})${everywhere ? '' : ' from the unlocked copies'}: ${b.reason}`);
  }
  for (const inc of plan.expireIncomplete) {
    const everywhere = await removeBackup(inc.id, 'incomplete');
    if (everywhere) {
      res.deletedIncomplete.push(inc.id);
      res.bytesFreed += inc.bytes;
    }
    log.info(`expire: removed incomplete backup ${inc.id} (${formatBytes(inc.bytes)})${everywhere ? '' : ' from the unlocked copies'}`);
  }

  const heldWal = new Set<string>();
  for (const [i, c] of copies.entries()) {
    const h = holds.get(i);
    let todo = plan.expireWal;
    if (h) {
      const planned = new Map(h.wal.map((w) => [w.key, w.deletableAt]));
      todo = [];
      for (const w of plan.expireWal) {
        if (walFrozen.has(i) || planned.has(w.key)) {
          heldWal.add(w.key);
          res.held.push({ copy: c.description, kind: 'wal', what: w.key, deletableAt: planned.get(w.key) ?? null });
        } else todo.push(w);
      }
      // Looked up one by one before deleting: the estimate may be early (lock-days was longer once).
      const checked = await mapLimit(todo, parallel, async (w) => ({ w, until: await lockedUntil(c, w.key, h) })).catch((e: unknown) => {
        failures.push(`WAL on ${c.description}: ${(e as Error).message}`);
        return [];
      });
      todo = [];
      for (const { w, until } of checked) {
        if (until > now()) {
          heldWal.add(w.key);
          res.held.push({ copy: c.description, kind: 'wal', what: w.key, deletableAt: holdUntil(until) });
        } else todo.push(w);
      }
    }
    await mapLimit(todo, parallel, (w) => del(c, w.key)).catch(() => undefined);
  }
  if (failures.length)
    throw new PgkeepError(
      'expire-incomplete',
      `expire could not delete ${failures.length} object(s), first: ${failures[0]}.`,
      'Nothing restorable was lost (manifests go first); fix the copy and run pgkeep expire again.',
    );
  const goneWal = plan.expireWal.filter((w) => !heldWal.has(w.key));
  res.deletedWal = goneWal.length;
  res.bytesFreed += goneWal.reduce((a, w) => a + w.size, 0);
  if (plan.expireWal.length)
    log.info(
      `expire: removed ${plan.expireWal.length} WAL files before ${plan.walKeepFrom}${heldWal.size ? ` (${heldWal.size} of them from the unlocked copies only)` : ''}`,
    );
  if (res.held.length) {
    const last = res.held.map((x) => x.deletableAt).filter((d): d is string => !!d).sort().pop();
    log.info(`expire: ${res.held.length} expired item(s) stay on locked copies (S3 Object Lock)${last ? `, the last deletable from ${last}` : ''}`);
  }
  return res;
}
