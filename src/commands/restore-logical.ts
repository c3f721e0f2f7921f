// `pgkeep restore --logical`: databases from a logical backup into new databases — one
// (--database, optionally --into) or several of the same backup in one run (--databases, each
// into <db>_restore, cfg.parallel at a time, largest dump first).
// Order: pick the backup, check the targets, verify every dump's checksum, then (and only then)
// create missing roles (once), create each database (the source's encoding and locale) and
// stream pg_restore, then give it the source's owner, comment, grants, connection limit and
// settings (ALTER DATABASE … SET, ALTER ROLE … IN DATABASE … SET), all read from the dump itself —
// so backups taken before pgkeep restored them get them too. --dry-run stops at the plan.
// Everything that can refuse does so for all databases together, before anything is created.
import { PassThrough, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ageDecryptStream, checkAgeIdentity } from '../util/age.js';
import type { Config } from '../config/config.js';
import { resolveBinDir } from '../postgres/pg-tools.js';
import { serverFacts } from '../postgres/client.js';
import { findBackup, loadCatalog, type Catalog } from '../repo/catalog.js';
import { backupObjectKey } from '../repo/layout.js';
import type { Manifest, ManifestObject } from '../repo/manifest.js';
import { openObject, verifyObject, verifyingStream } from '../repo/object-io.js';
import { readDatabaseProperties, type DatabaseProperties } from '../restore/database-properties.js';
import { findExecutable } from '../util/find-executable.js';
import { parseGlobalsRoles, type RoleDef } from '../restore/globals-roles.js';
import { singleDatabasePitr } from '../restore/single-db-pitr.js';
import {
  PROTECTED_DATABASES,
  checkDatabaseName,
  createRoles,
  existingDatabases,
  missingRoles,
  pgRestoreMajor,
  restoreDumpInto,
} from '../restore/logical-restore.js';
import { DUMP_KIND, GLOBALS_KIND } from '../backup/logical-backup.js';
import { openStore } from '../storage/open-store.js';
import type { Store } from '../storage/store.js';
import { PgkeepError, describeError, isPgkeepError } from '../util/errors.js';
import { formatBytes, log } from '../util/log.js';
import { formatNameList } from '../util/name-list.js';
import { streamToBuffer } from '../util/streams.js';
import type { RestoreResult } from './types.js';

export interface LogicalRestoreOptions {
  database: string;
  /** Backup id or 'latest'. */
  backup: string;
  /** Target database; default `<database>_restore`. */
  into?: string;
  replace: boolean;
  dryRun: boolean;
  /** Point-in-time for a single database: see src/restore/single-db-pitr.ts (physical backup + WAL, not a logical backup). */
  time?: string;
  /** pg_restore -j for large databases. */
  jobs?: number;
}

export interface LogicalRestoreManyOptions {
  /** Databases of one logical backup; each goes into `<database>_restore`. */
  databases: string[];
  /** Backup id or 'latest' (the newest logical backup that has all of them). */
  backup: string;
  replace: boolean;
  dryRun: boolean;
  /** pg_restore -j of each restore. */
  jobs?: number;
}

/** One database of a --databases run, in the result (--json: `databases`). */
export interface RestoredDatabase {
  database: string;
  target: string;
  /** Dropped and created again (--replace). */
  replaced: boolean;
  /** Time of this database's own restore (absent in a dry run). */
  durationSeconds?: number;
  /** Only in a LogicalRestoreManyError: this database's restore failed, for this cause (one sentence, no hint). */
  failed?: string;
  /** Only in a LogicalRestoreManyError: not started, because another database failed first. */
  notStarted?: boolean;
}

/**
 * A --databases run that failed once restores had started: the one-paragraph error, plus what
 * became of each database (restored, failed with its cause, not started) for callers that show
 * it as a table (the pg-restore action's summary).
 */
export class LogicalRestoreManyError extends PgkeepError {
  constructor(
    readonly backupId: string,
    readonly databases: RestoredDatabase[],
    message: string,
    hint: string,
  ) {
    super('restore-failed', message, hint);
  }
}

const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(', ');

/**
 * The logical backup to restore `databases` from: an id, or the newest logical backup that has
 * all of them; with each one's dump, in the order asked.
 */
export function pickLogicalBackupFor(cat: Catalog, ref: string, databases: string[]): { backup: Manifest; dumps: ManifestObject[] } {
  const one = databases.length === 1;
  const has = (b: Manifest, db: string) => b.objects.some((o) => o.kind === DUMP_KIND && o.database === db);
  let backup: Manifest;
  if (ref === 'latest') {
    const logical = cat.backups.filter((b) => b.type === 'logical');
    if (!logical.length) throw new PgkeepError('no-backup', 'The repository has no logical backup yet.', 'Run pgkeep backup --type logical first.');
    const having = logical.filter((b) => databases.every((db) => has(b, db)));
    if (!having.length) {
      const newest = logical[logical.length - 1];
      const lacks = databases.filter((db) => !has(newest, db));
      throw new PgkeepError(
        'unknown-database',
        one ? `No logical backup contains database "${databases[0]}".` : `No logical backup contains all of ${quoted(databases)}.`,
        `The newest logical backup ${newest.id} has: ${(newest.databases ?? []).join(', ') || 'no databases'}.${one ? '' : ` It lacks ${quoted(lacks)}; restore the others with --databases, or pick a backup with --backup.`}`,
      );
    }
    backup = having[having.length - 1];
  } else {
    backup = findBackup(cat, ref);
    if (backup.type !== 'logical')
      throw new PgkeepError('wrong-backup-type', `Backup ${backup.id} is a ${backup.type} backup, not a logical one.`, 'Pick a logical backup (pgkeep list), or restore it with pgkeep restore --to DIR.');
  }
  const lacks = databases.filter((db) => !has(backup, db));
  if (lacks.length)
    throw new PgkeepError(
      'unknown-database',
      one ? `Backup ${backup.id} does not contain database "${lacks[0]}".` : `Backup ${backup.id} does not contain ${lacks.length > 1 ? 'databases' : 'database'} ${quoted(lacks)}.`,
      `It has: ${(backup.databases ?? []).join(', ') || 'no databases'}.`,
    );
  return { backup, dumps: databases.map((db) => backup.objects.find((o) => o.kind === DUMP_KIND && o.database === db)!) };
}

/** The logical backup to restore `database` from: an id, or the newest logical backup that has it. */
export function pickLogicalBackup(cat: Catalog, ref: string, database: string): { backup: Manifest; dump: ManifestObject } {
  const { backup, dumps } = pickLogicalBackupFor(cat, ref, [database]);
  return { backup, dump: dumps[0] };
}

/** The backup's role definitions (globals.sql), checksum-verified. */
export async function readBackupRoles(store: Store, backup: Manifest): Promise<{ roles: RoleDef[]; object?: ManifestObject }> {
  const object = backup.objects.find((o) => o.kind === GLOBALS_KIND);
  if (!object) return { roles: [] };
  const sql = (await streamToBuffer(await openObject(store, backupObjectKey(backup.id, object.name), object))).toString('utf8');
  return { roles: parseGlobalsRoles(sql), object };
}

/** One database to restore, as planned: its dump, its target, and the reads started early. */
interface PlannedTarget {
  source: string;
  into: string;
  dump: ManifestObject;
  key: string;
  exists: boolean;
  verified?: Promise<void>;
  properties?: Promise<DatabaseProperties | undefined>;
}

interface LogicalPlan {
  store: Store;
  backup: Manifest;
  binDir: string;
  /** In restore order (largest raw dump first). */
  targets: PlannedTarget[];
  missing: RoleDef[];
  jobs?: number;
  plan: string[];
}

interface Requested {
  source: string;
  into: string;
}

const settle = <T>(p: Promise<T>) => (p.catch(() => undefined), p);

/**
 * Everything that can refuse, for all databases together and before anything is created: names,
 * the backup, the targets, and (started here, awaited by executeLogicalPlan) each dump's
 * checksum and database properties. A dry run reads no dump.
 */
async function planLogicalRestore(cfg: Config, requested: Requested[], o: { backup: string; replace: boolean; dryRun: boolean; jobs?: number; flag: string }): Promise<LogicalPlan> {
  const one = requested.length === 1;
  const sources = requested.map((r) => r.source);
  for (const { source, into } of requested) {
    checkDatabaseName(source, o.flag);
    checkDatabaseName(into, one ? '--into' : `Target of "${source}"`);
    if (into === source)
      throw new PgkeepError(
        'refuse-source',
        `Refusing to restore into "${into}": it is the database being restored, and a restore never overwrites its source.`,
        `Restore into ${source}_restore (the default), check it, then run pgkeep swap ${source}.`,
      );
    if (PROTECTED_DATABASES.includes(into))
      throw new PgkeepError('bad-usage', `Refusing to restore into "${into}": it is a system database.`, 'Choose another --into name.');
    // --databases a,a_restore: a's target is a database this same run restores from.
    if (sources.includes(into))
      throw new PgkeepError('bad-usage', `Refusing to restore "${source}" into "${into}": "${into}" is also one of the databases being restored.`, `Restore "${source}" in a run of its own with --into another name.`);
  }

  const store = openStore(cfg);
  // Independent look-ups side by side; a repository error is reported before a server one.
  const [cat, server] = await Promise.allSettled([loadCatalog(store), serverFacts(cfg.pgEnv)]);
  if (cat.status === 'rejected') throw cat.reason;
  // The backup asked for (unknown, unusable, missing a database) is the first thing to report.
  const { backup, dumps } = pickLogicalBackupFor(cat.value, o.backup, sources);
  if (server.status === 'rejected') throw server.reason;
  const facts = server.value;
  // pg_restore must be at least as new as the pg_dump that wrote the archive.
  const binDir = resolveBinDir(cfg.pgBinDir, Math.max(facts.major, Math.floor(backup.pgVersionNum / 10000)));
  // What touches no server starts now, beside the look-ups below: each dump's checksum, and each
  // database's own properties from the archive's head (two short pg_restore runs). The checksum
  // still decides first (its failure is the one reported), and nothing reaches the server before
  // every dump passed.
  const targets: PlannedTarget[] = requested.map(({ source, into }, i) => {
    const dump = dumps[i];
    const key = backupObjectKey(backup.id, dump.name);
    return {
      source,
      into,
      dump,
      key,
      exists: false,
      verified: o.dryRun ? undefined : settle(verifyObject(store, key, dump)),
      properties: o.dryRun ? undefined : settle(readDatabaseProperties(binDir, () => openObject(store, key, dump), into)),
    };
  });
  if (!o.dryRun) pgRestoreMajor(binDir);
  const [ex, rs] = await Promise.allSettled([
    existingDatabases(cfg.pgEnv, targets.map((t) => t.into)),
    readBackupRoles(store, backup).then(async (r) => ({ ...r, missing: await missingRoles(cfg.pgEnv, r.roles) })),
  ]);
  if (ex.status === 'rejected') throw ex.reason;
  for (const t of targets) t.exists = ex.value.includes(t.into);
  const taken = targets.filter((t) => t.exists).map((t) => t.into);
  if (taken.length && !o.replace)
    throw one
      ? new PgkeepError('target-exists', `Database "${taken[0]}" already exists; a restore never overwrites it.`, `Choose another name with --into, or pass --replace to drop "${taken[0]}" first (only "${taken[0]}" is dropped).`)
      : new PgkeepError(
          'target-exists',
          `${taken.length > 1 ? 'Databases' : 'Database'} ${quoted(taken)} already ${taken.length > 1 ? 'exist' : 'exists'}; a restore never overwrites, so none of ${quoted(sources)} was restored.`,
          `Drop or rename ${taken.length > 1 ? 'them' : 'it'}, leave ${taken.length > 1 ? 'their databases' : 'its database'} out of --databases, or pass --replace to drop the targets first (only the <database>_restore targets are dropped).`,
        );
  if (rs.status === 'rejected') throw rs.reason;
  const { roles, object: globals, missing } = rs.value;
  const jobs = o.jobs && o.jobs > 1 ? o.jobs : undefined;
  // Largest first: the longest restore starts at once instead of running alone at the end.
  const ordered = [...targets].sort((a, b) => b.dump.rawBytes - a.dump.rawBytes);
  const rolesLine = missing.length
    ? `create missing role(s) from ${globals?.name}: ${missing.map((r) => r.name).join(', ')} (existing roles are not altered)`
    : `roles: every role in the backup exists already (${roles.length}); none is created or altered`;
  const loadLine = (t: PlannedTarget) =>
    jobs
      ? `stage the dump in a private temp file (${formatBytes(t.dump.rawBytes)} on local disk) and run pg_restore -j ${jobs} into "${t.into}"`
      : `stream the dump into pg_restore -d "${t.into}"`;
  const propertiesLine = (t: PlannedTarget) =>
    `then give "${t.into}" what "${t.source}" had as a database in the dump: owner, comment, grants (GRANT/REVOKE … ON DATABASE), connection limit, template flag, ALTER DATABASE … SET and ALTER ROLE … IN DATABASE … SET`;
  const taken1 = (t: PlannedTarget) => `${formatBytes(t.dump.bytes)} stored, ${formatBytes(t.dump.rawBytes)} raw`;
  const backupLine = `backup ${backup.id} (taken ${backup.startTime}, PostgreSQL ${backup.pgVersion})`;
  const plan = one
    ? [
        `${backupLine}, database "${ordered[0].source}": ${ordered[0].dump.name}, ${taken1(ordered[0])}`,
        `verify size and SHA-256 of ${ordered[0].dump.name} before touching the server`,
        rolesLine,
        ...(ordered[0].exists ? [`drop existing database "${ordered[0].into}" (--replace; "${ordered[0].source}" is not touched)`] : []),
        `create database "${ordered[0].into}" with the encoding and locale "${ordered[0].source}" has in the dump`,
        loadLine(ordered[0]),
        propertiesLine(ordered[0]),
      ]
    : [
        `${backupLine}, ${ordered.length} databases: ${sources.join(', ')}`,
        `verify size and SHA-256 of every dump (${ordered.map((t) => t.dump.name).join(', ')}) before touching the server`,
        rolesLine,
        `restore ${Math.min(cfg.parallel, ordered.length)} at a time (PGKEEP_PARALLEL), largest dump first; after a failure no further restore starts, the failed one's new database is dropped and the restored ones stay`,
        ...ordered.map(
          (t) =>
            `"${t.source}" → "${t.into}": ${t.dump.name}, ${taken1(t)}; ${t.exists ? `drop existing "${t.into}" (--replace), ` : ''}create it with the encoding and locale of "${t.source}" in the dump, ${loadLine(t)}, then give it the owner, comment, grants, connection limit, template flag and settings "${t.source}" had`,
        ),
      ];
  return { store, backup, binDir, targets: ordered, missing, jobs, plan };
}

/** Restore one planned database (its checks have passed): the per-database steps of both paths. */
async function restoreTarget(cfg: Config, p: LogicalPlan, t: PlannedTarget, replace: boolean): Promise<void> {
  const { store, backup } = p;
  const { dump, key } = t;
  const zstd = dump.compression === 'zstd' && !cfg.settings.noZstdCli ? findExecutable('zstd') : undefined;
  await restoreDumpInto(cfg.pgEnv, p.binDir, () => openObject(store, key, dump), t.into, {
    replace,
    jobs: p.jobs,
    rawBytes: dump.rawBytes,
    databaseProperties: true,
    properties: t.properties,
    compressed: zstd
      ? {
          zstd,
          what: `${dump.name} of backup ${backup.id}`,
          rawPerStoredByte: dump.bytes > 0 ? dump.rawBytes / dump.bytes : 0,
          // The stored bytes, checked again as they stream (a copy changed since the check above
          // fails the restore), then decrypted; zstd -d does the rest.
          open: async () => {
            const stages: NodeJS.ReadWriteStream[] = [verifyingStream(dump, key), ...(dump.encryption === 'age' ? [ageDecryptStream(key)] : [])];
            const out = new PassThrough({ highWaterMark: 1 << 20 });
            pipeline(await store.get(key), ...(stages as [Transform]), out).catch((e) => out.destroy(e));
            return out;
          },
        }
      : undefined,
  });
  log.info(`restored "${t.source}" from ${backup.id} into "${t.into}"`);
}

type Outcome = { t: PlannedTarget; seconds: number; error?: undefined } | { t: PlannedTarget; error: unknown } | { t: PlannedTarget; notStarted: true; error?: undefined };

/**
 * Run a plan: wait for every dump's checksum (and age header, and properties), create the missing
 * roles once, then restore `parallel` databases at a time; after a failure none is started.
 */
async function executeLogicalPlan(cfg: Config, p: LogicalPlan, replace: boolean, parallel: number): Promise<{ createdRoles: string[]; outcomes: Outcome[] }> {
  for (const l of p.plan) log.info(`restore plan: ${l}`);
  for (const t of p.targets) log.info(`verifying ${t.dump.name} (${formatBytes(t.dump.bytes)})`);
  for (const t of p.targets) await t.verified;
  // A wrong age identity fails here, on the dumps' headers, before the server is touched.
  for (const t of p.targets) if (t.dump.encryption === 'age') await checkAgeIdentity(await p.store.get(t.key), t.key);
  for (const t of p.targets) await t.properties;
  const createdRoles = await createRoles(cfg.pgEnv, p.missing);
  const outcomes: Outcome[] = p.targets.map((t) => ({ t, notStarted: true }));
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < p.targets.length) {
      const i = next++;
      const t = p.targets[i];
      const started = Date.now();
      try {
        await restoreTarget(cfg, p, t, replace);
        outcomes[i] = { t, seconds: (Date.now() - started) / 1000 };
      } catch (e) {
        failed = true;
        outcomes[i] = { t, error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, p.targets.length)) }, worker));
  return { createdRoles, outcomes };
}

export async function restoreLogical(cfg: Config, opts: LogicalRestoreOptions): Promise<RestoreResult> {
  // One database as of a point in time: the cluster is recovered in an ephemeral cluster from a
  // physical backup + WAL, then that database is dumped into <database>_restore here.
  if (opts.time)
    return singleDatabasePitr(cfg, {
      database: opts.database,
      time: opts.time,
      into: opts.into,
      replace: opts.replace,
      dryRun: opts.dryRun,
      backup: opts.backup === 'latest' ? undefined : opts.backup,
      jobs: opts.jobs,
    });
  const started = Date.now();
  const source = opts.database;
  const into = opts.into ?? `${source}_restore`;
  const p = await planLogicalRestore(cfg, [{ source, into }], { ...opts, flag: '--database' });
  const result = (dryRun: boolean, createdRoles: string[] = []): RestoreResult => ({
    dryRun,
    backupId: p.backup.id,
    plan: p.plan,
    target: into,
    database: source,
    createdRoles,
    durationSeconds: (Date.now() - started) / 1000,
  });
  if (opts.dryRun) return result(true);
  const { createdRoles, outcomes } = await executeLogicalPlan(cfg, p, opts.replace, 1);
  if (outcomes[0].error !== undefined) throw outcomes[0].error;
  return result(false, createdRoles);
}

/** Several databases of one logical backup, each into `<database>_restore`, in one run. */
export async function restoreLogicalMany(cfg: Config, opts: LogicalRestoreManyOptions): Promise<RestoreResult> {
  const started = Date.now();
  const sources = [...new Set(opts.databases)];
  if (!sources.length) throw new PgkeepError('bad-usage', '--databases is empty: expected a comma-separated list such as core,keycloak.');
  const p = await planLogicalRestore(cfg, sources.map((source) => ({ source, into: `${source}_restore` })), { ...opts, flag: '--databases' });
  const listed = (done?: Map<PlannedTarget, number>): RestoredDatabase[] =>
    p.targets
      .filter((t) => !done || done.has(t))
      .map((t) => ({ database: t.source, target: t.into, replaced: t.exists, ...(done ? { durationSeconds: done.get(t) } : {}) }));
  const result = (dryRun: boolean, databases: RestoredDatabase[], createdRoles: string[] = []): RestoreResult => ({
    dryRun,
    backupId: p.backup.id,
    plan: p.plan,
    databases,
    createdRoles,
    durationSeconds: (Date.now() - started) / 1000,
  });
  if (opts.dryRun) return result(true, listed());
  const { createdRoles, outcomes } = await executeLogicalPlan(cfg, p, opts.replace, cfg.parallel);
  const done = new Map<PlannedTarget, number>();
  for (const o of outcomes) if ('seconds' in o) done.set(o.t, o.seconds);
  const failures = outcomes.filter((o) => o.error !== undefined);
  if (failures.length) {
    const notStarted = outcomes.filter((o) => 'notStarted' in o).map((o) => o.t.source);
    const cause = (e: unknown) => describeError(e).replace(/\.$/, '');
    const each: RestoredDatabase[] = outcomes.map((o) => ({
      database: o.t.source,
      target: o.t.into,
      replaced: o.t.exists,
      ...('seconds' in o ? { durationSeconds: o.seconds } : o.error !== undefined ? { failed: isPgkeepError(o.error) ? o.error.message.replace(/\.$/, '') : cause(o.error) } : { notStarted: true }),
    }));
    throw new LogicalRestoreManyError(
      p.backup.id,
      each,
      `Restoring from backup ${p.backup.id} failed for ${failures.map((f) => `"${f.t.source}" (into "${f.t.into}": ${cause(f.error)})`).join(' and for ')}. ` +
        `Restored: ${done.size ? [...done.keys()].map((t) => `"${t.source}" into "${t.into}"`).join(', ') : 'none'}` +
        `${notStarted.length ? `; not started after the failure: ${quoted(notStarted)}` : ''}.`,
      `A failed restore drops the database it created. Fix the cause and restore the rest with --databases ${formatNameList([...failures.map((f) => f.t.source), ...notStarted])}; the restored databases stay as they are.`,
    );
  }
  return result(false, listed(done), createdRoles);
}
