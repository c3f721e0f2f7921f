// `pgkeep backup`: take a logical or physical backup into the repository.
// Logical backups are built in src/backup/logical-backup.ts, full/incr in physical-backup.ts.
import type { Config } from '../config/config.js';
import type { BackupType } from '../repo/layout.js';
import { logicalBackup } from '../backup/logical-backup.js';
import { physicalBackup } from '../backup/physical-backup.js';
import type { BackupResult } from './types.js';
import { runStatus } from './status.js';

export interface BackupOptions {
  type: BackupType;
  /** Logical: databases to dump (default: every non-template database that accepts connections). */
  databases?: string[];
  /** Physical: checkpoint mode before the backup starts. */
  checkpoint?: 'fast' | 'spread';
}

export async function runBackup(cfg: Config, opts: BackupOptions): Promise<BackupResult> {
  if (opts.type === 'logical') return logicalBackup(cfg, opts);
  const r = await physicalBackup(cfg, opts);
  // An incr run on 15/16 stores no backup: what it records is the recovery window it keeps open.
  if (r.wal) r.window = (await runStatus(cfg)).window;
  return r;
}
