// `pgkeep list`: the complete backups in the repository, oldest first (contract: id, type,
// startTime, stopTime, bytes). Directories without a manifest (killed or running backups)
// are not backups; they are reported apart so an operator can see them.
import type { Config } from '../config/config.js';
import { loadCatalog, type BrokenBackup } from '../repo/catalog.js';
import type { Manifest } from '../repo/manifest.js';
import { loadWalCatalog } from '../repo/wal-catalog.js';
import type { TimelineInfo } from '../restore/timeline-choice.js';
import { openStore } from '../storage/open-store.js';
import { repoTimelines } from './status.js';
import type { ListEntry } from './types.js';

export interface ListResult {
  backups: ListEntry[];
  /** Backup ids with objects but no manifest. */
  incomplete: string[];
  /** Backups whose manifest is unusable (too big, not JSON, not a pgkeep manifest): not restorable. */
  broken: BrokenBackup[];
  /** With `timelines` (the text listing; `list --json` stays the contract array of backups). */
  timelines?: TimelineInfo[];
  currentTimeline?: { timeline: number; why: string };
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

export async function listBackups(cfg: Config, opts: { timelines?: boolean } = {}): Promise<ListResult> {
  const store = openStore(cfg);
  const cat = await loadCatalog(store);
  const result: ListResult = { backups: cat.backups.map(toListEntry), incomplete: cat.incomplete, broken: cat.broken ?? [] };
  if (!opts.timelines) return result;
  const t = await repoTimelines(store, cat.backups, await loadWalCatalog(store));
  return { ...result, timelines: t.timelines, currentTimeline: t.current };
}
