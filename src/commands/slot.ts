// `pgkeep slot list | drop`: the replication slots on the server and what they hold back, and
// removing the `pgkeep` slot when WAL is archived by archive_command instead (a slot nobody
// reads keeps WAL until the primary's disk is full).
import type { Config } from '../config/config.js';
import { DEFAULT_SLOT } from '../wal/wal-pull.js';
import { dropSlot, readSlots, type DropSlotResult, type SlotReport } from '../wal/replication-slot.js';

export async function runSlotList(cfg: Config): Promise<SlotReport> {
  return readSlots(cfg.pgEnv);
}

export async function runSlotDrop(cfg: Config, slot = DEFAULT_SLOT): Promise<DropSlotResult> {
  return dropSlot(cfg.pgEnv, slot);
}
