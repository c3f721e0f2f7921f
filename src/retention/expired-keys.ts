// What the recovery window no longer needs, as keys. A copy with S3 Object Lock keeps expired
// backups and WAL until their lock runs out while the other copies have already deleted them:
// verify must not report those as missing on the other copies, and repair must not copy them
// back (the next expire would only delete them again). Pure, like the plan it derives from.
import { BACKUPS_PREFIX } from '../repo/layout.js';
import type { Manifest } from '../repo/manifest.js';
import type { WalCatalog } from '../repo/wal-catalog.js';
import { planRetention } from './plan.js';

export interface ExpiredKeys {
  backupIds: Set<string>;
  walKeys: Set<string>;
}

export function expiredKeys(input: { backups: Manifest[]; wal: WalCatalog; now: Date; retentionDays: number }): ExpiredKeys {
  const p = planRetention({ ...input, incomplete: [] });
  return { backupIds: new Set(p.expire.map((b) => b.id)), walKeys: new Set(p.expireWal.map((w) => w.key)) };
}

/** The key belongs to an expired backup or is expired WAL. */
export function isExpiredKey(e: ExpiredKeys, key: string): boolean {
  if (e.walKeys.has(key)) return true;
  return key.startsWith(BACKUPS_PREFIX) && e.backupIds.has(key.slice(BACKUPS_PREFIX.length).split('/')[0]);
}
