// CLI adapter for `pgkeep backup`. PLACEHOLDER: replaced by the issue that builds this command.
import type { CliCommand } from '../command.js';
import { PgkeepError } from '../../util/errors.js';

export const backupCommand: CliCommand = {
  synopsis: '(not built yet)',
  options: {},
  async run() {
    throw new PgkeepError('not-implemented', 'pgkeep backup is not built yet.');
  },
};
