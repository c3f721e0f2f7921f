// Shape of one CLI command adapter (src/cli/commands/<name>.ts): flags → command call → output.
import type { ParseArgsConfig } from 'node:util';
import type { Config, Env } from '../config/config.js';
import type { Flags } from './args.js';
import type { CliIo } from './main.js';

export interface CommandContext {
  cfg: Config;
  flags: Flags;
  positionals: string[];
  env: Env;
  io: CliIo;
}

export interface CommandOutput {
  /** Printed with --json (stable, documented fields). */
  json: unknown;
  /** Printed otherwise. */
  text: string;
  exitCode?: number;
}

export interface CliCommand {
  synopsis: string;
  help?: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** false for commands that run without a repository (none yet). */
  needsConfig?: boolean;
  /** false for commands that never touch the repository (swap): PGKEEP_REPO may be unset. */
  needsRepo?: boolean;
  run(ctx: CommandContext): Promise<CommandOutput>;
}

export function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}
