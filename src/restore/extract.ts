// Turning a physical backup's objects back into files: each tar object streams store →
// size + SHA-256 check (fails at the end) → every zstd frame → `tar -x` (nothing staged).
// Used by restore (into the target DIR), pg_verifybackup checks and PG 17 chain staging.
import { createWriteStream, existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BACKUP_MANIFEST_KIND, BASE_KIND, TABLESPACE_KIND } from '../backup/physical-backup.js';
import { startTool } from '../postgres/pg-tools.js';
import { backupObjectKey } from '../repo/layout.js';
import type { Manifest, ManifestObject } from '../repo/manifest.js';
import { verifyingStream } from '../repo/object-io.js';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { findExecutable } from '../util/find-executable.js';
import { progress } from '../util/log.js';
import { MultiFrameZstdDecompress } from '../util/zstd-frames.js';
import { mkdirp } from '../util/mkdirp.js';
import { ageDecryptStream } from '../util/age.js';
import { TarGuard } from './tar-guard.js';
import { withCopyFallback } from '../storage/read-fallback.js';
import { PREFETCH_DIR } from '../wal/wal-fetch.js';
import { describeDataDir, findDataDirAt } from './live-data-dir.js';

const DAMAGED = 'The stored copy is damaged; run pgkeep verify and restore from another backup or copy.';

/**
 * Extract one stored tar object into `dir`. With the zstd CLI on PATH it decompresses (native,
 * all frames, on its own core) straight into tar; otherwise our streaming multi-frame decoder
 * does. Measured on a 1 GB backup: 0.8 s for zstd -d against 2.1 s in JS. Returns raw bytes.
 */
export async function extractTarObject(store: Store, backupId: string, obj: ManifestObject, dir: string, opts: { zstdCli?: boolean; progressLabel?: string } = {}): Promise<number> {
  const what = `${obj.name} of backup ${backupId}`;
  const prog = opts.progressLabel ? progress(opts.progressLabel, obj.rawBytes) : undefined;
  // zstd → age on the way in, so age comes off first; a missing identity throws before any read.
  const decrypt = obj.encryption === 'age' ? ageDecryptStream(what) : undefined;
  const stored = await store.get(backupObjectKey(backupId, obj.name));
  const zstdCli = obj.compression === 'zstd' && opts.zstdCli !== false ? findExecutable('zstd') : undefined;
  let bytes = 0;
  // Every tar header passes the guard before tar sees it: an entry that could land outside the
  // directory stops the stream (and the restore) instead of being written. It counts the raw
  // bytes too (each stage is a hop per chunk of every byte).
  const guard = new TarGuard(what, (n) => {
    bytes += n;
    prog?.add(n);
  });
  const stages: NodeJS.ReadWriteStream[] = [verifyingStream(obj, what), ...(decrypt ? [decrypt] : [])];
  if (obj.compression === 'zstd' && !zstdCli) stages.push(new MultiFrameZstdDecompress(what));
  if (!zstdCli) stages.push(guard);
  const zstd = zstdCli ? startTool('', zstdCli, ['-d', '-c', '-q'], { stdin: 'pipe', what: `zstd -d of ${what}` }) : undefined;
  // --ignore-zeros: tar reads to the real end of input instead of stopping at the end-of-archive
  // blocks, so it never closes the pipe early and every byte passes the SHA-256 check.
  // -b 2048 -B: tar reads (whole, -B) 1 MiB records instead of 10 KiB ones and writes file data in
  // pieces as large, a tenth of the system calls: 25% less CPU for zstd | tar on a 540 MB backup.
  const tar = startTool('', 'tar', ['-x', '--ignore-zeros', '-B', '-b', '2048', '-f', '-', '-C', dir, '--no-same-owner'], { stdin: 'pipe', what: `tar -x into ${dir}` });
  tar.stdout.resume(); // tar -x prints nothing, but must never block on a full stdout pipe
  const [fed, guarded, untarred, unzstd] = await Promise.allSettled([
    pipeline(stored, ...(stages as [Transform]), (zstd ?? tar).stdin!),
    // zstd decompresses natively on its own core; its output comes back through the guard.
    zstd ? pipeline(zstd.stdout, guard, tar.stdin!) : Promise.resolve(),
    tar.done,
    zstd?.done,
  ]);
  const refused = [fed, guarded].find((r) => r.status === 'rejected' && r.reason instanceof PgkeepError && r.reason.code === 'unsafe-tar-entry');
  if (refused || fed.status === 'rejected' || guarded.status === 'rejected') {
    tar.child.kill('SIGKILL');
    zstd?.child.kill('SIGKILL');
    if (refused) throw (refused as PromiseRejectedResult).reason;
    const e = fed.status === 'rejected' ? fed.reason : (guarded as PromiseRejectedResult).reason;
    if (e instanceof PgkeepError) throw e;
    const why = unzstd.status === 'rejected' ? (unzstd.reason as Error).message : (e as Error).message;
    throw new PgkeepError('corrupt-object', `${what} could not be read back: ${why}.`, DAMAGED);
  }
  if (unzstd.status === 'rejected') throw new PgkeepError('corrupt-object', `${what} could not be decompressed: ${(unzstd.reason as Error).message}`, DAMAGED);
  if (untarred.status === 'rejected') throw new PgkeepError('tool-failed', (untarred.reason as Error).message, 'Check free space and permissions of the target directory.');
  prog?.done();
  return bytes;
}

export function baseObjectOf(m: Manifest): ManifestObject | undefined {
  return m.objects.find((o) => o.kind === BASE_KIND) ?? m.objects.find((o) => o.name.startsWith('base.tar'));
}

export function tablespaceObjects(m: Manifest): ManifestObject[] {
  return m.objects.filter((o) => o.kind === TABLESPACE_KIND);
}

/** Where each tablespace goes: `--tablespace-map OLD=NEW` entries, else its original directory. */
export type TablespaceTarget = (oid: number, location: string) => string;

export function tablespaceTargetFrom(map: Record<string, string> | undefined, under?: string): TablespaceTarget {
  return (oid, location) => {
    const mapped = map?.[location] ?? map?.[String(oid)];
    if (mapped) return path.resolve(mapped);
    if (under) return path.join(under, String(oid));
    return location;
  };
}

/** `--tablespace-map OLD=NEW` (CLI, repeatable like pg_basebackup -T; the pg-restore action's input): OLD is the path when backed up, or the OID. */
export function parseTablespaceMap(v: unknown): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const item of (Array.isArray(v) ? v : [v]) as string[]) {
    const i = item.indexOf('=');
    const [from, to] = i > 0 ? [item.slice(0, i).trim(), item.slice(i + 1).trim()] : ['', ''];
    if (!from || !to || !to.startsWith('/') || !(from.startsWith('/') || /^\d+$/.test(from)))
      throw new PgkeepError('bad-usage', `--tablespace-map="${item}" is not valid: expected OLD=NEW with NEW an absolute path and OLD the tablespace's path when backed up (or its OID).`, 'Example: --tablespace-map /srv/pg/fast=/restore/fast (pgkeep restore --dry-run lists the tablespaces).');
    if (out[from]) throw new PgkeepError('bad-usage', `--tablespace-map maps ${from} twice.`);
    out[from] = to;
  }
  return out;
}

/**
 * Undo a base extraction before it is repeated from another copy: everything but the WAL a
 * restore stages meanwhile in pg_wal/pgkeep-prefetch (fetched and checked on its own).
 */
async function clearExtracted(dir: string): Promise<void> {
  for (const e of await fsp.readdir(dir).catch(() => [] as string[]))
    if (e !== 'pg_wal') await fsp.rm(path.join(dir, e), { recursive: true, force: true });
  const wal = path.join(dir, 'pg_wal');
  for (const e of await fsp.readdir(wal).catch(() => [] as string[]))
    if (e !== PREFETCH_DIR) await fsp.rm(path.join(wal, e), { recursive: true, force: true });
}

/** Remove what is in `dir`, or `dir` itself when this run created it (undoing a failed restore). */
export async function emptyDir(dir: string, created: boolean): Promise<void> {
  if (created) await fsp.rm(dir, { recursive: true, force: true });
  else for (const e of await fsp.readdir(dir).catch(() => [] as string[])) await fsp.rm(path.join(dir, e), { recursive: true, force: true });
}

/**
 * A tablespace target must be an absolute path (tablespace_map cannot hold newlines or
 * backslashes) and absent or empty, like the data directory. Returns whether it exists.
 */
async function checkTablespaceTarget(oid: number, location: string, to: string): Promise<'absent' | 'empty'> {
  if (!path.isAbsolute(to) || /[\n\r\\]/.test(to))
    throw new PgkeepError('bad-tablespace-map', `Tablespace ${oid} cannot go to "${to}": it must be an absolute path without newlines or backslashes.`, 'Use --tablespace-map OLD=NEW with an absolute NEW.');
  // Only a running server's directory: a stopped one may be the very data directory being
  // restored (pg_verifybackup checks put tablespaces under its pg_tblspc).
  const live = await findDataDirAt(to);
  if (live?.running)
    throw new PgkeepError('target-is-data-dir', `Tablespace ${oid} cannot go to ${to}: ${describeDataDir(to, live)}.`, 'Map it elsewhere with --tablespace-map OLD=NEW.');
  let entries: string[];
  try {
    entries = await fsp.readdir(to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw new PgkeepError('bad-tablespace-map', `Cannot use ${to} for tablespace ${oid}: ${(e as Error).message}.`, 'Map it elsewhere with --tablespace-map OLD=NEW.');
  }
  if (entries.length)
    throw new PgkeepError(
      'tablespace-dir-not-empty',
      `Tablespace ${oid} (${location} when backed up) would be restored into ${to}, which is not empty (e.g. ${entries.slice(0, 3).join(', ')}); pgkeep restore never writes over files.`,
      'Map it elsewhere with --tablespace-map OLD=NEW (pgkeep restore --dry-run lists the tablespaces), or move the old directory away.',
    );
  return 'empty';
}

/** Check every tablespace target before anything is written (dry run and restore). */
export async function checkTablespaceTargets(m: Manifest, target: TablespaceTarget): Promise<{ oid: number; from: string; to: string }[]> {
  const out = [];
  for (const o of tablespaceObjects(m)) {
    const to = target(o.tablespaceOid!, o.tablespaceLocation!);
    await checkTablespaceTarget(o.tablespaceOid!, o.tablespaceLocation!, to);
    out.push({ oid: o.tablespaceOid!, from: o.tablespaceLocation!, to });
  }
  return out;
}

/**
 * Extract a whole physical backup: base into `dir`, each tablespace into its target (and
 * `tablespace_map` rewritten to point there: the server makes the pg_tblspc links from it at
 * startup), and `backup_manifest` beside the data, as pg_basebackup leaves it. Returns raw bytes
 * and the directories created outside `dir` (to remove on failure).
 */
export async function extractPhysicalBackup(
  store: Store,
  m: Manifest,
  dir: string,
  /** keepTablespaceMap: leave the backed-up tablespace_map as it is (pg_verifybackup checks its size). */
  opts: { zstdCli?: boolean; tablespaceTarget: TablespaceTarget; progress?: boolean; keepTablespaceMap?: boolean },
): Promise<{ rawBytes: number; /** Tablespace directories written (outside dir). */ created: string[] }> {
  const base = baseObjectOf(m);
  if (!base) throw new PgkeepError('corrupt-object', `Backup ${m.id} lists no base tar object.`);
  const created: string[] = [];
  const reused: string[] = [];
  let raw = 0;
  try {
    // A damaged object on one copy of a mirror is extracted again from the next copy (storage/read-fallback.ts).
    raw += await withCopyFallback(
      store,
      `${base.name} of backup ${m.id}`,
      (s) => extractTarObject(s, m.id, base, dir, { zstdCli: opts.zstdCli, progressLabel: opts.progress ? `restore ${m.id}: extracting ${base.name}` : undefined }),
      () => clearExtracted(dir),
    );
    if (!existsSync(path.join(dir, 'PG_VERSION')) || !existsSync(path.join(dir, 'backup_label')))
      throw new PgkeepError('corrupt-object', `${base.name} of backup ${m.id} does not hold a data directory (no PG_VERSION or backup_label).`);
    const map: string[] = [];
    for (const o of tablespaceObjects(m)) {
      const to = opts.tablespaceTarget(o.tablespaceOid!, o.tablespaceLocation!);
      // Checked again here: the directory may have changed since the plan was made.
      const state = await checkTablespaceTarget(o.tablespaceOid!, o.tablespaceLocation!, to);
      try {
        await mkdirp(to, 0o700);
      } catch (e) {
        throw new PgkeepError('bad-tablespace-map', `Cannot create ${to} for tablespace ${o.tablespaceOid}: ${(e as Error).message}.`, 'Map it to a writable place with --tablespace-map OLD=NEW.');
      }
      (state === 'absent' ? created : reused).push(to);
      raw += await withCopyFallback(
        store,
        `${o.name} of backup ${m.id}`,
        (s) => extractTarObject(s, m.id, o, to, { zstdCli: opts.zstdCli, progressLabel: opts.progress ? `restore ${m.id}: extracting tablespace ${o.tablespaceOid}` : undefined }),
        () => emptyDir(to, false),
      );
      map.push(`${o.tablespaceOid} ${to}\n`);
    }
    if (map.length && !opts.keepTablespaceMap) await fsp.writeFile(path.join(dir, 'tablespace_map'), map.join(''), { mode: 0o600 });
    const bm = m.objects.find((o) => o.kind === BACKUP_MANIFEST_KIND);
    if (bm) {
      const what = `${bm.name} of backup ${m.id}`;
      await withCopyFallback(store, what, async (s) =>
        pipeline(await s.get(backupObjectKey(m.id, bm.name)), verifyingStream(bm, what), ...((bm.encryption === 'age' ? [ageDecryptStream(what)] : []) as [Transform]), new MultiFrameZstdDecompress(what), createWriteStream(path.join(dir, 'backup_manifest'), { mode: 0o600 })),
      );
    }
    return { rawBytes: raw, created: [...created, ...reused] };
  } catch (e) {
    for (const d of created) await emptyDir(d, true).catch(() => undefined);
    for (const d of reused) await emptyDir(d, false).catch(() => undefined);
    throw e;
  }
}
