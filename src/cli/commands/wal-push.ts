// CLI adapter for `pgkeep wal-push %p` (archive_command). Silent on success: PostgreSQL copies
// a command's stderr into its log for every segment.
import type { CliCommand } from '../command.js';
import { PgkeepError } from '../../util/errors.js';
import { runWalPush } from '../../commands/wal.js';

export const walPushCommand: CliCommand = {
  synopsis: '<path-to-wal-file>            # archive_command = \'pgkeep wal-push %p\'',
  help: 'Archive one WAL file (zstd, never overwritten; an identical copy already stored is success, a different one a loud failure). Also pushes other .ready files ahead, PGKEEP_WAL_PUSH_PARALLEL at a time (default 4).',
  options: {},
  async run({ cfg, positionals }) {
    if (positionals.length !== 1)
      throw new PgkeepError('bad-usage', `pgkeep wal-push takes exactly one path, got ${positionals.length}.`, "Use archive_command = 'pgkeep wal-push %p'.");
    const r = await runWalPush(cfg, positionals[0]);
    return { json: r, text: '' };
  },
};
