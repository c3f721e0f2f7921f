// Ephemeral local clusters (initdb + pg_ctl on a free port in a temp dir): used by restore
// drills, single-database PITR, `make demo` and the tests. Running as root, the server runs
// as the `postgres` OS user, because initdb and postgres refuse root.
import { execFileSync } from 'node:child_process';
import { promises as fsp, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PgkeepError } from '../util/errors.js';
import { runTool } from './pg-tools.js';

export interface RunAs {
  uid: number;
  gid: number;
}

/** When root, the uid/gid of the `postgres` user; otherwise undefined (run as ourselves). */
export function serverRunAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    throw new PgkeepError('no-postgres-user', 'Running as root, but there is no "postgres" OS user to run a local server as.', 'Install PostgreSQL from packages (it creates the user) or run as a non-root user.');
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** chown -R to the server user (no-op when not root). */
export async function chownForServer(p: string, runAs = serverRunAs()): Promise<void> {
  if (!runAs) return;
  execFileSync('chown', ['-R', `${runAs.uid}:${runAs.gid}`, p]);
}

export interface LocalClusterOptions {
  binDir: string;
  /** Parent directory for the data dir and socket; a temp dir by default. */
  baseDir?: string;
  port?: number;
  /** postgresql.conf settings appended after initdb. */
  settings?: Record<string, string | number | boolean>;
  /** Use an existing data directory (e.g. a restored one) instead of running initdb. */
  existingDataDir?: string;
}

export class LocalCluster {
  readonly runAs = serverRunAs();
  private constructor(
    readonly binDir: string,
    readonly baseDir: string,
    readonly dataDir: string,
    readonly port: number,
  ) {}

  get socketDir(): string {
    return this.baseDir;
  }

  /** libpq environment to reach this cluster over TCP as the superuser `postgres`. */
  get env(): Record<string, string> {
    return { PGHOST: '127.0.0.1', PGPORT: String(this.port), PGUSER: 'postgres', PGDATABASE: 'postgres' };
  }

  static async create(opts: LocalClusterOptions): Promise<LocalCluster> {
    const baseDir = opts.baseDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-cluster-')));
    await fsp.mkdir(baseDir, { recursive: true });
    await fsp.chmod(baseDir, 0o755);
    const port = opts.port ?? (await freePort());
    const dataDir = opts.existingDataDir ?? path.join(baseDir, 'data');
    const c = new LocalCluster(opts.binDir, baseDir, dataDir, port);
    await chownForServer(baseDir, c.runAs);
    if (!opts.existingDataDir) {
      await runTool(opts.binDir, 'initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'], {
        ...c.runAs,
        what: 'initdb',
      });
    } else {
      await chownForServer(dataDir, c.runAs);
      await fsp.chmod(dataDir, 0o700);
    }
    const settings: Record<string, string | number | boolean> = {
      port,
      listen_addresses: '127.0.0.1',
      unix_socket_directories: baseDir,
      fsync: 'off',
      ...(opts.settings ?? {}),
    };
    const lines = Object.entries(settings).map(([k, v]) => `${k} = ${typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : v}`);
    await fsp.appendFile(path.join(dataDir, 'postgresql.conf'), `\n# pgkeep local cluster\n${lines.join('\n')}\n`);
    await chownForServer(path.join(dataDir, 'postgresql.conf'), c.runAs);
    return c;
  }

  /** `env` reaches the server and so archive_command/restore_command (e.g. S3 credentials). */
  async start(timeoutSec = 60, env: Record<string, string> = {}): Promise<void> {
    await runTool(this.binDir, 'pg_ctl', ['-D', this.dataDir, '-l', path.join(this.baseDir, 'server.log'), '-w', '-t', String(timeoutSec), 'start'], {
      ...this.runAs,
      env,
      what: `pg_ctl start (${this.dataDir}, log ${path.join(this.baseDir, 'server.log')})`,
    });
  }

  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!existsSync(path.join(this.dataDir, 'postmaster.pid'))) return;
    await runTool(this.binDir, 'pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop'], { ...this.runAs, what: 'pg_ctl stop' }).catch(() => undefined);
  }

  async serverLog(): Promise<string> {
    return fsp.readFile(path.join(this.baseDir, 'server.log'), 'utf8').catch(() => '');
  }

  /** Stop and delete everything. */
  async destroy(): Promise<void> {
    await this.stop('immediate');
    await fsp.rm(this.baseDir, { recursive: true, force: true });
  }

  /** Run SQL through psql (for setup that node-postgres would make verbose). */
  async psql(sql: string, database = 'postgres'): Promise<string> {
    return runTool(this.binDir, 'psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', sql], { env: this.env, what: 'psql' });
  }
}
