// Result shapes commands return: the CLI prints them (human or --json), actions turn them
// into outputs and job summaries. Keep the documented --json fields stable.
import type { BackupType } from '../repo/layout.js';
import type { IncrWalReport } from '../backup/archive-check.js';
import type { RecoveryWindow } from '../report/freshness.js';

export interface BackupResult {
  id: string;
  type: BackupType;
  startTime: string;
  stopTime: string;
  /** Stored (compressed) bytes and raw bytes. */
  bytes: number;
  rawBytes: number;
  durationSeconds: number;
  databases?: string[];
  objects: { name: string; bytes: number; rawBytes: number }[];
  /** incr on PostgreSQL 15/16 (no manifest): where the WAL up to the run's start was proven stored. */
  wal?: IncrWalReport;
  /** incr on PostgreSQL 15/16: the recovery window after the run (what it keeps restorable). */
  window?: RecoveryWindow;
  /** Same facts as `wal` (upTo, pulled), kept for scripts written before it. */
  walUpTo?: string;
  walPulled?: number;
}

export interface ListEntry {
  id: string;
  type: BackupType;
  startTime: string;
  stopTime: string;
  bytes: number;
  rawBytes: number;
  databases?: string[];
  timeline?: number;
  startLsn?: string;
  stopLsn?: string;
  /** Incremental (PG 17+): the backup it builds on; a restore combines the chain back to a full. */
  parent?: string;
  pgVersion: string;
}

export interface RestoreResult {
  dryRun: boolean;
  backupId: string;
  /** ISO-8601 instant the restore reaches (target, or newest archived WAL for --latest). */
  recoveredTo?: string;
  /** Human plan lines (what will be / was done). */
  plan: string[];
  target?: string;
  durationSeconds: number;
  [k: string]: unknown;
}

export interface VerifyProblem {
  backupId?: string;
  object?: string;
  copy?: string;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: { backups: number; objects: number; bytes: number; walSegments: number };
  problems: VerifyProblem[];
  durationSeconds: number;
  /** --drill fields (contract). */
  backupId?: string;
  recoveredTo?: string;
  rtoSeconds?: number;
  rpoSeconds?: number;
  [k: string]: unknown;
}
