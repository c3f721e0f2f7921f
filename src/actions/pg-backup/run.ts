// pg-backup: `pgkeep backup` as an action. Inputs type, databases, repo; outputs backup-id,
// bytes, duration-seconds; the summary shows sizes, ratio, rate and the recovery window.
import { runBackup } from '../../commands/backup.js';
import type { BackupType } from '../../repo/layout.js';
import { formatBytes, formatDuration, rate, ratio } from '../../report/format.js';
import { choiceInput, listInput } from '../action-inputs.js';
import { runAction } from '../action-runner.js';
import { Inputs, Outputs } from '../constants.js';

const TYPES: readonly BackupType[] = ['logical', 'full', 'incr'];

export function run(env = process.env): Promise<void> {
  return runAction(
    {
      action: 'backup',
      title: (o) => `pgkeep backup${o ? ` (${o.type})` : ''}`,
      parseInputs: () => ({
        type: choiceInput(Inputs.type, TYPES, 'logical'),
        databases: listInput(Inputs.databases),
        checkpoint: choiceInput(Inputs.checkpoint, ['spread', 'fast'] as const, 'spread'),
      }),
      kind: (o) => o.type,
      async execute(cfg, o) {
        const r = await runBackup(cfg, { type: o.type, databases: o.databases, checkpoint: o.checkpoint });
        return {
          outputs: { [Outputs.backupId]: r.id, [Outputs.bytes]: r.bytes, [Outputs.durationSeconds]: r.durationSeconds.toFixed(1) },
          record: { backupId: r.id, bytes: r.bytes, rawBytes: r.rawBytes, durationSeconds: r.durationSeconds },
          summary: {
            facts: [
              ['Backup id', r.id],
              ['Type', r.type],
              ['Started', r.startTime],
              ['Finished', r.stopTime],
              ['Raw size', formatBytes(r.rawBytes)],
              ['Stored size', formatBytes(r.bytes)],
              ['Compression ratio', ratio(r.rawBytes, r.bytes)],
              ['Duration', formatDuration(r.durationSeconds)],
              ['Rate (raw)', rate(r.rawBytes, r.durationSeconds)],
              // incr on 15/16: what the run proved instead of storing a backup.
              ...(r.wal
                ? ([
                    ['WAL source', r.wal.source === 'archive' ? 'archive_command (no replication slot)' : 'replication slot pgkeep (--wal-source slot)'],
                    ['WAL stored up to', r.wal.archivedThrough ? `${r.wal.upTo} (${r.wal.archivedThrough})` : r.wal.upTo],
                    ...(r.wal.archiver?.lastArchivedTime ? [['Last archived', `${r.wal.archiver.lastArchivedWal} at ${r.wal.archiver.lastArchivedTime}`]] : []),
                    ...(r.wal.slotRetainedBytes !== undefined ? [['Slot retains', formatBytes(r.wal.slotRetainedBytes)]] : []),
                    ...r.wal.warnings.map((m) => ['Warning', m]),
                  ] as [string, string][])
                : []),
            ],
            databases: r.databases,
            objects: r.objects,
          },
        };
      },
    },
    env,
  );
}
