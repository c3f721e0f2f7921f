// Incremental backup chains (PostgreSQL 17+): an "incr" manifest names its `parent`, the
// previous full or incr backup of the same system. Restoring an incr needs every backup back to
// its full, combined oldest first by pg_combinebackup. Pure: the restore planner and retention
// both resolve chains here, so they agree on which incrementals are restorable.
import type { Manifest } from './manifest.js';

export type ChainResolution =
  /** Oldest first: the full, then each incr, ending with the backup asked about. */
  | { ok: true; chain: Manifest[] }
  /** `at` is the chain member whose parent link is broken; `why` says how, naming the parent. */
  | { ok: false; at: Manifest; parent?: string; why: string };

/**
 * Follow `parent` links from `b` back to a full backup. Every link must exist in the catalog,
 * be a physical backup of the same system, and (when `usable` is given) pass it; a cycle or a
 * missing `parent` field breaks the chain.
 */
export function resolveChain(b: Manifest, byId: Map<string, Manifest>, usable?: (m: Manifest) => boolean): ChainResolution {
  const chain: Manifest[] = [b];
  const seen = new Set<string>([b.id]);
  let cur = b;
  while (cur.type === 'incr') {
    if (!cur.parent) return { ok: false, at: cur, why: `incremental backup ${cur.id} names no parent backup` };
    const p = byId.get(cur.parent);
    if (!p) return { ok: false, at: cur, parent: cur.parent, why: `its parent backup ${cur.parent} is not in the repository (expired or deleted)` };
    if (seen.has(p.id)) return { ok: false, at: cur, parent: p.id, why: `its parent chain loops back to ${p.id}` };
    if (p.type !== 'full' && p.type !== 'incr') return { ok: false, at: cur, parent: p.id, why: `its parent ${p.id} is a ${p.type} backup, not a physical one` };
    if (p.systemIdentifier !== b.systemIdentifier)
      return { ok: false, at: cur, parent: p.id, why: `its parent ${p.id} is of another cluster (system identifier ${p.systemIdentifier}, not ${b.systemIdentifier})` };
    if (usable && !usable(p)) return { ok: false, at: cur, parent: p.id, why: `its parent ${p.id} has no restorable base object or WAL positions` };
    seen.add(p.id);
    chain.unshift(p);
    cur = p;
  }
  return { ok: true, chain };
}
