// `pgkeep list`: the complete backups in the repository, oldest first (contract: id, type,
// startTime, stopTime, bytes). Directories without a manifest (killed or running backups)
// are not backups; they are reported apart so an operator can see them.
import type { Config } from '../config/config.js';
import { loadCatalog } from '../repo/catalog.js';
import type { Manifest } from '../repo/manifest.js';
import { openStore } from '../storage/open-store.js';
import type { ListEntry } from './types.js';

export interface ListResult {
  backups: ListEntry[];
  /** Backup ids with objects but no manifest. */
  incomplete: string[];
}

export function toListEntry(m: Manifest): ListEntry {
  const e: ListEntry = {
    id: m.id,
    type: m.type,
    startTime: m.startTime,
    stopTime: m.stopTime,
    bytes: m.bytes,
    rawBytes: m.rawBytes,
    pgVersion: m.pgVersion,
  };
  if (m.databases) e.databases = m.databases;
  if (m.timeline !== undefined) e.timeline = m.timeline;
  if (m.startLsn) e.startLsn = m.startLsn;
  if (m.stopLsn) e.stopLsn = m.stopLsn;
  if (m.parent) e.parent = m.parent;
  return e;
}

export async function listBackups(cfg: Config): Promise<ListResult> {
  const cat = await loadCatalog(openStore(cfg));
  return { backups: cat.backups.map(toListEntry), incomplete: cat.incomplete };
}
