// `pgkeep restore --to DIR`: physical restore of a cluster to a point in time.
// Orchestration only: read the repository's catalog, plan (src/restore/plan.ts, pure), then
// write the data directory (src/restore/execute.ts) and optionally start it. Every refusal
// (bad input, non-empty DIR, target outside the window, unknown timeline, WAL gap) happens
// before anything is written.
import { serverEnv, type Config } from '../config/config.js';
import { resolveBinDir } from '../postgres/pg-tools.js';
import { openStore } from '../storage/open-store.js';
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';
import type { CombineToolStatus, RestorePlan } from '../restore/plan.js';
import { loadHistories, planFromRepository, toPlanTarget } from '../restore/plan-from-repo.js';
import { checkTablespaceTargets, tablespaceTargetFrom } from '../restore/extract.js';
import { checkTargetDir, confirmReplay, feedWal, normaliseIso, resolveCliPaths, startRestored, writeRestoredDataDir, type StartedRestore } from '../restore/execute.js';
import { predictPromotedTimeline, type TimelineRequest } from '../restore/timeline-choice.js';
import { writeCurrentTimeline } from '../repo/current-timeline.js';
import { loadWalCatalog } from '../repo/wal-catalog.js';
import type { Store } from '../storage/store.js';
import { formatLsn } from '../wal/segment.js';
import { repoUrlForServer } from '../restore/recovery-settings.js';
import type { RestoreResult } from './types.js';

export type RestoreTarget =
  | { kind: 'time'; time: string }
  | { kind: 'lsn'; lsn: string }
  | { kind: 'latest' }
  | { kind: 'immediate' };

export interface PhysicalRestoreOptions {
  target: RestoreTarget;
  /** Data directory to write (must be empty or absent). */
  to: string;
  backup?: string;
  dryRun: boolean;
  /** Start the restored cluster on this port, wait for promotion, report the instant reached. */
  start?: boolean;
  port?: number;
  /** Timeline to recover along: a number, latest, or current (the default: the timeline production is on). */
  timeline?: TimelineRequest;
  /**
   * The restored cluster becomes the new primary: it keeps the backup's archive settings and,
   * once promoted, archives on its new timeline into the repository, which records it as the
   * current timeline (timeline.json). Without it a restored cluster never archives.
   */
  newPrimary?: boolean;
  /** 'off' for throwaway clusters (drills, single-database PITR): never archive, whatever the environment says. */
  archiveMode?: 'off';
  /** With start: seconds to wait for promotion (default 3600). */
  startTimeoutSeconds?: number;
  /** With start: extra postgresql.conf settings for the started cluster. */
  startSettings?: Record<string, string | number | boolean>;
  /** Tablespace directories: OLD (path when backed up, or OID) → NEW. Unmapped ones go back where they were. */
  tablespaceMap?: Record<string, string>;
  /** Throwaway clusters: every unmapped tablespace under this directory (<dir>/<oid>). */
  tablespacesUnder?: string;
  /**
   * Callers that start the cluster themselves (the drill): receives the WAL feeder for
   * startRestored's `feed`, which stages the rest of the planned WAL while replay runs.
   */
  onFeed?: (feed: ((signal: AbortSignal) => Promise<unknown>) | undefined) => void;
}

/** Everything a physical restore reports; `--json` prints it. */
export interface PhysicalRestoreResult extends RestoreResult {
  targetKind: RestoreTarget['kind'];
  targetTimeline: number;
  timelines: number[];
  wal: { first: string; last: string; count: number; bytes: number };
  /** The backups restored, oldest first: a full alone, or a full and incrementals that pg_combinebackup combines. */
  chain: { id: string; type: string; bytes: number }[];
  /** With a chain of more than one backup: whether pg_combinebackup was found (path, major) or why not. */
  combineTool?: CombineToolStatus;
  bytesToFetch: number;
  estimatedSeconds: number;
  warnings: string[];
  /** The timeline followed and why (current, latest or as requested). */
  timelineChoice?: { request: TimelineRequest; why: string };
  /** Whether the restored cluster is the new primary (archives into the repository) or a copy (archive_mode = off). */
  newPrimary: boolean;
  /** With newPrimary: the timeline it promotes to (predicted from the archive; seen, with --start). */
  newTimeline?: number;
  /** With --start: port, log, where recovery stopped and where replay ended (confirmed against the plan). */
  started?: { port: number; serverLog: string; timeline: number; stopLine?: string; promotedSeconds: number; reachedLsn?: string };
}

/**
 * Whether the restored cluster becomes the new primary. Only an explicit choice makes it one
 * (--new-primary, the action's new-primary input); every other restore is a copy with
 * archive_mode = off, so looking at a copy never changes what later restores bring back.
 * archive_mode = off rather than an archive_command that refuses: a refusing command keeps every
 * finished segment in pg_wal (.ready) until the copy's disk fills, and logs a failure each time
 * it retries; off recycles WAL normally, and archiving can only be turned on again with a
 * restart, which is the deliberate step it should be.
 * PGKEEP_RESTORE_ARCHIVE_MODE (deprecated): `off` is the default now; `preserve` (the old
 * default) is read as --new-primary, with a note in the plan.
 */
export function newPrimaryOf(cfg: Config, opts: Pick<PhysicalRestoreOptions, 'archiveMode' | 'newPrimary'>): { newPrimary: boolean; note?: string } {
  if (opts.archiveMode === 'off') {
    if (opts.newPrimary) throw new PgkeepError('bad-usage', 'A throwaway restore (drill, single-database PITR) cannot be the new primary.');
    return { newPrimary: false };
  }
  if (opts.newPrimary) return { newPrimary: true };
  if (cfg.settings.restoreArchiveMode === 'off') return { newPrimary: false };
  return { newPrimary: true, note: 'PGKEEP_RESTORE_ARCHIVE_MODE=preserve is deprecated and read as --new-primary; use --new-primary (action input new-primary) instead.' };
}

/** The plan lines that name the choice (dry run and log). */
function archivingLines(plan: RestorePlan, newPrimary: boolean, promotedTimeline: number, repo: string): string[] {
  return newPrimary
    ? [
        `New primary: the restored cluster keeps the backup's archive settings and, once promoted (timeline ${promotedTimeline}, forking from ${plan.targetTimeline}), archives into ${repo}; timeline.json records timeline ${promotedTimeline} as current, so later --latest and time restores follow it (--timeline ${plan.targetTimeline} restores the old branch)`,
      ]
    : [`Archiving: off (archive_mode = off): the restored cluster is a copy and never archives into ${repo}; --new-primary makes it the new primary instead`];
}

export { toPlanTarget, loadHistories };

/** Read the repository and plan; writes nothing. */
export async function planPhysicalRestore(cfg: Config, opts: Pick<PhysicalRestoreOptions, 'target' | 'backup' | 'timeline'>, store: Store = openStore(cfg)): Promise<RestorePlan> {
  return planFromRepository(store, { ...opts, pgBinDir: cfg.pgBinDir });
}

export async function restorePhysical(cfg: Config, opts: PhysicalRestoreOptions): Promise<PhysicalRestoreResult> {
  const t0 = Date.now();
  const target = toPlanTarget(opts.target);
  // The cheapest refusal first: a non-empty directory (checked again right before writing);
  // a dry run with --to reports the same refusal the real run would.
  if (!opts.dryRun || opts.to) await checkTargetDir(opts.to);
  if (opts.port !== undefined && !opts.start) throw new PgkeepError('bad-usage', '--port applies only with --start.');
  const { newPrimary, note } = newPrimaryOf(cfg, opts);
  const store = openStore(cfg);
  const plan = await planPhysicalRestore(cfg, opts, store);
  // PostgreSQL picks the timeline at promotion; the archive's history files say which it will be.
  const newTimeline = newPrimary ? predictPromotedTimeline(plan.targetTimeline, await loadWalCatalog(store)) : undefined;
  if (note) log.warn(note);
  const paths = opts.dryRun ? undefined : resolveCliPaths(cfg.settings);
  const base: PhysicalRestoreResult = {
    dryRun: opts.dryRun,
    backupId: plan.backup.id,
    recoveredTo: target.kind === 'time' ? target.time.iso : target.kind === 'immediate' ? normaliseIso(plan.backup.stopTime) : undefined,
    plan: [...plan.lines, ...archivingLines(plan, newPrimary, newTimeline ?? 0, store.description), ...(note ? [`Note: ${note}`] : [])],
    target: opts.to || undefined,
    durationSeconds: 0,
    targetKind: opts.target.kind,
    targetTimeline: plan.targetTimeline,
    timelines: plan.timelinePath.map((s) => s.timeline),
    wal: { first: plan.wal.first, last: plan.wal.last, count: plan.wal.count, bytes: plan.wal.bytes },
    chain: plan.chain.map((m) => ({ id: m.id, type: m.type, bytes: m.bytes })),
    ...(plan.combineTool ? { combineTool: plan.combineTool } : {}),
    bytesToFetch: plan.bytesToFetch,
    estimatedSeconds: plan.estimatedSeconds,
    warnings: plan.warnings,
    ...(plan.timelineChoice ? { timelineChoice: { request: plan.timelineChoice.request, why: plan.timelineChoice.why } } : {}),
    newPrimary,
    ...(newTimeline !== undefined ? { newTimeline } : {}),
  };
  // Tablespaces go where they were unless mapped; each target must be absent or empty (checked
  // again when writing). The dry run shows where each one would go.
  const tablespaceTarget = tablespaceTargetFrom(opts.tablespaceMap, opts.tablespacesUnder);
  const tablespaces = await checkTablespaceTargets(plan.backup, tablespaceTarget);
  for (const t of tablespaces) base.plan.push(`Tablespace ${t.oid}: ${t.from} → ${t.to}${t.from === t.to ? ' (where it was; --tablespace-map OLD=NEW moves it)' : ''}`);
  // A dry run returns the plan to its caller (CLI text, job summary); a real run logs it as step one.
  if (!opts.dryRun) for (const l of base.plan) log.info(`restore plan: ${l}`);
  if (opts.dryRun) return { ...base, durationSeconds: (Date.now() - t0) / 1000 };

  const written = await writeRestoredDataDir({ plan, store, dir: opts.to, node: paths!.node, cli: paths!.cli, repoUrl: repoUrlForServer(cfg), archiveMode: newPrimary ? 'preserve' : 'off', stageSegments: cfg.settings.restoreStageSegments, zstdCli: !cfg.settings.noZstdCli, tablespaceTarget });
  // The rest of the planned WAL is staged while the server replays what is already there.
  const feed = written.staged > 0 && written.staged < plan.wal.segments.length
    ? (signal: AbortSignal) => feedWal({ store, plan, dir: opts.to, from: written.staged, window: written.staged, signal, parallel: cfg.parallel })
    : undefined;
  opts.onFeed?.(feed);
  // Without --start nobody here sees the promotion: record the declaration now, with the predicted timeline.
  if (newPrimary && !opts.start) await declareNewPrimary(store, plan, newTimeline!, 'predicted');
  if (!opts.start) return { ...base, durationSeconds: (Date.now() - t0) / 1000 };

  const binDir = resolveBinDir(cfg.pgBinDir, Math.floor(plan.backup.pgVersionNum / 10000));
  const s: StartedRestore = await startRestored({ dir: opts.to, binDir, port: opts.port, timeoutSeconds: opts.startTimeoutSeconds, settings: opts.startSettings, env: serverEnv(cfg), feed });
  // Promotion is not proof: replay must have reached what the plan promised (replay-check.ts).
  await confirmReplay(plan, s, `The restored cluster in ${opts.to}`);
  // Confirmed: the cluster is the operator's now and outlives this run (a cancel before this stops it).
  s.cluster.keepRunning();
  if (newPrimary) await declareNewPrimary(store, plan, s.timeline, 'promoted', s.replayLsn);
  const recoveredTo = s.lastReplayedXact ? normaliseIso(s.lastReplayedXact) : normaliseIso(plan.backup.stopTime);
  log.info(`restore: promoted on port ${s.cluster.port} (timeline ${s.timeline}); last transaction replayed at ${recoveredTo}${s.stopLine ? `; ${s.stopLine}` : ''}`);
  return {
    ...base,
    recoveredTo,
    ...(newPrimary ? { newTimeline: s.timeline } : {}),
    started: { port: s.cluster.port, serverLog: `${s.cluster.baseDir}/server.log`, timeline: s.timeline, stopLine: s.stopLine, promotedSeconds: s.promotedSeconds, ...(s.replayLsn !== undefined ? { reachedLsn: formatLsn(s.replayLsn) } : {}) },
    durationSeconds: (Date.now() - t0) / 1000,
  };
}

/** timeline.json: this restore is the new primary, so `current` follows its timeline from now on. */
async function declareNewPrimary(store: Store, plan: RestorePlan, timeline: number, confirmed: 'promoted' | 'predicted', switchLsn?: bigint): Promise<void> {
  await writeCurrentTimeline(store, {
    format: 1,
    timeline,
    parentTimeline: plan.targetTimeline,
    declaredAt: new Date().toISOString(),
    backupId: plan.backup.id,
    ...(switchLsn !== undefined ? { switchLsn: formatLsn(switchLsn) } : {}),
    confirmed,
  });
  log.info(`restore: timeline ${timeline} recorded as the repository's current timeline (new primary, ${confirmed})`);
}
