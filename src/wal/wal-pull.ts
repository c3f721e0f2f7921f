// WAL pull over replication: pg_receivewal on a physical slot (`pgkeep` by default) writes
// segments into a local spool directory; every segment it completes (renamed from .partial)
// and every .history file is pushed with the same idempotent push as archive_command, then
// removed locally. `.partial` files are never pushed as segments. The slot keeps WAL on the
// server until pg_receivewal has flushed it locally, and the spool survives restarts (a file
// not yet pushed is pushed by the next run), so no WAL is lost between server and repository.
// Two modes: once up to an LSN (`pullWalTo`, used by `backup --type incr --wal-source slot` on
// PG < 17 and by a full backup when archive_mode is off) and continuous (`pullWalFollow`, `pgkeep wal-pull --follow`).
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Store } from '../storage/store.js';
import { withClient, type PgEnv } from '../postgres/client.js';
import { startTool, type ToolRun } from '../postgres/pg-tools.js';
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';
import { mapLimit } from '../util/streams.js';
import { pushWalFile } from './wal-object.js';
import { readSlots, unboundedSlotWarning } from './replication-slot.js';
import { formatLsn, isHistoryName, isSegmentName, parseLsn, parseSegmentName } from './segment.js';

export const DEFAULT_SLOT = 'pgkeep';

export interface WalPullOptions {
  store: Store;
  pgEnv: PgEnv;
  binDir: string;
  slot?: string;
  /** Local spool (kept between runs). Default: <tmpdir>/pgkeep-wal-pull-<system identifier>. */
  spoolDir?: string;
  parallel?: number;
  /** Seconds the one-shot pull may take before failing (default 300). */
  timeoutSeconds?: number;
}

export function defaultSpoolDir(systemIdentifier: string): string {
  return path.join(os.tmpdir(), `pgkeep-wal-pull-${systemIdentifier}`);
}

/**
 * Create the physical slot with WAL reserved now (pg_receivewal --create-slot would not reserve).
 * Warns (log + `warnings`) when max_slot_wal_keep_size is -1: if the runs that read the slot
 * stop, the server keeps WAL for it until the disk is full.
 */
export async function ensureSlot(pgEnv: PgEnv, slot = DEFAULT_SLOT): Promise<{ created: boolean; restartLsn: string | null; warnings: string[] }> {
  const r = await withClient(pgEnv, undefined, async (c) => {
    const r = await c.query<{ slot_type: string; restart_lsn: string | null }>(
      'select slot_type, restart_lsn::text from pg_replication_slots where slot_name = $1',
      [slot],
    );
    if (r.rows[0]) {
      if (r.rows[0].slot_type !== 'physical')
        throw new PgkeepError('bad-slot', `Replication slot "${slot}" exists but is a ${r.rows[0].slot_type} slot.`, 'Drop it or choose another name with --slot.');
      return { created: false, restartLsn: r.rows[0].restart_lsn };
    }
    try {
      const c2 = await c.query<{ lsn: string }>('select lsn::text from pg_create_physical_replication_slot($1, true)', [slot]);
      log.info(`created replication slot ${slot} (WAL reserved from ${c2.rows[0]?.lsn})`);
      return { created: true, restartLsn: c2.rows[0]?.lsn ?? null };
    } catch (e) {
      const err = e as { code?: string; message?: string };
      if (err.code === '42710') return { created: false, restartLsn: null };
      throw new PgkeepError('slot-failed', `Could not create replication slot "${slot}": ${err.message}.`, 'The user needs the REPLICATION attribute and max_replication_slots must leave a free slot.');
    }
  });
  const warnings: string[] = [];
  const { maxSlotWalKeepSizeBytes } = await readSlots(pgEnv);
  if (maxSlotWalKeepSizeBytes < 0) {
    warnings.push(unboundedSlotWarning(slot));
    log.warn(warnings[0]);
  }
  return { ...r, warnings };
}

/** Push every complete segment and history file in the spool, then delete them locally. */
export async function drainSpool(store: Store, dir: string, parallel = 4): Promise<string[]> {
  const files = (await fsp.readdir(dir).catch(() => [] as string[])).filter((f) => isSegmentName(f) || isHistoryName(f)).sort();
  await mapLimit(files, parallel, async (f) => {
    const r = await pushWalFile(store, path.join(dir, f), f);
    log.debug(`wal-pull: ${f} ${r.status}`);
    await fsp.rm(path.join(dir, f), { force: true });
  });
  return files;
}

function receiveWal(o: WalPullOptions, dir: string, endpos?: bigint): ToolRun {
  const args = ['-D', dir, '--slot', o.slot ?? DEFAULT_SLOT, '--no-loop', '-w', '-v'];
  if (endpos !== undefined) args.push('--endpos', formatLsn(endpos));
  return startTool(o.binDir, 'pg_receivewal', args, { env: o.pgEnv, what: 'pg_receivewal' });
}

/**
 * Pull WAL up to `endpos` (rounded up to a segment boundary, so the last segment completes)
 * and push it. Call after pg_switch_wal() so the segment holding `endpos` is finished.
 */
export async function pullWalTo(o: WalPullOptions, endpos: bigint, segSize: number, systemIdentifier: string): Promise<string[]> {
  const dir = o.spoolDir ?? defaultSpoolDir(systemIdentifier);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const seg = BigInt(segSize);
  const end = ((endpos + seg - 1n) / seg) * seg;
  const pushed = await drainSpool(o.store, dir, o.parallel);
  const slot = await ensureSlot(o.pgEnv, o.slot);
  const partials = (await fsp.readdir(dir)).filter((f) => f.endsWith('.partial'));
  if (slot.restartLsn && parseLsn(slot.restartLsn) >= end && partials.length === 0) {
    log.info(`wal-pull: slot ${o.slot ?? DEFAULT_SLOT} is already past ${formatLsn(end)}`);
    return pushed;
  }
  const lastSegno = end / seg - 1n;
  const reached = () => pushed.some((n) => isSegmentName(n) && parseSegmentName(n, segSize).segno >= lastSegno);
  if (reached()) return pushed;
  const run = receiveWal(o, dir, end);
  const timeout = (o.timeoutSeconds ?? 300) * 1000;
  let timedOut = false;
  let complete = false;
  // The first push that fails: it stops pg_receivewal and becomes this function's error. A
  // rejection left in the polling chain between ticks would be unhandled and kill the process
  // (no summary, lock left behind, pg_receivewal orphaned), so every tick settles to a value.
  let pushError: unknown;
  const timer = setTimeout(() => {
    timedOut = true;
    run.kill();
  }, timeout);
  // Push segments as pg_receivewal completes them, so the spool stays small on long pulls.
  // pg_receivewal only notices --endpos when WAL beyond it arrives (on an idle server that can
  // take many seconds), so once the last wanted segment is stored we stop it ourselves.
  let draining: Promise<void> = Promise.resolve();
  const poll = setInterval(() => {
    draining = draining.then(async () => {
      if (pushError !== undefined || complete) return;
      try {
        pushed.push(...(await drainSpool(o.store, dir, o.parallel)));
      } catch (e) {
        pushError = e;
        run.kill();
        return;
      }
      if (reached()) {
        complete = true;
        run.kill();
      }
    });
  }, 250);
  try {
    await run.done;
  } catch (e) {
    if (pushError === undefined && !complete && timedOut)
      throw new PgkeepError('wal-pull-timeout', `pg_receivewal did not reach ${formatLsn(end)} within ${timeout / 1000} s.`, 'Check that the server is reachable for replication (pg_hba.conf "replication" line) and not overloaded.');
    if (pushError === undefined && !complete) throw e;
  } finally {
    clearTimeout(timer);
    clearInterval(poll);
    await draining;
    // Whatever happened above, pg_receivewal must not outlive this run (kill is a no-op once it exited).
    run.kill();
  }
  if (pushError !== undefined) throw pushFailed(pushError, o.store);
  try {
    pushed.push(...(await drainSpool(o.store, dir, o.parallel)));
  } catch (e) {
    throw pushFailed(e, o.store);
  }
  return [...new Set(pushed)].sort();
}

/** A failed push as one paragraph: the files stay in the spool and the next run pushes them. */
function pushFailed(e: unknown, store: Store): PgkeepError {
  if (e instanceof PgkeepError && e.code !== 'unexpected') return new PgkeepError(e.code, `Could not store pulled WAL in ${store.description}: ${e.message}`, e.hint ?? 'Pulled WAL stays in the local spool; the next run pushes it.');
  const msg = (e as Error)?.message ?? String(e);
  return new PgkeepError('wal-push-failed', `Could not store pulled WAL in ${store.description}: ${msg}. pg_receivewal was stopped.`, 'Check that the repository is reachable and writable; the pulled WAL stays in the local spool and the next run pushes it (the slot keeps what was not pulled yet).');
}

/**
 * Stream WAL continuously until `signal` aborts (SIGTERM/SIGINT in the CLI): restart
 * pg_receivewal with backoff when the connection drops, push segments as they complete.
 */
export async function pullWalFollow(o: WalPullOptions, systemIdentifier: string, signal: AbortSignal): Promise<number> {
  const dir = o.spoolDir ?? defaultSpoolDir(systemIdentifier);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  await ensureSlot(o.pgEnv, o.slot);
  let count = (await drainSpool(o.store, dir, o.parallel)).length;
  let backoff = 1000;
  while (!signal.aborted) {
    const run = receiveWal(o, dir);
    const onAbort = () => run.kill();
    signal.addEventListener('abort', onAbort, { once: true });
    const started = Date.now();
    let exited = false;
    const done = run.done.then(
      () => undefined,
      (e: unknown) => e,
    ).finally(() => (exited = true));
    log.info(`wal-pull: streaming from slot ${o.slot ?? DEFAULT_SLOT} into ${o.store.description}`);
    while (!exited) {
      await Promise.race([done, new Promise((r) => setTimeout(r, 1000))]);
      try {
        const p = await drainSpool(o.store, dir, o.parallel);
        count += p.length;
        if (p.length) log.info(`wal-pull: stored ${p.join(', ')}`);
      } catch (e) {
        log.warn(`wal-pull: push failed, will retry: ${(e as Error).message}`);
      }
    }
    signal.removeEventListener('abort', onAbort);
    const err = await done;
    if (signal.aborted) break;
    log.warn(`wal-pull: pg_receivewal stopped (${err ? (err as Error).message : 'exit 0'}); restarting in ${backoff / 1000} s`);
    await new Promise((r) => setTimeout(r, backoff));
    backoff = Date.now() - started > 60_000 ? 1000 : Math.min(backoff * 2, 60_000);
  }
  count += (await drainSpool(o.store, dir, o.parallel)).length;
  return count;
}
