// What belongs to a database itself rather than to its schema: encoding and locale, owner,
// comment, database-level grants, connection limit, template flag, ALTER DATABASE … SET and
// ALTER ROLE … IN DATABASE … SET. pg_dump -Fc stores all of it in every archive (the DATABASE,
// DATABASE PROPERTIES and COMMENT/ACL/SECURITY LABEL "DATABASE …" entries), for the original name;
// pg_restore emits it only with --create, which would create the original name. So pgkeep asks
// pg_restore for those entries alone and rewrites the database name in each statement at the
// place the statement's grammar puts it — never by searching text — for the target name.
// Every archive pg_dump 11+ wrote has these entries: backups taken before pgkeep used them
// restore the same way.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ident } from '../postgres/client.js';
import { startTool } from '../postgres/pg-tools.js';
import { PgkeepError } from '../util/errors.js';
import { isKeyword, nameOf, replaceToken, splitSqlScript, startsWith, type SqlStatement, type SqlToken } from './sql-script.js';

export interface DatabaseProperties {
  /** The name the archive was dumped from. */
  source: string;
  /** CREATE DATABASE <target> with the archive's template, encoding, locale and provider. */
  create: string;
  /** The tablespace CREATE DATABASE names, if any (the target server may lack it). */
  tablespace?: string;
  /** CREATE DATABASE without its TABLESPACE clause. */
  createWithoutTablespace: string;
  /**
   * Applied after the data, in one transaction, in dump order: owner, comment, connection limit,
   * template flag, settings, per-role settings, grants (with their SET SESSION AUTHORIZATION).
   */
  statements: string[];
}

/** `pg_restore -l` lines of the entries that belong to the database itself. */
const DATABASE_ENTRY = /^\d+; \d+ \d+ (DATABASE |DATABASE PROPERTIES |(ACL|COMMENT|SECURITY LABEL) - DATABASE )/;

/** Select the database's own entries from a `pg_restore -C -l` listing. */
export function databaseEntryList(listing: string): string {
  return listing
    .split('\n')
    .filter((l) => DATABASE_ENTRY.test(l))
    .map((l) => l + '\n')
    .join('');
}

/**
 * Decode pg_restore's SQL: it is in the archive's encoding (its `SET client_encoding`). Server
 * encodings keep ASCII bytes ASCII, so the setting itself can be read before decoding.
 */
export function decodeDumpSql(buf: Buffer): string {
  const enc = /^SET client_encoding = '([A-Za-z0-9_]+)';$/m.exec(buf.toString('latin1'))?.[1]?.toUpperCase() ?? 'UTF8';
  const label = ({ UTF8: 'utf-8', SQL_ASCII: 'utf-8', LATIN1: 'latin1' } as Record<string, string>)[enc];
  try {
    if (label === 'latin1') return buf.toString('latin1');
    if (label) return new TextDecoder(label, { fatal: true }).decode(buf);
  } catch {
    // falls through to the error below
  }
  throw new PgkeepError(
    'unsupported-encoding',
    `The backup's database-level properties are written in encoding ${enc}, which pgkeep cannot rewrite for the target name.`,
    'Restore with pg_restore --create by hand (docs: README, logical restore), or report the encoding.',
  );
}

const DB_ALTER_ACTIONS = ['OWNER', 'SET', 'RESET', 'CONNECTION', 'IS_TEMPLATE', 'ALLOW_CONNECTIONS', 'WITH', 'REFRESH'];

/**
 * Where the database's name stands in one of its own statements; 'skip' for pg_restore's session
 * setup, 'keep' for the grantor switch around a grant, undefined for a statement not known here.
 */
function databaseNameToken(s: SqlStatement): SqlToken | 'keep' | 'skip' | undefined {
  const t = s.tokens;
  if (startsWith(s, 'SET', 'SESSION', 'AUTHORIZATION') || startsWith(s, 'RESET', 'SESSION', 'AUTHORIZATION')) return 'keep';
  if (startsWith(s, 'SET') || (startsWith(s, 'SELECT', 'PG_CATALOG') && t[2]?.value === '.' && isKeyword(t[3], 'SET_CONFIG'))) {
    if (isKeyword(t[1], 'STANDARD_CONFORMING_STRINGS') && !['on', "'on'"].includes(t[3]?.raw.toLowerCase() ?? ''))
      throw new PgkeepError('bad-sql-script', 'The backup writes strings with standard_conforming_strings off; pgkeep reads them only with it on.');
    return 'skip';
  }
  if (startsWith(s, 'CREATE', 'DATABASE')) return t[2];
  if (startsWith(s, 'ALTER', 'DATABASE') && DB_ALTER_ACTIONS.some((a) => isKeyword(t[3], a))) return t[2];
  if (startsWith(s, 'ALTER', 'ROLE') && isKeyword(t[3], 'IN') && isKeyword(t[4], 'DATABASE')) return t[5];
  if (startsWith(s, 'COMMENT', 'ON', 'DATABASE')) return t[3];
  if (startsWith(s, 'GRANT') || startsWith(s, 'REVOKE') || startsWith(s, 'SECURITY', 'LABEL')) {
    // Privilege lists are keywords; the first ON starts the object.
    const on = t.findIndex((x) => isKeyword(x, 'ON'));
    if (on > 0 && isKeyword(t[on + 1], 'DATABASE')) return t[on + 2];
  }
  return undefined;
}

/**
 * The database's own statements from pg_restore's SQL, rewritten for `into`. Undefined when the
 * archive has no DATABASE entry (nothing to bring back beyond schema and data).
 */
export function databasePropertiesFor(sql: string, into: string): DatabaseProperties | undefined {
  const { statements } = splitSqlScript(sql);
  const create = statements.find((s) => startsWith(s, 'CREATE', 'DATABASE'));
  if (!create) return undefined;
  const source = nameOf(create.tokens[2]);
  if (source === undefined) throw new PgkeepError('bad-sql-script', `The backup's CREATE DATABASE names no database: ${create.tokens.slice(0, 4).map((t) => t.raw).join(' ')}.`);
  const target = ident(into);
  let props: Omit<DatabaseProperties, 'statements'> | undefined;
  const after: string[] = [];
  for (const s of statements) {
    const at = databaseNameToken(s);
    if (at === 'skip') continue;
    if (at === 'keep') {
      after.push(s.text);
      continue;
    }
    const head = s.tokens.slice(0, 4).map((t) => (t.kind === 'word' ? t.raw : t.kind)).join(' ');
    if (!at)
      throw new PgkeepError(
        'unexpected-dump-entry',
        `The backup's database-level entries hold a statement pgkeep does not know how to apply to another database name (${head} …).`,
        'Nothing was restored. Report it with the pgkeep and PostgreSQL versions; meanwhile pg_restore --create restores it under its original name on a scratch server.',
      );
    if (nameOf(at) !== source)
      throw new PgkeepError('unexpected-dump-entry', `The backup's database-level entry ${head} … names another database than "${source}".`, 'Nothing was restored.');
    const text = replaceToken(s, at, target);
    if (s === create) {
      const t = s.tokens;
      const ts = t.findIndex((x, i) => i > 2 && isKeyword(x, 'TABLESPACE') && t[i + 1]?.value === '=' && nameOf(t[i + 2]) !== undefined);
      // The clause stands after the name, so the name's offsets hold in the shortened text.
      const without = ts > 0 ? replaceToken({ text: s.text.slice(0, t[ts].start).trimEnd() + s.text.slice(t[ts + 2].end), tokens: t }, at, target) : text;
      props = { source, create: text, tablespace: ts > 0 ? nameOf(t[ts + 2]) : undefined, createWithoutTablespace: without };
    } else after.push(text);
  }
  return { ...props!, statements: after };
}

/**
 * Ask pg_restore for the archive's database-level entries (two passes over the archive's head:
 * `-C -l` for the table of contents, then `-C -L` for those entries' SQL).
 */
export async function readDatabaseProperties(
  binDir: string,
  openDump: () => Promise<Readable>,
  into: string,
): Promise<DatabaseProperties | undefined> {
  const listing = (await toolOutput(binDir, ['-C', '-l'], await openDump(), 'pg_restore --list of the dump')).toString('utf8');
  const wanted = databaseEntryList(listing);
  if (!wanted) return undefined;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-dbentries-'));
  try {
    const list = path.join(dir, 'entries.list');
    await fsp.writeFile(list, wanted, { mode: 0o600 });
    const sql = await toolOutput(binDir, ['-C', '-L', list, '-f', '-'], await openDump(), "pg_restore of the dump's database entries");
    return databasePropertiesFor(decodeDumpSql(sql), into);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** pg_restore reading `input` on stdin; it stops reading once it has what it needs (the TOC). */
async function toolOutput(binDir: string, args: string[], input: Readable, what: string): Promise<Buffer> {
  const run = startTool(binDir, 'pg_restore', args, { stdin: 'pipe', what });
  const chunks: Buffer[] = [];
  run.stdout.on('data', (c: Buffer) => chunks.push(c));
  // A reader that is done early closes its stdin: EPIPE here is not a failure; its exit code decides.
  const feed = pipeline(input, run.stdin!).catch(() => input.destroy());
  await Promise.all([run.done, feed]);
  return Buffer.concat(chunks);
}
