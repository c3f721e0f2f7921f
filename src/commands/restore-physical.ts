// `pgkeep restore --to DIR`: physical restore of a cluster to a point in time.
// Orchestration only: read the repository's catalog, plan (src/restore/plan.ts, pure), then
// write the data directory (src/restore/execute.ts) and optionally start it. Every refusal
// (bad input, non-empty DIR, target outside the window, unknown timeline, WAL gap) happens
// before anything is written.
import { configInt, serverEnv, type Config } from '../config/config.js';
import { resolveBinDir } from '../postgres/pg-tools.js';
import { openStore } from '../storage/open-store.js';
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';
import type { CombineToolStatus, RestorePlan } from '../restore/plan.js';
import { loadHistories, planFromRepository, toPlanTarget } from '../restore/plan-from-repo.js';
import { checkTablespaceTargets, tablespaceTargetFrom } from '../restore/extract.js';
import { checkTargetDir, DEFAULT_STAGE_SEGMENTS, normaliseIso, resolveCliPaths, startRestored, writeRestoredDataDir, type StartedRestore } from '../restore/execute.js';
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
  /** Timeline to recover along (default: the newest in the repository). */
  timeline?: number;
  /** 'off' for throwaway clusters (drills, single-database PITR): never archive into the repository. */
  archiveMode?: 'preserve' | 'off';
  /** With start: seconds to wait for promotion (default 3600). */
  startTimeoutSeconds?: number;
  /** With start: extra postgresql.conf settings for the started cluster. */
  startSettings?: Record<string, string | number | boolean>;
  /** Tablespace directories: OLD (path when backed up, or OID) → NEW. Unmapped ones go back where they were. */
  tablespaceMap?: Record<string, string>;
  /** Throwaway clusters: every unmapped tablespace under this directory (<dir>/<oid>). */
  tablespacesUnder?: string;
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
  /** With --start: port, log, where recovery stopped. */
  started?: { port: number; serverLog: string; timeline: number; stopLine?: string; promotedSeconds: number };
}

/**
 * Whether the restored cluster keeps the backed-up archive settings ('preserve', the default:
 * a restore that becomes the new primary must keep archiving, on a new timeline) or gets
 * archive_mode = off (PGKEEP_RESTORE_ARCHIVE_MODE=off: copies for inspection never write
 * into the repository).
 */
export function archiveModeOf(cfg: Config, opts: Pick<PhysicalRestoreOptions, 'archiveMode'>): 'preserve' | 'off' {
  if (opts.archiveMode) return opts.archiveMode;
  const v = (cfg.env.PGKEEP_RESTORE_ARCHIVE_MODE ?? '').trim();
  if (v === '' || v === 'preserve') return 'preserve';
  if (v === 'off') return 'off';
  throw new PgkeepError('bad-config', `PGKEEP_RESTORE_ARCHIVE_MODE="${v}" is not valid: expected preserve or off.`);
}

export { toPlanTarget, loadHistories };

/** Read the repository and plan; writes nothing. */
export async function planPhysicalRestore(cfg: Config, opts: Pick<PhysicalRestoreOptions, 'target' | 'backup' | 'timeline'>, store = openStore(cfg)): Promise<RestorePlan> {
  return planFromRepository(store, { ...opts, pgBinDir: cfg.pgBinDir });
}

export async function restorePhysical(cfg: Config, opts: PhysicalRestoreOptions): Promise<PhysicalRestoreResult> {
  const t0 = Date.now();
  const target = toPlanTarget(opts.target);
  // The cheapest refusal first: a non-empty directory (checked again right before writing);
  // a dry run with --to reports the same refusal the real run would.
  if (!opts.dryRun || opts.to) await checkTargetDir(opts.to);
  if (opts.port !== undefined && !opts.start) throw new PgkeepError('bad-usage', '--port applies only with --start.');
  const store = openStore(cfg);
  const plan = await planPhysicalRestore(cfg, opts, store);
  const paths = opts.dryRun ? undefined : resolveCliPaths(cfg.env);
  const base: PhysicalRestoreResult = {
    dryRun: opts.dryRun,
    backupId: plan.backup.id,
    recoveredTo: target.kind === 'time' ? target.time.iso : target.kind === 'immediate' ? normaliseIso(plan.backup.stopTime) : undefined,
    plan: [...plan.lines],
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
  };
  // Tablespaces go where they were unless mapped; each target must be absent or empty (checked
  // again when writing). The dry run shows where each one would go.
  const tablespaceTarget = tablespaceTargetFrom(opts.tablespaceMap, opts.tablespacesUnder);
  const tablespaces = await checkTablespaceTargets(plan.backup, tablespaceTarget);
  for (const t of tablespaces) base.plan.push(`Tablespace ${t.oid}: ${t.from} → ${t.to}${t.from === t.to ? ' (where it was; --tablespace-map OLD=NEW moves it)' : ''}`);
  // A dry run returns the plan to its caller (CLI text, job summary); a real run logs it as step one.
  if (!opts.dryRun) for (const l of base.plan) log.info(`restore plan: ${l}`);
  if (opts.dryRun) return { ...base, durationSeconds: (Date.now() - t0) / 1000 };

  await writeRestoredDataDir({ plan, store, dir: opts.to, node: paths!.node, cli: paths!.cli, repoUrl: repoUrlForServer(cfg), archiveMode: archiveModeOf(cfg, opts), stageSegments: configInt(cfg, 'PGKEEP_RESTORE_STAGE_SEGMENTS', DEFAULT_STAGE_SEGMENTS, 0, 1_000_000), zstdCli: cfg.env.PGKEEP_NO_ZSTD_CLI !== '1', tablespaceTarget });
  if (!opts.start) return { ...base, durationSeconds: (Date.now() - t0) / 1000 };

  const binDir = resolveBinDir(cfg.pgBinDir, Math.floor(plan.backup.pgVersionNum / 10000));
  const s: StartedRestore = await startRestored({ dir: opts.to, binDir, port: opts.port, timeoutSeconds: opts.startTimeoutSeconds, settings: opts.startSettings, env: serverEnv(cfg) });
  const recoveredTo = s.lastReplayedXact ? normaliseIso(s.lastReplayedXact) : normaliseIso(plan.backup.stopTime);
  log.info(`restore: promoted on port ${s.cluster.port} (timeline ${s.timeline}); last transaction replayed at ${recoveredTo}${s.stopLine ? `; ${s.stopLine}` : ''}`);
  return {
    ...base,
    recoveredTo,
    started: { port: s.cluster.port, serverLog: `${s.cluster.baseDir}/server.log`, timeline: s.timeline, stopLine: s.stopLine, promotedSeconds: s.promotedSeconds },
    durationSeconds: (Date.now() - t0) / 1000,
  };
}
