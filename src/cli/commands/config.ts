// CLI adapter for `pgkeep config`: runs without a valid configuration (that is what it is for)
// and exits 1 when any setting is refused, so a scheduled job can run it as a first step.
import type { CliCommand } from '../command.js';
import { str } from '../command.js';
import type { Overrides } from '../../config/config.js';
import { configText } from '../../config/describe-config.js';
import { runConfig } from '../../commands/config.js';

export const configCommand: CliCommand = {
  synopsis: '[--json]',
  help:
    'The effective configuration: every setting pgkeep reads, its value, and where it came from (default, environment, flag); passwords, keys and URL credentials are masked. Exits 1 when a value is refused.\n' +
    '--json prints {ok, settings: [{name, value?, source, default, secret, flag?, input?, error?, note?}], unknown: [{name, value}], repos?, error?}.',
  options: {
    'retention-days': { type: 'string' },
    compress: { type: 'string' },
    parallel: { type: 'string' },
    'wal-source': { type: 'string' },
  },
  needsConfig: false,
  async run({ flags, env }) {
    const o: Overrides = {
      repo: str(flags, 'repo'),
      cluster: str(flags, 'cluster'),
      retentionDays: str(flags, 'retention-days'),
      compress: str(flags, 'compress'),
      parallel: str(flags, 'parallel'),
      walSource: str(flags, 'wal-source'),
    };
    const r = runConfig(env, o, 'flag');
    return { json: r, text: configText(r), exitCode: r.ok ? 0 : 1 };
  },
};
