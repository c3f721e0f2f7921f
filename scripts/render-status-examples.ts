// The pictures in docs/actions.md ("Status page, badge and chart"): a realistic 30-day history
// of one cluster, built as the status records the actions append, rendered by the product's own
// renderers (statusFiles, renderBadge) — nothing here draws anything itself.
//
//   npx vite-node scripts/render-status-examples.ts -- --write    # rewrite docs/images/
//
// test/unit/report/status-pictures.test.ts renders the same files and compares them with the
// committed ones, so the pictures cannot drift from the code.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderBadge } from '../src/report/badge.js';
import { statusFiles } from '../src/report/status-publish.js';
import { appendRun, emptyStatus, type RunRecord, type StatusFile } from '../src/report/status-record.js';

const HOUR = 3_600_000;
const MIN = 60_000;
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The history ends on Monday evening, with the 18:00 incremental. */
const END = Date.parse('2026-11-30T19:00:00Z');
export const EXAMPLE_CLUSTER = 'main';
const FIRST_DAY = Date.parse('2026-10-31T00:00:00Z');
const DAYS = 31;
/** Thursday's 02:00 full backup fails (the logical backup after it succeeds). */
export const FAILED_NIGHT = '2026-11-12';
/** The self-hosted runner is down from Friday 06:xx until an operator notices on Saturday night. */
export const SILENCE = { from: Date.parse('2026-11-20T06:30:00Z'), to: Date.parse('2026-11-21T22:00:00Z') };

/** Deterministic "noise" in [0, 1) so the committed pictures are reproducible. */
function noise(...n: number[]): number {
  let h = 2166136261;
  for (const v of n) h = Math.imul(h ^ (v & 0xffff), 16777619) ^ (v >>> 16);
  return ((h >>> 0) % 10_000) / 10_000;
}

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
const compact = (t: number) => iso(t).replace(/[-:]/g, '');
const runUrl = (n: number) => `https://github.com/acme/db-ops/actions/runs/${19_800_000_000 + n}`;

/**
 * Every run of the month in time order, as `runAction` records it: daily full + logical at 02:00
 * UTC, incrementals every 6 hours, the Sunday 03:00 check + drill; one failed night and one
 * silence (no run at all for ~40 h) that ends with a manual check finding the repository stale.
 */
export function exampleRuns(): RunRecord[] {
  const runs: RunRecord[] = [];
  // Newest full of each day: the oldest restorable instant is the newest full 30+ days old
  // (retention keeps the recovery window at 30 days), and WAL keeps the newest instant current.
  const fullStops: number[] = [];
  const window = (at: number) => {
    const keep = fullStops.filter((t) => t <= at - 30 * 24 * HOUR).at(-1) ?? at - 30.4 * 24 * HOUR;
    return { oldest: iso(keep), newest: iso(at - Math.round(20 + noise(at) * 90) * 1000) };
  };
  const push = (r: Omit<RunRecord, 'at' | 'cluster' | 'window'>, t: number) => {
    if (t > SILENCE.from && t < SILENCE.to) return; // the runner is down: nothing runs, nothing is recorded
    if (t > END) return;
    runs.push({ ...r, at: iso(t), cluster: EXAMPLE_CLUSTER, window: window(t) });
  };
  // 2 years of prior fulls so day 1 already has a 30-day window.
  for (let d = -40; d < 0; d++) fullStops.push(FIRST_DAY + d * 24 * HOUR + 2 * HOUR + 19 * MIN);

  for (let d = 0; d < DAYS; d++) {
    const day = FIRST_DAY + d * 24 * HOUR;
    const date = iso(day).slice(0, 10);
    const growth = 1 + d * 0.004;
    // Scheduled runs start a few minutes late (GitHub's scheduler under load).
    const delay = (slot: number) => Math.round((2 + noise(d, slot) * 9) * MIN);

    // backup-6h at 00:00 (the 06/12/18 ones below): incrementals, bigger after business hours.
    const incr = (hour: number) => {
      const start = day + hour * HOUR + delay(hour);
      const busy = hour === 18 ? 2.2 : hour === 12 ? 1.6 : hour === 0 ? 1.3 : 0.7;
      const bytes = Math.round((38 + noise(d, hour, 1) * 30) * busy * MiB * growth);
      const secs = Math.round(25 + bytes / (60 * MiB) * 9 + noise(d, hour, 2) * 15);
      const t = start + secs * 1000;
      push({ action: 'backup', ok: true, kind: 'incr', backupId: `${compact(start)}-incr`, bytes, rawBytes: bytes * 3, durationSeconds: secs }, t);
    };
    incr(0);

    // backup-daily at 02:00: full, then logical.
    const fullStart = day + 2 * HOUR + delay(2);
    const fullSecs = Math.round((17 + noise(d, 3) * 4) * 60 * growth);
    if (date === FAILED_NIGHT) {
      push(
        {
          action: 'backup',
          ok: false,
          kind: 'full',
          durationSeconds: 14 * 60 + 3,
          error:
            'pg_basebackup stopped after 1.4 GiB: could not receive data from WAL stream: server closed the connection unexpectedly. ' +
            'Hint: The server ended the replication connection (restart, failover or wal_sender_timeout); the server log at that time says why. Run backup-daily again from the Actions tab.',
        },
        fullStart + (14 * 60 + 3) * 1000,
      );
    } else {
      const fullEnd = fullStart + fullSecs * 1000;
      const bytes = Math.round(2.1 * GiB * growth * (0.99 + noise(d, 4) * 0.02));
      if (!(fullEnd > SILENCE.from && fullEnd < SILENCE.to)) fullStops.push(fullEnd);
      push({ action: 'backup', ok: true, kind: 'full', backupId: `${compact(fullStart)}-full`, bytes, rawBytes: Math.round(bytes * 3.4), durationSeconds: fullSecs }, fullEnd);
    }
    const logicalStart = fullStart + (date === FAILED_NIGHT ? 14 * 60 + 8 : fullSecs + 5) * 1000;
    const logicalSecs = Math.round((5.5 + noise(d, 5) * 1.5) * 60 * growth);
    const logicalBytes = Math.round(640 * MiB * growth * (0.99 + noise(d, 6) * 0.02));
    push(
      { action: 'backup', ok: true, kind: 'logical', backupId: `${compact(logicalStart)}-logical`, bytes: logicalBytes, rawBytes: logicalBytes * 4, durationSeconds: logicalSecs },
      logicalStart + logicalSecs * 1000,
    );

    for (const h of [6, 12, 18]) incr(h);

    // verify-weekly, Sunday 03:00: check, then a restore drill of the newest full.
    if (new Date(day).getUTCDay() === 0) {
      const checkStart = day + 3 * HOUR + delay(30);
      const checkSecs = Math.round(300 + noise(d, 31) * 120);
      push({ action: 'verify', ok: true, kind: 'check', durationSeconds: checkSecs }, checkStart + checkSecs * 1000);
      const rto = Math.round(520 + noise(d, 32) * 90 + d * 2);
      push({ action: 'verify', ok: true, kind: 'drill', rtoSeconds: rto, durationSeconds: rto + 40 }, checkStart + (checkSecs + rto + 40) * 1000);
    }
  }

  // The operator notices (nothing on the status page since Friday morning), restarts the runner
  // and dispatches verify-weekly: the check fails on freshness, the drill still restores.
  const manual = SILENCE.to + 4 * MIN;
  const staleHours = ((manual - fullStops.filter((t) => t < SILENCE.from).at(-1)!) / HOUR).toFixed(1);
  runs.push({
    at: iso(manual + 6 * MIN),
    action: 'verify',
    ok: false,
    kind: 'check',
    cluster: EXAMPLE_CLUSTER,
    durationSeconds: 6 * 60,
    window: window(manual + 6 * MIN),
    error:
      `The repository is stale: The newest full backup finished ${staleHours} h ago, more than the allowed 26 h. ` +
      'Hint: Check that the scheduled backup workflows still run and that archive_command succeeds.',
  });
  runs.push({
    at: iso(manual + 6 * MIN + 590_000),
    action: 'verify',
    ok: true,
    kind: 'drill',
    cluster: EXAMPLE_CLUSTER,
    rtoSeconds: 550,
    durationSeconds: 590,
    window: window(manual + 6 * MIN + 590_000),
  });
  // Run numbers grow with time, as GitHub's do.
  return runs.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).map((r, i) => ({ ...r, runUrl: runUrl(i + 1) }));
}

/** The status file as the branch holds it after `runs` (each appended as publishStatus does). */
export function statusAfter(runs: RunRecord[]): StatusFile {
  return runs.reduce(appendRun, emptyStatus(EXAMPLE_CLUSTER));
}

/** The status as it stood right after the last run at or before `t`, and that run's instant. */
function statusAsOf(runs: RunRecord[], pred: (r: RunRecord) => boolean): { status: StatusFile; now: Date } {
  const i = runs.findIndex(pred);
  if (i < 0) throw new Error('example history lacks the run a badge is drawn after');
  return { status: statusAfter(runs.slice(0, i + 1)), now: new Date(runs[i].at) };
}

/**
 * Every file under docs/images/ that the docs show: the status branch's folder for the cluster
 * after the last run (README.md, badge.svg, chart.svg, status.json), and the badge in its three
 * states as the run that wrote it left it.
 */
export function statusExamples(): Record<string, string> {
  const runs = exampleRuns();
  const files: Record<string, string> = {};
  // Drawn by the last run, as publishStatus draws them (ages as of that run).
  const ok = { status: statusAfter(runs), now: new Date(runs.at(-1)!.at) };
  for (const [name, content] of Object.entries(statusFiles(ok.status, ok.now))) files[`status-branch/${name}`] = content;
  // Right after the failed night's logical backup, which succeeded: the full is still failing.
  const failing = statusAsOf(runs, (r) => r.at.startsWith(FAILED_NIGHT) && r.kind === 'logical');
  // Right after the manual check that ended the silence.
  const stale = statusAsOf(runs, (r) => r.kind === 'check' && !r.ok);
  for (const [state, v] of Object.entries({ ok, failing, stale })) files[`status-badge-${state}.svg`] = renderBadge(v.status, v.now);
  return files;
}

export const IMAGES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'images');

export function writeStatusExamples(dir = IMAGES_DIR): string[] {
  const written: string[] = [];
  for (const [name, content] of Object.entries(statusExamples())) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    written.push(path.relative(process.cwd(), file));
  }
  return written;
}

if (process.argv.includes('--write')) for (const f of writeStatusExamples()) console.log(`wrote ${f}`);
