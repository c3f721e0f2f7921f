// How far each copy of a mirror is behind the others: the objects some copy holds that this
// one lacks (a copy that was down while WAL was pushed with PGKEEP_WAL_REQUIRED_COPIES < all,
// or while a backup ran). `status` reports it, `verify --repair` fills it in (copy-repair.ts).
import type { ObjectInfo, Store } from './store.js';
import { MirrorStore } from './mirror-store.js';

export interface CopyLag {
  copy: string;
  /** False when the copy could not be listed (then the counts are unknown and left at 0). */
  reachable: boolean;
  error?: string;
  /** WAL files (segments, history, …) other copies hold and this one lacks. */
  walMissing: number;
  /** The oldest of them by name (= by position), and when another copy stored it. */
  oldestMissingWal?: string;
  oldestMissingSince?: string;
  /** Backup objects (manifests included) other copies hold and this one lacks. */
  backupObjectsMissing: number;
}

/** Every copy's listing of `prefix` (an Error for a copy that could not be listed) and their union. */
export async function listPerCopy(store: Store, prefix: string): Promise<{ union: ObjectInfo[]; perCopy: (ObjectInfo[] | Error)[]; copies: Store[] }> {
  const copies = store instanceof MirrorStore ? store.copies : [store];
  const settled = await Promise.allSettled(copies.map((c) => c.list(prefix)));
  const perCopy = settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error)));
  const ok = perCopy.filter((x): x is ObjectInfo[] => !(x instanceof Error));
  if (!ok.length) throw perCopy[0];
  const byKey = new Map<string, ObjectInfo>();
  for (const l of ok) for (const o of l) if (!byKey.has(o.key)) byKey.set(o.key, o);
  const union = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { union, perCopy, copies };
}

/** Keys of `union` a copy's listing lacks, in key order. */
export function missingKeys(union: ObjectInfo[], mine: ObjectInfo[]): ObjectInfo[] {
  const have = new Set(mine.map((o) => o.key));
  return union.filter((o) => !have.has(o.key));
}

/** Lag of every copy, from listings of wal/ and backups/ (see listPerCopy). */
export function computeCopyLag(
  wal: Awaited<ReturnType<typeof listPerCopy>>,
  backups: Awaited<ReturnType<typeof listPerCopy>>,
): CopyLag[] {
  return wal.copies.map((c, i) => {
    const w = wal.perCopy[i];
    const b = backups.perCopy[i];
    if (w instanceof Error || b instanceof Error) {
      const e = (w instanceof Error ? w : b) as Error;
      return { copy: c.description, reachable: false, error: e.message, walMissing: 0, backupObjectsMissing: 0 };
    }
    // Temp files of a running push are never listed (stores hide them), so this is real lag.
    const walMissing = missingKeys(wal.union, w);
    const oldest = walMissing[0];
    return {
      copy: c.description,
      reachable: true,
      walMissing: walMissing.length,
      ...(oldest ? { oldestMissingWal: walFileName(oldest.key), ...(oldest.modified ? { oldestMissingSince: oldest.modified } : {}) } : {}),
      backupObjectsMissing: missingKeys(backups.union, b).length,
    };
  });
}

/** wal/<tli>/<name>.zst[.age] → <name> */
function walFileName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1).replace(/\.zst(\.age)?$/, '');
}

/** One sentence per lagging or unreachable copy (status notes, job summary, alert). */
export function describeCopyLag(lag: CopyLag[]): string[] {
  if (lag.length < 2) return [];
  return lag
    .filter((l) => !l.reachable || l.walMissing || l.backupObjectsMissing)
    .map((l) =>
      !l.reachable
        ? `Copy ${l.copy} could not be listed (${l.error}); its lag is unknown.`
        : `Copy ${l.copy} lags: ${l.walMissing} WAL file(s) missing${l.oldestMissingWal ? ` (oldest ${l.oldestMissingWal}${l.oldestMissingSince ? `, stored elsewhere ${l.oldestMissingSince}` : ''})` : ''}${l.backupObjectsMissing ? `, ${l.backupObjectsMissing} backup object(s) missing` : ''}; run pgkeep verify --repair to fill it in.`,
    );
}
