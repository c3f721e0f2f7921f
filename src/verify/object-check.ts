// Verification lives here: object checksums (this file), the WAL chain (wal-chain.ts),
// pg_verifybackup on physical backups (physical-check.ts), logical dumps (logical-check.ts) and
// the restore drill (drill.ts). src/commands/verify.ts puts them together.
//
// Object check: every object a manifest lists is read once, streamed, and its stored size and
// SHA-256 compared with the manifest — on one copy of the repository (the caller runs it per
// copy of a mirror). Bounded parallel; memory stays flat whatever the object size.
import type { Manifest } from '../repo/manifest.js';
import { backupObjectKey } from '../repo/layout.js';
import { verifyingStream } from '../repo/object-io.js';
import type { Store } from '../storage/store.js';
import type { VerifyProblem } from '../commands/types.js';
import { PgkeepError } from '../util/errors.js';
import { mapLimit } from '../util/streams.js';
import { Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { plausibleSegmentSize } from '../wal/wal-object.js';
import { ZstdStreamCheck } from '../util/zstd-check.js';
import { decryptStages, hasAgeIdentity, isAgeKey } from '../util/age.js';
import type { ArchivedSegment } from '../repo/wal-catalog.js';

export interface ObjectCheckResult {
  objects: number;
  bytes: number;
  problems: VerifyProblem[];
}

export interface ObjectCheckOptions {
  parallel: number;
  /** Name of the copy in problems (a mirror's copies are checked one by one). */
  copy?: string;
  onBytes?: (n: number) => void;
}

/** Read `key` fully and compare size + SHA-256; the problem message names the expected and found values. */
export async function checkObject(store: Store, key: string, expected: { bytes: number; sha256: string }, onBytes?: (n: number) => void): Promise<string | null> {
  try {
    const src = await store.get(key);
    const sink = new Writable({
      highWaterMark: 1 << 20,
      write(chunk: Buffer, _e, cb) {
        onBytes?.(chunk.length);
        cb();
      },
    });
    await pipeline(src, verifyingStream(expected, key), sink);
    return null;
  } catch (e) {
    if (e instanceof PgkeepError && e.code === 'not-found') return `${key} is missing`;
    if (e instanceof PgkeepError) return e.message;
    return `${key} could not be read: ${(e as Error).message}`;
  }
}

export async function checkBackupObjects(store: Store, backups: Manifest[], opts: ObjectCheckOptions): Promise<ObjectCheckResult> {
  const jobs = backups.flatMap((b) => b.objects.map((o) => ({ b, o })));
  const res: ObjectCheckResult = { objects: 0, bytes: 0, problems: [] };
  // Largest first, so one big base.tar.zst does not end the run alone.
  jobs.sort((x, y) => y.o.bytes - x.o.bytes);
  await mapLimit(jobs, opts.parallel, async ({ b, o }) => {
    const problem = await checkObject(store, backupObjectKey(b.id, o.name), o, opts.onBytes);
    res.objects++;
    if (problem) res.problems.push({ backupId: b.id, object: o.name, copy: opts.copy, message: problem });
    else res.bytes += o.bytes;
  });
  return res;
}

/**
 * Every archived WAL file decompresses completely (every zstd frame, each with its content
 * checksum, and no trailing bytes) to a plausible segment size. WAL objects carry no manifest
 * entry; the frame checksum is their integrity. No SHA-256 here: the frame check already reads
 * every byte, and skipping the hash keeps this at decompression speed.
 */
export async function checkWalObjects(
  store: Store,
  segments: ArchivedSegment[],
  opts: ObjectCheckOptions & { segmentSize?: number },
): Promise<ObjectCheckResult> {
  const res: ObjectCheckResult = { objects: 0, bytes: 0, problems: [] };
  await mapLimit(segments, opts.parallel, async (s) => {
    res.objects++;
    try {
      // Encrypted WAL has no checksum outside the ciphertext: without PGKEEP_AGE_IDENTITY only
      // its presence is checked (backup objects keep a SHA-256 of the stored bytes instead).
      if (isAgeKey(s.key) && !hasAgeIdentity()) {
        res.bytes += s.size;
        opts.onBytes?.(s.size);
        return;
      }
      // Decoded to the end of every frame, output counted and dropped (util/zstd-check.ts).
      const check = new ZstdStreamCheck(s.key);
      await pipeline(await store.get(s.key), ...(decryptStages(s.key) as [Transform]), check, new Writable({ write: (_c, _e, cb) => cb() }));
      const raw = check.rawBytes;
      const ok = opts.segmentSize ? raw === opts.segmentSize : plausibleSegmentSize(raw);
      if (!ok) res.problems.push({ object: s.key, copy: opts.copy, message: `WAL segment ${s.name} decompresses to ${raw} bytes, not a WAL segment` });
      else res.bytes += s.size;
      opts.onBytes?.(s.size);
    } catch (e) {
      const msg = e instanceof PgkeepError && e.code === 'not-found' ? `WAL segment ${s.name} is missing` : `WAL segment ${s.name} is corrupt: ${(e as Error).message}`;
      res.problems.push({ object: s.key, copy: opts.copy, message: msg });
    }
  });
  return res;
}
