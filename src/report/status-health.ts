// What the badge, the status page and the chart say about a status history: is every kind of
// scheduled run passing, and has a backup finished recently enough (the dead-man view)?
import { CHART_DAYS, type RunRecord, type StatusFile } from './status-record.js';

/**
 * A history is stale once no backup has finished for this long. Same default as
 * `pgkeep status --max-age-hours` / PGKEEP_MAX_AGE_HOURS (26 h: a daily schedule plus slack).
 */
export const STALE_AFTER_HOURS = 26;

export type HealthState = 'ok' | 'failing' | 'stale' | 'empty';

export interface StatusHealth {
  /** stale wins over failing: when nothing runs, the scheduler or runner is the first thing to fix. */
  state: HealthState;
  /** The newest run of each backup/verify kind, where that run failed; newest first. */
  failing: RunRecord[];
  /** The newest backup that succeeded. */
  lastBackup?: RunRecord;
  /** Hours since lastBackup (or since the oldest run when none succeeded) when over the threshold. */
  staleHours?: number;
}

export interface StaleWindow {
  /** The last successful backup before the silence. */
  since: string;
  /** When the newest backup became older than the threshold. */
  from: string;
  /** The next backup that succeeded, or the instant the history was drawn at. */
  to: string;
  /** Hours without a successful backup, from the previous one to `to`. */
  silentHours: number;
}

const HOUR = 3_600_000;
const time = (r: RunRecord) => new Date(r.at).getTime();

/**
 * One kind per alert issue (alert.ts): a logical backup that succeeds after a failed full one
 * does not hide that the full one is failing. Restores are operator-triggered one-offs and do not
 * say whether backups work, so they do not count.
 */
function kindKey(r: RunRecord): string | undefined {
  if (r.action === 'restore') return undefined;
  return `${r.action} ${r.kind?.replace(/ ?dry-run$/, '') ?? ''}`;
}

/** "full backup", "drill", "check", "backup": how a failing kind reads on a badge. */
export function failedKindLabel(r: RunRecord): string {
  if (r.action === 'verify' && r.kind) return r.kind;
  return r.kind ? `${r.kind} ${r.action}` : r.action;
}

export function statusHealth(s: StatusFile, now: Date, staleAfterHours = STALE_AFTER_HOURS): StatusHealth {
  const t = now.getTime();
  const runs = s.runs.filter((r) => time(r) <= t && time(r) >= t - CHART_DAYS * 24 * HOUR);
  if (!runs.length) return { state: 'empty', failing: [] };
  const newest = new Map<string, RunRecord>();
  for (const r of runs) {
    const k = kindKey(r);
    if (k) newest.set(k, r);
  }
  const failing = [...newest.values()].filter((r) => !r.ok).sort((a, b) => time(b) - time(a));
  const lastBackup = runs.findLast((r) => r.action === 'backup' && r.ok);
  const since = lastBackup ? time(lastBackup) : time(runs[0]);
  const age = (t - since) / HOUR;
  const stale = age > staleAfterHours;
  return {
    state: stale ? 'stale' : failing.length ? 'failing' : 'ok',
    failing,
    lastBackup,
    ...(stale ? { staleHours: age } : {}),
  };
}

/**
 * Every stretch of [from, to] in which the newest successful backup was older than the
 * threshold: from (previous backup + threshold) to the next successful backup (or `to`).
 * Backups before `from` count, so a silence that began before the chart is still seen.
 */
export function staleWindows(runs: RunRecord[], from: Date, to: Date, staleAfterHours = STALE_AFTER_HOURS): StaleWindow[] {
  const limit = staleAfterHours * HOUR;
  const t0 = from.getTime();
  const t1 = to.getTime();
  const backups = runs.filter((r) => r.action === 'backup' && r.ok && time(r) <= t1).map(time).sort((a, b) => a - b);
  const out: StaleWindow[] = [];
  for (let i = 0; i < backups.length; i++) {
    const prev = backups[i];
    const next = backups[i + 1] ?? t1;
    if (next - prev <= limit) continue;
    const start = Math.max(prev + limit, t0);
    if (next <= start) continue;
    out.push({ since: new Date(prev).toISOString(), from: new Date(start).toISOString(), to: new Date(next).toISOString(), silentHours: (next - prev) / HOUR });
  }
  return out;
}
