// Test PostgreSQL: a real cluster per test file (initdb + pg_ctl on a free port, fsync off),
// started as the postgres OS user when the tests run as root.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LocalCluster, serverRunAs } from '../../src/postgres/local-cluster.js';
import { runTool, toolMajor } from '../../src/postgres/pg-tools.js';
import { describeServer, serverBinDir } from './pg-servers.js';

/** The major this run tests (vitest.config.ts runs the server suites once per supported major). */
export const PG_MAJOR = Number(process.env.PGKEEP_TEST_PG_MAJOR ?? 15);
/** Server + tools for PG_MAJOR (pg-servers.ts); PGKEEP_PG_BINDIR wins, as it does for the CLI. */
export const binDir = () => process.env.PGKEEP_PG_BINDIR ?? serverBinDir(PG_MAJOR);
/** "PostgreSQL 16 server with PostgreSQL 18 client tools standing in", for describe() names. */
export const serverLabel = () => describeServer(PG_MAJOR);

export async function startCluster(settings: Record<string, string | number | boolean> = {}): Promise<LocalCluster> {
  const c = await LocalCluster.create({ binDir: binDir(), settings });
  await c.start();
  return c;
}

/**
 * Stop the server a test restored into `dir` (`-m immediate`: the copy is thrown away), if one
 * runs there. Never fails: it runs in afterAll after a test that may have failed half-way.
 */
export async function stopDataDir(dir: string, bin = binDir(), runAs = serverRunAs()): Promise<void> {
  if (!existsSync(path.join(dir, 'postmaster.pid'))) return;
  await runTool(bin, 'pg_ctl', ['-D', dir, '-m', 'immediate', '-w', 'stop'], { ...runAs, what: 'pg_ctl stop' }).catch(() => undefined);
}

/** Checksum of every table's rows in a database (order-independent), for before/after comparison. */
export async function tableChecksums(c: LocalCluster, db: string): Promise<Record<string, string>> {
  const out = await c.psql(
    `select n.nspname||'.'||c.relname from pg_class c join pg_namespace n on n.oid=c.relnamespace where c.relkind in ('r','p') and n.nspname not in ('pg_catalog','information_schema') order by 1`,
    db,
  );
  const res: Record<string, string> = {};
  for (const t of out.split('\n').filter(Boolean)) {
    const [s, r] = t.split('.');
    const q = `"${s}"."${r}"`;
    res[t] = (await c.psql(`select count(*)||':'||coalesce(md5(string_agg(md5(x::text), '' order by md5(x::text))),'') from ${q} x`, db)).trim();
  }
  return res;
}

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * pg_verifybackup's WAL arguments for this major: `-w DIR` (parse the backup's WAL) where the tool
 * is of the server's major; `-n` where PostgreSQL 18's stands in for 16/17 (its WAL parser reads only
 * its own major's pages), with `note` for the test's name.
 */
export function verifyWalArgs(walDir: string): { args: string[]; note: string } {
  const tools = toolMajor(path.join(binDir(), 'pg_verifybackup'));
  return tools === PG_MAJOR
    ? { args: ['-w', walDir], note: '' }
    : { args: ['-n'], note: ` (pg_verifybackup ${tools} stands in for ${PG_MAJOR}: files only, WAL fetched and checked by wal-fetch)` };
}
