// The command table: one adapter file per command in ./commands/.
import type { CliCommand } from './command.js';
import { backupCommand } from './commands/backup.js';
import { listCommand } from './commands/list.js';
import { restoreCommand } from './commands/restore.js';
import { swapCommand } from './commands/swap.js';
import { walPushCommand } from './commands/wal-push.js';
import { walFetchCommand } from './commands/wal-fetch.js';
import { walPullCommand } from './commands/wal-pull.js';
import { verifyCommand } from './commands/verify.js';
import { expireCommand } from './commands/expire.js';
import { statusCommand } from './commands/status.js';
import { slotCommand } from './commands/slot.js';
import { configCommand } from './commands/config.js';

export const COMMANDS: Record<string, CliCommand> = {
  backup: backupCommand,
  list: listCommand,
  restore: restoreCommand,
  swap: swapCommand,
  'wal-push': walPushCommand,
  'wal-fetch': walFetchCommand,
  'wal-pull': walPullCommand,
  verify: verifyCommand,
  expire: expireCommand,
  status: statusCommand,
  slot: slotCommand,
  config: configCommand,
};
