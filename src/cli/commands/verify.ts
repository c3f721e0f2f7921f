// CLI adapter for `pgkeep verify`: checksums per copy, pg_verifybackup / pg_restore --list, the
// WAL chain; `--drill` restores and checks a real cluster and reports RTO/RPO. Exit 1 on problems.
import type { CliCommand } from '../command.js';
import { str } from '../command.js';
import { runVerify } from '../../commands/verify.js';
import type { VerifyResult } from '../../commands/types.js';
import { formatBytes, formatDuration } from '../../util/log.js';

export function formatVerify(r: VerifyResult): string {
  const lines: string[] = [];
  if (r.rtoSeconds !== undefined || r.recoveredTo !== undefined || r.backupId) {
    lines.push(`Restore drill of ${r.backupId}: ${r.ok ? 'OK' : 'FAILED'}`);
    if (r.recoveredTo) lines.push(`  recovered to   ${r.recoveredTo}`);
    if (r.rtoSeconds !== undefined) lines.push(`  RTO            ${formatDuration(r.rtoSeconds)} (restore, replay, promotion, pg_amcheck)`);
    if (r.rpoSeconds !== undefined) lines.push(`  RPO            ${formatDuration(r.rpoSeconds)} (age of the newest restorable instant)`);
    const dbs = r.checkedDatabases as string[] | undefined;
    if (dbs?.length) lines.push(`  pg_amcheck     ${dbs.join(', ')}`);
    const lr = r.logicalRestored as string[] | undefined;
    if (lr?.length) lines.push(`  pg_restore     ${lr.join(', ')} from ${r.logicalBackupId}`);
  } else {
    const c = r.checked;
    lines.push(
      `${r.ok ? 'OK' : 'FAILED'}: ${c.backups} backup(s), ${c.objects} object(s), ${formatBytes(c.bytes)} checked, ${c.walSegments} WAL segment(s), in ${formatDuration(r.durationSeconds)}.`,
    );
    for (const cp of (r.copies as { copy: string; ok: boolean; objects: number; problems: number }[] | undefined) ?? [])
      if ((r.copies as unknown[]).length > 1) lines.push(`  copy ${cp.copy}: ${cp.ok ? 'ok' : `${cp.problems} problem(s)`}`);
  }
  const rep = r.repaired as { copied: number; failed: string[]; damagedSources: string[] } | undefined;
  if (rep) {
    lines.push(`Repair: ${rep.copied} object(s) filled in on lagging copies${rep.failed.length ? `, ${rep.failed.length} could not be` : ''}.`);
    for (const f of rep.failed) lines.push(`  not filled in: ${f}`);
    for (const d of rep.damagedSources) lines.push(`  damaged source skipped: ${d}`);
  }
  for (const w of (r.warnings as string[] | undefined) ?? []) lines.push(`warning: ${w}`);
  if (r.problems.length) {
    lines.push('Problems:');
    for (const p of r.problems) {
      const where = [p.backupId && `backup ${p.backupId}`, p.object && `object ${p.object}`, p.copy && `copy ${p.copy}`].filter(Boolean).join(', ');
      lines.push(`  - ${where ? where + ': ' : ''}${p.message}`);
    }
  }
  return lines.join('\n');
}

export const verifyCommand: CliCommand = {
  synopsis: '[--backup <id>] [--drill] [--checksums-only] [--repair] [--json]',
  help:
    'Checks every object\'s size and SHA-256 on every copy, physical backups with pg_verifybackup, logical dumps with pg_restore --list, and the WAL chain.\n' +
    '--repair first fills in, from the other copies, what a lagging copy of a mirror (PGKEEP_REPO with several copies) lacks: WAL pushed while it was down, backups written meanwhile; every object is checked on the way.\n' +
    '--checksums-only skips pg_verifybackup and pg_restore --list (sizes, SHA-256 and the WAL chain only).\n' +
    '--drill restores the newest full backup + WAL into an ephemeral cluster, runs pg_amcheck, restores the newest logical backup into scratch databases, and reports RTO/RPO.',
  options: {
    backup: { type: 'string' },
    drill: { type: 'boolean' },
    'checksums-only': { type: 'boolean' },
    repair: { type: 'boolean' },
  },
  async run({ cfg, flags }) {
    const r = await runVerify(cfg, { backup: str(flags, 'backup'), drill: flags.drill === true, checksumsOnly: flags['checksums-only'] === true, repair: flags.repair === true });
    return { json: r, text: formatVerify(r), exitCode: r.ok ? 0 : 1 };
  },
};
