// Introspection over node-postgres with the same libpq environment the tools use, connecting as
// libpq would (sslmode, certificates: libpq-tls.ts). Connection failures become PgkeepErrors a
// person can act on, quoting what the server said.
import type pg from 'pg';
import { PgkeepError } from '../util/errors.js';
import { sslSettings, tlsOptions, type SslSettings, type TlsOptions, type Transport } from './libpq-tls.js';

// node-postgres is evaluated on the first connection, not when the CLI starts: wal-push and
// wal-fetch run once per WAL segment and never connect (a chunk file of its own in the bundle).
let pgModule: Promise<typeof pg> | undefined;
const loadPg = () => (pgModule ??= import('pg').then((m) => m.default));

export type PgEnv = Record<string, string>;

/** Connection settings node-postgres needs, except TLS (see connectClient). */
export function clientConfig(env: PgEnv, database?: string): pg.ClientConfig {
  return {
    // hostaddr is where we connect; the host name is what verify-full checks (libpq's split).
    host: env.PGHOSTADDR || env.PGHOST || '/var/run/postgresql',
    port: env.PGPORT ? Number(env.PGPORT) : 5432,
    user: env.PGUSER ?? (process.getuid?.() === 0 ? 'postgres' : undefined),
    password: env.PGPASSWORD,
    database: database ?? env.PGDATABASE ?? 'postgres',
    ssl: false,
    connectionTimeoutMillis: env.PGCONNECT_TIMEOUT ? Number(env.PGCONNECT_TIMEOUT) * 1000 : 15000,
    application_name: 'pgkeep',
  };
}

export function describeTarget(env: PgEnv, database?: string): string {
  const host = env.PGHOST ?? env.PGHOSTADDR ?? 'local socket';
  return `${env.PGUSER ?? 'postgres'}@${host}:${env.PGPORT ?? 5432}/${database ?? env.PGDATABASE ?? 'postgres'}`;
}

interface ServerError {
  code: string;
  message: string;
  severity: string;
}

/** An ErrorResponse from the server (node-postgres's DatabaseError), as opposed to a socket or TLS failure. */
function isServerError(e: unknown): e is ServerError {
  const err = e as Partial<ServerError> | null;
  return !!err && typeof err.severity === 'string' && typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code);
}

const NO_TLS = /server does not support SSL/i;
const UNREACHABLE = ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOENT', 'EAI_AGAIN'];

/** One failed attempt, in words (the server's own message quoted). */
function attemptText(e: unknown, transport: Transport, tlsSetup?: TlsOptions): string {
  const err = e as { code?: string; message?: string };
  if (e instanceof PgkeepError) return e.message.charAt(0).toLowerCase() + e.message.slice(1).replace(/\.$/, '');
  if (isServerError(e)) return `the server said "${err.message}" (SQLSTATE ${err.code})`;
  if (NO_TLS.test(err.message ?? '')) return 'the server does not support SSL (TLS)';
  if (transport === 'tls' && err.code && /CERT|UNABLE_TO|SELF_SIGNED|CRL|ALTNAME/.test(err.code)) {
    if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return err.message ?? err.code;
    return `the server certificate could not be verified against ${tlsSetup?.rootCertDescription ?? 'the root certificates'} (${err.message ?? err.code})`;
  }
  if (UNREACHABLE.includes(err.code ?? '') || /timeout/i.test(err.message ?? '')) return err.code ?? err.message ?? 'unreachable';
  return transport === 'tls' ? `the TLS connection failed (${err.message ?? err.code})` : (err.message ?? String(e));
}

interface Failure {
  transport: Transport;
  error: unknown;
  tls?: TlsOptions;
}

/** The error a person reads when every attempt failed: libpq-like, all attempts quoted, no secrets. */
function connectionError(failures: Failure[], env: PgEnv, database: string | undefined, s: SslSettings): PgkeepError {
  const where = describeTarget(env, database);
  const texts = failures.map((f) => attemptText(f.error, f.transport, f.tls));
  const detail =
    failures.length === 1
      ? texts[0]
      : failures.map((f, i) => `${f.transport === 'tls' ? 'over TLS' : 'without TLS'}, ${texts[i]}`).join('; then ');
  // The cause that says most: a server's answer other than a pg_hba.conf refusal, else our own
  // certificate setup, else the last.
  const isHba = (f: Failure) => isServerError(f.error) && /pg_hba\.conf/.test(f.error.message);
  const main = failures.find((f) => isServerError(f.error) && !isHba(f)) ?? failures.find((f) => f.error instanceof PgkeepError) ?? failures[failures.length - 1];
  const err = main.error as { code?: string; message?: string };
  if (isHba(main)) {
    const tlsOnly = failures.some((f) => f.transport === 'plain' && isHba(f)) && !failures.some((f) => f.transport === 'tls');
    return new PgkeepError(
      'connection-rejected',
      `The server refused the connection for ${where} by its pg_hba.conf: ${detail}.`,
      tlsOnly
        ? `The server admits this connection only over TLS (hostssl), and sslmode=${s.mode} ${s.mode === 'disable' ? 'never uses TLS' : 'did not use it'}: unset PGSSLMODE (libpq's default, prefer, uses TLS) or set it to require or verify-full (sslmode in DATABASE_URL).`
        : 'pg_hba.conf on the server has no line admitting this user, database and address this way: ask its administrator for one (host/hostssl …), or connect as a role it admits.',
    );
  }
  if (isServerError(main.error) && (err.code === '28P01' || err.code === '28000'))
    return new PgkeepError(
      'auth-failed',
      `Authentication failed for ${where}: ${detail}.`,
      /certificate/i.test(err.message ?? '')
        ? 'Check the client certificate: PGSSLCERT/PGSSLKEY (sslcert/sslkey), or ~/.postgresql/postgresql.crt and .key, and that its CN is the user name.'
        : 'Check PGUSER and PGPASSWORD (or DATABASE_URL, or ~/.pgpass).',
    );
  if (isServerError(main.error) && err.code === '3D000')
    return new PgkeepError('unknown-database', `Database "${database ?? env.PGDATABASE}" does not exist on ${where}.`, 'Check the name; pgkeep list shows what each backup holds.');
  if (isServerError(main.error)) return new PgkeepError('connection-failed', `Cannot connect to PostgreSQL as ${where}: ${detail}.`);
  if (main.error instanceof PgkeepError) return failures.length === 1 ? main.error : new PgkeepError(main.error.code, `Cannot connect to PostgreSQL as ${where}: ${detail}.`, main.error.hint);
  if (main.transport === 'tls' && !UNREACHABLE.includes(err.code ?? '') && !/timeout/i.test(err.message ?? ''))
    return new PgkeepError(
      'tls-failed',
      `TLS to PostgreSQL at ${where}${s.negotiation === 'direct' ? ' (sslnegotiation=direct)' : ''} failed: ${detail}.`,
      NO_TLS.test(err.message ?? '')
        ? `sslmode=${s.mode} requires TLS; enable ssl on the server, or use sslmode=prefer to allow an unencrypted connection.`
        : s.negotiation === 'direct'
          ? 'sslnegotiation=direct needs a PostgreSQL 17+ server (or a TLS proxy) that accepts a direct TLS handshake; unset PGSSLNEGOTIATION otherwise.'
          : err.code === 'ERR_TLS_CERT_ALTNAME_INVALID'
            ? 'Connect with a host name the certificate names (PGHOST; PGHOSTADDR can carry the address), or have the certificate name this host; sslmode=verify-ca checks the chain without the name.'
            : /could not be verified/.test(detail)
              ? 'Point PGSSLROOTCERT (sslrootcert) at the CA that signed the server certificate (the default is ~/.postgresql/root.crt).'
              : "Check the server's ssl settings and the client certificate files.",
    );
  return new PgkeepError('db-unreachable', `Cannot connect to PostgreSQL at ${where} (${detail}).`, 'Check PGHOST/PGPORT and that the server accepts connections from this machine.');
}

/**
 * Open a node-postgres connection the way libpq would: sslmode's attempts in libpq's order (prefer:
 * TLS, then without when the server refuses TLS, fails the handshake or rejects the TLS session;
 * allow: the reverse), the same certificate files, the same checks. `extra` adds settings such as
 * `replication: 'database'`. Failures are PgkeepErrors quoting the server.
 */
export async function connectClient(env: PgEnv, database: string | undefined, extra: Record<string, unknown> = {}): Promise<pg.Client> {
  const s = sslSettings(env);
  const failures: Failure[] = [];
  for (let i = 0; i < s.attempts.length; i++) {
    const transport = s.attempts[i];
    const more = i + 1 < s.attempts.length;
    let ssl: TlsOptions | undefined;
    if (transport === 'tls') {
      try {
        ssl = tlsOptions(env, s);
      } catch (e) {
        // libpq sets TLS up after the server said yes; a broken setup under prefer falls back.
        failures.push({ transport, error: e });
        if (more && s.mode === 'prefer') continue;
        break;
      }
    }
    const client = new (await loadPg()).Client({
      ...clientConfig(env, database),
      ssl: ssl ?? false,
      sslnegotiation: transport === 'tls' ? s.negotiation : 'postgres',
      enableChannelBinding: transport === 'tls' && s.channelBinding !== 'disable',
      ...extra,
    } as pg.ClientConfig);
    client.on('error', () => undefined);
    let tcpUp = false;
    let channelBound = false;
    const con = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
    con.once('connect', () => (tcpUp = true));
    con.on('authenticationSASL', (m: { mechanisms?: string[] }) => (channelBound = transport === 'tls' && !!m.mechanisms?.includes('SCRAM-SHA-256-PLUS')));
    try {
      await client.connect();
      if (s.channelBinding === 'require' && !channelBound) {
        await client.end().catch(() => undefined);
        throw new PgkeepError('channel-binding', `channel_binding=require, but the server at ${describeTarget(env, database)} authenticated the client without channel binding.`, 'The server must use scram-sha-256 over TLS for this user; or set channel_binding to prefer.');
      }
      return client;
    } catch (e) {
      await client.end().catch(() => undefined);
      if (e instanceof PgkeepError) throw e;
      const err = e as { message?: string; code?: string };
      // An 'N' to SSLRequest under prefer is no failure for libpq: it just goes on without TLS.
      if (!(more && NO_TLS.test(err.message ?? ''))) failures.push({ transport, error: e, tls: ssl });
      if (!more) break;
      const timedOut = /timeout/i.test(err.message ?? '') || err.code === 'ETIMEDOUT';
      // libpq tries the other transport only once the server has answered: an ErrorResponse
      // (allow, prefer), or under prefer also an 'N' to SSLRequest or a failed handshake.
      const retry = isServerError(e) || (transport === 'tls' && tcpUp && !timedOut);
      if (!retry) break;
    }
  }
  throw connectionError(failures, env, database, s);
}

export async function withClient<T>(env: PgEnv, database: string | undefined, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await connectClient(env, database);
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
