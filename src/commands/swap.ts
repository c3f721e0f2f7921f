// `pgkeep swap <db>`: put a restored database in place after checking it. Renames <db> to
// <db>_before_<UTC time> and <db>_restore (or --from) to <db>, in one transaction after ending
// the sessions on both; the reverse is the same command with --from <db>_before_<time>.
import type { Config } from '../config/config.js';
import { ident, withClient } from '../postgres/client.js';
import { checkDatabaseName, maintenanceDb } from '../restore/logical-restore.js';
import { shellQuote } from '../restore/recovery-settings.js';
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';

export interface SwapOptions {
  database: string;
  /** The database to put in place; default `<database>_restore`. */
  from?: string;
  dryRun?: boolean;
  /** For tests and reruns: the time in the `_before_` name (default now). */
  now?: Date;
}

export interface SwapResult {
  dryRun: boolean;
  database: string;
  from: string;
  /** What the previous <database> is called now (absent when there was none). */
  previous?: string;
  tables: number;
  plan: string[];
  reverseCommand?: string;
}

export function beforeName(database: string, at: Date): string {
  return `${database}_before_${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}`;
}

/**
 * The command a person copies into a shell: names quoted (spaces, quotes, newlines survive), and
 * a name starting with "-" given as `--from=` / after `--` so it is never read as an option.
 */
export function swapCommandLine(database: string, from: string): string {
  if (database.startsWith('-') || from.startsWith('-')) return `pgkeep swap --from=${shellQuote(from)} -- ${shellQuote(database)}`;
  return `pgkeep swap ${shellQuote(database)} --from ${shellQuote(from)}`;
}

export async function swapDatabase(cfg: Config, opts: SwapOptions): Promise<SwapResult> {
  const db = opts.database;
  const from = opts.from ?? `${db}_restore`;
  checkDatabaseName(db, 'Database');
  checkDatabaseName(from, '--from');
  if (from === db) throw new PgkeepError('bad-usage', `--from "${from}" is the database itself; nothing to swap.`);
  const previous = beforeName(db, opts.now ?? new Date());
  if (Buffer.byteLength(previous) > 63)
    throw new PgkeepError('bad-usage', `Database name "${db}" is too long to keep the old copy as "${previous}" (63 bytes at most).`, 'Rename by hand with ALTER DATABASE … RENAME TO.');
  const env = cfg.pgEnv;
  const admin = maintenanceDb(env, [db, from, previous]);

  const present = await withClient(env, admin, async (c) => {
    const r = await c.query<{ datname: string }>('select datname from pg_database where datname = any($1)', [[db, from, previous]]);
    return new Set(r.rows.map((x) => x.datname));
  });
  if (!present.has(from))
    throw new PgkeepError('no-restored-database', `Database "${from}" does not exist, so there is nothing to swap in for "${db}".`, `Restore it first: pgkeep restore --logical --database${db.startsWith('-') ? '=' : ' '}${shellQuote(db)}`);
  if (present.has(previous)) throw new PgkeepError('exists', `Database "${previous}" already exists.`, 'Wait a second and run swap again.');
  // The database going in must be usable: connectable and holding tables.
  const tables = await withClient(env, from, async (c) => {
    const r = await c.query<{ n: string }>(
      `select count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r','p') and n.nspname not in ('pg_catalog','information_schema') and n.nspname not like 'pg_toast%'`,
    );
    return Number(r.rows[0].n);
  });
  if (tables === 0)
    throw new PgkeepError('empty-restore', `Database "${from}" has no tables; refusing to put it in place of "${db}".`, 'Check the restore (pgkeep restore --logical … --replace to redo it).');

  const had = present.has(db);
  const plan = [
    `check "${from}": connectable, ${tables} table(s)`,
    `end the sessions on ${had ? `"${db}" and ` : ''}"${from}"`,
    ...(had ? [`rename "${db}" → "${previous}"`] : [`"${db}" does not exist: nothing to keep aside`]),
    `rename "${from}" → "${db}"`,
  ];
  const reverseCommand = had ? swapCommandLine(db, previous) : undefined;
  const result: SwapResult = { dryRun: !!opts.dryRun, database: db, from, previous: had ? previous : undefined, tables, plan, reverseCommand };
  if (opts.dryRun) return result;

  await withClient(env, admin, async (c) => {
    // New sessions can arrive between terminating and renaming; retry a few times.
    for (let attempt = 1; ; attempt++) {
      await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = any($1) and pid <> pg_backend_pid()', [[db, from]]);
      // Terminated backends take a moment to exit; RENAME refuses while any remains.
      for (let i = 0; i < 50; i++) {
        const r = await c.query('select 1 from pg_stat_activity where datname = any($1) and pid <> pg_backend_pid()', [[db, from]]);
        if (!r.rowCount) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      await c.query('begin');
      try {
        if (had) await c.query(`alter database ${ident(db)} rename to ${ident(previous)}`);
        await c.query(`alter database ${ident(from)} rename to ${ident(db)}`);
        await c.query('commit');
        return;
      } catch (e) {
        await c.query('rollback').catch(() => undefined);
        const code = (e as { code?: string }).code;
        if (code !== '55006' || attempt >= 5) {
          throw new PgkeepError('swap-failed', `Could not rename the databases: ${(e as Error).message}.`, `Nothing was renamed; end the sessions on "${db}" and "${from}" and retry.`);
        }
        await new Promise((r) => setTimeout(r, 300 * attempt));
      }
    }
  });
  log.info(`swapped: "${from}" is now "${db}"${had ? `; the previous "${db}" is "${previous}"` : ''}`);
  return result;
}
