// Physical backup check with PostgreSQL's own pg_verifybackup: the stored tars are streamed
// (checksum verified on the way) into a temp directory, then pg_verifybackup compares every
// file with the server's backup_manifest, and parses the WAL from start to stop LSN
// (fetched from the archive when the backup carries none). The temp directory is always removed.
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { VerifyProblem } from '../commands/types.js';
import { runTool } from '../postgres/pg-tools.js';
import type { Manifest } from '../repo/manifest.js';
import { baseObjectOf, extractPhysicalBackup } from '../restore/extract.js';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';
import { fetchWalFile } from '../wal/wal-object.js';
import { parseSegmentName, segmentName } from '../wal/segment.js';

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

export interface PhysicalCheckOptions {
  tmpDir?: string;
  /**
   * Major of the pg_verifybackup in binDir. A newer one still checks every file against the
   * manifest, but its WAL parser reads only its own major's page format (the page magic changes
   * with every major): the backup's WAL is then fetched and checked by pgkeep (present, zstd
   * checksum, segment size) and pg_verifybackup runs with --no-parse-wal.
   */
  toolMajor?: number;
}

export async function checkPhysicalBackup(store: Store, m: Manifest, binDir: string, opts: PhysicalCheckOptions = {}): Promise<VerifyProblem[]> {
  const base = baseObjectOf(m);
  if (!base) return [{ backupId: m.id, message: `physical backup ${m.id} lists no base tar object` }];
  const work = await fsp.mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), `pgkeep-verify-${m.id}-`));
  const problems: VerifyProblem[] = [];
  try {
    const dataDir = path.join(work, 'data');
    await fsp.mkdir(dataDir);
    try {
      // Tablespaces as plain directories in pg_tblspc/: pg_verifybackup reads them by manifest path.
      await extractPhysicalBackup(store, m, dataDir, { tablespaceTarget: (oid) => path.join(dataDir, 'pg_tblspc', String(oid)), keepTablespaceMap: true });
    } catch (e) {
      return [{ backupId: m.id, object: base.name, message: `cannot extract backup ${m.id}: ${(e as Error).message}` }];
    }
    if (!existsSync(path.join(dataDir, 'backup_manifest')))
      return [{ backupId: m.id, object: base.name, message: `backup ${m.id} has no backup_manifest; pg_verifybackup cannot check it` }];
    const args = ['-q', '-e'];
    const walInside = (await fsp.readdir(path.join(dataDir, 'pg_wal')).catch(() => [])).some((f) => /^[0-9A-F]{24}$/.test(f));
    if (!walInside) {
      const walDir = path.join(work, 'wal');
      await fsp.mkdir(walDir);
      const missing = await fetchBackupWal(store, m, walDir);
      const backupMajor = Math.floor(m.pgVersionNum / 10000);
      if (missing.length) {
        problems.push({ backupId: m.id, message: `WAL needed to make backup ${m.id} consistent is missing from the archive: ${missing.join(', ')}` });
        args.push('-n');
      } else if (opts.toolMajor !== undefined && opts.toolMajor !== backupMajor) {
        log.info(`pg_verifybackup ${opts.toolMajor} cannot parse PostgreSQL ${backupMajor} WAL: backup ${m.id}'s WAL was checked by pgkeep (present, checksums, sizes) and pg_verifybackup checks the files only`);
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
