// `pgkeep backup`: take a logical or physical backup into the repository.
// Logical backups are built in src/backup/logical-backup.ts, full/incr in physical-backup.ts.
import type { Config } from '../config/config.js';
import type { BackupType } from '../repo/layout.js';
import { logicalBackup } from '../backup/logical-backup.js';
import { physicalBackup } from '../backup/physical-backup.js';
import type { BackupResult } from './types.js';

export interface BackupOptions {
  type: BackupType;
  /** Logical: databases to dump (default: every non-template database that accepts connections). */
  databases?: string[];
  /** Physical: checkpoint mode before the backup starts. */
  checkpoint?: 'fast' | 'spread';
}

export async function runBackup(cfg: Config, opts: BackupOptions): Promise<BackupResult> {
  return opts.type === 'logical' ? logicalBackup(cfg, opts) : physicalBackup(cfg, opts);
}
