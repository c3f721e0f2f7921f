// CLI adapter for `pgkeep backup`.
import type { CliCommand } from '../command.js';
import { str } from '../command.js';
import { PgkeepError } from '../../util/errors.js';
import { formatBytes } from '../../util/log.js';
import { runBackup } from '../../commands/backup.js';
import type { BackupType } from '../../repo/layout.js';

const TYPES: BackupType[] = ['logical', 'full', 'incr'];

export const backupCommand: CliCommand = {
  synopsis: '[--type logical|full|incr] [--databases a,b,c] [--checkpoint fast|spread] [--json]',
  help: 'logical: pg_dumpall --globals-only + pg_dump of each database. full: base backup of the cluster (BASE_BACKUP, tablespaces included). incr: incremental (PG 17+) or WAL pull.',
  options: {
    type: { type: 'string' },
    databases: { type: 'string' },
    checkpoint: { type: 'string' },
    compress: { type: 'string' },
    parallel: { type: 'string' },
  },
  async run({ cfg, flags }) {
    const type = (str(flags, 'type') ?? 'logical') as BackupType;
    if (!TYPES.includes(type)) throw new PgkeepError('bad-usage', `--type="${type}" is not valid: expected logical, full or incr.`);
    const dbs = str(flags, 'databases');
    const databases = dbs ? dbs.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
    if (dbs !== undefined && !databases?.length) throw new PgkeepError('bad-usage', '--databases is empty: expected a comma-separated list such as core,keycloak.');
    const cp = str(flags, 'checkpoint');
    if (cp !== undefined && cp !== 'fast' && cp !== 'spread') throw new PgkeepError('bad-usage', `--checkpoint="${cp}" is not valid: expected fast or spread.`);
    const r = await runBackup(cfg, { type, databases, checkpoint: cp as 'fast' | 'spread' | undefined });
    const ratio = r.bytes > 0 ? (r.rawBytes / r.bytes).toFixed(1) : '-';
    const text = [
      `Backup ${r.id} (${r.type}) complete in ${r.durationSeconds.toFixed(1)} s: ${formatBytes(r.rawBytes)} raw, ${formatBytes(r.bytes)} stored (${ratio}x).`,
      ...r.objects.map((o) => `  ${o.name.padEnd(32)} ${formatBytes(o.rawBytes).padStart(10)} → ${formatBytes(o.bytes).padStart(10)}`),
    ].join('\n');
    return { json: r, text };
  },
};
