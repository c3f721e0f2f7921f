// Logical backups: `pg_dumpall --globals-only` (roles, tablespaces) plus one `pg_dump -Fc -Z0`
// per database, each streamed through zstd and SHA-256 into the repository. The manifest is
// written last; on any failure the objects written so far are deleted and the lock released.
// Dumps are compressed as independent zstd frames on the thread pool (parallel-zstd.ts): one
// zstd stream compressing inline was the bottleneck (pg_dump itself is ~4x faster), and
// concatenated frames are still one .zst file that `zstd -dc` reads.
import os from 'node:os';
import type { Config } from '../config/config.js';
import type { BackupOptions } from '../commands/backup.js';
import type { BackupResult } from '../commands/types.js';
import { serverFacts, withClient, type PgEnv, type ServerFacts } from '../postgres/client.js';
import { resolveBinDir, startTool, type ToolRun } from '../postgres/pg-tools.js';
import { ensureRepoInfo, freshBackupId, writeJson } from '../repo/catalog.js';
import { backupObjectKey, backupPrefix, manifestKey, FORMAT_VERSION } from '../repo/layout.js';
import { acquireLock } from '../repo/lock.js';
import type { Manifest, ManifestObject } from '../repo/manifest.js';
import { writeObject } from '../repo/object-io.js';
import { openStore } from '../storage/open-store.js';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { formatBytes, log, progress } from '../util/log.js';
import { mapLimit, type Compression } from '../util/streams.js';
import { VERSION } from '../version.js';
import { AGE_SUFFIX, ageRecipients } from '../util/age.js';
import { zstdWorkersFor } from '../config/settings.js';
import { ParallelZstd } from './parallel-zstd.js';
import { probeZstdCli, startToolThroughZstd, type ZstdDumpRun } from './zstd-cli-dump.js';

export const GLOBALS_KIND = 'globals';
export const DUMP_KIND = 'dump';

const ext = (c: Compression, encrypted = false) => (c.kind === 'zstd' ? '.zst' : '') + (encrypted ? AGE_SUFFIX : '');

/** `core` → `core.dump.zst` (`core.dump.zst.age` encrypted); names that are not plain file names are percent-encoded. */
export function dumpObjectName(database: string, c: Compression, encrypted = false): string {
  const safe = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(database) ? database : encodeURIComponent(database).replace(/\./g, '%2E');
  return `${safe}.dump${ext(c, encrypted)}`;
}
export const globalsObjectName = (c: Compression, encrypted = false) => `globals.sql${ext(c, encrypted)}`;

/** The databases to dump: all that the server lists, or the requested ones (unknown → error). */
export function selectDatabases(available: string[], requested?: string[]): string[] {
  if (!requested?.length) {
    if (!available.length) throw new PgkeepError('no-database', 'The server has no database that accepts connections to back up.');
    return refuseLineBreaks(available);
  }
  const unknown = requested.filter((d) => !available.includes(d));
  if (unknown.length) {
    // Names may hold commas, quotes and newlines: show each as a JSON string so the list is unambiguous.
    const q = (d: string) => JSON.stringify(d);
    const joined = requested.join(',');
    throw new PgkeepError(
      'unknown-database',
      `Database${unknown.length > 1 ? 's' : ''} ${unknown.map(q).join(', ')} not found on the server.`,
      available.includes(joined) && requested.length > 1
        ? `A comma separates names; for the database ${q(joined)} write the comma with a backslash: ${joined.replace(/[\\,]/g, '\\$&')}.`
        : `The server has: ${available.map(q).join(', ')}.`,
    );
  }
  return refuseLineBreaks([...new Set(requested)]);
}

/**
 * PostgreSQL's own pg_restore (and pg_dumpall) refuse a database name holding a newline or
 * carriage return since 13.22/14.19/15.14/16.10/17.6 (CVE-2025-8714): such a dump is written
 * but cannot be restored. Refuse before writing anything rather than keep an unrestorable backup.
 */
function refuseLineBreaks(databases: string[]): string[] {
  const bad = databases.filter((d) => /[\r\n]/.test(d));
  if (bad.length)
    throw new PgkeepError(
      'unsupported-database-name',
      `Database name${bad.length > 1 ? 's' : ''} ${bad.map((d) => JSON.stringify(d)).join(', ')} hold${bad.length > 1 ? '' : 's'} a line break, which PostgreSQL's pg_restore refuses to restore; nothing was backed up.`,
      'Rename it (ALTER DATABASE … RENAME TO …), or back up the other databases with --databases.',
    );
  return databases;
}

/** Pipe a running tool's stdout into an object; the tool's own failure wins over the writer's. */
export async function toolToObject(
  run: ToolRun | ZstdDumpRun,
  store: Store,
  key: string,
  compression: Compression,
  onRawBytes?: (n: number) => void,
  encryptFor?: string[],
  zstdWorkers = 0,
): Promise<Awaited<ReturnType<typeof writeObject>>> {
  // A run through the zstd CLI (zstd-cli-dump.ts) already writes zstd; otherwise zstdWorkers > 0:
  // parallel frames (then age, as for every object: compress before encrypting).
  const precompressed = 'sizes' in run;
  const compressWith = !precompressed && compression.kind === 'zstd' && zstdWorkers > 0 ? new ParallelZstd(compression.level, zstdWorkers) : undefined;
  const write = writeObject(store, key, run.stdout, compression, { onRawBytes, encryptFor, compressWith, precompressed });
  write.catch(() => run.kill());
  const [w, d] = await Promise.allSettled([write, run.done]);
  if (d.status === 'rejected') {
    await store.delete(key).catch(() => undefined);
    // A tool we killed because the store failed reports a signal; the store's error is the cause.
    if (w.status === 'rejected' && run.child.signalCode) throw w.reason;
    throw d.reason;
  }
  if (w.status === 'rejected') throw w.reason;
  if (!precompressed) return w.value;
  // What zstd says it wrote must be what was stored (before age): anything else is a lost byte.
  const { raw, compressed } = run.sizes();
  if (compressed !== w.value.rawBytes) {
    await store.delete(key).catch(() => undefined);
    throw new PgkeepError('tool-failed', `zstd reported ${compressed} compressed bytes for ${key}, but ${w.value.rawBytes} arrived; nothing was kept.`);
  }
  return { ...w.value, rawBytes: raw };
}

export async function logicalBackup(cfg: Config, opts: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const store = openStore(cfg);
  // Everything that can be refused is checked before the first byte is written.
  const facts: ServerFacts = await serverFacts(cfg.pgEnv);
  const databases = selectDatabases(facts.databases, opts.databases);
  const binDir = resolveBinDir(cfg.pgBinDir, facts.major);
  const recipients = ageRecipients();
  await store.check();

  // expire removes incomplete backup directories: never run beside it.
  const lock = await acquireLock(store, 'backup-logical', { conflictsWith: (l) => l.name === 'expire' });
  let id: string | undefined;
  try {
    await ensureRepoInfo(store, facts.systemIdentifier);
    const startTime = new Date();
    id = await freshBackupId(store, startTime, 'logical');
    const backupId = id;
    log.info(`backup ${backupId}: ${databases.length} database(s) from PostgreSQL ${facts.version} into ${store.description}, ${cfg.parallel} in parallel`);
    const env = { ...cfg.pgEnv };
    const objects: ManifestObject[] = [];

    const globalsArgs = ['--globals-only'];
    if (!facts.isSuperuser) {
      // pg_authid is readable by superusers only; without it pg_dumpall fails outright.
      globalsArgs.push('--no-role-passwords');
      log.warn('connected as a non-superuser: role passwords are not included in globals.sql');
    }
    const gName = globalsObjectName(cfg.compression, !!recipients);
    // Globals run beside the dumps (they take a fraction of a second, the dumps the rest).
    const globals = toolToObject(
      startTool(binDir, 'pg_dumpall', globalsArgs, { env, what: 'pg_dumpall --globals-only' }),
      lock.guard(store),
      backupObjectKey(backupId, gName),
      cfg.compression,
      undefined,
      recipients,
    ).then((g) => {
      log.info(`globals: ${formatBytes(g.rawBytes)} → ${formatBytes(g.bytes)}`);
      return g;
    });

    const compression = dumpCompression(cfg);
    // The zstd CLI, fed by pg_dump directly, when there is one (see zstd-cli-dump.ts); else
    // independent frames on the thread pool, every dump with the whole budget (the pool bounds
    // what really runs at once, and the big database, dumped last alone, still uses every worker).
    // PGKEEP_ZSTD_WORKERS=0: one zstd stream per dump, compressed inline (as before).
    const zstdCli = compression.kind === 'zstd' && cfg.settings.zstdWorkers !== 0 ? probeZstdCli(cfg.settings.noZstdCli) : undefined;
    const zstdWorkers = cfg.settings.zstdWorkers === 0 ? 0 : zstdWorkersFor(cfg.settings, 'client', os.availableParallelism());
    if (compression.kind === 'zstd')
      log.info(zstdCli ? `dumps: zstd level ${compression.level}, by ${zstdCli} reading pg_dump's output` : `dumps: zstd level ${compression.level}, up to ${zstdWorkers} frames at once per dump`);
    const order = await largestFirst(env, databases);
    const dumping = mapLimit(order, cfg.parallel, async (db) => {
      const name = dumpObjectName(db, compression, !!recipients);
      const toolOpts = { env: { ...env, PGDATABASE: db }, what: `pg_dump of database "${db}"` };
      const run =
        zstdCli && compression.kind === 'zstd'
          ? startToolThroughZstd(zstdCli, compression.level, binDir, 'pg_dump', ['-Fc', '-Z0'], toolOpts)
          : startTool(binDir, 'pg_dump', ['-Fc', '-Z0'], toolOpts);
      // Through the zstd CLI only the stored (compressed) bytes pass here: the progress counts those.
      const p = progress(zstdCli ? `dump ${db} (compressed)` : `dump ${db}`);
      const w = await toolToObject(run, lock.guard(store), backupObjectKey(backupId, name), compression, (n) => p.add(n), recipients, zstdWorkers);
      p.done();
      return { name, kind: DUMP_KIND, database: db, ...w } satisfies ManifestObject;
    });
    // Both settle before either's error is thrown: the cleanup must not race a running writer.
    const [g, d] = await Promise.allSettled([globals, dumping]);
    if (g.status === 'rejected') throw g.reason;
    if (d.status === 'rejected') throw d.reason;
    const dumps = d.value;
    objects.push({ name: gName, kind: GLOBALS_KIND, ...g.value });
    // The manifest lists the dumps in the order of `databases`, whatever order they ran in.
    objects.push(...databases.map((db) => dumps[order.indexOf(db)]));

    const stopTime = new Date();
    const bytes = objects.reduce((s, o) => s + o.bytes, 0);
    const rawBytes = objects.reduce((s, o) => s + o.rawBytes, 0);
    const manifest: Manifest = {
      format: FORMAT_VERSION,
      id: backupId,
      type: 'logical',
      startTime: startTime.toISOString(),
      stopTime: stopTime.toISOString(),
      pgVersion: facts.version,
      pgVersionNum: facts.versionNum,
      systemIdentifier: facts.systemIdentifier,
      databases,
      bytes,
      rawBytes,
      objects,
      ...(recipients ? { encryption: { method: 'age' as const, recipients } } : {}),
      tool: { name: 'pgkeep', version: VERSION },
      extra: { dumpFormat: 'custom', parallel: cfg.parallel, rolePasswords: facts.isSuperuser },
    };
    // The manifest makes the backup exist: written only while the lock is provably still ours.
    await lock.confirm();
    await writeJson(lock.guard(store), manifestKey(backupId), manifest, true);
    const durationSeconds = (Date.now() - started) / 1000;
    log.info(`backup ${backupId}: ${formatBytes(rawBytes)} raw → ${formatBytes(bytes)} stored in ${durationSeconds.toFixed(1)} s`);
    return {
      id: backupId,
      type: 'logical',
      startTime: manifest.startTime,
      stopTime: manifest.stopTime,
      bytes,
      rawBytes,
      durationSeconds,
      databases,
      objects: objects.map((o) => ({ name: o.name, bytes: o.bytes, rawBytes: o.rawBytes })),
    };
  } catch (e) {
    if (id) await deleteBackupObjects(store, id);
    throw e;
  } finally {
    await lock.release();
  }
}

/**
 * The databases, largest first: with fewer slots than databases, the longest dump starts at once
 * instead of last. Without the right to read a size (CONNECT), the given order.
 */
async function largestFirst(env: PgEnv, databases: string[]): Promise<string[]> {
  if (databases.length < 2) return databases;
  try {
    const r = await withClient(env, undefined, (c) =>
      c.query<{ datname: string; size: string }>('select datname, pg_database_size(oid)::text as size from pg_database where datname = any($1)', [databases]),
    );
    const size = new Map(r.rows.map((x) => [x.datname, Number(x.size)]));
    return [...databases].sort((a, b) => (size.get(b) ?? 0) - (size.get(a) ?? 0));
  } catch {
    return databases;
  }
}

/**
 * The dumps' compression: PGKEEP_COMPRESS when given, else zstd level 1. Measured on the bench
 * data set's pg_dump -Fc -Z0 of core (183 MiB): level 1 took ~40% less CPU than level 3 and
 * stored 3.5% fewer bytes (zstd CLI 1.5.4 agrees: 39.4 vs 41.0 MB), so 3 buys nothing here.
 */
export function dumpCompression(cfg: Pick<Config, 'compression' | 'compressionGiven'>): Compression {
  return cfg.compressionGiven ? cfg.compression : { kind: 'zstd', level: DUMP_LEVEL_DEFAULT };
}
export const DUMP_LEVEL_DEFAULT = 1;

/** Remove every object under backups/<id>/ (a failed backup leaves nothing behind). */
export async function deleteBackupObjects(store: Store, id: string): Promise<void> {
  try {
    const objs = await store.list(backupPrefix(id));
    await mapLimit(objs, 8, (o) => store.delete(o.key));
  } catch (e) {
    log.warn(`could not remove the objects of failed backup ${id}: ${(e as Error).message}`);
  }
}
