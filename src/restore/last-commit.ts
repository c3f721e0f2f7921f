// The newest commit time in the archive, read with pg_waldump from the last few segments of the
// planned chain. A time target is only reachable when the archive holds a transaction that
// committed after it (PostgreSQL stops *before* that one; without it, recovery runs out of WAL
// and refuses to promote), so this turns "T is after the newest archived WAL" from a guess by
// archive times into a fact. Only temp files are written; they are removed.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Store } from '../storage/store.js';
import { log } from '../util/log.js';
import { fetchWalFile } from '../wal/wal-object.js';
import { startTool } from '../postgres/pg-tools.js';
import type { PlannedSegment } from './plan.js';
import { timestampToMicros } from './target-time.js';

const COMMIT_RE = /desc: (?:COMMIT|ABORT)(?:_PREPARED)? (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})? (?:UTC|[+-]\d{2}(?::?\d{2})?))/g;

/** Commit/abort times in pg_waldump output (its stdout, even when it stops at a missing next segment). */
export function commitTimesFromWaldump(text: string): bigint[] {
  const out: bigint[] = [];
  for (const m of text.matchAll(COMMIT_RE)) {
    try {
      out.push(timestampToMicros(m[1]));
    } catch {
      /* a zone pgkeep does not read: ignore the line */
    }
  }
  return out;
}

async function waldump(binDir: string, dir: string, segment: string): Promise<string> {
  // pg_waldump exits non-zero when the following segment is absent; its stdout is still good.
  const run = startTool(binDir, 'pg_waldump', ['-p', dir, '-r', 'Transaction', segment], { env: { TZ: 'UTC' }, what: 'pg_waldump' });
  const chunks: Buffer[] = [];
  run.stdout.on('data', (c: Buffer) => chunks.push(c));
  await run.done.catch(() => undefined);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Newest commit (or abort) time among the last `maxSegments` segments of the chain, newest
 * first; undefined when none of them holds one or pg_waldump is unavailable.
 */
export async function newestArchivedCommit(store: Store, binDir: string, chain: PlannedSegment[], maxSegments = 3): Promise<bigint | undefined> {
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-waldump-'));
  try {
    for (const seg of chain.slice(-maxSegments).reverse()) {
      await fetchWalFile(store, seg.name, path.join(tmp, seg.name));
      const times = commitTimesFromWaldump(await waldump(binDir, tmp, seg.name));
      await fsp.rm(path.join(tmp, seg.name), { force: true });
      if (times.length) return times.reduce((a, b) => (b > a ? b : a));
    }
    return undefined;
  } catch (e) {
    log.warn(`could not read the newest archived commit time (${(e as Error).message}); the target is checked against archive times only`);
    return undefined;
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}
