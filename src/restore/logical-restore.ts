// Logical restore building blocks: create missing roles from a backup's globals, and restore a
// pg_dump custom-format stream into a new database (never over one that exists unless the
// caller asked to replace it; a target this code created is dropped again if the restore fails).
// The PITR single-database restore reuses restoreDumpInto with a dump from an ephemeral cluster.
// With `databaseProperties`, the target is created as the dump describes the source (encoding,
// locale) and gets the source's own properties after the data (src/restore/database-properties.ts).
// A pg_restore newer than the server may write session settings the server does not know
// (src/restore/preamble-filter.ts): then its SQL goes through psql, serially, without them.
// The load runs with a session setting for a bulk load into a new database (loadSessionOptions),
// passed in PGOPTIONS: nothing in the server's configuration changes.
import { execFile } from 'node:child_process';
import { createWriteStream, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { ident, withClient, type PgEnv } from '../postgres/client.js';
import { runTool, startTool, toolMajor, toolPath, type ToolRun } from '../postgres/pg-tools.js';
import { PgkeepError } from '../util/errors.js';
import { formatBytes, log, progress } from '../util/log.js';
import { ByteCounter } from '../util/streams.js';
import { readDatabaseProperties, type DatabaseProperties } from './database-properties.js';
import { PreambleFilter, settingsUnknownTo } from './preamble-filter.js';
import type { RoleDef } from './globals-roles.js';
import { pipeThroughZstd } from './zstd-pipe.js';

/** Databases a restore must never target (dropping them would break the cluster). */
export const PROTECTED_DATABASES = ['postgres', 'template0', 'template1'];

/** A database to connect to for CREATE/DROP/RENAME of the named ones. */
export function maintenanceDb(env: PgEnv, avoid: string[]): string {
  for (const d of ['postgres', 'template1', env.PGDATABASE]) if (d && !avoid.includes(d)) return d;
  return 'template1';
}

export function checkDatabaseName(name: string, what: string): void {
  if (!name || Buffer.byteLength(name) > 63 || name.includes('\0'))
    throw new PgkeepError('bad-usage', `${what} "${name}" is not a valid database name.`, 'PostgreSQL database names are 1 to 63 bytes.');
}

export async function databaseExists(env: PgEnv, name: string): Promise<boolean> {
  return (await existingDatabases(env, [name])).length > 0;
}

/** Which of `names` exist, in one query (a multi-database restore checks all its targets at once). */
export async function existingDatabases(env: PgEnv, names: string[]): Promise<string[]> {
  if (!names.length) return [];
  return withClient(env, maintenanceDb(env, names), async (c) => {
    const r = await c.query<{ datname: string }>('select datname from pg_database where datname = any($1::text[])', [names]);
    return r.rows.map((x) => x.datname);
  });
}

/**
 * Run exactly one statement: the extended protocol refuses a second one, so even a statement
 * that was misread could never carry another along.
 */
export async function queryOne(c: pg.Client, text: string): Promise<void> {
  await c.query({ text, queryMode: 'extended' } as pg.QueryConfig);
}

/** Roles of the backup that the server does not have. */
export async function missingRoles(env: PgEnv, roles: RoleDef[]): Promise<RoleDef[]> {
  if (!roles.length) return [];
  return withClient(env, maintenanceDb(env, []), async (c) => {
    const r = await c.query<{ rolname: string }>('select rolname from pg_roles');
    const have = new Set(r.rows.map((x) => x.rolname));
    return roles.filter((x) => !have.has(x.name));
  });
}

/**
 * Create the given (missing) roles with their attributes, settings and memberships. All roles
 * are created in one transaction; a membership or per-database setting that cannot be applied
 * is a warning.
 * Statements are never logged: they may carry password hashes.
 */
export async function createRoles(env: PgEnv, roles: RoleDef[]): Promise<string[]> {
  if (!roles.length) return [];
  return withClient(env, maintenanceDb(env, []), async (c) => {
    await c.query('begin');
    try {
      for (const r of roles) {
        for (const s of r.statements) {
          try {
            await queryOne(c, s);
          } catch (e) {
            throw new PgkeepError(
              'role-failed',
              `Could not create role "${r.name}" from the backup's globals: ${(e as Error).message}.`,
              'The restoring user needs CREATEROLE (or superuser); or create the role by hand and retry.',
            );
          }
        }
      }
      await c.query('commit');
    } catch (e) {
      await c.query('rollback').catch(() => undefined);
      throw e;
    }
    for (const r of roles)
      for (const s of r.bestEffort)
        await queryOne(c, s).catch((e: Error) => log.warn(`role "${r.name}": a membership or per-database setting from the backup was not applied (${e.message})`));
    log.info(`created role(s) from the backup's globals: ${roles.map((r) => r.name).join(', ')}`);
    return roles.map((r) => r.name);
  });
}

async function dropDatabase(c: pg.Client, name: string): Promise<void> {
  // A template cannot be dropped (a restore brings the flag back with the database's properties).
  const t = await c.query<{ t: boolean }>('select datistemplate as t from pg_database where datname = $1', [name]);
  if (t.rows[0]?.t) await c.query(`alter database ${ident(name)} is_template false`);
  await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
  const v = await c.query<{ v: string }>(`select current_setting('server_version_num') as v`);
  await c.query(`drop database if exists ${ident(name)}${Number(v.rows[0].v) >= 130000 ? ' with (force)' : ''}`);
}

/** libpq conninfo value quoting, so a database name is never parsed as a connection string. */
export function conninfoDbname(name: string): string {
  return `dbname='${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export interface RestoreIntoOptions {
  /** Drop `into` first when it exists. */
  replace: boolean;
  /** pg_restore -j N: stages the dump in a temp file (pg_restore needs to seek for parallel jobs). */
  jobs?: number;
  /** Expected raw size, for progress. */
  rawBytes?: number;
  /**
   * Create `into` with the dump's encoding and locale, and give it the dumped database's owner,
   * comment, grants, connection limit, template flag and settings (also per role) afterwards.
   */
  databaseProperties?: boolean;
  /**
   * The properties, already being read by the caller (so that the read overlaps its own checks,
   * e.g. the dump's checksum); used instead of reading them here.
   */
  properties?: Promise<DatabaseProperties | undefined>;
  /**
   * The dump as stored (zstd, verified and decrypted as it streams) and the zstd CLI: the serial
   * restore then runs zstd -d | pg_restore without passing the raw dump through this process
   * (src/restore/zstd-pipe.ts). openDump still serves the other paths.
   */
  compressed?: { open: () => Promise<Readable>; zstd: string; what: string; rawPerStoredByte: number };
}

/** CREATE DATABASE as the dump describes it, or a plain one. */
async function createTarget(c: pg.Client, into: string, props: DatabaseProperties | undefined): Promise<void> {
  if (!props) {
    await c.query(`create database ${ident(into)} template template0`);
    return;
  }
  let create = props.create;
  if (props.tablespace !== undefined && !(await c.query('select 1 from pg_tablespace where spcname = $1', [props.tablespace])).rowCount) {
    log.warn(`the source database's default tablespace "${props.tablespace}" does not exist here; "${into}" is created in the server's default tablespace`);
    create = props.createWithoutTablespace;
  }
  try {
    await queryOne(c, create);
  } catch (e) {
    throw new PgkeepError(
      'create-failed',
      `Could not create "${into}" with the encoding and locale of "${props.source}" from the backup: ${(e as Error).message}.`,
      'The restoring server must offer the source\'s encoding and locale (CREATE DATABASE … LOCALE); install the locale, or restore on a server that has it.',
    );
  }
}

/** The dumped database's own properties, onto `into`: all or none. */
async function applyProperties(c: pg.Client, into: string, props: DatabaseProperties): Promise<void> {
  await c.query('begin');
  try {
    for (const s of props.statements) await queryOne(c, s);
    await c.query('commit');
  } catch (e) {
    await c.query('rollback').catch(() => undefined);
    throw new PgkeepError(
      'database-properties-failed',
      `Could not give "${into}" the owner, grants or settings "${props.source}" had in the backup: ${(e as Error).message}.`,
      'The roles they name must exist and the restoring user must be allowed to grant to them (superuser, or owner with CREATEROLE).',
    );
  }
  log.info(`"${into}" has the owner, comment, grants, connection limit and settings of "${props.source}" (${props.statements.length} statement(s) from the dump)`);
}

/**
 * Create database `into` and restore a pg_dump custom-format stream into it. If the restore
 * fails, the database this call created is dropped; a database that existed before is only
 * ever dropped with `replace`.
 */
export async function restoreDumpInto(
  env: PgEnv,
  binDir: string,
  openDump: () => Promise<Readable>,
  into: string,
  opts: RestoreIntoOptions,
): Promise<void> {
  checkDatabaseName(into, 'Target database');
  if (PROTECTED_DATABASES.includes(into))
    throw new PgkeepError('bad-usage', `Refusing to restore into "${into}": it is a system database.`, 'Choose another --into name.');
  const admin = maintenanceDb(env, [into]);
  // Neither touches the server: the archive's head through pg_restore, and pg_restore's version.
  const propsRead = opts.databaseProperties ? (opts.properties ?? readDatabaseProperties(binDir, openDump, into)) : Promise.resolve(undefined);
  const restoreMajor = pgRestoreMajor(binDir);
  propsRead.catch(() => undefined);
  const props = await propsRead;
  if (opts.databaseProperties && !props) log.warn(`the dump holds no DATABASE entry: "${into}" gets the schema and data only, with this server's defaults for owner, settings and grants`);
  let dropLines: string[] = [];
  await withClient(env, admin, async (c) => {
    const v = await c.query<{ v: string }>(`select current_setting('server_version_num') as v`);
    const serverMajor = Math.floor(Number(v.rows[0].v) / 10000);
    dropLines = scriptRestoreNeeded(binDir, await restoreMajor, serverMajor);
    const exists = ((await c.query('select 1 from pg_database where datname = $1', [into])).rowCount ?? 0) > 0;
    if (exists && !opts.replace)
      throw new PgkeepError('target-exists', `Database "${into}" already exists; a restore never overwrites it.`, `Choose another name with --into, or pass --replace to drop "${into}" first.`);
    if (exists) {
      log.info(`dropping existing database "${into}" (--replace)`);
      await dropDatabase(c, into);
    }
    await createTarget(c, into, props);
  });

  const toolEnv = { ...env, PGDATABASE: into, PGOPTIONS: loadSessionOptions(env.PGOPTIONS) };
  const restoreArgs = ['--exit-on-error', '-d', conninfoDbname(into)];
  const p = progress(`restore into ${into}`, opts.rawBytes);
  let tmpDir: string | undefined;
  try {
    if (dropLines.length) {
      if (opts.jobs && opts.jobs > 1)
        log.warn(`--jobs ${opts.jobs} is not used: every pg_restore -j worker would send ${dropLines.join(' ')} to "${into}"'s server, which does not know it; restoring serially through psql instead`);
      await restoreThroughPsql(binDir, await openDump(), into, toolEnv, dropLines, p);
    } else if (opts.jobs && opts.jobs > 1) {
      tmpDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-restore-'));
      const file = path.join(tmpDir, 'database.dump');
      await pipeline(await openDump(), new ByteCounter((n) => p.add(n)), createWriteStream(file, { mode: 0o600, flags: 'wx' }));
      log.info(`staged the dump in ${file} (${formatBytes(p.bytes)}); pg_restore -j ${opts.jobs}`);
      await runTool(binDir, 'pg_restore', [...restoreArgs, '-j', String(opts.jobs), file], { env: toolEnv, what: `pg_restore into "${into}"` });
    } else {
      const what = `pg_restore into "${into}"`;
      let run: ToolRun;
      let feed: Promise<void>;
      if (opts.compressed) {
        const z = opts.compressed;
        const piped = pipeThroughZstd(z.zstd, (stdin) => startTool(binDir, 'pg_restore', restoreArgs, { env: toolEnv, stdin, what }), z.open, z.what, (n) => p.add(n * z.rawPerStoredByte));
        ({ run, fed: feed } = piped);
      } else {
        const dump = await openDump();
        run = startTool(binDir, 'pg_restore', restoreArgs, { env: toolEnv, stdin: 'pipe', what });
        feed = pipeline(dump, new ByteCounter((n) => p.add(n)), run.stdin!);
      }
      feed.catch(() => run.kill());
      const [f, d] = await Promise.allSettled([feed, run.done]);
      // A dump that could not be read (checksum, storage, decryption, corrupt zstd data) is the
      // cause whatever pg_restore then said about its truncated input.
      if (f.status === 'rejected' && !closedByReader(f.reason)) throw f.reason;
      // pg_restore stopping early breaks the pipe: its own error explains why.
      if (d.status === 'rejected') throw d.reason;
      // pg_restore may exit (successfully) the instant it has read its last block, closing its
      // stdin before our side saw 'finish': that race is not a failure. The dump's checksum was
      // verified before the server was touched, so nothing unchecked slips through here.
    }
    p.done();
    await withClient(env, admin, async (c) => {
      // The load committed asynchronously (synchronous_commit=off): one synchronous commit of a
      // transaction with an xid flushes the WAL up to it, so what was restored is durable from here.
      await c.query('select txid_current()');
      // After the data: a connection limit, a read-only default or a search_path must not meet pg_restore.
      if (props) await applyProperties(c, into, props);
    });
  } catch (e) {
    log.warn(`restore into "${into}" failed; dropping the database it created`);
    await withClient(env, admin, (c) => dropDatabase(c, into)).catch((de: Error) =>
      log.warn(`could not drop "${into}" after the failed restore: ${de.message}`),
    );
    throw e;
  } finally {
    if (tmpDir) await fsp.rm(tmpDir, { recursive: true, force: true });
  }
}

/**
 * Settings for the sessions that load a dump into a new database; settable by any user (a
 * setting the role may not change would refuse the connection). synchronous_commit=off:
 * pg_restore commits once per table, index and constraint, and none of them waits for a WAL
 * flush (a crash mid-restore fails the restore anyway; one synchronous commit at the end makes
 * it durable, see restoreDumpInto). Measured and left out (bench data set, 2 cores, interleaved
 * rounds): maintenance_work_mem=256MB and max_parallel_maintenance_workers=4 made the restore
 * of core slower (medians 6.0 s and 7.0 s against 4.7 s): parallel index build workers competed
 * for the server's cores. The server's own values decide; an operator can add them in PGOPTIONS.
 * The operator's own PGOPTIONS come after ours, so they override.
 */
export function loadSessionOptions(userOptions: string | undefined): string {
  const ours = '-c synchronous_commit=off';
  return userOptions?.trim() ? `${ours} ${userOptions.trim()}` : ours;
}

/** A reader closing its end early (it is done, or failed and says so itself). */
// ECANCELED: a write still queued on the pipe when the reader exited (libuv cancels it).
const closedByReader = (e: unknown) => ['ERR_STREAM_PREMATURE_CLOSE', 'EPIPE', 'ERR_STREAM_DESTROYED', 'ECANCELED'].includes((e as NodeJS.ErrnoException)?.code ?? '');

/**
 * The preamble lines this pg_restore would send that a server of `serverMajor` refuses (none when
 * pg_restore -d works as it is). psql from the same bin directory must run to take its place.
 */
function scriptRestoreNeeded(binDir: string, restoreMajor: number | undefined, serverMajor: number): string[] {
  const lines = restoreMajor ? settingsUnknownTo(restoreMajor, serverMajor) : [];
  if (lines.length && !toolMajor(toolPath(binDir, 'psql')))
    throw new PgkeepError(
      'no-pg-tools',
      `pg_restore ${restoreMajor} (${toolPath(binDir, 'pg_restore')}) sends ${lines.join(' ')}, which PostgreSQL ${serverMajor} refuses, and there is no psql beside it to restore its SQL without that line.`,
      `Install psql ${restoreMajor} next to pg_restore (postgresql-client-${restoreMajor}), or point PGKEEP_PG_BINDIR at a bin directory that has both.`,
    );
  return lines;
}

const restoreMajors = new Map<string, Promise<number | undefined>>();
/** pg_restore's major, asked once per bin directory and without blocking (a caller may start it early). */
export function pgRestoreMajor(binDir: string): Promise<number | undefined> {
  const file = toolPath(binDir, 'pg_restore');
  let m = restoreMajors.get(file);
  if (!m) restoreMajors.set(file, (m = toolMajorAsync(file)));
  return m;
}

/** toolMajor without blocking: it runs while the dump's head is read. */
function toolMajorAsync(file: string): Promise<number | undefined> {
  return new Promise((resolve) =>
    execFile(file, ['--version'], { encoding: 'utf8', timeout: 10_000 }, (e, out) => {
      if (e) return resolve(undefined);
      const m = /\(PostgreSQL\)\s+(\d+)/.exec(out) ?? /(\d+)(?:\.\d+)*/.exec(out);
      resolve(m ? Number(m[1]) : undefined);
    }),
  );
}

/**
 * pg_restore -f - | filter | psql: the same statements pg_restore -d would run, one at a time
 * and each committed as it goes (no --single-transaction, as before), stopping at the first
 * error (ON_ERROR_STOP; psql's own message, with the script line, becomes the error).
 */
async function restoreThroughPsql(
  binDir: string,
  dump: Readable,
  into: string,
  env: Record<string, string>,
  dropLines: string[],
  p: { add(n: number): void },
): Promise<void> {
  const restore = startTool(binDir, 'pg_restore', ['--exit-on-error', '-f', '-'], { env, stdin: 'pipe', what: `pg_restore of the dump for "${into}"` });
  const psql = startTool(binDir, 'psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', conninfoDbname(into), '-f', '-'], {
    env,
    stdin: 'pipe',
    what: `pg_restore into "${into}" (its SQL through psql)`,
  });
  psql.stdout.resume();
  const filter = new PreambleFilter(dropLines);
  const feed = pipeline(dump, new ByteCounter((n) => p.add(n)), restore.stdin!);
  feed.catch(() => restore.kill());
  const sql = pipeline(restore.stdout, filter, psql.stdin!);
  const [f, r, s, q] = await Promise.allSettled([feed, restore.done, sql, psql.done]);
  // Which failure explains it: the dump could not be read; else the server refused a statement
  // (pg_restore then dies on the closed pipe); else pg_restore itself failed (psql saw a short
  // script and may have exited 0); the pipes last. pg_restore may exit 0 without reading the
  // dump's last bytes (see restoreDumpInto): that alone is no failure.
  if (f.status === 'rejected' && !closedByReader(f.reason)) throw f.reason;
  if (q.status === 'rejected') throw q.reason;
  if (r.status === 'rejected') throw r.reason;
  if (s.status === 'rejected') throw s.reason;
  log.info(`restored "${into}" through psql without ${filter.dropped.join(' ') || 'any preamble line'} (the server does not have that setting)`);
}
