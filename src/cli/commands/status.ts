// CLI adapter for `pgkeep status`. PLACEHOLDER: replaced by the issue that builds this command.
import type { CliCommand } from '../command.js';
import { PgkeepError } from '../../util/errors.js';

export const statusCommand: CliCommand = {
  synopsis: '(not built yet)',
  options: {},
  async run() {
    throw new PgkeepError('not-implemented', 'pgkeep status is not built yet.');
  },
};
