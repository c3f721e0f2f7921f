// `pgkeep status`: what the repository holds, the recovery window, and the dead-man check
// (newest full/logical backup and newest archived WAL younger than a threshold), and with
// `timelines` the repository's timelines: where each forked and which one restores follow.
import type { Config } from '../config/config.js';
import { loadCatalog } from '../repo/catalog.js';
import { BACKUPS_PREFIX, WAL_PREFIX } from '../repo/layout.js';
import { walCatalogFromKeys, type WalCatalog } from '../repo/wal-catalog.js';
import { readCurrentTimeline } from '../repo/current-timeline.js';
import type { Manifest } from '../repo/manifest.js';
import { loadHistories } from '../restore/plan-from-repo.js';
import { currentTimeline, describeTimelines, type TimelineInfo } from '../restore/timeline-choice.js';
import type { Store } from '../storage/store.js';
import { computeStatus, type RepoStatus } from '../report/freshness.js';
import { openStore } from '../storage/open-store.js';
import { MirrorStore } from '../storage/mirror-store.js';
import { computeCopyLag, describeCopyLag, listPerCopy, type CopyLag } from '../storage/copy-lag.js';
import { readSlots } from '../wal/replication-slot.js';
import { slotsStatus, type SlotStatus } from '../report/slot-status.js';
import { describeError } from '../util/errors.js';

export interface StatusOptions {
  /** Oldest acceptable newest backup, in hours (default 26: a daily schedule plus slack). */
  maxAgeHours?: number;
  /** Oldest acceptable newest archived WAL, in hours (default: maxAgeHours). */
  maxWalAgeHours?: number;
  now?: Date;
  /** Also read the .history files and timeline.json: the timelines and the current one (CLI status). */
  timelines?: boolean;
  /** Also read the server's replication slots and what they retain (CLI status); a failure is a note. */
  slots?: boolean;
}

export interface StatusWithTimelines extends RepoStatus {
  /** Mirrors only: each copy's lag behind the others (WAL and backup objects it lacks). */
  copies?: CopyLag[];
  /** Every timeline the repository holds, oldest first, with its parent and fork point (from .history files). */
  timelines?: TimelineInfo[];
  /** The timeline restores follow by default, and why. */
  currentTimeline?: { timeline: number; why: string };
  /** With `slots`: every replication slot on the server, its retained WAL and activity. */
  replicationSlots?: SlotStatus[];
  /** With `slots`: max_slot_wal_keep_size in bytes (-1 = unlimited). */
  maxSlotWalKeepSizeBytes?: number;
}

export const DEFAULT_MAX_AGE_HOURS = 26;

export async function runStatus(cfg: Config, opts: StatusOptions = {}): Promise<StatusWithTimelines> {
  const store = openStore(cfg);
  // Mirrors: each copy is listed on its own (the union is what the repository holds), so a copy
  // that lags (down while WAL was pushed with PGKEEP_WAL_REQUIRED_COPIES) shows how far.
  const mirror = store instanceof MirrorStore && store.copies.length > 1;
  const [cat, walListing, backupListing] = await Promise.all([
    loadCatalog(store),
    mirror ? listPerCopy(store, WAL_PREFIX) : store.list(WAL_PREFIX).then((union) => ({ union, perCopy: [union], copies: [store] })),
    mirror ? listPerCopy(store, BACKUPS_PREFIX) : undefined,
  ]);
  const wal = walCatalogFromKeys(walListing.union);
  const base = computeStatus(cat, wal, {
    now: opts.now ?? new Date(),
    maxAgeHours: opts.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS,
    maxWalAgeHours: opts.maxWalAgeHours,
  });
  const copies = backupListing ? computeCopyLag(walListing, backupListing) : undefined;
  // The lag rides in the notes too: the job summary and the CLI text show every note.
  const status: StatusWithTimelines = copies ? { ...base, copies, notes: [...base.notes, ...describeCopyLag(copies)] } : base;
  if (!opts.timelines) return opts.slots ? withSlots(cfg, status, wal) : status;
  const t = await repoTimelines(store, cat.backups, wal);
  const all = { ...status, timelines: t.timelines, currentTimeline: t.current };
  return opts.slots ? withSlots(cfg, all, wal) : all;
}

/** The server's replication slots beside the repository's facts; an unreachable server is a note, not a failure. */
async function withSlots(cfg: Config, s: StatusWithTimelines, wal: WalCatalog): Promise<StatusWithTimelines> {
  try {
    const r = slotsStatus(await readSlots(cfg.pgEnv), wal, new Date(s.now));
    return { ...s, replicationSlots: r.replicationSlots, maxSlotWalKeepSizeBytes: r.maxSlotWalKeepSizeBytes, notes: [...s.notes, ...r.notes] };
  } catch (e) {
    return { ...s, notes: [...s.notes, `Replication slots not read (${describeError(e)}).`] };
  }
}

/** The repository's timelines (list and status): each with its fork point, and the current one. */
export async function repoTimelines(store: Store, backups: Manifest[], wal: WalCatalog): Promise<{ timelines: TimelineInfo[]; current: { timeline: number; why: string } }> {
  const [histories, record] = await Promise.all([loadHistories(store, wal), readCurrentTimeline(store)]);
  const current = currentTimeline(backups, wal, record);
  return { timelines: describeTimelines({ backups, wal, histories, current: current.timeline }), current };
}
