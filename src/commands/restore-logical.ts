// `pgkeep restore --logical`: one database from a logical backup into a new database.
// PLACEHOLDER signature (foundation issue builds it; PITR issue adds --time).
import type { Config } from '../config/config.js';
import { PgkeepError } from '../util/errors.js';
import type { RestoreResult } from './types.js';

export interface LogicalRestoreOptions {
  database: string;
  /** Backup id or 'latest'. */
  backup: string;
  /** Target database; default `<database>_restore`. */
  into?: string;
  replace: boolean;
  dryRun: boolean;
  /** Point-in-time for a single database (PITR issue): restore the cluster to this instant in an ephemeral cluster, then dump + restore. */
  time?: string;
  /** pg_restore -j for large databases. */
  jobs?: number;
}

export async function restoreLogical(_cfg: Config, _opts: LogicalRestoreOptions): Promise<RestoreResult> {
  throw new PgkeepError('not-implemented', 'pgkeep restore --logical is not built yet.');
}
