// Applying a restore plan: an empty directory becomes a data directory that replays WAL to the
// target and promotes when started. The base backup streams store → SHA-256 check → zstd →
// `tar -x` (nothing staged); if the object turns out corrupt at the end of the stream, what was
// extracted is removed and the restore fails. Optionally starts the result, waits for
// promotion, confirms replay reached the planned end (replay-check.ts) and reports the instant
// recovered to.
import { existsSync, promises as fsp, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from '../config/config.js';
import type { TuningSettings } from '../config/settings.js';
import { withClient } from '../postgres/client.js';
import { chownForServer, LocalCluster, serverRunAs } from '../postgres/local-cluster.js';
import { fetchWalFile } from '../wal/wal-object.js';
import { PREFETCH_DIR } from '../wal/wal-fetch.js';
import { mapLimit } from '../util/streams.js';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { formatBytes, log } from '../util/log.js';
import type { RestorePlan } from './plan.js';
import { checkTablespaceTargets, emptyDir, extractPhysicalBackup, tablespaceTargetFrom, type TablespaceTarget } from './extract.js';
import { checkCombineTool } from './combine-tool.js';
import { combineChain } from './combine.js';
import { recoverySettings, renderAutoConf, restoreCommandLine } from './recovery-settings.js';
import { timestampToMicros, microsToIso } from './target-time.js';
import { checkReplayReached, plannedEndText } from './replay-check.js';
import { formatLsn, isSegmentName, parseLsn } from '../wal/segment.js';
import { mkdirp } from '../util/mkdirp.js';
import { checkAgeIdentity } from '../util/age.js';
import { backupObjectKey } from '../repo/layout.js';
import { describeDataDir, findDataDirAt } from './live-data-dir.js';

/** Refuse anything but an absent or empty directory; returns whether it exists. */
export async function checkTargetDir(dir: string): Promise<'absent' | 'empty'> {
  if (!dir) throw new PgkeepError('bad-usage', 'pgkeep restore needs --to <empty data directory>.');
  // First: a live cluster's directory (or one inside it, or a symlink to it) gets a message naming the server.
  const live = await findDataDirAt(dir);
  if (live)
    throw new PgkeepError(
      'target-is-data-dir',
      `${describeDataDir(dir, live)}; pgkeep restore never writes into an existing cluster.`,
      live.running ? 'Restore into a new directory with --to; to replace this cluster, stop it (pg_ctl stop) and move its directory away first.' : 'Restore into a new directory with --to, outside any data directory.',
    );
  let st;
  try {
    st = await fsp.stat(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw new PgkeepError('bad-target-dir', `Cannot use ${dir} as the restore directory: ${(e as Error).message}.`);
  }
  if (!st.isDirectory()) throw new PgkeepError('bad-target-dir', `${dir} exists and is not a directory.`, 'Give a new or empty directory with --to.');
  const entries = await fsp.readdir(dir);
  if (entries.length)
    throw new PgkeepError(
      'target-dir-not-empty',
      `${dir} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, e.g. ${entries.slice(0, 3).join(', ')}); pgkeep restore never writes over files.`,
      'Give a new or empty directory with --to (stop and move away an old data directory first).',
    );
  return 'empty';
}

/**
 * Absolute node and CLI paths for restore_command. Overrides (from the config environment):
 * PGKEEP_NODE_PATH, PGKEEP_CLI_PATH — needed when the server user cannot read the running ones.
 */
export function resolveCliPaths(s: Partial<Pick<TuningSettings, 'nodePath' | 'cliPath'>>): { node: string; cli: string } {
  const node = s.nodePath || process.execPath;
  const candidates: string[] = [];
  if (s.cliPath) candidates.push(s.cliPath);
  else {
    // Running from the bundle (dist/cli/index.js, or the `pgkeep` bin link to it).
    const argv1 = process.argv[1];
    if (argv1 && /(^|\/)(pgkeep|pgkeep\.js|cli\/index\.js)$/.test(argv1)) {
      try {
        candidates.push(realpathSync(argv1));
      } catch {
        /* not a file */
      }
    }
    // In-process (tests, other entry points): the repository's bundle, found from this file.
    try {
      let d = path.dirname(fileURLToPath(import.meta.url));
      for (let i = 0; i < 5; i++, d = path.dirname(d)) candidates.push(path.join(d, 'dist/cli/index.js'));
    } catch {
      /* no file URL in this build */
    }
  }
  const cli = candidates.find((c) => path.isAbsolute(c) && existsSync(c));
  if (!cli)
    throw new PgkeepError(
      'no-cli-path',
      `Cannot find the pgkeep CLI bundle for restore_command (looked at ${candidates.slice(0, 3).join(', ') || 'nothing'}).`,
      'Set PGKEEP_CLI_PATH to the absolute path of dist/cli/index.js (readable by the PostgreSQL server user).',
    );
  if (!path.isAbsolute(node)) throw new PgkeepError('bad-config', `PGKEEP_NODE_PATH="${node}" is not an absolute path.`);
  return { node, cli };
}

export interface WriteDataDirOptions {
  plan: RestorePlan;
  store: Store;
  dir: string;
  /** restore_command parts. */
  node: string;
  cli: string;
  repoUrl: string;
  archiveMode?: 'preserve' | 'off';
  /** WAL segments fetched into the directory before start (0 disables). */
  stageSegments?: number;
  /** Decompress with the zstd CLI when it is on PATH (default); false forces the in-process decoder. */
  zstdCli?: boolean;
  /** Where tablespaces go (default: where they were when backed up; must be absent or empty). */
  tablespaceTarget?: TablespaceTarget;
}

/** Segments staged into the data directory before start (16 MiB each by default: 1 GiB). */
export const DEFAULT_STAGE_SEGMENTS = 64;

/**
 * Fetch (verified, decompressed) the first planned segments into pg_wal/pgkeep-prefetch, the
 * spool wal-fetch also uses, so replay of them needs no process per segment. Returns how many.
 */
async function stageWal(store: Store, plan: RestorePlan, dir: string, max: number): Promise<number> {
  const segs = plan.wal.segments.slice(0, Math.max(0, max));
  if (!segs.length) return 0;
  const spool = path.join(dir, 'pg_wal', PREFETCH_DIR);
  await fsp.mkdir(spool, { recursive: true, mode: 0o700 });
  const t0 = Date.now();
  // Checked like wal-fetch checks (frame, size, header) and against the backup's system: the
  // shell serves these with a plain mv, and PostgreSQL would read another system's WAL as its end.
  const sizes = await mapLimit(segs, 4, async (s) => (await fetchWalFile(store, s.name, path.join(spool, s.name), { systemIdentifier: plan.backup.systemIdentifier })).rawBytes);
  log.info(`restore ${plan.backup.id}: staged ${segs.length} of ${plan.wal.count} WAL segment(s) (${formatBytes(sizes.reduce((a, b) => a + b, 0))}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return segs.length;
}

/**
 * While recovery runs, keep the planned segments after the first `from` staged ahead of replay:
 * at most `window` waiting in the spool (replay's `mv` takes each one out), fetched, checked and
 * decompressed here, on the other core, while the startup process replays. Without it, every
 * segment past the initial stage stops replay for a wal-fetch process (start-up, fetch and
 * decompress, then its prefetch of the next 8, all in series with replay).
 *
 * Only an accelerator: a segment it cannot fetch or check is left alone (it stops feeding), and
 * restore_command's wal-fetch then fetches that segment itself and fails loudly. Files are
 * written to a temp name and renamed, so the shell never moves a half-written segment.
 */
export async function feedWal(o: { store: Store; plan: RestorePlan; dir: string; from: number; window: number; signal: AbortSignal; parallel?: number; pollMs?: number }): Promise<number> {
  const t0 = Date.now();
  // Written and handed to the server's OS user here, then renamed into the spool: a file the
  // shell moves into place must already be readable by the server.
  const scratch = path.join(o.dir, 'pg_wal', `${PREFETCH_DIR}-feed`);
  let fed = 0;
  try {
    await fsp.mkdir(scratch, { recursive: true, mode: 0o700 });
    fed = await feedLoop(o, scratch);
  } finally {
    await fsp.rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
  if (fed) log.info(`restore ${o.plan.backup.id}: staged ${fed} more WAL segment(s) while replay ran, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return fed;
}

async function feedLoop(o: Parameters<typeof feedWal>[0], scratch: string): Promise<number> {
  const runAs = serverRunAs();
  const spool = path.join(o.dir, 'pg_wal', PREFETCH_DIR);
  const segs = o.plan.wal.segments;
  const parallel = Math.max(1, o.parallel ?? 2);
  let next = Math.max(0, o.from);
  let fed = 0;
  while (next < segs.length && !o.signal.aborted) {
    let waiting: number;
    try {
      waiting = (await fsp.readdir(spool)).filter(isSegmentName).length;
    } catch {
      return fed; // the spool is gone: recovery ended and it was cleaned up
    }
    const room = Math.min(parallel, o.window - waiting, segs.length - next);
    if (room <= 0) {
      await new Promise((r) => setTimeout(r, o.pollMs ?? 50));
      continue;
    }
    const batch = segs.slice(next, next + room);
    next += batch.length;
    try {
      await mapLimit(batch, parallel, async (s) => {
        if (o.signal.aborted) return;
        const tmp = path.join(scratch, s.name);
        await fetchWalFile(o.store, s.name, tmp, { systemIdentifier: o.plan.backup.systemIdentifier });
        if (runAs) await fsp.chown(tmp, runAs.uid, runAs.gid);
        await fsp.rename(tmp, path.join(spool, s.name));
        fed++;
      });
    } catch (e) {
      if (!o.signal.aborted) log.debug(`restore: stopped staging WAL ahead of replay at ${batch[0].name}: ${(e as Error).message} (restore_command fetches it instead)`);
      return fed;
    }
  }
  return fed;
}

export interface WrittenDataDir {
  dir: string;
  rawBytes: number;
  /** Planned segments staged into the spool before start (restore_command serves them by `mv`). */
  staged: number;
  /** Tablespace directories written outside `dir`. */
  tablespaces: string[];
  settings: [string, string][];
}


/** Extract the base backup into `dir` (absent or empty) and write the recovery settings. */
export async function writeRestoredDataDir(o: WriteDataDirOptions): Promise<WrittenDataDir> {
  const dir = path.resolve(o.dir);
  const state = await checkTargetDir(dir);
  const { plan } = o;
  // An incremental chain (PG17+) is combined by pg_combinebackup: refuse before writing anything without it.
  const combineTool = plan.chain.length > 1 ? checkCombineTool(plan) : undefined;
  // An encrypted backup: PGKEEP_AGE_IDENTITY must open it (header only) before anything is written.
  for (const b of plan.chain.length ? plan.chain : [plan.backup])
    for (const obj of b.objects.filter((x) => x.encryption === 'age').slice(0, 1))
      await checkAgeIdentity(await o.store.get(backupObjectKey(b.id, obj.name)), `${obj.name} of backup ${b.id}`);
  await mkdirp(path.dirname(dir));
  if (state === 'absent') await fsp.mkdir(dir, { mode: 0o700 });
  await fsp.chmod(dir, 0o700);
  const created = state === 'absent';
  const tablespaceTarget = o.tablespaceTarget ?? tablespaceTargetFrom(undefined);
  await checkTablespaceTargets(plan.backup, tablespaceTarget);
  // WAL is staged while the base backup extracts (different objects, different directories).
  let staging: Promise<number> | undefined;
  let tablespaceDirs: string[] = [];
  try {
    staging = stageWal(o.store, plan, dir, o.stageSegments ?? DEFAULT_STAGE_SEGMENTS);
    staging.catch(() => undefined);
    const extracted = combineTool
      ? await combineChain({ plan, store: o.store, dir, tool: combineTool, tablespaceTarget, zstdCli: o.zstdCli })
      : await extractPhysicalBackup(o.store, plan.backup, dir, { zstdCli: o.zstdCli, tablespaceTarget, progress: true });
    tablespaceDirs = extracted.created;

    // Recovery setup. The backup holds no WAL: pg_wal must exist (empty) for the server to start.
    await fsp.mkdir(path.join(dir, 'pg_wal', 'archive_status'), { recursive: true, mode: 0o700 });
    const staged = await staging;
    for (const f of ['postmaster.pid', 'postmaster.opts', 'standby.signal', 'recovery.conf'])
      await fsp.rm(path.join(dir, f), { force: true });
    await fsp.writeFile(path.join(dir, 'recovery.signal'), '', { mode: 0o600 });
    const settings = recoverySettings({
      target: plan.target,
      targetTimeline: plan.targetTimeline,
      restoreCommand: restoreCommandLine({ node: o.node, cli: o.cli, repoUrl: o.repoUrl, spool: staged ? `pg_wal/${PREFETCH_DIR}` : undefined }),
      archiveMode: o.archiveMode,
    });
    await fsp.appendFile(
      path.join(dir, 'postgresql.auto.conf'),
      renderAutoConf(settings, `pgkeep restore of backup ${plan.backup.id} (${new Date().toISOString()})`),
      { mode: 0o600 },
    );
    // A data directory owned by root cannot be started; as root, hand it to the server user.
    await chownForServer(dir);
    for (const t of tablespaceDirs) await chownForServer(t);
    log.info(`restore ${plan.backup.id}: ${dir} ready (${formatBytes(extracted.rawBytes)}${tablespaceDirs.length ? `, ${tablespaceDirs.length} tablespace(s)` : ''}), recovery.signal + ${settings.length} settings in postgresql.auto.conf`);
    return { dir, rawBytes: extracted.rawBytes, staged, settings, tablespaces: tablespaceDirs };
  } catch (e) {
    await staging?.catch(() => undefined);
    await emptyDir(dir, created).catch(() => undefined);
    for (const t of tablespaceDirs) await emptyDir(t, false).catch(() => undefined);
    throw e;
  }
}

export interface StartedRestore {
  cluster: LocalCluster;
  /** Last transaction replayed (ISO-8601 UTC, microseconds), when any was. */
  lastReplayedXact?: string;
  /** The server log's "recovery stopping …" line, when recovery stopped at a target. */
  stopLine?: string;
  timeline: number;
  promotedSeconds: number;
  /** pg_last_wal_replay_lsn(): where replay ended (checked against the plan: replay-check.ts). */
  replayLsn?: bigint;
  /** The server's wal_segment_size in bytes. */
  segSize: number;
}

/** `16MB` (SHOW wal_segment_size) → bytes. */
function segSizeBytes(v: string): number {
  const m = /^(\d+)\s*(B|kB|MB|GB)?$/.exec(v.trim());
  if (!m) return 16 * 1024 * 1024;
  const mult = { B: 1, kB: 1024, MB: 1024 * 1024, GB: 1024 * 1024 * 1024 }[(m[2] ?? 'B') as 'B' | 'kB' | 'MB' | 'GB'];
  return Number(m[1]) * mult;
}

/**
 * Confirm that a promoted restore replayed what its plan promised; on a shortfall stop the
 * server (its data is not what was asked for) and throw, naming planned and reached positions.
 */
export async function confirmReplay(plan: Pick<RestorePlan, 'target' | 'wal' | 'consistentLsn'>, s: StartedRestore, where: string): Promise<void> {
  const err = checkReplayReached({ target: plan.target, lastSegment: plan.wal.last, consistentLsn: plan.consistentLsn }, s, where);
  if (!err) {
    log.info(`restore: replay reached ${plannedEndText({ target: plan.target, lastSegment: plan.wal.last, consistentLsn: plan.consistentLsn }, s.segSize)}, ended at ${s.replayLsn !== undefined ? formatLsn(s.replayLsn) : '?'}`);
    return;
  }
  await s.cluster.stop('fast');
  throw new PgkeepError(err.code, err.message, `${err.hint} The server was stopped; its log: ${path.join(s.cluster.baseDir, 'server.log')}.`);
}

/** Linux ≥ 5.8: syncfs(2) reports write-back errors to the caller (before, only the kernel log saw them). */
export function syncfsReportsErrors(platform = process.platform, release = os.release()): boolean {
  if (platform !== 'linux') return false;
  const m = /^(\d+)\.(\d+)/.exec(release);
  return !!m && (Number(m[1]) > 5 || (Number(m[1]) === 5 && Number(m[2]) >= 8));
}

/**
 * A restored data directory is not known to be on disk, so PostgreSQL syncs it before recovery
 * starts. Its default (recovery_init_sync_method = fsync) opens and fsyncs every file one by
 * one; syncfs (PostgreSQL 14+) asks the kernel once per file system, measured at 1.4–2.4 s
 * against 3.5–8.4 s to promotion for a 540 MB restore on a busy machine. It is set in
 * postgresql.auto.conf for this start only and reset once the server has promoted (the trade-off
 * — other files on the same file system are flushed too — is the operator's to make for later
 * crash restarts). Left alone when the restored configuration names the setting itself, when
 * the kernel would not report a failed write-back, and before PostgreSQL 14.
 */
async function useSyncfsForRecoveryStart(dir: string): Promise<boolean> {
  if (!syncfsReportsErrors()) return false;
  const major = parseInt(await fsp.readFile(path.join(dir, 'PG_VERSION'), 'utf8').catch(() => '0'), 10);
  if (!(major >= 14)) return false;
  for (const f of ['postgresql.conf', 'postgresql.auto.conf']) {
    const text = await fsp.readFile(path.join(dir, f), 'utf8').catch(() => '');
    if (/^\s*recovery_init_sync_method\b/m.test(text)) return false;
  }
  await fsp.appendFile(path.join(dir, 'postgresql.auto.conf'), `# pgkeep: for the recovery start only (reset after promotion)\nrecovery_init_sync_method = 'syncfs'\n`);
  return true;
}

/**
 * Start a restored directory (LocalCluster semantics: its own socket dir and log, the given
 * port, listen on 127.0.0.1), wait until it has promoted, and read where recovery stopped.
 */
export async function startRestored(o: {
  dir: string;
  binDir: string;
  port?: number;
  timeoutSeconds?: number;
  settings?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
  /** A throwaway cluster (drill, single-database PITR): socket only, see LocalClusterOptions.private. */
  private?: boolean;
  /** Runs from start to promotion (feedWal), aborted and awaited before the spool is removed. */
  feed?: (signal: AbortSignal) => Promise<unknown>;
}): Promise<StartedRestore> {
  const t0 = Date.now();
  const settings = { fsync: 'on', ...(o.settings ?? {}) };
  const oneStartSyncfs = settings.fsync !== 'off' && (await useSyncfsForRecoveryStart(o.dir));
  const cluster = await LocalCluster.create({ binDir: o.binDir, existingDataDir: path.resolve(o.dir), port: o.port, settings, private: o.private });
  const timeout = o.timeoutSeconds ?? 3600;
  const failed = async (why: string) => {
    const tail = (await cluster.serverLog()).trim().split('\n').filter((l) => /FATAL|PANIC|ERROR|DETAIL|recovery/.test(l)).slice(-5).join(' | ');
    return new PgkeepError(
      'recovery-failed',
      `The restored cluster in ${o.dir} ${why}${tail ? `: ${tail}` : '.'}`,
      `See the server log ${path.join(cluster.baseDir, 'server.log')}.`,
    );
  };
  const feeding = new AbortController();
  let fed: Promise<unknown> | undefined;
  const stopFeeding = async () => {
    feeding.abort();
    await fed?.catch(() => undefined);
  };
  try {
    // Started before the server, so the first segments past the stage are on their way.
    fed = o.feed?.(feeding.signal);
    fed?.catch(() => undefined);
    try {
      await cluster.start(timeout, o.env ?? {});
    } catch {
      throw await failed('did not start');
    }
    await waitPromoted(cluster, timeout, failed);
  } finally {
    await stopFeeding();
  }
  return await afterPromotion(o.dir, cluster, oneStartSyncfs, t0);
}

async function waitPromoted(cluster: LocalCluster, timeout: number, failed: (why: string) => Promise<PgkeepError>): Promise<void> {
  const deadline = Date.now() + timeout * 1000;
  for (;;) {
    let inRecovery: boolean | undefined;
    try {
      inRecovery = await withClient(cluster.env, 'postgres', async (c) => (await c.query<{ r: boolean }>('select pg_is_in_recovery() as r')).rows[0].r);
    } catch {
      if (!existsSync(path.join(cluster.dataDir, 'postmaster.pid'))) throw await failed('stopped during recovery');
    }
    if (inRecovery === false) break;
    if (Date.now() > deadline) throw await failed(`had not promoted after ${timeout} s`);
    // A query on the local socket costs a few ms; a coarse poll would add half its period to every restore.
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function afterPromotion(dir: string, cluster: LocalCluster, oneStartSyncfs: boolean, t0: number): Promise<StartedRestore> {
  const o = { dir };
  // The start-up sync is behind us: later crash restarts of this cluster sync as its own configuration says.
  if (oneStartSyncfs)
    await withClient(cluster.env, 'postgres', async (c) => {
      await c.query('alter system reset recovery_init_sync_method');
      await c.query('select pg_reload_conf()');
    }).catch((e) => log.warn(`restore: could not reset recovery_init_sync_method = syncfs in ${path.join(o.dir, 'postgresql.auto.conf')} (${(e as Error).message}); it only affects how a crash restart syncs the data directory: ALTER SYSTEM RESET recovery_init_sync_method removes it`));
  // The timeline from the current WAL file name: pg_control's checkpoint still names the old
  // one until the end-of-recovery checkpoint completes.
  const facts = await withClient(cluster.env, 'postgres', async (c) => {
    const r = await c.query<{ t: string | null; wal: string; lsn: string | null; seg: string }>(
      `select to_char(pg_last_xact_replay_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as t, pg_walfile_name(pg_current_wal_lsn()) as wal, pg_last_wal_replay_lsn()::text as lsn, current_setting('wal_segment_size') as seg`,
    );
    return r.rows[0];
  });
  // Staged segments recovery did not need (past the target) are of no further use.
  await fsp.rm(path.join(cluster.dataDir, 'pg_wal', PREFETCH_DIR), { recursive: true, force: true }).catch(() => undefined);
  const stopLine = (await cluster.serverLog()).split('\n').find((l) => /recovery stopping (before|after)/.test(l));
  return {
    cluster,
    lastReplayedXact: facts.t ?? undefined,
    stopLine: stopLine?.replace(/^.*?(recovery stopping)/, '$1').trim(),
    timeline: parseInt(facts.wal.slice(0, 8), 16),
    replayLsn: facts.lsn ? parseLsn(facts.lsn) : undefined,
    segSize: segSizeBytes(facts.seg),
    promotedSeconds: (Date.now() - t0) / 1000,
  };
}

/** ISO-8601 with microseconds, normalised (for reports). */
export function normaliseIso(s: string): string {
  return microsToIso(timestampToMicros(s));
}
