// `pgkeep status`: what the repository holds, the recovery window, and the dead-man check
// (newest full/logical backup and newest archived WAL younger than a threshold), and with
// `timelines` the repository's timelines: where each forked and which one restores follow.
import type { Config } from '../config/config.js';
import { loadCatalog } from '../repo/catalog.js';
import { WAL_PREFIX } from '../repo/layout.js';
import { walCatalogFromKeys, type WalCatalog } from '../repo/wal-catalog.js';
import { readCurrentTimeline } from '../repo/current-timeline.js';
import type { Manifest } from '../repo/manifest.js';
import { loadHistories } from '../restore/plan-from-repo.js';
import { currentTimeline, describeTimelines, type TimelineInfo } from '../restore/timeline-choice.js';
import type { Store } from '../storage/store.js';
import { computeStatus, type RepoStatus } from '../report/freshness.js';
import { openStore } from '../storage/open-store.js';

export interface StatusOptions {
  /** Oldest acceptable newest backup, in hours (default 26: a daily schedule plus slack). */
  maxAgeHours?: number;
  /** Oldest acceptable newest archived WAL, in hours (default: maxAgeHours). */
  maxWalAgeHours?: number;
  now?: Date;
  /** Also read the .history files and timeline.json: the timelines and the current one (CLI status). */
  timelines?: boolean;
}

export interface StatusWithTimelines extends RepoStatus {
  /** Every timeline the repository holds, oldest first, with its parent and fork point (from .history files). */
  timelines?: TimelineInfo[];
  /** The timeline restores follow by default, and why. */
  currentTimeline?: { timeline: number; why: string };
}

export const DEFAULT_MAX_AGE_HOURS = 26;

export async function runStatus(cfg: Config, opts: StatusOptions = {}): Promise<StatusWithTimelines> {
  const store = openStore(cfg);
  const [cat, walObjs] = await Promise.all([loadCatalog(store), store.list(WAL_PREFIX)]);
  const wal = walCatalogFromKeys(walObjs);
  const status = computeStatus(cat, wal, {
    now: opts.now ?? new Date(),
    maxAgeHours: opts.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS,
    maxWalAgeHours: opts.maxWalAgeHours,
  });
  if (!opts.timelines) return status;
  const t = await repoTimelines(store, cat.backups, wal);
  return { ...status, timelines: t.timelines, currentTimeline: t.current };
}

/** The repository's timelines (list and status): each with its fork point, and the current one. */
export async function repoTimelines(store: Store, backups: Manifest[], wal: WalCatalog): Promise<{ timelines: TimelineInfo[]; current: { timeline: number; why: string } }> {
  const [histories, record] = await Promise.all([loadHistories(store, wal), readCurrentTimeline(store)]);
  const current = currentTimeline(backups, wal, record);
  return { timelines: describeTimelines({ backups, wal, histories, current: current.timeline }), current };
}
