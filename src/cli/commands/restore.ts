// CLI adapter for `pgkeep restore`: physical (--to DIR with a target) or logical (--logical --database X,
// or --logical --databases a,b,c for several databases of one backup in one run).
import type { CliCommand } from '../command.js';
import { str } from '../command.js';
import { PgkeepError } from '../../util/errors.js';
import { restoreLogical, restoreLogicalMany, type RestoredDatabase } from '../../commands/restore-logical.js';
import { restorePhysical, type PhysicalRestoreResult, type RestoreTarget } from '../../commands/restore-physical.js';
import type { RestoreResult } from '../../commands/types.js';
import { parseTablespaceMap } from '../../restore/extract.js';
import { parseTimelineRequest } from '../../restore/timeline-choice.js';
import { parseNameList } from '../../util/name-list.js';

export const restoreCommand: CliCommand = {
  synopsis:
    '--time <ISO-8601> | --lsn <LSN> | --latest | --immediate  --to <pgdata dir> [--timeline N|latest|current] [--new-primary] [--backup <id>] [--tablespace-map OLD=NEW]… [--dry-run] [--start --port P] [--json]\n' +
    '            --logical --database <name> [--backup <id>|latest] [--into <name>] [--replace] [--time <ISO-8601>] [--jobs N] [--dry-run]\n' +
    '            --logical --databases <a,b,c> [--backup <id>|latest] [--replace] [--jobs N] [--dry-run]',
  help:
    'Physical: writes a data directory that replays WAL to the target and promotes when started with pg_ctl -D DIR start.\n' +
    '  It follows the current timeline (the newest backup\'s, or the one a --new-primary restore declared); --timeline picks another.\n' +
    '  The restored cluster is a copy that never archives (archive_mode = off) unless --new-primary: then it archives on its new timeline and becomes current.\n' +
    '  --start starts it, waits for promotion and fails unless replay reached the planned end.\n' +
    'Logical: restores one database into <name>_restore (or --into), never over an existing database unless --replace.\n' +
    '  --databases restores several databases of one logical backup in one run, each into <name>_restore (no --into, no --time),\n' +
    '  PGKEEP_PARALLEL at a time, largest first (names as for backup --databases: a\\,b is "a,b"). Every check (backup with all of\n' +
    '  them, targets, checksums) passes for all before anything is created; a failed database is dropped, the others stay.',
  options: {
    time: { type: 'string' },
    lsn: { type: 'string' },
    latest: { type: 'boolean' },
    immediate: { type: 'boolean' },
    to: { type: 'string' },
    backup: { type: 'string' },
    'dry-run': { type: 'boolean' },
    start: { type: 'boolean' },
    port: { type: 'string' },
    logical: { type: 'boolean' },
    database: { type: 'string' },
    databases: { type: 'string' },
    into: { type: 'string' },
    replace: { type: 'boolean' },
    jobs: { type: 'string' },
    'tablespace-map': { type: 'string', multiple: true },
    timeline: { type: 'string' },
    'new-primary': { type: 'boolean' },
  },
  async run({ cfg, flags }) {
    const dryRun = flags['dry-run'] === true;
    let r: RestoreResult;
    if (flags.logical) {
      const database = str(flags, 'database');
      const dbs = str(flags, 'databases');
      if (database !== undefined && dbs !== undefined)
        throw new PgkeepError('bad-usage', '--database and --databases do not go together: give one database with --database (and optionally --into), or several with --databases.', 'Example: pgkeep restore --logical --databases core,keycloak,grafana');
      if (!database && dbs === undefined) throw new PgkeepError('bad-usage', 'pgkeep restore --logical needs --database <name> (or --databases a,b,c).', 'Example: pgkeep restore --logical --database core');
      for (const f of ['lsn', 'latest', 'immediate', 'to', 'start', 'port', 'tablespace-map', 'new-primary', 'timeline'])
        if (flags[f] !== undefined) throw new PgkeepError('bad-usage', `--${f} does not apply to a logical restore.`);
      const jobs = str(flags, 'jobs');
      if (jobs !== undefined && !/^[1-9]\d?$/.test(jobs)) throw new PgkeepError('bad-usage', `--jobs="${jobs}" is not valid: expected a number from 1 to 99.`);
      if (dbs !== undefined) {
        for (const f of ['into', 'time'])
          if (flags[f] !== undefined)
            throw new PgkeepError(
              'bad-usage',
              `--${f} does not apply to --databases: each database is restored from the logical backup into <name>_restore.`,
              f === 'into' ? 'Restore a database into another name in a run of its own: pgkeep restore --logical --database X --into NAME.' : 'Restore a database as of an instant in a run of its own: pgkeep restore --logical --database X --time T.',
            );
        const databases = parseNameList(dbs, '--databases');
        if (!databases.length) throw new PgkeepError('bad-usage', '--databases is empty: expected a comma-separated list such as core,keycloak.', 'A database whose name holds a comma is written with a backslash: a\\,b.');
        r = await restoreLogicalMany(cfg, { databases, backup: str(flags, 'backup') ?? 'latest', replace: flags.replace === true, dryRun, jobs: jobs ? Number(jobs) : undefined });
      } else
        r = await restoreLogical(cfg, {
          database: database!,
          backup: str(flags, 'backup') ?? 'latest',
          into: str(flags, 'into'),
          replace: flags.replace === true,
          dryRun,
          time: str(flags, 'time'),
          jobs: jobs ? Number(jobs) : undefined,
        });
    } else {
      const given = (['time', 'lsn', 'latest', 'immediate'] as const).filter((k) => flags[k] !== undefined);
      if (given.length !== 1)
        throw new PgkeepError(
          'bad-usage',
          given.length ? `Give only one restore target, not --${given.join(' and --')}.` : 'pgkeep restore needs a target: --time, --lsn, --latest or --immediate (or --logical --database X).',
          'Example: pgkeep restore --time 2025-11-08T14:30:00Z --to /var/lib/postgresql/restore',
        );
      for (const f of ['database', 'databases', 'into', 'replace', 'jobs'])
        if (flags[f] !== undefined) throw new PgkeepError('bad-usage', `--${f} applies only to a logical restore (add --logical).`);
      const to = str(flags, 'to');
      if (!to && !dryRun) throw new PgkeepError('bad-usage', 'pgkeep restore needs --to <empty data directory> (or --dry-run to see the plan).');
      const target: RestoreTarget =
        given[0] === 'time' ? { kind: 'time', time: str(flags, 'time')! }
        : given[0] === 'lsn' ? { kind: 'lsn', lsn: str(flags, 'lsn')! }
        : given[0] === 'latest' ? { kind: 'latest' }
        : { kind: 'immediate' };
      const port = str(flags, 'port');
      if (port !== undefined && !/^\d{2,5}$/.test(port)) throw new PgkeepError('bad-usage', `--port="${port}" is not a port number.`);
      r = await restorePhysical(cfg, {
        target,
        to: to ?? '',
        backup: str(flags, 'backup'),
        dryRun,
        start: flags.start === true,
        port: port ? Number(port) : undefined,
        tablespaceMap: parseTablespaceMap(flags['tablespace-map']),
        timeline: parseTimelineRequest(str(flags, 'timeline')),
        newPrimary: flags['new-primary'] === true,
      });
    }
    const many = r.databases as RestoredDatabase[] | undefined;
    const text = [
      ...(r.dryRun ? ['Dry run: nothing was written. Plan:', ...r.plan.map((l) => `  ${l}`)] : []),
      ...(r.dryRun || many ? [] : [`Restored backup ${r.backupId}${r.recoveredTo ? ` to ${r.recoveredTo}` : ''}${r.target ? ` into ${r.target}` : ''} in ${r.durationSeconds.toFixed(1)} s.`]),
      ...(many && !r.dryRun ? [`Restored backup ${r.backupId} into ${many.length} databases in ${r.durationSeconds.toFixed(1)} s:`] : []),
      ...(many ? many.map((d) => `  ${d.database} → ${d.target}${d.replaced ? ' (replaced)' : ''}${d.durationSeconds !== undefined ? ` in ${d.durationSeconds.toFixed(1)} s` : ''}`) : []),
      ...(!r.dryRun && (r as PhysicalRestoreResult).started
        ? [`Running on port ${(r as PhysicalRestoreResult).started!.port}, timeline ${(r as PhysicalRestoreResult).started!.timeline}; replay ended at ${(r as PhysicalRestoreResult).started!.reachedLsn ?? '?'}, as planned.${(r as PhysicalRestoreResult).newPrimary ? ' It is the new primary (archiving on).' : ' It is a copy (archive_mode = off).'}`]
        : []),
    ].join('\n');
    return { json: r, text };
  },
};
