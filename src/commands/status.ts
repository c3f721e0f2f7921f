// `pgkeep status`: what the repository holds, the recovery window, and the dead-man check
// (newest full/logical backup and newest archived WAL younger than a threshold).
import type { Config } from '../config/config.js';
import { loadCatalog } from '../repo/catalog.js';
import { WAL_PREFIX } from '../repo/layout.js';
import { walCatalogFromKeys } from '../repo/wal-catalog.js';
import { computeStatus, type RepoStatus } from '../report/freshness.js';
import { openStore } from '../storage/open-store.js';

export interface StatusOptions {
  /** Oldest acceptable newest backup, in hours (default 26: a daily schedule plus slack). */
  maxAgeHours?: number;
  /** Oldest acceptable newest archived WAL, in hours (default: maxAgeHours). */
  maxWalAgeHours?: number;
  now?: Date;
}

export const DEFAULT_MAX_AGE_HOURS = 26;

export async function runStatus(cfg: Config, opts: StatusOptions = {}): Promise<RepoStatus> {
  const store = openStore(cfg);
  const [cat, walObjs] = await Promise.all([loadCatalog(store), store.list(WAL_PREFIX)]);
  return computeStatus(cat, walCatalogFromKeys(walObjs), {
    now: opts.now ?? new Date(),
    maxAgeHours: opts.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS,
    maxWalAgeHours: opts.maxWalAgeHours,
  });
}
