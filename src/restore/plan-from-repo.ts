// Reading what the planner needs from a repository (catalog, WAL listing, timeline histories,
// the newest archived commit for time targets, whether pg_combinebackup is installed for an
// incremental chain) and planning. Reads only; writes nothing.
import { PassThrough, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { resolveBinDir } from '../postgres/pg-tools.js';
import { loadCatalog } from '../repo/catalog.js';
import { loadWalCatalog, type WalCatalog } from '../repo/wal-catalog.js';
import type { Store } from '../storage/store.js';
import { streamToBuffer, zstdDecompress } from '../util/streams.js';
import { decryptStages } from '../util/age.js';
import { formatLsn, parseHistoryFile, parseLsn, type HistoryEntry } from '../wal/segment.js';
import { readCurrentTimeline } from '../repo/current-timeline.js';
import { findCombineTool } from './combine-tool.js';
import { chooseTimeline, type TimelineChoice, type TimelineRequest } from './timeline-choice.js';
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
  const decrypt = decryptStages(key);
  const done = pipeline(await store.get(key), ...(decrypt as [Transform]), zstdDecompress(), out);
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
  /** `--timeline`: a number, latest, or current (the default: see timeline-choice.ts). */
  timeline?: TimelineRequest;
  pgBinDir?: string;
}

/** Say in the plan which timeline is followed and why, and which others exist but are not followed. */
function withTimelineChoice(plan: RestorePlan, choice: TimelineChoice, wal: WalCatalog, histories: Map<number, HistoryEntry[]>): RestorePlan {
  const onPath = new Set(plan.timelinePath.map((s) => s.timeline));
  const others = [...new Set(wal.segments.map((s) => s.timeline).concat(wal.histories.map((h) => h.timeline)))].filter((t) => !onPath.has(t)).sort((a, b) => a - b);
  const notes = others.map((t) => {
    const fork = histories.get(t)?.at(-1);
    return `Note: timeline ${t}${fork ? ` (forked from ${fork.timeline} at ${formatLsn(fork.switchLsn)})` : ''} is in the repository and not followed; --timeline ${t} restores it.`;
  });
  const line = `Timeline: ${choice.timeline}, ${choice.request === 'current' ? 'current: ' : ''}${choice.why}`;
  const at = plan.lines.findIndex((l) => l.startsWith('Target:'));
  const lines = [...plan.lines];
  lines.splice(at + 1, 0, line);
  return { ...plan, timelineChoice: choice, lines: [...lines, ...notes] };
}

export async function planFromRepository(store: Store, o: PlanFromRepoOptions): Promise<RestorePlan> {
  const target = toPlanTarget(o.target);
  const [catalog, wal] = await Promise.all([loadCatalog(store), loadWalCatalog(store)]);
  const [histories, record] = await Promise.all([loadHistories(store, wal), readCurrentTimeline(store)]);
  const choice = chooseTimeline({ backups: catalog.backups, wal, record, request: o.timeline });
  const input: PlanInput = {
    backups: catalog.backups,
    wal,
    histories,
    target,
    targetTimeline: choice.timeline,
    backupId: o.backup && o.backup !== 'latest' ? o.backup : undefined,
    nowMicros: msToMicros(Date.now()),
  };
  let plan = planRestore(input);
  // An incremental chain needs pg_combinebackup: say in the plan whether it is there.
  if (plan.chain.length > 1) {
    input.combineTool = findCombineTool(o.pgBinDir, Math.floor(plan.backup.pgVersionNum / 10000));
    plan = planRestore(input);
  }
  const done = (p: RestorePlan) => withTimelineChoice(p, choice, wal, histories);
  if (target.kind !== 'time') return done(plan);
  // A time target needs an archived commit after it: read the newest one and plan again.
  let binDir: string;
  try {
    binDir = resolveBinDir(o.pgBinDir, Math.floor(plan.backup.pgVersionNum / 10000));
  } catch {
    return done(plan);
  }
  const last = await newestArchivedCommit(store, binDir, plan.wal.segments);
  return done(last === undefined ? plan : planRestore({ ...input, lastArchivedCommitMicros: last }));
}
