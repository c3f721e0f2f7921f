// CLI adapter for `pgkeep list`. PLACEHOLDER: replaced by the issue that builds this command.
import type { CliCommand } from '../command.js';
import { PgkeepError } from '../../util/errors.js';

export const listCommand: CliCommand = {
  synopsis: '(not built yet)',
  options: {},
  async run() {
    throw new PgkeepError('not-implemented', 'pgkeep list is not built yet.');
  },
};
