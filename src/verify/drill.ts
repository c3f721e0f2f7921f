// Restore drill: bring the newest physical backup (full, or an incremental chain) + archived WAL back as a real, ephemeral cluster,
// wait for promotion, check every database with pg_amcheck (heap + btree), restore each
// database of the newest logical backup into a scratch database, then remove everything.
// RTO = seconds from the drill's start to a usable, checked database; RPO = drill time minus
// the newest instant the restore reached.
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serverEnv, type Config } from '../config/config.js';
import type { VerifyProblem, VerifyResult } from '../commands/types.js';
import { restorePhysical } from '../commands/restore-physical.js';
import { withClient, type PgEnv } from '../postgres/client.js';
import { serverRunAs, type LocalCluster } from '../postgres/local-cluster.js';
import { formatLsn, parseLsn } from '../wal/segment.js';
import { checkReplayReached } from '../restore/replay-check.js';
import { startRestored, type StartedRestore } from '../restore/execute.js';
import { undoOnCancel } from '../util/cancel-cleanup.js';
import { resolveBinDir, runTool } from '../postgres/pg-tools.js';
import { findBackup, loadCatalog } from '../repo/catalog.js';
import { backupObjectKey } from '../repo/layout.js';
import type { Manifest } from '../repo/manifest.js';
import { openObject } from '../repo/object-io.js';
import { restoreDumpInto } from '../restore/logical-restore.js';
import { openStore } from '../storage/open-store.js';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { formatDuration, log } from '../util/log.js';

export interface DrillOptions {
  /** Physical backup to restore (default: the newest full or incremental one: a chain proves pg_combinebackup too). */
  backup?: string;
  /** Parent of the drill's temp directory. */
  tmpDir?: string;
  /** Seconds to wait for WAL replay and promotion. */
  promoteTimeoutSec?: number;
}

export interface DrillPhases {
  restoreSeconds?: number;
  recoverySeconds?: number;
  amcheckSeconds?: number;
  logicalSeconds?: number;
}

const secs = (from: number) => Math.round((Date.now() - from) / 100) / 10;

export async function runDrill(cfg: Config, opts: DrillOptions = {}): Promise<VerifyResult> {
  const started = Date.now();
  const store = openStore(cfg);
  const cat = await loadCatalog(store);
  const backup = opts.backup ? findBackup(cat, opts.backup, ['full', 'incr']) : findBackup(cat, 'latest', ['full', 'incr']);
  const logical = cat.backups.filter((b) => b.type === 'logical').pop();
  const binDir = resolveBinDir(cfg.pgBinDir, Math.floor(backup.pgVersionNum / 10000));
  const problems: VerifyProblem[] = [];
  const phases: DrillPhases = {};
  const checkedDatabases: string[] = [];
  const logicalRestored: string[] = [];
  let recoveredTo: string | undefined;
  let rtoSeconds: number | undefined;
  let replayedTo: string | undefined;
  const work = await fsp.mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'pgkeep-drill-'));
  await fsp.chmod(work, 0o755);
  // A cancelled run (SIGINT/SIGTERM) removes the restored copy too, not only on return.
  const releaseWork = undoOnCancel(`the drill directory ${work}`, () => fsp.rm(work, { recursive: true, force: true }));
  let cluster: LocalCluster | undefined;
  log.info(`drill: restoring ${backup.id} + WAL to the newest archived instant in ${work}`);
  try {
    const dataDir = path.join(work, 'data');
    let t = Date.now();
    let lastWal: string | undefined;
    let feed: ((signal: AbortSignal) => Promise<unknown>) | undefined;
    try {
      // archive_mode off: the drill cluster must never archive into the repository.
      const r = await restorePhysical(cfg, { target: { kind: 'latest' }, to: dataDir, backup: backup.id, dryRun: false, archiveMode: 'off', tablespacesUnder: path.join(work, 'tablespaces'), onFeed: (f) => (feed = f) });
      lastWal = r.wal.last;
    } catch (e) {
      throw new PgkeepError(
        'drill-failed',
        `Drill failed: restoring backup ${backup.id} failed: ${(e as Error).message}`,
        (e as PgkeepError).hint ?? 'Run pgkeep verify to see which object or WAL segment is damaged.',
      );
    }
    phases.restoreSeconds = secs(t);

    t = Date.now();
    let up: StartedRestore;
    try {
      // Only this process connects, whatever the source cluster required: trust on the unix socket
      // in a 0700 directory, no TCP (private), so no other local user can reach the copy.
      up = await startRestored({ dir: dataDir, binDir, timeoutSeconds: opts.promoteTimeoutSec ?? 3600, settings: { archive_mode: 'off', fsync: 'off' }, env: serverEnv(cfg), private: true, feed });
    } catch (e) {
      throw new PgkeepError('drill-failed', `Drill failed: the restored cluster of ${backup.id} did not come up: ${(e as Error).message}`);
    }
    cluster = up.cluster;
    const env = await superuserEnv(cluster);
    const facts = await clusterFacts(env);
    phases.recoverySeconds = secs(t);
    // Consistency is reached at the backup's stop LSN, so the backup's end is restorable even
    // when no transaction committed after it.
    recoveredTo = newest(up.lastReplayedXact, backup.stopTime)!;

    // Canary: it is the cluster that was backed up, and replay consumed the newest archived WAL
    // segment the plan named (not just the backup: a restore that stops early fails here).
    if (facts.systemIdentifier !== backup.systemIdentifier)
      problems.push({ backupId: backup.id, message: `restored cluster has system identifier ${facts.systemIdentifier}, the backup says ${backup.systemIdentifier}` });
    // (Replay ending exactly at the start of the last segment means it was never read.)
    if (lastWal) {
      const short = checkReplayReached(
        { target: { kind: 'latest' }, lastSegment: lastWal, consistentLsn: backup.stopLsn! },
        { replayLsn: facts.replayLsn ?? undefined, lastReplayedXact: up.lastReplayedXact, segSize: facts.segSize },
        `The drill's restored cluster of ${backup.id}`,
      );
      if (short) problems.push({ backupId: backup.id, message: `${short.message} Hint: ${short.hint}` });
    }
    replayedTo = facts.replayLsn !== null ? formatLsn(facts.replayLsn) : undefined;

    t = Date.now();
    try {
      await runTool(binDir, 'pg_amcheck', ['--all', '--heapallindexed', '--install-missing', '--no-strict-names', '-j', '2'], { env, what: 'pg_amcheck' });
      checkedDatabases.push(...facts.databases);
    } catch (e) {
      problems.push({ backupId: backup.id, message: `pg_amcheck found corruption in the restored cluster: ${(e as Error).message}` });
    }
    phases.amcheckSeconds = secs(t);
    rtoSeconds = secs(started);
    log.info(`drill: restored, promoted and checked in ${formatDuration(rtoSeconds)} (RTO); recovered to ${recoveredTo}`);

    if (logical) {
      t = Date.now();
      problems.push(...(await restoreLogicalIntoScratch(store, logical, env, binDir, logicalRestored)));
      phases.logicalSeconds = secs(t);
    }
  } catch (e) {
    if (e instanceof PgkeepError && e.code === 'drill-failed') problems.push({ backupId: backup.id, message: e.message + (e.hint ? ` Hint: ${e.hint}` : '') });
    else problems.push({ backupId: backup.id, message: `Drill failed: ${(e as Error).message}` });
  } finally {
    if (cluster) await cluster.destroy().catch(() => undefined);
    else await stopIfRunning(path.join(work, 'data'), binDir);
    await fsp.rm(work, { recursive: true, force: true }).catch((e: Error) => log.warn(`could not remove ${work}: ${e.message}`));
    releaseWork();
  }
  const rpoSeconds = recoveredTo ? Math.max(0, Math.round((started - Date.parse(recoveredTo)) / 1000)) : undefined;
  const ok = problems.length === 0;
  return {
    ok,
    backupId: backup.id,
    recoveredTo,
    rtoSeconds,
    rpoSeconds,
    checked: { backups: 1 + (logical ? 1 : 0), objects: 0, bytes: backup.bytes, walSegments: 0 },
    problems,
    durationSeconds: secs(started),
    phases,
    checkedDatabases,
    logicalBackupId: logical?.id,
    logicalRestored,
    replayedToLsn: replayedTo,
  };
}

/** A restored server we have no handle for (it failed to promote in time): stop it. */
async function stopIfRunning(dataDir: string, binDir: string): Promise<void> {
  if (!existsSync(path.join(dataDir, 'postmaster.pid'))) return;
  await runTool(binDir, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], { ...serverRunAs(), what: 'pg_ctl stop' }).catch(() => undefined);
}

function newest(...isos: (string | null | undefined)[]): string | undefined {
  const ts = isos.filter((x): x is string => !!x && !Number.isNaN(Date.parse(x))).map((x) => Date.parse(x));
  return ts.length ? new Date(Math.max(...ts)).toISOString() : undefined;
}

/** Trust on the private socket only (LocalCluster private): connect as the superuser `postgres`. */
async function superuserEnv(c: LocalCluster): Promise<PgEnv> {
  const base = { PGHOST: c.env.PGHOST, PGPORT: String(c.port), PGDATABASE: 'postgres' };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await withClient({ ...base, PGUSER: 'postgres' }, 'postgres', async () => undefined);
      return { ...base, PGUSER: 'postgres' };
    } catch (e) {
      const msg = (e as Error).message;
      if (/role .* does not exist/.test(msg))
        throw new PgkeepError('drill-failed', 'Drill failed: the restored cluster has no role "postgres" to check it as.', 'Drills connect as the superuser "postgres"; create that role on the source cluster.');
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function clusterFacts(env: PgEnv): Promise<{ systemIdentifier: string; databases: string[]; replayLsn: bigint | null; segSize: number }> {
  return withClient(env, 'postgres', async (cl) => {
    const q = await cl.query<{ sysid: string; lsn: string | null; seg: string }>(
      `select system_identifier::text as sysid, pg_last_wal_replay_lsn()::text as lsn, current_setting('wal_segment_size', true) as seg from pg_control_system()`,
    );
    const dbs = await cl.query<{ datname: string }>(`select datname from pg_database where datallowconn and not datistemplate order by 1`);
    const seg = /^(\d+)MB$/.exec(q.rows[0].seg);
    return {
      systemIdentifier: q.rows[0].sysid,
      databases: dbs.rows.map((x) => x.datname),
      replayLsn: q.rows[0].lsn ? parseLsn(q.rows[0].lsn) : null,
      segSize: seg ? Number(seg[1]) * 1048576 : 16 * 1048576,
    };
  });
}

/** Each database of a logical backup into `pgkeep_drill_<db>`, dropped again afterwards. */
async function restoreLogicalIntoScratch(store: Store, m: Manifest, env: PgEnv, binDir: string, restored: string[]): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  for (const o of m.objects.filter((x) => x.kind === 'dump' && x.database)) {
    const scratch = `pgkeep_drill_${o.database}`.slice(0, 63);
    try {
      await restoreDumpInto(env, binDir, () => openObject(store, backupObjectKey(m.id, o.name), o), scratch, { replace: true, rawBytes: o.rawBytes });
      restored.push(o.database!);
    } catch (e) {
      problems.push({ backupId: m.id, object: o.name, message: `pg_restore of ${o.name} into a scratch database failed: ${(e as Error).message}` });
    } finally {
      await withClient(env, 'postgres', (c) => c.query(`drop database if exists "${scratch.replace(/"/g, '""')}" with (force)`)).catch(() => undefined);
    }
  }
  return problems;
}
