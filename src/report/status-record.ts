// The status record kept on the status branch: `status.json` holds the last runs (newest
// last) so the page, the badge and the chart can be rebuilt from it alone.
import type { RecoveryWindow } from './freshness.js';

/** Runs kept whatever their age (a quiet schedule still shows its recent results)… */
export const STATUS_HISTORY_LIMIT = 200;
/**
 * …and every run the chart can still show, up to this many: a busy schedule (hourly
 * incrementals) fills 30 days, and status.json stays well under the 1 MB the contents API
 * returns inline (a run is ~450 bytes).
 */
export const STATUS_HISTORY_MAX = 1500;
export const CHART_DAYS = 30;

export interface RunRecord {
  /** When the run finished (ISO-8601). */
  at: string;
  action: 'backup' | 'restore' | 'verify';
  ok: boolean;
  /** backup: logical|full|incr; restore: physical|logical (+ dry-run); verify: check|drill. */
  kind?: string;
  cluster?: string;
  backupId?: string;
  bytes?: number;
  rawBytes?: number;
  durationSeconds?: number;
  rtoSeconds?: number;
  recoveredTo?: string;
  /** Logical restore: the databases restored (or asked for, when it failed). */
  databases?: string[];
  dryRun?: boolean;
  window?: RecoveryWindow;
  /** Message + hint, already redacted. */
  error?: string;
  /** Mirrors: one sentence per copy that lags behind the others (copy-lag.ts), redacted. */
  copyLag?: string[];
  runUrl?: string;
}

export interface StatusFile {
  format: 1;
  updated: string;
  cluster?: string;
  /** Recovery window as of the newest run that could read it. */
  window?: RecoveryWindow;
  runs: RunRecord[];
}

export function emptyStatus(cluster?: string): StatusFile {
  return { format: 1, updated: new Date(0).toISOString(), cluster, runs: [] };
}

/** Accept whatever is on the branch; anything unreadable starts a fresh history. */
export function parseStatus(text: string | undefined, cluster?: string): StatusFile {
  if (!text) return emptyStatus(cluster);
  try {
    const v = JSON.parse(text) as Partial<StatusFile>;
    if (v && v.format === 1 && Array.isArray(v.runs)) return { ...emptyStatus(cluster), ...v, runs: v.runs.filter((r) => r && typeof r.at === 'string') };
  } catch {
    /* fall through */
  }
  return emptyStatus(cluster);
}

export function appendRun(prev: StatusFile, run: RunRecord): StatusFile {
  const sorted = [...prev.runs, run].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const from = new Date(sorted.at(-1)!.at).getTime() - CHART_DAYS * 86_400_000;
  const firstCharted = sorted.findIndex((r) => new Date(r.at).getTime() >= from);
  const keepFrom = Math.max(0, sorted.length - STATUS_HISTORY_MAX, Math.min(firstCharted, sorted.length - STATUS_HISTORY_LIMIT));
  const runs = sorted.slice(keepFrom);
  return { ...prev, updated: run.at, window: run.window?.newest ? run.window : prev.window, runs };
}

/** Runs of the last `days` days before `now` (for the chart). */
export function recentRuns(s: StatusFile, now: Date, days = CHART_DAYS): RunRecord[] {
  const from = now.getTime() - days * 86_400_000;
  return s.runs.filter((r) => new Date(r.at).getTime() >= from);
}

export function lastRun(s: StatusFile, pred: (r: RunRecord) => boolean): RunRecord | undefined {
  for (let i = s.runs.length - 1; i >= 0; i--) if (pred(s.runs[i])) return s.runs[i];
  return undefined;
}
