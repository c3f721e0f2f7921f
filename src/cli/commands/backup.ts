// CLI adapter for `pgkeep backup`.
import type { CliCommand } from '../command.js';
import { str } from '../command.js';
import { PgkeepError } from '../../util/errors.js';
import { formatBytes } from '../../util/log.js';
import { runBackup } from '../../commands/backup.js';
import { parseNameList } from '../../util/name-list.js';
import type { BackupType } from '../../repo/layout.js';
import type { BackupResult } from '../../commands/types.js';

const TYPES: BackupType[] = ['logical', 'full', 'incr'];

/** incr on 15/16: no backup object; what was proven, and the window it keeps. */
function incrWalText(r: BackupResult): string {
  const w = r.wal!;
  return [
    w.source === 'archive'
      ? `incr (${r.durationSeconds.toFixed(1)} s): archiving is fresh: every WAL up to ${w.upTo} is in the repository (through ${w.archivedThrough}${w.archiver?.lastArchivedTime ? `, last archived ${w.archiver.lastArchivedTime}` : ''}); no replication slot used.`
      : `incr (${r.durationSeconds.toFixed(1)} s): ${w.pulled} WAL file(s) pulled over the pgkeep slot; every WAL up to ${w.upTo} is in the repository${w.slotRetainedBytes !== undefined ? `; the slot retains ${formatBytes(w.slotRetainedBytes)} on the server` : ''}.`,
    r.window?.newest ? `Recovery window: ${r.window.oldest} → ${r.window.newest}` : 'Recovery window: none yet (no full backup).',
    ...w.warnings.map((m) => `Warning: ${m}`),
  ].join('\n');
}

export const backupCommand: CliCommand = {
  synopsis: '[--type logical|full|incr] [--databases a,b,c] [--checkpoint fast|spread] [--wal-source archive|slot] [--json]',
  help: 'logical: pg_dumpall --globals-only + pg_dump of each database (--databases: comma-separated; a backslash makes the next character part of the name, e.g. a\\,b for "a,b"). full: base backup of the cluster (BASE_BACKUP, tablespaces included). incr: incremental (PG 17+); on 15/16 it checks that archive_command stored every WAL up to now (no replication slot), or with --wal-source slot (PGKEEP_WAL_SOURCE=slot) pulls it over the pgkeep slot.',
  options: {
    type: { type: 'string' },
    databases: { type: 'string' },
    checkpoint: { type: 'string' },
    compress: { type: 'string' },
    parallel: { type: 'string' },
    'wal-source': { type: 'string' },
  },
  async run({ cfg, flags }) {
    const type = (str(flags, 'type') ?? 'logical') as BackupType;
    if (!TYPES.includes(type)) throw new PgkeepError('bad-usage', `--type="${type}" is not valid: expected logical, full or incr.`);
    const dbs = str(flags, 'databases');
    const databases = dbs !== undefined ? parseNameList(dbs, '--databases') : undefined;
    if (dbs !== undefined && !databases?.length) throw new PgkeepError('bad-usage', '--databases is empty: expected a comma-separated list such as core,keycloak.', 'A database whose name holds a comma is written with a backslash: a\\,b.');
    const cp = str(flags, 'checkpoint');
    if (cp !== undefined && cp !== 'fast' && cp !== 'spread') throw new PgkeepError('bad-usage', `--checkpoint="${cp}" is not valid: expected fast or spread.`);
    const r = await runBackup(cfg, { type, databases, checkpoint: cp as 'fast' | 'spread' | undefined });
    const ratio = r.bytes > 0 ? (r.rawBytes / r.bytes).toFixed(1) : '-';
    if (r.wal) return { json: r, text: incrWalText(r) };
    const text = [
      `Backup ${r.id} (${r.type}) complete in ${r.durationSeconds.toFixed(1)} s: ${formatBytes(r.rawBytes)} raw, ${formatBytes(r.bytes)} stored (${ratio}x).`,
      ...r.objects.map((o) => `  ${o.name.padEnd(32)} ${formatBytes(o.rawBytes).padStart(10)} → ${formatBytes(o.bytes).padStart(10)}`),
    ].join('\n');
    return { json: r, text };
  },
};
