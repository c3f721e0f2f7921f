// CLI adapter for `pgkeep slot list | drop [--slot NAME]`.
import type { CliCommand } from '../command.js';
import { str } from '../command.js';
import { PgkeepError } from '../../util/errors.js';
import { formatBytes } from '../../util/log.js';
import { runSlotDrop, runSlotList } from '../../commands/slot.js';
import { slotLine } from '../../wal/replication-slot.js';
import { DEFAULT_SLOT } from '../../wal/wal-pull.js';

export const slotCommand: CliCommand = {
  synopsis: 'list | drop [--slot NAME] [--json]',
  help:
    `list: every replication slot on the server, the WAL it retains (pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) and whether it is in use.\n` +
    `drop: remove the slot (default "${DEFAULT_SLOT}") so the server stops keeping WAL for it; refuses while something streams from it.`,
  needsRepo: false,
  options: {
    slot: { type: 'string' },
  },
  async run({ cfg, flags, positionals }) {
    const [action, ...extra] = positionals;
    if ((action !== 'list' && action !== 'drop') || extra.length)
      throw new PgkeepError('bad-usage', `pgkeep slot needs "list" or "drop"${action ? `, not "${[action, ...extra].join(' ')}"` : ''}.`, `Example: pgkeep slot drop (drops the "${DEFAULT_SLOT}" slot).`);
    if (action === 'list') {
      const r = await runSlotList(cfg);
      const cap = r.maxSlotWalKeepSizeBytes < 0 ? 'unlimited (-1)' : formatBytes(r.maxSlotWalKeepSizeBytes);
      const text = r.slots.length
        ? [`Replication slots (max_slot_wal_keep_size ${cap}):`, ...r.slots.map((s) => `  ${slotLine(s)}`)].join('\n')
        : 'No replication slots: the server keeps no WAL for a slot.';
      return { json: r, text };
    }
    const slot = str(flags, 'slot') ?? DEFAULT_SLOT;
    const r = await runSlotDrop(cfg, slot);
    const text = r.dropped
      ? `Dropped replication slot "${slot}"${r.retainedBytes !== undefined ? ` (it retained ${formatBytes(r.retainedBytes)} of WAL, which the server may now recycle)` : ''}. WAL now reaches the repository only through archive_command: check with pgkeep status.`
      : `No replication slot "${slot}" exists; nothing to drop.`;
    return { json: r, text };
  },
};
