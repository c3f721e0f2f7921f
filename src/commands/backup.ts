// `pgkeep backup`: take a logical or physical backup into the repository.
// PLACEHOLDER signature; the logical half is built by the foundation issue, full/incr by the PITR issue.
import type { Config } from '../config/config.js';
import type { BackupType } from '../repo/layout.js';
import { PgkeepError } from '../util/errors.js';
import type { BackupResult } from './types.js';

export interface BackupOptions {
  type: BackupType;
  /** Logical: databases to dump (default: every non-template database that accepts connections). */
  databases?: string[];
  /** Physical: checkpoint mode before the backup starts. */
  checkpoint?: 'fast' | 'spread';
}

export async function runBackup(_cfg: Config, _opts: BackupOptions): Promise<BackupResult> {
  throw new PgkeepError('not-implemented', 'pgkeep backup is not built yet.');
}
