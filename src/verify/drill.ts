// Restore drill: bring the newest full backup + archived WAL back as a real, ephemeral cluster,
// wait for promotion, check every database with pg_amcheck (heap + btree), restore each
// database of the newest logical backup into a scratch database, then remove everything.
// RTO = seconds from the drill's start to a usable, checked database; RPO = drill time minus
// the newest instant the restore reached.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/config.js';
import type { VerifyProblem, VerifyResult } from '../commands/types.js';
import { restorePhysical } from '../commands/restore-physical.js';
import { withClient, type PgEnv } from '../postgres/client.js';
import { LocalCluster, freePort } from '../postgres/local-cluster.js';
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
  /** Physical backup to restore (default: the newest full backup). */
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
  const backup = opts.backup ? findBackup(cat, opts.backup, ['full', 'incr']) : findBackup(cat, 'latest', ['full']);
  const logical = cat.backups.filter((b) => b.type === 'logical').pop();
  const binDir = resolveBinDir(cfg.pgBinDir, Math.floor(backup.pgVersionNum / 10000));
  const problems: VerifyProblem[] = [];
  const phases: DrillPhases = {};
  const checkedDatabases: string[] = [];
  const logicalRestored: string[] = [];
  let recoveredTo: string | undefined;
  let rtoSeconds: number | undefined;
  const work = await fsp.mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'pgkeep-drill-'));
  await fsp.chmod(work, 0o755);
  let cluster: LocalCluster | undefined;
  log.info(`drill: restoring ${backup.id} + WAL to the newest archived instant in ${work}`);
  try {
    const dataDir = path.join(work, 'data');
    const port = await freePort();
    let t = Date.now();
    let restoreReached: string | undefined;
    try {
      const r = await restorePhysical(cfg, { target: { kind: 'latest' }, to: dataDir, backup: backup.id, dryRun: false });
      restoreReached = r.recoveredTo;
    } catch (e) {
      throw new PgkeepError(
        'drill-failed',
        `Drill failed: restoring backup ${backup.id} failed: ${(e as Error).message}`,
        (e as PgkeepError).hint ?? 'Run pgkeep verify to see which object or WAL segment is damaged.',
      );
    }
    phases.restoreSeconds = secs(t);

    // The drill cluster must never archive into the repository, whatever the backup's settings.
    await fsp.appendFile(path.join(dataDir, 'postgresql.auto.conf'), `\n# pgkeep drill\narchive_mode = 'off'\n`);
    await fsp.writeFile(path.join(dataDir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    cluster = await LocalCluster.create({ binDir, baseDir: work, existingDataDir: dataDir, port, settings: { archive_mode: 'off', max_connections: 20 } });
    t = Date.now();
    try {
      await cluster.start(opts.promoteTimeoutSec ?? 600);
    } catch (e) {
      const tail = (await cluster.serverLog()).trim().split('\n').slice(-5).join(' | ');
      throw new PgkeepError('drill-failed', `Drill failed: the restored cluster of ${backup.id} did not start: ${(e as Error).message} Server log: ${tail}`);
    }
    const env = await superuserEnv(cluster);
    const facts = await waitForPromotion(env, opts.promoteTimeoutSec ?? 600, cluster);
    phases.recoverySeconds = secs(t);
    recoveredTo = newest(restoreReached, facts.lastReplay) ?? backup.stopTime;

    // Canary: the cluster is the one backed up, and it reached at least the backup's end.
    if (facts.systemIdentifier !== backup.systemIdentifier)
      problems.push({ backupId: backup.id, message: `restored cluster has system identifier ${facts.systemIdentifier}, the backup says ${backup.systemIdentifier}` });
    if (Date.parse(recoveredTo) < Date.parse(backup.stopTime))
      problems.push({ backupId: backup.id, message: `restore reached ${recoveredTo}, before the backup's own end ${backup.stopTime}` });

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
    if (cluster) await cluster.stop('immediate').catch(() => undefined);
    await fsp.rm(work, { recursive: true, force: true }).catch((e: Error) => log.warn(`could not remove ${work}: ${e.message}`));
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
  };
}

function newest(...isos: (string | null | undefined)[]): string | undefined {
  const ts = isos.filter((x): x is string => !!x && !Number.isNaN(Date.parse(x))).map((x) => Date.parse(x));
  return ts.length ? new Date(Math.max(...ts)).toISOString() : undefined;
}

/** Trust auth on 127.0.0.1 only (pg_hba was replaced): connect as the superuser `postgres`. */
async function superuserEnv(c: LocalCluster): Promise<PgEnv> {
  const base = { PGHOST: '127.0.0.1', PGPORT: String(c.port), PGDATABASE: 'postgres' };
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

async function waitForPromotion(env: PgEnv, timeoutSec: number, c: LocalCluster): Promise<{ lastReplay: string | null; systemIdentifier: string; databases: string[] }> {
  const deadline = Date.now() + timeoutSec * 1000;
  for (;;) {
    const r = await withClient(env, 'postgres', async (cl) => {
      const q = await cl.query<{ rec: boolean; last: Date | null; sysid: string }>(
        `select pg_is_in_recovery() as rec, pg_last_xact_replay_timestamp() as last, (select system_identifier::text from pg_control_system()) as sysid`,
      );
      const dbs = await cl.query<{ datname: string }>(`select datname from pg_database where datallowconn and not datistemplate order by 1`);
      return { ...q.rows[0], databases: dbs.rows.map((x) => x.datname) };
    });
    if (!r.rec) return { lastReplay: r.last ? r.last.toISOString() : null, systemIdentifier: r.sysid, databases: r.databases };
    if (Date.now() > deadline) {
      const tail = (await c.serverLog()).trim().split('\n').slice(-3).join(' | ');
      throw new PgkeepError('drill-failed', `Drill failed: the restored cluster was still in recovery after ${timeoutSec} s. Server log: ${tail}`);
    }
    await new Promise((res) => setTimeout(res, 300));
  }
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
