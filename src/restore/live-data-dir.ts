// Is a restore target (or a directory above it) a PostgreSQL data directory? Writing there would
// corrupt a cluster, most of all a running one; a non-empty directory is refused anyway, but a
// path inside a data directory, or reached through a symlink, needs its own check, and a running
// server deserves a message that names it (postmaster.pid: pid and port).
import { promises as fsp } from 'node:fs';
import path from 'node:path';

export interface DataDirFound {
  /** The data directory (real path) at or above the target. */
  dataDir: string;
  /** Whether the target is the data directory itself (else a path inside it). */
  itself: boolean;
  /** From postmaster.pid when its postmaster is alive. */
  running?: { pid: number; port?: number };
}

/** The data directory at or above `target` (following symlinks), if any. */
export async function findDataDirAt(target: string): Promise<DataDirFound | undefined> {
  // The nearest existing ancestor, resolved: a symlink to a data directory is that directory.
  let p = path.resolve(target);
  let real: string | undefined;
  for (;;) {
    real = await fsp.realpath(p).catch(() => undefined);
    if (real || path.dirname(p) === p) break;
    p = path.dirname(p);
  }
  if (!real) return undefined;
  const itselfReal = p === path.resolve(target) ? real : undefined;
  for (let d = real; ; d = path.dirname(d)) {
    if ((await exists(path.join(d, 'PG_VERSION'))) && (await exists(path.join(d, 'global', 'pg_control')))) {
      return { dataDir: d, itself: d === itselfReal, running: await livePostmaster(d) };
    }
    if (path.dirname(d) === d) return undefined;
  }
}

async function exists(p: string): Promise<boolean> {
  return fsp.access(p).then(
    () => true,
    () => false,
  );
}

/** postmaster.pid's pid and port when that process is alive (EPERM: alive, owned by another user). */
async function livePostmaster(dataDir: string): Promise<{ pid: number; port?: number } | undefined> {
  const text = await fsp.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  const port = Number(lines[3]);
  return { pid, ...(Number.isInteger(port) && port > 0 ? { port } : {}) };
}

/** One sentence for a refusal: what `target` is and which server uses it. */
export function describeDataDir(target: string, f: DataDirFound): string {
  const where = f.itself ? `${target} is the data directory ${f.dataDir !== path.resolve(target) ? `${f.dataDir} ` : ''}` : `${target} lies inside the data directory ${f.dataDir} `;
  const server = f.running
    ? `of a running PostgreSQL server (postmaster.pid: pid ${f.running.pid}${f.running.port ? `, port ${f.running.port}` : ''})`
    : 'of a PostgreSQL cluster (stopped: no live postmaster.pid)';
  return `${where}${server}`;
}
