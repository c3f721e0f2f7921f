// CLI adapter for `pgkeep expire`. PLACEHOLDER: replaced by the issue that builds this command.
import type { CliCommand } from '../command.js';
import { PgkeepError } from '../../util/errors.js';

export const expireCommand: CliCommand = {
  synopsis: '(not built yet)',
  options: {},
  async run() {
    throw new PgkeepError('not-implemented', 'pgkeep expire is not built yet.');
  },
};
