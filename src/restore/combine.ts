// Restoring an incremental chain (PostgreSQL 17+): every backup of the plan's chain (full, then
// each incr) is extracted, verified, into a staging directory beside the target (same
// filesystem, mode 0700), `pg_combinebackup -o <staging>/out <full> <incr1> … <incrN>` writes
// the synthetic full backup, its entries are renamed into DIR (instant on one filesystem; DIR may
// already hold the WAL staged for replay), and the staging directory is removed — also on
// failure. execute.ts then writes the recovery settings exactly as for a single backup.
//
// pg_combinebackup reads plain directories, so a chain cannot stream straight into DIR as a
// single backup does: staging needs room for the whole chain next to DIR while it runs.
// Tablespaces: each member's tablespace objects are extracted beside its base directory
// (extract.ts, which writes a tablespace_map); the map is turned into pg_tblspc/<oid> links,
// which pg_combinebackup follows in every input, and `-T` sends the newest backup's tablespaces
// to their targets (the same `tablespaceTarget` as a single-backup restore), where the combined
// directory's links point.
//
// Finding pg_combinebackup (and refusing without it, before anything is written) is in
// combine-tool.ts.
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { runTool } from '../postgres/pg-tools.js';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { formatBytes, log } from '../util/log.js';
import { mapLimit } from '../util/streams.js';
import { extractPhysicalBackup, tablespaceObjects, type TablespaceTarget } from './extract.js';
import type { ChainMember, RestorePlan } from './plan.js';

export interface CombineChainOptions {
  plan: RestorePlan;
  store: Store;
  /** Absolute target directory (exists; may already hold staged WAL under pg_wal). */
  dir: string;
  /** From checkCombineTool. */
  tool: { path: string };
  /** Where the newest backup's tablespaces go (each absent or empty, checked by the caller). */
  tablespaceTarget: TablespaceTarget;
  /** Decompress with the zstd CLI when it is on PATH (default); false forces the in-process decoder. */
  zstdCli?: boolean;
}

/** Read a tablespace_map (`<oid> <path>` lines; backslashes escape in PG ≥ 13) into pg_tblspc links. */
async function tablespaceMapToLinks(dir: string): Promise<void> {
  const file = path.join(dir, 'tablespace_map');
  const text = await fsp.readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  await fsp.mkdir(path.join(dir, 'pg_tblspc'), { recursive: true, mode: 0o700 });
  for (const line of text.split('\n').filter(Boolean)) {
    const sp = line.indexOf(' ');
    const oid = line.slice(0, sp);
    const to = line.slice(sp + 1).replace(/\\(.)/g, '$1');
    const link = path.join(dir, 'pg_tblspc', oid);
    await fsp.rm(link, { recursive: true, force: true });
    await fsp.symlink(to, link);
  }
  await fsp.rm(file);
}

/** Move every entry of `from` into `to`, merging directories that exist in both. */
async function moveInto(from: string, to: string): Promise<void> {
  for (const e of await fsp.readdir(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    const there = await fsp.lstat(dst).catch(() => undefined);
    if (!there) await fsp.rename(src, dst);
    else if (e.isDirectory() && there.isDirectory()) await moveInto(src, dst);
    else throw new PgkeepError('target-dir-not-empty', `${dst} appeared while the chain was being combined; pgkeep restore never writes over files.`);
  }
}

/**
 * Extract the plan's chain into a staging directory beside `o.dir`, combine it with
 * pg_combinebackup and move the result into `o.dir`. The staging directory goes in every case;
 * tablespace directories it created go on failure (the caller empties DIR).
 */
export async function combineChain(o: CombineChainOptions): Promise<{ rawBytes: number; created: string[] }> {
  const { plan, dir } = o;
  const t0 = Date.now();
  const stage = await fsp.mkdtemp(path.join(path.dirname(dir), `.${path.basename(dir)}.pgkeep-combine-`));
  await fsp.chmod(stage, 0o700);
  const created: string[] = [];
  try {
    log.info(`restore ${plan.backup.id}: staging the chain ${plan.chain.map((m) => m.id).join(' → ')} (${formatBytes(plan.chain.reduce((a, m) => a + m.bytes, 0))} stored) in ${stage}`);
    const staged = await mapLimit(plan.chain, 2, async (m: ChainMember, n) => {
      const into = path.join(stage, `${n}-${m.id}`);
      await fsp.mkdir(into, { mode: 0o700 });
      const tsDir = (oid: number) => path.join(stage, `${n}-${m.id}.tblspc`, String(oid));
      const { rawBytes } = await extractPhysicalBackup(o.store, m.manifest, into, { zstdCli: o.zstdCli, tablespaceTarget: tsDir, progress: true });
      if (!existsSync(path.join(into, 'backup_manifest')))
        throw new PgkeepError('corrupt-object', `Backup ${m.id} has no backup_manifest, which pg_combinebackup needs for every backup of a chain.`, 'Run pgkeep verify; take a new full backup to start a fresh chain.');
      await tablespaceMapToLinks(into);
      return { dir: into, rawBytes, tsDir };
    });
    const rawBytes = staged.reduce((a, s) => a + s.rawBytes, 0);

    // The combined backup's tablespaces are the newest backup's: map each to its target.
    const newest = staged[staged.length - 1];
    const mappings: string[] = [];
    for (const t of tablespaceObjects(plan.backup)) {
      const to = o.tablespaceTarget(t.tablespaceOid!, t.tablespaceLocation!);
      if (!existsSync(to)) created.push(to);
      mappings.push('-T', `${newest.tsDir(t.tablespaceOid!).replace(/=/g, '\\=')}=${to.replace(/=/g, '\\=')}`);
    }
    const out = path.join(stage, 'out');
    const tc = Date.now();
    await runTool(path.dirname(o.tool.path), path.basename(o.tool.path), ['-o', out, ...mappings, ...staged.map((s) => s.dir)], {
      what: `pg_combinebackup of ${plan.chain.map((m) => m.id).join(' → ')}`,
    });
    const combinedIn = (Date.now() - tc) / 1000;
    await moveInto(out, dir);
    log.info(`restore ${plan.backup.id}: pg_combinebackup combined ${plan.chain.length} backups (${formatBytes(rawBytes)} extracted) into ${dir} in ${combinedIn.toFixed(1)} s (${((Date.now() - t0) / 1000).toFixed(1)} s with staging)`);
    return { rawBytes, created: mappings.length ? tablespaceObjects(plan.backup).map((t) => o.tablespaceTarget(t.tablespaceOid!, t.tablespaceLocation!)) : [] };
  } catch (e) {
    for (const d of created) await fsp.rm(d, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  } finally {
    await fsp.rm(stage, { recursive: true, force: true }).catch(() => undefined);
  }
}
