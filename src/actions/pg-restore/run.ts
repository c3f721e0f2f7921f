// pg-restore: `pgkeep restore` as an action. Physical by default (target = empty data
// directory, timestamp | lsn | latest; timeline, new-primary and start as the CLI flags); logical
// when `database` is given (target = the new database, default <database>_restore). dry-run
// prints the plan into the summary and stops.
import { restoreLogical } from '../../commands/restore-logical.js';
import { restorePhysical, type PhysicalRestoreResult, type RestoreTarget } from '../../commands/restore-physical.js';
import { parseTimelineRequest, type TimelineRequest } from '../../restore/timeline-choice.js';
import { formatDuration } from '../../report/format.js';
import { parseTablespaceMap } from '../../restore/extract.js';
import { badInput, boolInput, input, timestampInput } from '../action-inputs.js';
import { runAction } from '../action-runner.js';
import { Inputs, Outputs } from '../constants.js';

const LSN_RE = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i;

interface RestoreInputs {
  logical: boolean;
  database?: string;
  target?: string;
  restoreTarget: RestoreTarget;
  backup?: string;
  dryRun: boolean;
  tablespaceMap?: Record<string, string>;
  timeline?: TimelineRequest;
  newPrimary: boolean;
  start: boolean;
}

function parseInputs(): RestoreInputs {
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

export function run(env = process.env): Promise<void> {
  return runAction<RestoreInputs>(
    {
      action: 'restore',
      title: (o) => `pgkeep restore${o ? ` (${o.logical ? 'logical' : 'physical'}${o.dryRun ? ', dry run' : ''})` : ''}`,
      parseInputs,
      kind: (o) => (o.logical ? 'logical' : 'physical') + (o.dryRun ? ' dry-run' : ''),
      async execute(cfg, o) {
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
          record: { backupId: r.backupId, recoveredTo: r.recoveredTo, dryRun: r.dryRun, durationSeconds: r.durationSeconds },
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
