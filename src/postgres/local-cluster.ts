// Ephemeral local clusters (initdb + pg_ctl on a free port in a temp dir): used by restore
// drills, single-database PITR, `make demo` and the tests. Running as root, the server runs
// as the `postgres` OS user, because initdb and postgres refuse root.
import { execFileSync } from 'node:child_process';
import { promises as fsp, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PgkeepError } from '../util/errors.js';
import { undoOnCancel } from '../util/cancel-cleanup.js';
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
  /**
   * A throwaway cluster only this process uses (drills, single-database PITR): no TCP at all
   * (listen_addresses = ''), and a pg_hba.conf of one line, trust on the unix socket, whose
   * directory is 0700 and owned by the server's user, so no other local user can reach it,
   * whatever the restored cluster's own rules were. Its directories are removed on a cancel.
   */
  private?: boolean;
}

/** The only rule a private cluster has: its socket, in a 0700 directory, is the way in. */
const PRIVATE_HBA = '# pgkeep: a throwaway cluster, reachable only through its unix socket in a 0700 directory\nlocal all all trust\n';

export class LocalCluster {
  readonly runAs = serverRunAs();
  /** Unregisters the cancel step of a started cluster (stop, and for a private one remove). */
  private releaseCancel?: () => void;
  private constructor(
    readonly binDir: string,
    readonly baseDir: string,
    readonly dataDir: string,
    readonly port: number,
    readonly isPrivate: boolean,
  ) {}

  /** Unix socket directory: 0700, owned by the server's user (other local users cannot connect through it). */
  get socketDir(): string {
    return path.join(this.baseDir, 'socket');
  }

  /**
   * libpq environment to reach this cluster as the superuser `postgres`: the private socket for
   * a private cluster (it has no TCP), else TCP on 127.0.0.1.
   */
  get env(): Record<string, string> {
    return { PGHOST: this.isPrivate ? this.socketDir : '127.0.0.1', PGPORT: String(this.port), PGUSER: 'postgres', PGDATABASE: 'postgres' };
  }

  static async create(opts: LocalClusterOptions): Promise<LocalCluster> {
    const baseDir = opts.baseDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-cluster-')));
    await fsp.mkdir(baseDir, { recursive: true });
    await fsp.chmod(baseDir, opts.private ? 0o700 : 0o755);
    const port = opts.port ?? (await freePort());
    const dataDir = opts.existingDataDir ?? path.join(baseDir, 'data');
    const c = new LocalCluster(opts.binDir, baseDir, dataDir, port, opts.private === true);
    await fsp.mkdir(c.socketDir, { recursive: true, mode: 0o700 });
    await fsp.chmod(c.socketDir, 0o700);
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
      unix_socket_directories: c.socketDir,
      fsync: 'off',
      ...(opts.settings ?? {}),
      // Whatever a caller or the restored configuration asks for, a private cluster has no TCP.
      ...(opts.private ? { listen_addresses: '' } : {}),
    };
    const lines = Object.entries(settings).map(([k, v]) => `${k} = ${typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : v}`);
    await fsp.appendFile(path.join(dataDir, 'postgresql.conf'), `\n# pgkeep local cluster\n${lines.join('\n')}\n`);
    await chownForServer(path.join(dataDir, 'postgresql.conf'), c.runAs);
    if (opts.private) {
      await fsp.writeFile(path.join(dataDir, 'pg_hba.conf'), PRIVATE_HBA, { mode: 0o600 });
      await chownForServer(path.join(dataDir, 'pg_hba.conf'), c.runAs);
    }
    return c;
  }

  /** `env` reaches the server and so archive_command/restore_command (e.g. S3 credentials). */
  async start(timeoutSec = 60, env: Record<string, string> = {}): Promise<void> {
    // Registered before pg_ctl runs: a cancel while the server starts must stop it too.
    this.releaseCancel ??= undoOnCancel(`the PostgreSQL cluster on port ${this.port}${this.isPrivate ? ` (${this.baseDir})` : ''}`, async () => {
      await this.stop('immediate');
      if (this.isPrivate) await fsp.rm(this.baseDir, { recursive: true, force: true });
    });
    await runTool(this.binDir, 'pg_ctl', ['-D', this.dataDir, '-l', path.join(this.baseDir, 'server.log'), '-w', '-t', String(timeoutSec), 'start'], {
      ...this.runAs,
      env,
      what: `pg_ctl start (${this.dataDir}, log ${path.join(this.baseDir, 'server.log')})`,
    });
  }

  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (existsSync(path.join(this.dataDir, 'postmaster.pid')))
      await runTool(this.binDir, 'pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', 'stop'], { ...this.runAs, what: 'pg_ctl stop' }).catch(() => undefined);
    this.keepRunning();
  }

  /** The cluster outlives this run (restore --start hands it over): a cancel no longer stops it. */
  keepRunning(): void {
    this.releaseCancel?.();
    this.releaseCancel = undefined;
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
