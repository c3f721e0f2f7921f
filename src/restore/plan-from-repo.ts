// Reading what the planner needs from a repository (catalog, WAL listing, timeline histories,
// the newest archived commit for time targets, whether pg_combinebackup is installed for an
// incremental chain) and planning. Reads only; writes nothing.
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { resolveBinDir } from '../postgres/pg-tools.js';
import { loadCatalog } from '../repo/catalog.js';
import { loadWalCatalog, type WalCatalog } from '../repo/wal-catalog.js';
import type { Store } from '../storage/store.js';
import { streamToBuffer, zstdDecompress } from '../util/streams.js';
import { parseHistoryFile, parseLsn, type HistoryEntry } from '../wal/segment.js';
import { findCombineTool } from './combine-tool.js';
import { newestArchivedCommit } from './last-commit.js';
import { planRestore, type PlanInput, type PlanTarget, type RestorePlan } from './plan.js';
import { msToMicros, parseTargetTime } from './target-time.js';

/** A restore target as given on the command line or as an action input. */
export type RestoreTargetInput =
  | { kind: 'time'; time: string }
  | { kind: 'lsn'; lsn: string }
  | { kind: 'latest' }
  | { kind: 'immediate' };

/** Input target → planner target; a bad time or LSN fails here, before any I/O. */
export function toPlanTarget(t: RestoreTargetInput): PlanTarget {
  switch (t.kind) {
    case 'time':
      return { kind: 'time', time: parseTargetTime(t.time) };
    case 'lsn':
      return { kind: 'lsn', lsn: parseLsn(t.lsn) };
    default:
      return t;
  }
}

async function readHistory(store: Store, key: string): Promise<HistoryEntry[]> {
  const out = new PassThrough();
  const done = pipeline(await store.get(key), zstdDecompress(), out);
  const [buf] = await Promise.all([streamToBuffer(out), done]);
  return parseHistoryFile(buf.toString('utf8'));
}

export async function loadHistories(store: Store, wal: WalCatalog): Promise<Map<number, HistoryEntry[]>> {
  const m = new Map<number, HistoryEntry[]>();
  for (const h of wal.histories) m.set(h.timeline, await readHistory(store, h.key));
  return m;
}

export interface PlanFromRepoOptions {
  target: RestoreTargetInput;
  /** Backup id ('latest' or undefined: the planner chooses). */
  backup?: string;
  timeline?: number;
  pgBinDir?: string;
}

export async function planFromRepository(store: Store, o: PlanFromRepoOptions): Promise<RestorePlan> {
  const target = toPlanTarget(o.target);
  const [catalog, wal] = await Promise.all([loadCatalog(store), loadWalCatalog(store)]);
  const histories = await loadHistories(store, wal);
  const input: PlanInput = {
    backups: catalog.backups,
    wal,
    histories,
    target,
    targetTimeline: o.timeline,
    backupId: o.backup && o.backup !== 'latest' ? o.backup : undefined,
    nowMicros: msToMicros(Date.now()),
  };
  let plan = planRestore(input);
  // An incremental chain needs pg_combinebackup: say in the plan whether it is there.
  if (plan.chain.length > 1) {
    input.combineTool = findCombineTool(o.pgBinDir, Math.floor(plan.backup.pgVersionNum / 10000));
    plan = planRestore(input);
  }
  if (target.kind !== 'time') return plan;
  // A time target needs an archived commit after it: read the newest one and plan again.
  let binDir: string;
  try {
    binDir = resolveBinDir(o.pgBinDir, Math.floor(plan.backup.pgVersionNum / 10000));
  } catch {
    return plan;
  }
  const last = await newestArchivedCommit(store, binDir, plan.wal.segments);
  return last === undefined ? plan : planRestore({ ...input, lastArchivedCommitMicros: last });
}
