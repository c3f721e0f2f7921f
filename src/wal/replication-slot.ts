// Replication slots as pgkeep sees them: what each one holds back on the server (retained WAL,
// activity, wal_status), the server's cap on that (max_slot_wal_keep_size), and dropping the
// `pgkeep` slot. A slot nobody reads keeps every WAL file from its restart_lsn on, so the
// primary's disk fills; status shows it and `pgkeep slot drop` removes it.
import { withClient, type PgEnv } from '../postgres/client.js';
import { PgkeepError } from '../util/errors.js';
import { formatBytes } from '../util/log.js';

export interface SlotInfo {
  name: string;
  type: 'physical' | 'logical';
  active: boolean;
  activePid?: number;
  restartLsn?: string;
  /** pg_wal_lsn_diff(current WAL position, restart_lsn): what the slot keeps on the server. */
  retainedBytes?: number;
  /** reserved | extended | unreserved | lost (pg_replication_slots.wal_status). */
  walStatus?: string;
  /** Bytes that can still be written before the slot loses WAL (only with max_slot_wal_keep_size set). */
  safeWalBytes?: number;
  /** PostgreSQL 17+: since when nothing has used the slot. */
  inactiveSince?: string;
}

export interface SlotReport {
  slots: SlotInfo[];
  /** max_slot_wal_keep_size in bytes; -1 = unlimited (a slot may keep WAL until the disk is full). */
  maxSlotWalKeepSizeBytes: number;
}

const num = (v: string | null | undefined) => (v === null || v === undefined ? undefined : Number(v));

/** Every replication slot on the server, with the WAL it retains. */
export async function readSlots(pgEnv: PgEnv): Promise<SlotReport> {
  return withClient(pgEnv, undefined, async (c) => {
    // to_jsonb(s) reads inactive_since where it exists (17+) without failing on 15/16.
    const r = await c.query<{ slot_name: string; slot_type: string; active: boolean; active_pid: number | null; restart_lsn: string | null; wal_status: string | null; safe_wal_size: string | null; retained: string | null; inactive_since: string | null }>(
      `select s.slot_name, s.slot_type, s.active, s.active_pid, s.restart_lsn::text, s.wal_status, s.safe_wal_size::text,
              case when s.restart_lsn is null then null
                   else pg_wal_lsn_diff(case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end, s.restart_lsn)::bigint::text end as retained,
              to_jsonb(s)->>'inactive_since' as inactive_since
         from pg_replication_slots s order by s.slot_name`,
    );
    const k = await c.query<{ setting: string; unit: string | null }>(`select setting, unit from pg_settings where name = 'max_slot_wal_keep_size'`);
    const setting = Number(k.rows[0]?.setting ?? -1);
    return {
      slots: r.rows.map((row) => ({
        name: row.slot_name,
        type: row.slot_type === 'logical' ? 'logical' : 'physical',
        active: row.active,
        ...(row.active_pid !== null ? { activePid: row.active_pid } : {}),
        ...(row.restart_lsn ? { restartLsn: row.restart_lsn } : {}),
        ...(row.retained !== null ? { retainedBytes: Math.max(0, Number(row.retained)) } : {}),
        ...(row.wal_status ? { walStatus: row.wal_status } : {}),
        ...(num(row.safe_wal_size) !== undefined ? { safeWalBytes: num(row.safe_wal_size) } : {}),
        ...(row.inactive_since ? { inactiveSince: new Date(row.inactive_since).toISOString() } : {}),
      })),
      // The unit is MB on every supported major.
      maxSlotWalKeepSizeBytes: setting < 0 ? -1 : setting * 1024 * 1024,
    };
  });
}

/** The warning a run that uses a slot gives when the server does not cap what slots keep. */
export function unboundedSlotWarning(slot: string): string {
  return `max_slot_wal_keep_size is -1 (unlimited): if the runs that read replication slot "${slot}" stop, the server keeps WAL until its disk is full. Set max_slot_wal_keep_size (e.g. ALTER SYSTEM SET max_slot_wal_keep_size = '50GB'; SELECT pg_reload_conf()), or drop the slot with pgkeep slot drop and archive with archive_command.`;
}

export interface DropSlotResult {
  slot: string;
  dropped: boolean;
  /** WAL the slot held back when it was dropped. */
  retainedBytes?: number;
}

/** Drop a replication slot; refuses while something streams from it. A missing slot is not an error. */
export async function dropSlot(pgEnv: PgEnv, slot: string): Promise<DropSlotResult> {
  const { slots } = await readSlots(pgEnv);
  const s = slots.find((x) => x.name === slot);
  if (!s) return { slot, dropped: false };
  const activeRefusal = (pid?: number) =>
    new PgkeepError(
      'slot-active',
      `Replication slot "${slot}" is in use${pid ? ` by server process ${pid}` : ''}, so it was not dropped.`,
      `Stop what streams from it first (pgkeep wal-pull --follow, or a backup pulling WAL: see pg_stat_replication where pid = ${pid ?? '…'}), then run pgkeep slot drop again.`,
    );
  if (s.active) throw activeRefusal(s.activePid);
  await withClient(pgEnv, undefined, async (c) => {
    try {
      await c.query('select pg_drop_replication_slot($1)', [slot]);
    } catch (e) {
      const err = e as { code?: string; message?: string };
      // 55006: it became active between the check and the drop; 42704: someone else dropped it.
      if (err.code === '55006') {
        const pid = /PID (\d+)/.exec(err.message ?? '')?.[1];
        throw activeRefusal(pid ? Number(pid) : undefined);
      }
      if (err.code === '42704') return;
      throw new PgkeepError('slot-drop-failed', `Could not drop replication slot "${slot}": ${err.message}.`, 'The user needs SUPERUSER or the REPLICATION attribute.');
    }
  });
  return { slot, dropped: true, ...(s.retainedBytes !== undefined ? { retainedBytes: s.retainedBytes } : {}) };
}

/** One line per slot for humans (status, slot list). */
export function slotLine(s: SlotInfo, extra = ''): string {
  const held = s.retainedBytes !== undefined ? `retains ${formatBytes(s.retainedBytes)} of WAL` : 'retains no WAL (never reserved)';
  const activity = s.active ? `active (pid ${s.activePid ?? '?'})` : `inactive${s.inactiveSince ? ` since ${s.inactiveSince}` : ''}`;
  const status = s.walStatus ? `, wal_status ${s.walStatus}` : '';
  return `${s.name} (${s.type}): ${held}, ${activity}${status}${extra}`;
}
