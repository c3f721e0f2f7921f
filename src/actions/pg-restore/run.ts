// pg-restore: `pgkeep restore` as an action. Physical by default (target = empty data
// directory, timestamp | lsn | latest; timeline, new-primary and start as the CLI flags); logical
// when `database` is given (target = the new database, default <database>_restore), or when
// `databases` names several databases of one logical backup (each into <database>_restore, as
// `pgkeep restore --logical --databases`). dry-run prints the plan into the summary and stops.
import type { Config } from '../../config/config.js';
import { LogicalRestoreManyError, restoreLogical, restoreLogicalMany, type RestoredDatabase } from '../../commands/restore-logical.js';
import type { RestoreResult } from '../../commands/types.js';
import { restorePhysical, type PhysicalRestoreResult, type RestoreTarget } from '../../commands/restore-physical.js';
import { parseTimelineRequest, type TimelineRequest } from '../../restore/timeline-choice.js';
import { formatDuration } from '../../report/format.js';
import { parseTablespaceMap } from '../../restore/extract.js';
import { badInput, boolInput, input, listInput, timestampInput } from '../action-inputs.js';
import { redact } from '../../util/redact.js';
import { runAction, type ActionOutcome } from '../action-runner.js';
import { Inputs, Outputs } from '../constants.js';

const LSN_RE = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i;

interface RestoreInputs {
  logical: boolean;
  database?: string;
  /** Several databases of one logical backup (the `databases` input). */
  databases?: string[];
  target?: string;
  restoreTarget: RestoreTarget;
  backup?: string;
  dryRun: boolean;
  tablespaceMap?: Record<string, string>;
  timeline?: TimelineRequest;
  newPrimary: boolean;
  start: boolean;
}

// What `databases` leaves no room for: each database goes into <database>_restore from the
// logical backup itself, as `--databases` on the command line (no --into, no --time, no cluster).
const NOT_WITH_DATABASES = [Inputs.database, Inputs.target, Inputs.timestamp, Inputs.lsn, Inputs.latest, Inputs.tablespaceMap, Inputs.timeline, Inputs.newPrimary, Inputs.start] as const;

/** Several databases (the `databases` input), parsed as the CLI's --databases; checked before any other input. */
function parseManyInputs(databases: string[]): RestoreInputs {
  for (const name of NOT_WITH_DATABASES) {
    const v = input(name);
    // The boolean inputs default to "false": only a true one is a conflict (a bad one still says so).
    const given = v !== undefined && (name === Inputs.latest || name === Inputs.newPrimary || name === Inputs.start ? boolInput(name, false) : true);
    if (given)
      throw badInput(
        name,
        v!,
        `nothing when databases is set: each database in databases is restored from the logical backup into <database>_restore`,
        name === Inputs.database || name === Inputs.target || name === Inputs.timestamp
          ? 'Give one database with database (and target, timestamp) in a step of its own, or several with databases alone.'
          : 'databases is a logical restore; a physical restore (cluster) is a step of its own without databases.',
      );
  }
  return {
    logical: true,
    databases,
    restoreTarget: { kind: 'latest' },
    backup: input(Inputs.backup),
    dryRun: boolInput(Inputs.dryRun, false),
    newPrimary: false,
    start: false,
  };
}

function parseInputs(): RestoreInputs {
  // Same syntax as pgkeep restore --databases (and pg-backup's databases): comma-separated, a
  // backslash makes the next character part of the name.
  const databases = listInput(Inputs.databases);
  if (databases !== undefined) return parseManyInputs(databases);
  const timestamp = timestampInput(Inputs.timestamp);
  const lsn = input(Inputs.lsn);
  if (lsn !== undefined && !LSN_RE.test(lsn)) throw badInput(Inputs.lsn, lsn, 'a WAL position such as 0/3000060');
  const latest = boolInput(Inputs.latest, false);
  const given = [timestamp && Inputs.timestamp, lsn && Inputs.lsn, latest && Inputs.latest].filter(Boolean);
  if (given.length > 1) throw badInput(given[1] as string, String(input(given[1] as string)), `only one of timestamp, lsn or latest (also given: ${given[0]})`);
  const dryRun = boolInput(Inputs.dryRun, false);
  const database = input(Inputs.database);
  const target = input(Inputs.target);
  const backup = input(Inputs.backup);
  if (database !== undefined) {
    if (lsn !== undefined) throw badInput(Inputs.lsn, lsn, 'nothing: a logical restore (database set) takes only timestamp');
  } else if (!target && !dryRun)
    throw badInput(Inputs.target, '', 'an empty data directory to restore the cluster into', 'Set target, or dry-run: true to see the plan, or database for a logical restore.');
  const restoreTarget: RestoreTarget = timestamp ? { kind: 'time', time: timestamp } : lsn ? { kind: 'lsn', lsn } : { kind: 'latest' };
  // One OLD=NEW per line (or comma-separated), as `--tablespace-map` takes them.
  const mapRaw = input(Inputs.tablespaceMap);
  let tablespaceMap: Record<string, string> | undefined;
  if (mapRaw !== undefined) {
    if (database !== undefined) throw badInput(Inputs.tablespaceMap, mapRaw, 'nothing: a logical restore (database set) has no tablespace directories');
    const items = mapRaw.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);
    try {
      tablespaceMap = parseTablespaceMap(items);
    } catch {
      throw badInput(Inputs.tablespaceMap, mapRaw, 'OLD=NEW pairs, one per line: OLD the tablespace\'s directory when backed up (or its OID), NEW an absolute path');
    }
  }
  const timelineRaw = input(Inputs.timeline);
  let timeline: TimelineRequest | undefined;
  try {
    timeline = parseTimelineRequest(timelineRaw);
  } catch {
    throw badInput(Inputs.timeline, timelineRaw ?? '', 'a timeline number, latest or current');
  }
  const newPrimary = boolInput(Inputs.newPrimary, false);
  const start = boolInput(Inputs.start, false);
  if (database !== undefined)
    for (const [name, given] of [[Inputs.timeline, timeline !== undefined], [Inputs.newPrimary, newPrimary], [Inputs.start, start]] as const)
      if (given) throw badInput(name, String(input(name)), 'nothing: a logical restore (database set) restores one database, not a cluster');
  return { logical: database !== undefined, database, target, restoreTarget, backup, dryRun, tablespaceMap, timeline, newPrimary, start };
}

const describeTarget = (t: RestoreTarget) => (t.kind === 'time' ? t.time : t.kind === 'lsn' ? `LSN ${t.lsn}` : t.kind);

const dedupe = (names: string[]) => [...new Set(names)];

/**
 * Several databases of one logical backup: one summary row each (its own seconds, or why it has
 * none). A run that failed once restores had started still shows the rows, then fails.
 */
async function restoreMany(cfg: Config, o: RestoreInputs, databases: string[]): Promise<ActionOutcome> {
  const started = Date.now();
  let r: RestoreResult | undefined;
  let failed: LogicalRestoreManyError | undefined;
  try {
    r = await restoreLogicalMany(cfg, { databases, backup: o.backup ?? 'latest', replace: false, dryRun: o.dryRun });
  } catch (e) {
    if (!(e instanceof LogicalRestoreManyError)) throw e;
    failed = e;
  }
  const each = (r?.databases as RestoredDatabase[] | undefined) ?? failed!.databases;
  const backupId = r?.backupId ?? failed!.backupId;
  const durationSeconds = r?.durationSeconds ?? (Date.now() - started) / 1000;
  const dryRun = r?.dryRun ?? false;
  const result = (d: RestoredDatabase) =>
    d.failed !== undefined ? redact(`failed: ${d.failed}`)
    : d.notStarted ? 'not started'
    : d.durationSeconds !== undefined ? d.durationSeconds.toFixed(1)
    : 'dry run';
  return {
    outputs: { [Outputs.backupId]: backupId, [Outputs.recoveredTo]: r?.recoveredTo },
    record: { backupId, recoveredTo: r?.recoveredTo, databases: dedupe(databases), dryRun, durationSeconds },
    summary: {
      facts: [
        ['Backup id', backupId],
        ['Kind', `logical (${each.length} databases)`],
        ['Restore target', 'the backup itself'],
        ['Recovered to', r?.recoveredTo],
        ['Dry run', dryRun ? 'yes: nothing was written' : 'no'],
        ['Duration', formatDuration(durationSeconds)],
      ],
      databaseRestores: each.map((d) => ({ database: d.database, into: d.target, result: result(d) })),
      databaseRestoresInto: dryRun ? 'Into (planned)' : 'Restored into',
      plan: r?.plan,
      planIsDryRun: dryRun,
    },
    failure: failed,
  };
}

export function run(env = process.env): Promise<void> {
  return runAction<RestoreInputs>(
    {
      action: 'restore',
      title: (o) => `pgkeep restore${o ? ` (${o.logical ? 'logical' : 'physical'}${o.databases ? `, ${dedupe(o.databases).length} databases` : ''}${o.dryRun ? ', dry run' : ''})` : ''}`,
      parseInputs,
      kind: (o) => (o.logical ? 'logical' : 'physical') + (o.dryRun ? ' dry-run' : ''),
      async execute(cfg, o) {
        if (o.databases) return restoreMany(cfg, o, o.databases);
        const r = o.logical
          ? await restoreLogical(cfg, {
              database: o.database!,
              backup: o.backup ?? 'latest',
              into: o.target,
              replace: false,
              dryRun: o.dryRun,
              time: o.restoreTarget.kind === 'time' ? o.restoreTarget.time : undefined,
            })
          : await restorePhysical(cfg, { target: o.restoreTarget, to: o.target ?? '', backup: o.backup, dryRun: o.dryRun, tablespaceMap: o.tablespaceMap, timeline: o.timeline, newPrimary: o.newPrimary, start: o.start });
        const started = (r as PhysicalRestoreResult).started;
        return {
          outputs: { [Outputs.backupId]: r.backupId, [Outputs.recoveredTo]: r.recoveredTo },
          record: { backupId: r.backupId, recoveredTo: r.recoveredTo, ...(o.database ? { databases: [o.database] } : {}), dryRun: r.dryRun, durationSeconds: r.durationSeconds },
          summary: {
            facts: [
              ['Backup id', r.backupId],
              ['Kind', o.logical ? `logical (database ${o.database})` : 'physical (cluster)'],
              ['Restore target', o.logical && o.restoreTarget.kind === 'latest' ? 'the backup itself' : describeTarget(o.restoreTarget)],
              [r.dryRun ? 'Into (planned)' : 'Restored into', r.target ?? o.target],
              ['Recovered to', r.recoveredTo],
              ...(o.logical
                ? []
                : ([
                    ['Timeline', `${(r as PhysicalRestoreResult).targetTimeline}${(r as PhysicalRestoreResult).timelineChoice ? ` (${(r as PhysicalRestoreResult).timelineChoice!.why})` : ''}`],
                    ['Restored cluster', (r as PhysicalRestoreResult).newPrimary ? `new primary: archives on timeline ${(r as PhysicalRestoreResult).newTimeline} into the repository` : 'a copy: archive_mode = off'],
                    ...(started ? [['Started', `port ${started.port}, promoted on timeline ${started.timeline}; replay confirmed to ${started.reachedLsn}`]] : []),
                  ] as [string, string][])),
              ['Dry run', r.dryRun ? 'yes: nothing was written' : 'no'],
              ['Duration', formatDuration(r.durationSeconds)],
            ],
            databases: o.database ? [o.database] : undefined,
            plan: r.plan,
            planIsDryRun: r.dryRun,
          },
        };
      },
    },
    env,
  );
}
