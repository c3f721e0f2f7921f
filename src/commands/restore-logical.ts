// `pgkeep restore --logical`: one database from a logical backup into a new database.
// Order: pick the backup, check the target, verify the dump's checksum, then (and only then)
// create missing roles, create the database (the source's encoding and locale) and stream
// pg_restore, then give it the source's owner, comment, grants, connection limit and settings
// (ALTER DATABASE … SET, ALTER ROLE … IN DATABASE … SET), all read from the dump itself — so
// backups taken before pgkeep restored them get them too. --dry-run stops at the plan.
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
import { readDatabaseProperties } from '../restore/database-properties.js';
import { findExecutable } from '../util/find-executable.js';
import { parseGlobalsRoles, type RoleDef } from '../restore/globals-roles.js';
import { singleDatabasePitr } from '../restore/single-db-pitr.js';
import {
  PROTECTED_DATABASES,
  checkDatabaseName,
  createRoles,
  databaseExists,
  missingRoles,
  pgRestoreMajor,
  restoreDumpInto,
} from '../restore/logical-restore.js';
import { DUMP_KIND, GLOBALS_KIND } from '../backup/logical-backup.js';
import { openStore } from '../storage/open-store.js';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { formatBytes, log } from '../util/log.js';
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

/** The logical backup to restore `database` from: an id, or the newest logical backup that has it. */
export function pickLogicalBackup(cat: Catalog, ref: string, database: string): { backup: Manifest; dump: ManifestObject } {
  let backup: Manifest;
  if (ref === 'latest') {
    const logical = cat.backups.filter((b) => b.type === 'logical');
    if (!logical.length) throw new PgkeepError('no-backup', 'The repository has no logical backup yet.', 'Run pgkeep backup --type logical first.');
    const having = logical.filter((b) => b.objects.some((o) => o.kind === DUMP_KIND && o.database === database));
    if (!having.length) {
      const newest = logical[logical.length - 1];
      throw new PgkeepError(
        'unknown-database',
        `No logical backup contains database "${database}".`,
        `The newest logical backup ${newest.id} has: ${(newest.databases ?? []).join(', ') || 'no databases'}.`,
      );
    }
    backup = having[having.length - 1];
  } else {
    backup = findBackup(cat, ref);
    if (backup.type !== 'logical')
      throw new PgkeepError('wrong-backup-type', `Backup ${backup.id} is a ${backup.type} backup, not a logical one.`, 'Pick a logical backup (pgkeep list), or restore it with pgkeep restore --to DIR.');
  }
  const dump = backup.objects.find((o) => o.kind === DUMP_KIND && o.database === database);
  if (!dump)
    throw new PgkeepError(
      'unknown-database',
      `Backup ${backup.id} does not contain database "${database}".`,
      `It has: ${(backup.databases ?? []).join(', ') || 'no databases'}.`,
    );
  return { backup, dump };
}

/** The backup's role definitions (globals.sql), checksum-verified. */
export async function readBackupRoles(store: Store, backup: Manifest): Promise<{ roles: RoleDef[]; object?: ManifestObject }> {
  const object = backup.objects.find((o) => o.kind === GLOBALS_KIND);
  if (!object) return { roles: [] };
  const sql = (await streamToBuffer(await openObject(store, backupObjectKey(backup.id, object.name), object))).toString('utf8');
  return { roles: parseGlobalsRoles(sql), object };
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
  checkDatabaseName(source, '--database');
  checkDatabaseName(into, '--into');
  if (into === source)
    throw new PgkeepError(
      'refuse-source',
      `Refusing to restore into "${into}": it is the database being restored, and a restore never overwrites its source.`,
      `Restore into ${source}_restore (the default), check it, then run pgkeep swap ${source}.`,
    );
  if (PROTECTED_DATABASES.includes(into))
    throw new PgkeepError('bad-usage', `Refusing to restore into "${into}": it is a system database.`, 'Choose another --into name.');

  const store = openStore(cfg);
  // Independent look-ups side by side; a repository error is reported before a server one.
  const [cat, server] = await Promise.allSettled([loadCatalog(store), serverFacts(cfg.pgEnv)]);
  if (cat.status === 'rejected') throw cat.reason;
  // The backup asked for (unknown, unusable, no such database) is the first thing to report.
  const { backup, dump } = pickLogicalBackup(cat.value, opts.backup, source);
  if (server.status === 'rejected') throw server.reason;
  const facts = server.value;
  // pg_restore must be at least as new as the pg_dump that wrote the archive.
  const binDir = resolveBinDir(cfg.pgBinDir, Math.max(facts.major, Math.floor(backup.pgVersionNum / 10000)));
  const key = backupObjectKey(backup.id, dump.name);
  const openDump = () => openObject(store, key, dump);
  // What touches no server starts now, beside the look-ups below: the dump's checksum, and the
  // database's own properties from the archive's head (two short pg_restore runs). The checksum
  // still decides first (its failure is the one reported), and nothing reaches the server before
  // it passed. A dry run reads nothing.
  const settle = <T>(p: Promise<T>) => (p.catch(() => undefined), p);
  const verified = opts.dryRun ? undefined : settle(verifyObject(store, key, dump));
  const properties = opts.dryRun ? undefined : settle(readDatabaseProperties(binDir, openDump, into));
  if (!opts.dryRun) pgRestoreMajor(binDir);
  const [ex, rs] = await Promise.allSettled([
    databaseExists(cfg.pgEnv, into),
    readBackupRoles(store, backup).then(async (r) => ({ ...r, missing: await missingRoles(cfg.pgEnv, r.roles) })),
  ]);
  if (ex.status === 'rejected') throw ex.reason;
  const exists = ex.value;
  if (exists && !opts.replace)
    throw new PgkeepError('target-exists', `Database "${into}" already exists; a restore never overwrites it.`, `Choose another name with --into, or pass --replace to drop "${into}" first (only "${into}" is dropped).`);
  if (rs.status === 'rejected') throw rs.reason;
  const { roles, object: globals, missing } = rs.value;
  const jobs = opts.jobs && opts.jobs > 1 ? opts.jobs : undefined;
  const plan = [
    `backup ${backup.id} (taken ${backup.startTime}, PostgreSQL ${backup.pgVersion}), database "${source}": ${dump.name}, ${formatBytes(dump.bytes)} stored, ${formatBytes(dump.rawBytes)} raw`,
    `verify size and SHA-256 of ${dump.name} before touching the server`,
    missing.length
      ? `create missing role(s) from ${globals?.name}: ${missing.map((r) => r.name).join(', ')} (existing roles are not altered)`
      : `roles: every role in the backup exists already (${roles.length}); none is created or altered`,
    ...(exists ? [`drop existing database "${into}" (--replace; "${source}" is not touched)`] : []),
    `create database "${into}" with the encoding and locale "${source}" has in the dump`,
    jobs
      ? `stage the dump in a private temp file (${formatBytes(dump.rawBytes)} on local disk) and run pg_restore -j ${jobs} into "${into}"`
      : `stream the dump into pg_restore -d "${into}"`,
    `then give "${into}" what "${source}" had as a database in the dump: owner, comment, grants (GRANT/REVOKE … ON DATABASE), connection limit, template flag, ALTER DATABASE … SET and ALTER ROLE … IN DATABASE … SET`,
  ];
  const result = (dryRun: boolean, createdRoles: string[] = []): RestoreResult => ({
    dryRun,
    backupId: backup.id,
    plan,
    target: into,
    database: source,
    createdRoles,
    durationSeconds: (Date.now() - started) / 1000,
  });
  if (opts.dryRun) return result(true);
  for (const l of plan) log.info(`restore plan: ${l}`);

  log.info(`verifying ${dump.name} (${formatBytes(dump.bytes)})`);
  await verified;
  // A wrong age identity fails here, on the dump's header, before the server is touched.
  if (dump.encryption === 'age') await checkAgeIdentity(await store.get(key), key);
  await properties;
  const created = await createRoles(cfg.pgEnv, missing);
  const zstd = dump.compression === 'zstd' && !cfg.settings.noZstdCli ? findExecutable('zstd') : undefined;
  await restoreDumpInto(cfg.pgEnv, binDir, openDump, into, {
    replace: opts.replace,
    jobs,
    rawBytes: dump.rawBytes,
    databaseProperties: true,
    properties,
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
  log.info(`restored "${source}" from ${backup.id} into "${into}"`);
  return result(false, created);
}
