// Finding pg_combinebackup for an incremental chain (PostgreSQL 17+): like the other
// PostgreSQL tools (PGKEEP_PG_BINDIR, then the Debian layout, then PATH), and it must be of the
// backups' own major (17 or newer): it refuses another major's pg_control ("unexpected control
// file version"), so a newer one is no substitute. The planner shows whether it was
// found (`findCombineTool`, in the dry run); `checkCombineTool` refuses a restore before
// anything is written when it is missing.
import path from 'node:path';
import { installedBinDirs, isExecutable as executable, toolMajor } from '../postgres/pg-tools.js';
import { PgkeepError } from '../util/errors.js';
import { findExecutable } from '../util/find-executable.js';
import { COMBINE_MIN_MAJOR, type CombineToolStatus, type RestorePlan } from './plan.js';

export const COMBINE_TOOL = 'pg_combinebackup';

/**
 * Find pg_combinebackup for backups of `backupMajor`: in PGKEEP_PG_BINDIR when set (as for every
 * other tool), else the Debian bin directory of that major, then a newer one, then PATH.
 * Reads the file system and runs `--version`; never throws.
 */
export function findCombineTool(pgBinDir: string | undefined, backupMajor: number, searchPath?: string): CombineToolStatus {
  const need = Math.max(COMBINE_MIN_MAJOR, backupMajor);
  const candidates: string[] = [];
  if (pgBinDir) candidates.push(path.join(pgBinDir, COMBINE_TOOL));
  else {
    const dirs = installedBinDirs();
    for (const d of dirs.filter((d) => d.major === need)) candidates.push(path.join(d.dir, COMBINE_TOOL));
    const onPath = findExecutable(COMBINE_TOOL, searchPath);
    if (onPath) candidates.push(onPath);
  }
  const wrong: string[] = [];
  for (const file of candidates) {
    if (!executable(file)) continue;
    const major = toolMajor(file);
    if (major === need) return { found: true, path: file, major };
    wrong.push(`${file} is ${major === undefined ? 'of an unknown version' : `from PostgreSQL ${major}`}`);
  }
  if (wrong.length) return { found: false, why: `${wrong.join('; ')}, but the backups are PostgreSQL ${need} and pg_combinebackup must be the same major` };
  const where = pgBinDir ? `PGKEEP_PG_BINDIR=${pgBinDir}` : `${installedBinDirs().map((d) => d.dir).join(', ') || 'no PostgreSQL bin directory'} or PATH`;
  return { found: false, why: `no ${COMBINE_TOOL} in ${where}` };
}

/** The one-paragraph refusal when pg_combinebackup is missing or too old. */
export function combineToolError(plan: RestorePlan, status: CombineToolStatus & { found: false }): PgkeepError {
  const major = Math.max(COMBINE_MIN_MAJOR, Math.floor(plan.backup.pgVersionNum / 10000));
  return new PgkeepError(
    'no-combinebackup',
    `Backup ${plan.backup.id} is incremental: restoring it combines the chain ${plan.chain.map((m) => m.id).join(' → ')} with pg_combinebackup from PostgreSQL ${major}, which was not found (${status.why}); nothing was written.`,
    `Install postgresql-client-${major} (apt.postgresql.org) on this machine, or set PGKEEP_PG_BINDIR to a PostgreSQL ${major} bin directory that has pg_combinebackup; or restore an older full backup with --backup.`,
  );
}

/**
 * The pg_combinebackup to use for the plan's chain, checked now: the one the planner found, or
 * a fresh probe. Throws the one-paragraph refusal when it is missing or too old.
 */
export function checkCombineTool(plan: RestorePlan, pgBinDir?: string): { path: string; major: number } {
  const status = plan.combineTool ?? findCombineTool(pgBinDir, Math.floor(plan.backup.pgVersionNum / 10000));
  if (!status.found) throw combineToolError(plan, status);
  // The plan may be older than the machine's state (a plan reused by a drill, say).
  if (!executable(status.path)) throw combineToolError(plan, { found: false, why: `${status.path} is gone or not executable` });
  return { path: status.path, major: status.major };
}

