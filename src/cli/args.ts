// Argument parsing for the pgkeep CLI: node's parseArgs per command, with errors that name
// the flag and the expected form instead of a stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PgkeepError } from '../util/errors.js';

export type Flags = Record<string, string | boolean | undefined>;

export const GLOBAL_OPTIONS = {
  repo: { type: 'string' },
  cluster: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  quiet: { type: 'boolean', short: 'q' },
} as const satisfies ParseArgsConfig['options'];

export function parseCommandArgs(
  command: string,
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): { flags: Flags; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...GLOBAL_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { flags: values as Flags, positionals };
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify.*$/s, '').replace(/\n.*/s, '');
    throw new PgkeepError('bad-usage', `pgkeep ${command}: ${msg}.`, `Run pgkeep ${command} --help for the options.`);
  }
}
