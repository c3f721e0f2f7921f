// archive_command / restore_command as a real server runs them: the Node 24 binary and the CLI
// (the whole dist/cli directory: index.js is a launcher for pgkeep.js beside it) are placed once
// per test run (hard-linked where the file system allows, else copied) into a temp dir the
// `postgres` OS user can read (the server runs as postgres when tests run as root; /work/... may
// not be readable by it). Once per run, not per test file: node alone is 120 MB.
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, cpSync, mkdtempSync, existsSync, linkSync, renameSync, rmSync, statSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withClient } from '../../src/postgres/client.js';
import { chownForServer, type LocalCluster } from '../../src/postgres/local-cluster.js';
import { walKey } from '../../src/repo/layout.js';
import { CLI_BUNDLE, NODE24 } from './cli.js';

let copied: { node: string; bundle: string } | undefined;

/** Paths of the copied node binary and CLI entry, `<dir>/cli/index.js` (copied on first call). */
export function serverReadableCli(): { node: string; bundle: string } {
  if (copied) return copied;
  if (!existsSync(CLI_BUNDLE)) throw new Error(`${CLI_BUNDLE} is missing: run node scripts/bundle.mjs cli (vitest's global setup does).`);
  // Keyed by the bundle's build time: a run that rebuilt dist/cli gets a fresh copy.
  const shared = path.join(os.tmpdir(), `pgkeep-cli-${Math.trunc(statSync(CLI_BUNDLE).mtimeMs)}`);
  if (!existsSync(path.join(shared, 'cli', 'index.js'))) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pgkeep-cli-tmp-'));
    chmodSync(dir, 0o755);
    const cliDir = path.join(dir, 'cli');
    try {
      linkSync(NODE24, path.join(dir, 'node'));
    } catch {
      copyFileSync(NODE24, path.join(dir, 'node'));
      chmodSync(path.join(dir, 'node'), 0o755);
    }
    cpSync(path.dirname(CLI_BUNDLE), cliDir, { recursive: true });
    chmodSync(cliDir, 0o755);
    chmodSync(path.join(cliDir, 'index.js'), 0o755);
    try {
      renameSync(dir, shared); // atomic; another worker may have won the race
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  copied = { node: path.join(shared, 'node'), bundle: path.join(shared, 'cli', 'index.js') };
  return copied;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The CLI as a shell command line a server can run (absolute node + bundle). */
export function cliCommand(args: string): string {
  const { node, bundle } = serverReadableCli();
  return `${q(node)} ${q(bundle)} ${args}`;
}

/** A file:// repository directory the server (postgres) can write into. */
export async function makeServerRepo(): Promise<{ dir: string; url: string }> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-repo-'));
  await fsp.chmod(dir, 0o755);
  await chownForServer(dir);
  return { dir, url: `file://${dir}` };
}

/** postgresql.conf settings that archive every WAL file through `pgkeep wal-push`. */
export function archivingSettings(repoUrl: string, extra: Record<string, string | number | boolean> = {}): Record<string, string | number | boolean> {
  return {
    wal_level: 'replica',
    archive_mode: 'on',
    archive_command: cliCommand(`wal-push --repo ${q(repoUrl)} %p`),
    ...extra,
  };
}

/** restore_command that fetches through `pgkeep wal-fetch`. */
export function restoreCommand(repoUrl: string): string {
  return cliCommand(`wal-fetch --repo ${q(repoUrl)} %f %p`);
}

/**
 * pg_switch_wal() on a server, `on`: a started LocalCluster (through its psql) or a restored copy
 * listening on a port; then wait (60 s at most) until `repoDir` holds the segment it closed, under
 * `key` (walKeyEncrypted for an encrypting archive_command). Returns the segment's name.
 */
export async function switchWalAndWait(on: LocalCluster | number, repoDir: string, key: (seg: string) => string = walKey): Promise<string> {
  const seg =
    typeof on === 'number'
      ? ((await withClient({ PGHOST: '127.0.0.1', PGPORT: String(on), PGUSER: 'postgres' }, 'postgres', (cl) => cl.query('select pg_walfile_name(pg_switch_wal()) as s'))).rows[0].s as string)
      : (await on.psql('select pg_walfile_name(pg_switch_wal())')).trim();
  const end = Date.now() + 60_000;
  while (!existsSync(path.join(repoDir, key(seg)))) {
    if (Date.now() > end) throw new Error(`segment ${seg} was not archived (no ${key(seg)} in ${repoDir})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return seg;
}

/** Extract a stored base.tar.zst (zstd + tar, standard tools only) into `dir`. */
/** The by-hand recipe: the base tar, and the backup_manifest beside it (its own object). */
export function extractBase(tarZst: string, dir: string): void {
  execFileSync('sh', ['-c', `zstd -dc ${q(tarZst)} | tar -xf - -C ${q(dir)}`]);
  const manifest = path.join(path.dirname(tarZst), 'backup_manifest.zst');
  if (existsSync(manifest)) execFileSync('sh', ['-c', `zstd -dc ${q(manifest)} > ${q(path.join(dir, 'backup_manifest'))}`]);
}
