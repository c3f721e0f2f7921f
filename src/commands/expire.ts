// `pgkeep expire`: keep exactly what restoring to any instant of the last N days needs.
// Plan (pure, src/retention/plan.ts) under the expire lock, then apply on every copy;
// --dry-run prints the plan and touches nothing (no lock either: it only reads).
import type { Config } from '../config/config.js';
import { loadCatalog } from '../repo/catalog.js';
import { BACKUPS_PREFIX } from '../repo/layout.js';
import { acquireLock, type HeldLock } from '../repo/lock.js';
import { loadWalCatalog } from '../repo/wal-catalog.js';
import { applyRetention, storeCopies, type ApplyResult } from '../retention/apply.js';
import { planRetention, type IncompleteBackup, type LockedCopy, type RetentionPlan } from '../retention/plan.js';
import { openStore } from '../storage/open-store.js';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';

export interface ExpireOptions {
  retentionDays?: number;
  /** ISO-8601 "now" for a dry run (audits: what would expire at that time). Refused otherwise. */
  now?: string;
  dryRun: boolean;
  /**
   * The instant a real run treats as now. Programmatic only (tests that age a repository
   * without waiting); neither the CLI nor an action can set it.
   */
  clock?: Date;
}

/** A real expire deletes: only the real clock decides what is outside the window. */
export const nowNeedsDryRun = (): PgkeepError =>
  new PgkeepError(
    'bad-usage',
    '--now is accepted only with --dry-run: a real expire always plans with the current time, since a later --now would delete backups still inside the recovery window.',
    'Add --dry-run to see what would expire at that time; run pgkeep expire without --now to apply retention.',
  );

export interface ExpireResult {
  dryRun: boolean;
  plan: RetentionPlan;
  applied?: ApplyResult;
  durationSeconds: number;
}

export const EXPIRE_LOCK = 'expire';

async function incompleteSizes(store: Store, ids: string[]): Promise<IncompleteBackup[]> {
  if (!ids.length) return [];
  const objs = await store.list(BACKUPS_PREFIX);
  return ids.map((id) => {
    const mine = objs.filter((o) => o.key.startsWith(`${BACKUPS_PREFIX}${id}/`));
    const modified = mine.map((o) => o.modified).filter((m): m is string => !!m).sort().pop();
    return { id, bytes: mine.reduce((a, o) => a + o.size, 0), modified };
  });
}

/** The copies of PGKEEP_REPO with S3 Object Lock, by position (the store's copies follow the same order). */
export function lockedCopies(cfg: Config, store: Store): LockedCopy[] {
  const copies = storeCopies(store);
  return cfg.repos.flatMap((l, copy) =>
    l.kind === 's3' && l.objectLock ? [{ copy, description: copies[copy]?.description ?? l.url, mode: l.objectLock.mode, days: l.objectLock.days }] : [],
  );
}

export async function planExpire(store: Store, retentionDays: number, now: Date, locked: LockedCopy[] = []): Promise<RetentionPlan> {
  const [cat, wal] = await Promise.all([loadCatalog(store), loadWalCatalog(store)]);
  return planRetention({ backups: cat.backups, incomplete: await incompleteSizes(store, cat.incomplete), wal, now, retentionDays, lockedCopies: locked });
}

export async function runExpire(cfg: Config, opts: ExpireOptions): Promise<ExpireResult> {
  const started = Date.now();
  if (opts.now !== undefined && !opts.dryRun) throw nowNeedsDryRun();
  const now = opts.now ? new Date(opts.now) : opts.clock ?? new Date();
  if (Number.isNaN(now.getTime()))
    throw new PgkeepError('bad-usage', `--now="${opts.now}" is not an ISO-8601 time.`, 'Example: --now 2026-12-01T00:00:00Z');
  const days = opts.retentionDays ?? cfg.retentionDays;
  const store = openStore(cfg);
  if (opts.dryRun) {
    const plan = await planExpire(store, days, now, lockedCopies(cfg, store));
    return { dryRun: true, plan, durationSeconds: (Date.now() - started) / 1000 };
  }
  let lock: HeldLock | undefined;
  try {
    lock = await acquireLock(store, EXPIRE_LOCK, { conflictsWith: (l) => l.name.startsWith('backup') });
    // Planned under the lock: a backup that finished a moment ago is part of the plan.
    const plan = await planExpire(store, days, now, lockedCopies(cfg, store));
    await lock.confirm();
    // Deletes go through the lock: if its lease is lost midway, expire stops.
    const applied = await applyRetention(lock.guard(store), plan);
    return { dryRun: false, plan, applied, durationSeconds: (Date.now() - started) / 1000 };
  } finally {
    await lock?.release();
  }
}
