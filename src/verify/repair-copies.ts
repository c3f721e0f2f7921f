// `verify --repair` (and the end of a backup): fill in what a copy of a mirror lacks — WAL
// pushed while it was down (PGKEEP_WAL_REQUIRED_COPIES < all), backups written while it was
// unreachable — from the other copies, each object checked on the way (WAL: its zstd frame;
// backup objects: size + SHA-256 from the manifest), a backup's manifest last, so the copy
// shows the backup only once all its objects are there. Objects of backups without a manifest
// anywhere (killed or running) are not copied.
import zlib from 'node:zlib';
import { readManifest } from '../repo/catalog.js';
import { BACKUPS_PREFIX, WAL_PREFIX, backupObjectKey, manifestKey } from '../repo/layout.js';
import { verifyingStream } from '../repo/object-io.js';
import type { Manifest } from '../repo/manifest.js';
import { listPerCopy, missingKeys } from '../storage/copy-lag.js';
import { copyToCopy, sideCheck, type CopyOutcome } from '../storage/copy-repair.js';
import { MirrorStore } from '../storage/mirror-store.js';
import type { Store } from '../storage/store.js';
import { log } from '../util/log.js';
import { mapLimit } from '../util/streams.js';

export interface RepairResult {
  /** Objects copied (or found already there) per target copy. */
  copied: CopyOutcome[];
  /** Objects that could not be filled in, with why. */
  failed: CopyOutcome[];
}

export async function repairCopies(
  store: Store,
  o: { parallel?: number; walOnly?: boolean; /** Keys never filled in: what retention expired (a locked copy may still hold it). */ skip?: (key: string) => boolean } = {},
): Promise<RepairResult> {
  const out: RepairResult = { copied: [], failed: [] };
  if (!(store instanceof MirrorStore) || store.copies.length < 2) return out;
  const parallel = Math.max(1, o.parallel ?? 4);
  const record = (r: CopyOutcome) => (r.error ? out.failed : out.copied).push(r);
  const others = (i: number) => store.copies.filter((_, j) => j !== i);

  const wal = await listPerCopy(store, WAL_PREFIX);
  for (const [i, mine] of wal.perCopy.entries()) {
    if (mine instanceof Error) {
      out.failed.push({ key: WAL_PREFIX, to: store.copies[i].description, error: `cannot be listed: ${mine.message}` });
      continue;
    }
    const missing = missingKeys(wal.union, mine).filter((m) => !o.skip?.(m.key));
    await mapLimit(missing, parallel, async (m) => {
      const check = () => sideCheck(zlib.createZstdDecompress(), 'wal-corrupt', `${m.key} on a copy`);
      record(await copyToCopy(m.key, others(i), store.copies[i], check));
    });
  }

  if (!o.walOnly) {
    const backups = await listPerCopy(store, BACKUPS_PREFIX);
    const manifests = new Map<string, Manifest | null>();
    const manifestOf = async (id: string): Promise<Manifest | null> => {
      if (!manifests.has(id)) manifests.set(id, await readManifest(store, id).catch(() => null));
      return manifests.get(id)!;
    };
    for (const [i, mine] of backups.perCopy.entries()) {
      if (mine instanceof Error) {
        out.failed.push({ key: BACKUPS_PREFIX, to: store.copies[i].description, error: `cannot be listed: ${mine.message}` });
        continue;
      }
      const missing = missingKeys(backups.union, mine).filter((m) => !o.skip?.(m.key));
      const ids = [...new Set(missing.map((m) => m.key.slice(BACKUPS_PREFIX.length).split('/')[0]))];
      for (const id of ids) {
        const m = await manifestOf(id);
        // No readable manifest anywhere: an incomplete backup (or one whose manifest is damaged) is not spread.
        if (!m) continue;
        const have = new Set(mine.map((x) => x.key));
        const objs = m.objects.filter((ob) => !have.has(backupObjectKey(id, ob.name)));
        const results = await mapLimit(objs, parallel, async (ob) => {
          const r = await copyToCopy(backupObjectKey(id, ob.name), others(i), store.copies[i], () => verifyingStream(ob, `${ob.name} of backup ${id}`));
          record(r);
          return r;
        });
        if (results.some((r) => r.error) || have.has(manifestKey(id))) continue;
        record(await copyToCopy(manifestKey(id), others(i), store.copies[i]));
      }
    }
  }
  for (const f of out.failed) log.warn(`repair: ${f.key} could not be copied to ${f.to}: ${f.error}`);
  const bad = out.copied.filter((c) => c.badSources?.length);
  for (const b of bad) log.warn(`repair: ${b.key} on ${b.badSources!.join(', ')} is damaged; copied to ${b.to} from ${b.from}`);
  if (out.copied.length) log.info(`repair: ${out.copied.length} object(s) filled in on lagging copies`);
  return out;
}
