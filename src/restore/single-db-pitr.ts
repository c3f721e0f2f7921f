// Single-database point-in-time restore (`pgkeep restore --logical --database core --time T`):
// PostgreSQL can only recover a whole cluster, so the cluster is restored to T in an ephemeral
// local cluster (temp dir, free port, archive_mode off so it never writes into the repository),
// then `pg_dump -Fc core` from it streams into `pg_restore` on the live server as
// `core_restore` (never over an existing database unless --replace). Roles the dump needs and
// the live server lacks are created first from the ephemeral cluster's globals; the database's
// own properties as of T (encoding, locale, owner, comment, grants, connection limit, settings)
// come from the dump's DATABASE entries, as in a plain logical restore. The ephemeral cluster
// is always removed.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { serverEnv, type Config } from '../config/config.js';
import { withClient } from '../postgres/client.js';
import type { LocalCluster } from '../postgres/local-cluster.js';
import { resolveBinDir, runTool, startTool } from '../postgres/pg-tools.js';
import { openStore } from '../storage/open-store.js';
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';
import type { RestoreResult } from '../commands/types.js';
import { planFromRepository } from './plan-from-repo.js';
import { tablespaceTargetFrom } from './extract.js';
import { confirmReplay, normaliseIso, resolveCliPaths, startRestored, writeRestoredDataDir } from './execute.js';
import { undoOnCancel } from '../util/cancel-cleanup.js';
import { parseGlobalsRoles } from './globals-roles.js';
import { PROTECTED_DATABASES, checkDatabaseName, createRoles, databaseExists, missingRoles, restoreDumpInto } from './logical-restore.js';
import { repoUrlForServer } from './recovery-settings.js';
import { parseTargetTime } from './target-time.js';

export interface SingleDbPitrOptions {
  database: string;
  time: string;
  /** Default `<database>_restore`. */
  into?: string;
  replace: boolean;
  dryRun: boolean;
  /** Physical backup id (default: the planner's choice). */
  backup?: string;
  jobs?: number;
  /** Seconds to wait for the ephemeral cluster to promote (default 3600). */
  promoteTimeoutSeconds?: number;
}

/** pg_dump's stdout as a stream that fails (instead of ending short) when pg_dump fails. */
function dumpStream(binDir: string, env: Record<string, string>, database: string): Readable {
  const run = startTool(binDir, 'pg_dump', ['-Fc', '-Z', '0', '-d', database], { env, what: `pg_dump of "${database}" from the point-in-time cluster` });
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  run.stdout.pipe(out, { end: false });
  let ended = false;
  run.stdout.on('end', () => (ended = true));
  run.done.then(
    () => (ended ? out.end() : run.stdout.once('end', () => out.end())),
    (e) => out.destroy(e),
  );
  out.on('close', () => {
    if (!ended) run.kill();
  });
  return out;
}

export async function singleDatabasePitr(cfg: Config, o: SingleDbPitrOptions): Promise<RestoreResult> {
  const started = Date.now();
  const time = parseTargetTime(o.time);
  const source = o.database;
  const into = o.into ?? `${source}_restore`;
  checkDatabaseName(source, '--database');
  checkDatabaseName(into, '--into');
  if (into === source)
    throw new PgkeepError('refuse-source', `Refusing to restore into "${into}": it is the database being restored, and a restore never overwrites its source.`, `Restore into ${source}_restore (the default), check it, then run pgkeep swap ${source}.`);
  if (PROTECTED_DATABASES.includes(into)) throw new PgkeepError('bad-usage', `Refusing to restore into "${into}": it is a system database.`, 'Choose another --into name.');
  const exists = await databaseExists(cfg.pgEnv, into);
  if (exists && !o.replace)
    throw new PgkeepError('target-exists', `Database "${into}" already exists; a restore never overwrites it.`, `Choose another name with --into, or pass --replace to drop "${into}" first (only "${into}" is dropped).`);

  const store = openStore(cfg);
  const plan = await planFromRepository(store, { target: { kind: 'time', time: o.time }, backup: o.backup, pgBinDir: cfg.pgBinDir });
  const lines = [
    ...plan.lines,
    `Then: start it as an ephemeral local cluster (archive_mode off), wait for promotion at ${time.iso}`,
    `Then: pg_dump -Fc "${source}" from it | pg_restore into "${into}" on the live server${exists ? ` (dropping the existing "${into}": --replace)` : ''}; roles it lacks are created from the cluster's globals; "${into}" gets "${source}"'s encoding, locale, owner, comment, grants and settings as of then`,
    'Then: stop and delete the ephemeral cluster',
  ];
  const result = (dryRun: boolean, extra: Record<string, unknown> = {}): RestoreResult => ({
    dryRun,
    backupId: plan.backup.id,
    recoveredTo: time.iso,
    plan: lines,
    target: into,
    database: source,
    durationSeconds: (Date.now() - started) / 1000,
    ...extra,
  });
  if (o.dryRun) return result(true);

  const binDir = resolveBinDir(cfg.pgBinDir, Math.floor(plan.backup.pgVersionNum / 10000));
  const paths = resolveCliPaths(cfg.settings);
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-pitr-db-'));
  await fsp.chmod(work, 0o755);
  // A cancelled run (SIGINT/SIGTERM) removes the point-in-time copy too, not only on return.
  const releaseWork = undoOnCancel(`the point-in-time directory ${work}`, () => fsp.rm(work, { recursive: true, force: true }));
  const dataDir = path.join(work, 'data');
  let cluster: LocalCluster | undefined;
  try {
    await writeRestoredDataDir({ plan, store, dir: dataDir, node: paths.node, cli: paths.cli, repoUrl: repoUrlForServer(cfg), archiveMode: 'off', zstdCli: !cfg.settings.noZstdCli, tablespaceTarget: tablespaceTargetFrom(undefined, path.join(work, 'tablespaces')) });
    // Only this process talks to the ephemeral cluster: trust on its unix socket in a 0700
    // directory and no TCP (private), so no other local user can reach the copy.
    const s = await startRestored({ dir: dataDir, binDir, timeoutSeconds: o.promoteTimeoutSeconds, settings: { archive_mode: 'off' }, env: serverEnv(cfg), private: true });
    cluster = s.cluster;
    // Promotion is not proof that the target was reached (replay-check.ts): check before dumping.
    await confirmReplay(plan, s, 'The point-in-time cluster');
    const recoveredTo = s.lastReplayedXact ? normaliseIso(s.lastReplayedXact) : undefined;
    const user = await superuserOf(cluster, cfg.pgEnv.PGUSER);
    const env = { PGHOST: cluster.env.PGHOST, PGPORT: String(cluster.port), PGUSER: user };
    const has = await withClient(env, 'postgres', async (c) => ((await c.query('select 1 from pg_database where datname = $1', [source])).rowCount ?? 0) > 0);
    if (!has)
      throw new PgkeepError('unknown-database', `Database "${source}" did not exist at ${time.iso} (the cluster restored to that instant has no such database).`, 'Check the name and the time (pgkeep list shows the backups).');
    const globals = await runTool(binDir, 'pg_dumpall', ['--globals-only', '--no-role-passwords'], { env, what: 'pg_dumpall --globals-only of the point-in-time cluster' });
    const created = await createRoles(cfg.pgEnv, await missingRoles(cfg.pgEnv, parseGlobalsRoles(globals)));
    log.info(`restore: "${source}" as of ${recoveredTo ?? time.iso} → "${into}" on the live server`);
    await restoreDumpInto(cfg.pgEnv, binDir, async () => dumpStream(binDir, env, source), into, { replace: o.replace, jobs: o.jobs, databaseProperties: true });
    return result(false, { recoveredTo: recoveredTo ?? time.iso, createdRoles: created, stopLine: s.stopLine });
  } finally {
    if (cluster) await cluster.destroy().catch((e: Error) => log.warn(`could not remove the ephemeral cluster: ${e.message}`));
    await fsp.rm(work, { recursive: true, force: true }).catch((e: Error) => log.warn(`could not remove ${work}: ${e.message}`));
    releaseWork();
  }
}

/** A superuser of the restored cluster to dump as: the configured user, else postgres. */
async function superuserOf(c: LocalCluster, preferred?: string): Promise<string> {
  const names = [...new Set([preferred, 'postgres'].filter((x): x is string => !!x))];
  for (const n of names) {
    try {
      const ok = await withClient({ PGHOST: c.env.PGHOST, PGPORT: String(c.port), PGUSER: n }, 'postgres', async (cl) => (await cl.query<{ s: boolean }>('select rolsuper as s from pg_roles where rolname = current_user')).rows[0]?.s);
      if (ok) return n;
    } catch {
      /* try the next */
    }
  }
  throw new PgkeepError('no-superuser', `The point-in-time cluster has no superuser among ${names.join(', ')} to dump with.`, 'Run the restore with PGUSER set to a superuser of the backed-up cluster.');
}
