// CLI adapter for `pgkeep wal-pull [--follow]`: WAL over a replication slot into the repository.
// Without --follow: switch WAL and pull up to that point, then exit. With --follow: run until
// SIGTERM/SIGINT, then stop pg_receivewal, push what it completed and exit 0.
import type { CliCommand } from '../command.js';
import { str } from '../command.js';
import { runWalPull } from '../../commands/wal.js';

export const walPullCommand: CliCommand = {
  synopsis: '[--follow] [--slot NAME] [--spool DIR]  # WAL via pg_receivewal (no archive_command needed)',
  help: 'Pull WAL over a physical replication slot (default "pgkeep", created if missing) and store every completed segment. --follow keeps streaming (run it as a service; see docs/wal.md).',
  options: {
    follow: { type: 'boolean' },
    slot: { type: 'string' },
    spool: { type: 'string' },
  },
  async run({ cfg, flags }) {
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      const r = await runWalPull(cfg, { follow: flags.follow === true, slot: str(flags, 'slot'), spoolDir: str(flags, 'spool'), signal: ac.signal });
      return { json: r, text: `wal-pull: ${r.pushed} WAL file(s) stored${r.upTo ? `, everything up to ${r.upTo} is archived` : ''}.` };
    } finally {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    }
  },
};
