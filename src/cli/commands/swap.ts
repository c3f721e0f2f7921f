// CLI adapter for `pgkeep swap <database>`.
import type { CliCommand } from '../command.js';
import { str } from '../command.js';
import { PgkeepError } from '../../util/errors.js';
import { swapDatabase } from '../../commands/swap.js';

export const swapCommand: CliCommand = {
  synopsis: '<database> [--from <name>] [--dry-run] [--json]',
  help:
    'Checks <database>_restore (or --from) is connectable and has tables, ends sessions on both, then renames\n' +
    '<database> → <database>_before_<UTC time> and <database>_restore → <database> in one transaction.\n' +
    'Undo: pgkeep swap <database> --from <database>_before_<time> (printed after each swap).',
  needsRepo: false,
  options: {
    from: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  async run({ cfg, flags, positionals }) {
    if (positionals.length !== 1) throw new PgkeepError('bad-usage', 'pgkeep swap needs exactly one database name.', 'Example: pgkeep swap core');
    const r = await swapDatabase(cfg, { database: positionals[0], from: str(flags, 'from'), dryRun: flags['dry-run'] === true });
    const text = [
      ...(r.dryRun ? ['Dry run: nothing was renamed. Plan:'] : []),
      ...r.plan.map((l) => `  ${l}`),
      ...(r.dryRun ? [] : [`Swapped: "${r.from}" is now "${r.database}".`]),
      ...(r.reverseCommand ? [`To undo: ${r.reverseCommand}`] : []),
    ].join('\n');
    return { json: r, text };
  },
};
