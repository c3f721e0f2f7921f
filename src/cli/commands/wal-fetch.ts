// CLI adapter for `pgkeep wal-fetch %f %p` (restore_command). A missing file exits 1 with one
// line: PostgreSQL asks for files that do not exist as part of normal recovery. Every other
// failure exits WAL_FETCH_EXIT.fatal (main.ts failureExitCode) so recovery stops, not promotes.
import type { CliCommand } from '../command.js';
import { PgkeepError } from '../../util/errors.js';
import { runWalFetch } from '../../commands/wal.js';

export const walFetchCommand: CliCommand = {
  synopsis: '<wal-file-name> <dest-path>   # restore_command = \'pgkeep wal-fetch %f %p\'',
  help: 'Fetch, verify and decompress one WAL file into dest (atomically). Prefetches the next PGKEEP_WAL_PREFETCH segments (default 8) into pg_wal/pgkeep-prefetch/.\nExit status: 0 restored; 1 only when the repository has no such file (PostgreSQL then ends recovery); 200 for every other failure (PostgreSQL stops recovery with FATAL instead of promoting).',
  options: {},
  async run({ cfg, positionals }) {
    if (positionals.length !== 2)
      throw new PgkeepError('bad-usage', `pgkeep wal-fetch takes a WAL file name and a destination path, got ${positionals.length} argument(s).`, "Use restore_command = 'pgkeep wal-fetch %f %p'.");
    const r = await runWalFetch(cfg, positionals[0], positionals[1]);
    return { json: r, text: '' };
  },
};
