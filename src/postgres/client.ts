// Introspection over node-postgres with the same libpq environment the tools use.
// Connection failures become PgkeepErrors a person can act on.
import pg from 'pg';
import { PgkeepError } from '../util/errors.js';

export type PgEnv = Record<string, string>;

export function clientConfig(env: PgEnv, database?: string): pg.ClientConfig {
  return {
    host: env.PGHOST ?? '/var/run/postgresql',
    port: env.PGPORT ? Number(env.PGPORT) : 5432,
    user: env.PGUSER ?? (process.getuid?.() === 0 ? 'postgres' : undefined),
    password: env.PGPASSWORD,
    database: database ?? env.PGDATABASE ?? 'postgres',
    ssl: env.PGSSLMODE && !['disable', 'allow', 'prefer'].includes(env.PGSSLMODE) ? { rejectUnauthorized: env.PGSSLMODE.startsWith('verify') } : undefined,
    connectionTimeoutMillis: env.PGCONNECT_TIMEOUT ? Number(env.PGCONNECT_TIMEOUT) * 1000 : 15000,
    application_name: 'pgkeep',
  };
}

export function describeTarget(env: PgEnv, database?: string): string {
  const host = env.PGHOST ?? 'local socket';
  return `${env.PGUSER ?? 'postgres'}@${host}:${env.PGPORT ?? 5432}/${database ?? env.PGDATABASE ?? 'postgres'}`;
}

export function mapPgError(e: unknown, env: PgEnv, database?: string): unknown {
  const err = e as { code?: string; message?: string };
  const where = describeTarget(env, database);
  if (err.code === '28P01' || err.code === '28000')
    return new PgkeepError('auth-failed', `Authentication failed for ${where}.`, 'Check PGUSER and PGPASSWORD (or DATABASE_URL).');
  if (err.code === '3D000')
    return new PgkeepError('unknown-database', `Database "${database ?? env.PGDATABASE}" does not exist on ${where}.`, 'Check the name; pgkeep list shows what each backup holds.');
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOENT', 'EAI_AGAIN'].includes(err.code ?? '') || /timeout/i.test(err.message ?? ''))
    return new PgkeepError('db-unreachable', `Cannot connect to PostgreSQL at ${where} (${err.code ?? err.message}).`, 'Check PGHOST/PGPORT and that the server accepts connections from this machine.');
  return e;
}

export async function withClient<T>(env: PgEnv, database: string | undefined, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(clientConfig(env, database));
  c.on('error', () => undefined);
  try {
    await c.connect();
  } catch (e) {
    await c.end().catch(() => undefined);
    throw mapPgError(e, env, database);
  }
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface ServerFacts {
  version: string;
  versionNum: number;
  major: number;
  systemIdentifier: string;
  databases: string[];
  isSuperuser: boolean;
}

export async function serverFacts(env: PgEnv): Promise<ServerFacts> {
  return withClient(env, undefined, async (c) => {
    const v = await c.query<{ server_version: string; server_version_num: string }>(
      `select current_setting('server_version') as server_version, current_setting('server_version_num') as server_version_num`,
    );
    const sys = await c.query<{ system_identifier: string }>(`select system_identifier::text from pg_control_system()`).catch(() => ({
      rows: [{ system_identifier: 'unknown' }],
    }));
    const dbs = await c.query<{ datname: string }>(
      `select datname from pg_database where not datistemplate and datallowconn order by datname`,
    );
    const su = await c.query<{ rolsuper: boolean }>(`select rolsuper from pg_roles where rolname = current_user`);
    const num = Number(v.rows[0].server_version_num);
    return {
      version: v.rows[0].server_version.split(' ')[0],
      versionNum: num,
      major: Math.floor(num / 10000),
      systemIdentifier: sys.rows[0].system_identifier,
      databases: dbs.rows.map((r) => r.datname),
      isSuperuser: !!su.rows[0]?.rolsuper,
    };
  });
}

/** Quote an identifier for SQL. */
export function ident(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}
