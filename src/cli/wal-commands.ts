// The commands PostgreSQL runs once per WAL file (archive_command, restore_command), on their
// own so that main.ts loads only these for them (see commandTable there); commands.ts lists
// them with the rest.
import type { CliCommand } from './command.js';
import { walPushCommand } from './commands/wal-push.js';
import { walFetchCommand } from './commands/wal-fetch.js';

export const WAL_COMMANDS: Record<string, CliCommand> = {
  'wal-push': walPushCommand,
  'wal-fetch': walFetchCommand,
};
