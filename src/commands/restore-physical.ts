// `pgkeep restore --to DIR`: physical restore of a cluster to a point in time.
// PLACEHOLDER signature (PITR issue builds it).
import type { Config } from '../config/config.js';
import { PgkeepError } from '../util/errors.js';
import type { RestoreResult } from './types.js';

export type RestoreTarget =
  | { kind: 'time'; time: string }
  | { kind: 'lsn'; lsn: string }
  | { kind: 'latest' }
  | { kind: 'immediate' };

export interface PhysicalRestoreOptions {
  target: RestoreTarget;
  /** Data directory to write (must be empty or absent). */
  to: string;
  backup?: string;
  dryRun: boolean;
  /** Start the restored cluster on this port, wait for promotion, report the instant reached. */
  start?: boolean;
  port?: number;
}

export async function restorePhysical(_cfg: Config, _opts: PhysicalRestoreOptions): Promise<RestoreResult> {
  throw new PgkeepError('not-implemented', 'pgkeep restore --to is not built yet.');
}
