// Physical backup check with PostgreSQL's own pg_verifybackup: the stored base tar is streamed
// (checksum verified on the way) into a temp directory, then pg_verifybackup compares every
// file with the backup_manifest pg_basebackup wrote, and parses the WAL from start to stop LSN
// (fetched from the archive when the backup carries none). The temp directory is always removed.
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { VerifyProblem } from '../commands/types.js';
import { startTool, runTool } from '../postgres/pg-tools.js';
import { backupObjectKey } from '../repo/layout.js';
import type { Manifest, ManifestObject } from '../repo/manifest.js';
import { verifyingStream } from '../repo/object-io.js';
import { MultiFrameZstdDecompress } from '../util/zstd-frames.js';
import type { Transform } from 'node:stream';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';
import { fetchWalFile } from '../wal/wal-object.js';
import { parseSegmentName, segmentName } from '../wal/segment.js';

/** The object holding the main data directory tar. */
export function baseObject(m: Manifest): ManifestObject | undefined {
  return m.objects.find((o) => o.kind === 'base') ?? m.objects.find((o) => o.name.startsWith('base.tar'));
}

/**
 * Stream a stored tar object into `dir` with tar -x: SHA-256 checked on the stored bytes, and
 * every zstd frame decompressed (a base backup compressed in parallel is many frames).
 */
export async function extractTarObject(store: Store, key: string, obj: ManifestObject, dir: string): Promise<void> {
  const src = await store.get(key);
  const tar = startTool('', 'tar', ['-x', '--ignore-zeros', '-f', '-', '-C', dir], { stdin: 'pipe', what: `tar -x of ${key}` });
  tar.stdout.resume();
  const stages: NodeJS.ReadWriteStream[] = [verifyingStream(obj, key)];
  if (obj.compression === 'zstd') stages.push(new MultiFrameZstdDecompress(key));
  const feed = pipeline(src, ...(stages as [Transform]), tar.stdin!);
  const [f, t] = await Promise.allSettled([feed, tar.done]);
  // The checksum error (raised at the end of the stream) is the real cause when both fail.
  if (f.status === 'rejected' && (f.reason as { code?: string }).code !== 'EPIPE') throw f.reason;
  if (t.status === 'rejected') throw t.reason;
  if (f.status === 'rejected') throw f.reason;
}

/** Fetch WAL segments startWal..stopWal (one timeline) into `walDir`; returns names missing. */
async function fetchBackupWal(store: Store, m: Manifest, walDir: string): Promise<string[]> {
  if (!m.startWal || !m.stopWal) return [];
  const a = parseSegmentName(m.startWal);
  const b = parseSegmentName(m.stopWal);
  const missing: string[] = [];
  for (let s = a.segno; s <= b.segno; s++) {
    const name = segmentName(b.timeline, s);
    try {
      await fetchWalFile(store, name, path.join(walDir, name));
    } catch (e) {
      if (e instanceof PgkeepError && e.code === 'not-found') missing.push(name);
      else throw e;
    }
  }
  return missing;
}

export async function checkPhysicalBackup(store: Store, m: Manifest, binDir: string, opts: { tmpDir?: string } = {}): Promise<VerifyProblem[]> {
  const base = baseObject(m);
  if (!base) return [{ backupId: m.id, message: `physical backup ${m.id} lists no base tar object` }];
  const work = await fsp.mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), `pgkeep-verify-${m.id}-`));
  const problems: VerifyProblem[] = [];
  try {
    const dataDir = path.join(work, 'data');
    await fsp.mkdir(dataDir);
    try {
      await extractTarObject(store, backupObjectKey(m.id, base.name), base, dataDir);
    } catch (e) {
      return [{ backupId: m.id, object: base.name, message: `cannot extract ${base.name}: ${(e as Error).message}` }];
    }
    if (!existsSync(path.join(dataDir, 'backup_manifest')))
      return [{ backupId: m.id, object: base.name, message: `${base.name} has no backup_manifest; pg_verifybackup cannot check it` }];
    const args = ['-q', '-e'];
    const walInside = (await fsp.readdir(path.join(dataDir, 'pg_wal')).catch(() => [])).some((f) => /^[0-9A-F]{24}$/.test(f));
    if (!walInside) {
      const walDir = path.join(work, 'wal');
      await fsp.mkdir(walDir);
      const missing = await fetchBackupWal(store, m, walDir);
      if (missing.length) {
        problems.push({ backupId: m.id, message: `WAL needed to make backup ${m.id} consistent is missing from the archive: ${missing.join(', ')}` });
        args.push('-n');
      } else args.push('-w', walDir);
    }
    try {
      await runTool(binDir, 'pg_verifybackup', [...args, dataDir], { what: `pg_verifybackup of ${m.id}` });
      log.info(`pg_verifybackup: backup ${m.id} ok`);
    } catch (e) {
      problems.push({ backupId: m.id, object: base.name, message: (e as Error).message });
    }
    return problems;
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
}
