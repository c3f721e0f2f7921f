// The keys retention expired: what verify and repair leave alone on copies that already deleted it.
import { describe, expect, it } from 'vitest';
import { expiredKeys, isExpiredKey } from '../../../src/retention/expired-keys.js';
import { walKey } from '../../../src/repo/layout.js';
import { segmentName } from '../../../src/wal/segment.js';
import { NOW, backup, walCat, walRange } from './catalog-fixture.js';

describe('expired keys', () => {
  it('names the expired backups and WAL, never what the window keeps', () => {
    const f1 = backup('full', 60, { seg: 10 });
    const f2 = backup('full', 40, { seg: 20 });
    const f3 = backup('full', 5, { seg: 30 });
    const e = expiredKeys({ backups: [f1, f2, f3], wal: walCat(walRange(1, 10, 35)), now: NOW, retentionDays: 30 });
    expect([...e.backupIds]).toEqual([f1.id]);
    expect(isExpiredKey(e, `backups/${f1.id}/base.tar.zst`)).toBe(true);
    expect(isExpiredKey(e, `backups/${f1.id}/manifest.json`)).toBe(true);
    expect(isExpiredKey(e, `backups/${f2.id}/manifest.json`)).toBe(false);
    expect(isExpiredKey(e, walKey(segmentName(1, 19n)))).toBe(true);
    expect(isExpiredKey(e, walKey(segmentName(1, 20n)))).toBe(false);
    expect(isExpiredKey(e, 'pgkeep.json')).toBe(false);
    expect(isExpiredKey(e, 'locks/backup-full.lock')).toBe(false);
  });

  it('expires nothing of the only backup', () => {
    const only = backup('logical', 400);
    expect(expiredKeys({ backups: [only], wal: walCat(), now: NOW, retentionDays: 30 }).backupIds.size).toBe(0);
  });
});
