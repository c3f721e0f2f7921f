// Physical backups (pg_basebackup streamed into the store). PLACEHOLDER (PITR issue builds it).
import type { Config } from '../config/config.js';
import type { BackupOptions } from '../commands/backup.js';
import type { BackupResult } from '../commands/types.js';
import { PgkeepError } from '../util/errors.js';

export async function physicalBackup(_cfg: Config, _opts: BackupOptions): Promise<BackupResult> {
  throw new PgkeepError('not-implemented', 'Physical backups are not built yet.');
}
