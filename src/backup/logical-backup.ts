// Logical backups: `pg_dumpall --globals-only` (roles, tablespaces) plus one `pg_dump -Fc -Z0`
// per database, each streamed through zstd and SHA-256 into the repository. The manifest is
// written last; on any failure the objects written so far are deleted and the lock released.
import type { Config } from '../config/config.js';
import type { BackupOptions } from '../commands/backup.js';
import type { BackupResult } from '../commands/types.js';
import { serverFacts, type ServerFacts } from '../postgres/client.js';
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
  run: ToolRun,
  store: Store,
  key: string,
  compression: Compression,
  onRawBytes?: (n: number) => void,
  encryptFor?: string[],
): Promise<Awaited<ReturnType<typeof writeObject>>> {
  const write = writeObject(store, key, run.stdout, compression, { onRawBytes, encryptFor });
  write.catch(() => run.kill());
  const [w, d] = await Promise.allSettled([write, run.done]);
  if (d.status === 'rejected') {
    await store.delete(key).catch(() => undefined);
    // A tool we killed because the store failed reports a signal; the store's error is the cause.
    if (w.status === 'rejected' && run.child.signalCode) throw w.reason;
    throw d.reason;
  }
  if (w.status === 'rejected') throw w.reason;
  return w.value;
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
    const g = await toolToObject(
      startTool(binDir, 'pg_dumpall', globalsArgs, { env, what: 'pg_dumpall --globals-only' }),
      lock.guard(store),
      backupObjectKey(backupId, gName),
      cfg.compression,
      undefined,
      recipients,
    );
    objects.push({ name: gName, kind: GLOBALS_KIND, ...g });
    log.info(`globals: ${formatBytes(g.rawBytes)} → ${formatBytes(g.bytes)}`);

    const dumps = await mapLimit(databases, cfg.parallel, async (db) => {
      const name = dumpObjectName(db, cfg.compression, !!recipients);
      const p = progress(`dump ${db}`);
      const w = await toolToObject(
        startTool(binDir, 'pg_dump', ['-Fc', '-Z0'], { env: { ...env, PGDATABASE: db }, what: `pg_dump of database "${db}"` }),
        lock.guard(store),
        backupObjectKey(backupId, name),
        cfg.compression,
        (n) => p.add(n),
        recipients,
      );
      p.done();
      return { name, kind: DUMP_KIND, database: db, ...w } satisfies ManifestObject;
    });
    objects.push(...dumps);

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

/** Remove every object under backups/<id>/ (a failed backup leaves nothing behind). */
export async function deleteBackupObjects(store: Store, id: string): Promise<void> {
  try {
    const objs = await store.list(backupPrefix(id));
    await mapLimit(objs, 8, (o) => store.delete(o.key));
  } catch (e) {
    log.warn(`could not remove the objects of failed backup ${id}: ${(e as Error).message}`);
  }
}
