// CLI adapter for `pgkeep verify`. PLACEHOLDER: replaced by the issue that builds this command.
import type { CliCommand } from '../command.js';
import { PgkeepError } from '../../util/errors.js';

export const verifyCommand: CliCommand = {
  synopsis: '(not built yet)',
  options: {},
  async run() {
    throw new PgkeepError('not-implemented', 'pgkeep verify is not built yet.');
  },
};
