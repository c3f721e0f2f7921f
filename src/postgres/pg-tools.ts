// Running PostgreSQL's own tools (pg_dump, pg_receivewal, pg_verifybackup, …): find the binaries, spawn with
// the libpq environment, stream stdout, and put stderr into the error when they fail.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { PgkeepError } from '../util/errors.js';
import { redact } from '../util/redact.js';
import { log } from '../util/log.js';
import { findExecutable } from '../util/find-executable.js';

const DEBIAN_ROOT = '/usr/lib/postgresql';

/** Installed PostgreSQL bin directories, newest major first (Debian layout, then PATH). */
export function installedBinDirs(): { major: number; dir: string }[] {
  const out: { major: number; dir: string }[] = [];
  if (existsSync(DEBIAN_ROOT)) {
    for (const v of readdirSync(DEBIAN_ROOT)) {
      const dir = path.join(DEBIAN_ROOT, v, 'bin');
      if (/^\d+$/.test(v) && existsSync(path.join(dir, 'pg_dump'))) out.push({ major: Number(v), dir });
    }
  }
  return out.sort((a, b) => b.major - a.major);
}

/**
 * The bin directory to use for a server of `serverMajor` (tools must be at least as new as
 * the server). An explicit directory always wins.
 */
export function resolveBinDir(explicit?: string, serverMajor?: number): string {
  if (explicit) {
    if (!existsSync(path.join(explicit, 'pg_dump')))
      throw new PgkeepError('no-pg-tools', `PGKEEP_PG_BINDIR=${explicit} has no pg_dump.`, 'Point it at a PostgreSQL bin directory.');
    return explicit;
  }
  const dirs = installedBinDirs();
  const fit = serverMajor ? dirs.find((d) => d.major === serverMajor) ?? dirs.find((d) => d.major > serverMajor) : dirs[0];
  if (fit) return fit.dir;
  // Fall back to PATH (e.g. Homebrew, containers with tools on PATH).
  const onPath = findExecutable('pg_dump');
  if (onPath) return path.dirname(onPath);
  throw new PgkeepError(
    'no-pg-tools',
    `No PostgreSQL client tools${serverMajor ? ` for version ${serverMajor} or newer` : ''} found.`,
    serverMajor ? `Install postgresql-client-${serverMajor} or set PGKEEP_PG_BINDIR.` : 'Install postgresql-client or set PGKEEP_PG_BINDIR.',
  );
}

/** The PostgreSQL major a tool binary reports (`pg_verifybackup (PostgreSQL) 17.6`), if it runs. */
export function toolMajor(file: string): number | undefined {
  try {
    const out = execFileSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /\(PostgreSQL\)\s+(\d+)/.exec(out) ?? /(\d+)(?:\.\d+)*/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface ToolRun {
  child: ChildProcess;
  stdout: Readable;
  stdin: Writable | null;
  /** Resolves when the tool exits 0; rejects with a PgkeepError carrying its stderr. */
  done: Promise<void>;
  kill(): void;
  /** The last 8 KiB of what the tool wrote to stderr so far (a summary some tools print on success). */
  stderr(): string;
}

export interface ToolOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** 'pipe' to write to it, or another process's output stream to read from directly. */
  stdin?: 'pipe' | 'ignore' | Readable;
  /** Run as this uid/gid (tests running as root start servers as postgres). */
  uid?: number;
  gid?: number;
  /** Error code and message prefix when the tool fails. */
  what?: string;
}

/** The file startTool runs for `tool`: in `binDir`, or found on PATH when there is none. */
export function toolPath(binDir: string, tool: string): string {
  return binDir ? path.join(binDir, tool) : tool;
}

/** Start a tool; stdout is piped, stderr captured (last 8 KiB) and logged at debug level. */
export function startTool(binDir: string, tool: string, args: string[], opts: ToolOptions = {}): ToolRun {
  const file = toolPath(binDir, tool);
  const so: SpawnOptions = {
    env: { ...minimalEnv(), ...(opts.env ?? {}) },
    cwd: opts.cwd,
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
  };
  if (opts.uid !== undefined) so.uid = opts.uid;
  if (opts.gid !== undefined) so.gid = opts.gid;
  log.debug(`run ${tool} ${args.join(' ')}`);
  const child = spawn(file, args, so);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-8192);
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (e) =>
      reject(new PgkeepError('tool-failed', `Could not run ${file}: ${e.message}.`, 'Check that the PostgreSQL client tools are installed.')),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      reject(toolError(opts.what ?? tool, code, signal, stderr));
    });
  });
  return { child, stdout: child.stdout!, stdin: child.stdin, done, kill: () => child.kill('SIGTERM'), stderr: () => stderr };
}

/** Run a tool to completion and return its stdout as text. */
export async function runTool(binDir: string, tool: string, args: string[], opts: ToolOptions = {}): Promise<string> {
  const r = startTool(binDir, tool, args, opts);
  const chunks: Buffer[] = [];
  r.stdout.on('data', (c: Buffer) => chunks.push(c));
  await r.done;
  return Buffer.concat(chunks).toString('utf8');
}

export function toolError(what: string, code: number | null, signal: NodeJS.Signals | null, stderr: string): PgkeepError {
  const msg = redact(stderr.trim().split('\n').filter(Boolean).slice(-6).join(' | '));
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  return new PgkeepError('tool-failed', `${what} ${how}${msg ? `: ${msg}` : '.'}`, hintFor(stderr));
}

function hintFor(stderr: string): string | undefined {
  // libpq's own words, quoted in the message above; the hint names the setting to look at.
  if (/pg_hba\.conf (rejects connection|entry)/i.test(stderr))
    return /no encryption|SSL off/i.test(stderr)
      ? "The server's pg_hba.conf admits this connection only over TLS: unset PGSSLMODE (libpq's default, prefer, uses TLS) or set it to require or verify-full."
      : "The server's pg_hba.conf has no line admitting this user, database and address this way: ask its administrator, or connect as a role it admits.";
  if (/root certificate file .* does not exist|certificate verify failed|does not match host name|server does not support SSL/i.test(stderr))
    return 'Check PGSSLMODE and PGSSLROOTCERT (sslmode, sslrootcert): the CA that signed the server certificate, and a host name it names.';
  if (/password authentication failed|no password supplied/i.test(stderr)) return 'Check PGUSER/PGPASSWORD (or DATABASE_URL).';
  if (/Connection refused|could not connect|No such file or directory.*socket|could not translate host/i.test(stderr))
    return 'Check PGHOST/PGPORT: is the server running and reachable from this machine?';
  if (/database ".*" does not exist/i.test(stderr)) return 'Check the database name (pgkeep list shows what a backup holds).';
  if (/server version mismatch|aborting because of server version mismatch/i.test(stderr))
    return 'Install client tools at least as new as the server, or set PGKEEP_PG_BINDIR.';
  return undefined;
}

/** The environment a tool needs, without our own secrets-bearing variables (AWS_*, PGKEEP_*). */
function minimalEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER'];
  const out: Record<string, string> = {};
  for (const k of keep) if (process.env[k]) out[k] = process.env[k]!;
  return out;
}
