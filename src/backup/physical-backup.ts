// Physical backups: `pg_basebackup -D - -Ft -X none --compress=client-zstd` streamed
// through SHA-256 into backups/<id>/base.tar.zst, then the manifest, written last.
//
// Repository objects of a full backup (format v1), for the restore planner:
//   backups/<id>/base.tar.zst    kind "base": one tar of the data directory, zstd. It contains
//                                backup_label and the `backup_manifest` pg_basebackup injects
//                                (so `pg_verifybackup -n DIR` works after `zstd -d | tar -x`).
//                                It holds NO WAL: pg_wal/ is empty; every segment from startWal
//                                to stopWal is in wal/<TLI>/ and checked present before the
//                                manifest is written.
//   backups/<id>/manifest.json   type "full", timeline, startLsn, stopLsn, startWal, stopWal,
//                                startTime/stopTime (the server's clock, now() before/after),
//                                pgVersion(Num), systemIdentifier, bytes/rawBytes;
//                                extra: { walSource: "archive"|"pull", checkpoint, zstdLevel,
//                                zstdWorkers, backupLabel }.
// Restore = extract base.tar.zst into DIR, recovery.signal + restore_command
// (`pgkeep wal-fetch %f %p`); consistency is reached at stopLsn.
//
// Compression: `--compress=client-zstd:level=N,workers=W` (libzstd threads inside
// pg_basebackup; one zstd frame). Streaming the raw tar through Node's zstd instead was tried
// and rejected: Node 24's zstd stream with ZSTD_c_nbWorkers fails ("push() after EOF"), one
// thread is too slow, and independent frames per block (parallel on the thread pool) are
// silently truncated by Node's zstd decompressor, which the restore side uses.
// Positions: with archive_command, from the `.backup` history file the server archives at the
// end (label `pgkeep <id>`), progress from `pg_basebackup -P`, rawBytes = its kB total; the
// stream is not decoded. In pull mode (no .backup file) the compressed stream is teed into a
// decompressor that counts raw bytes and reads backup_label + the backup_manifest tail (stop
// LSN) as they pass. `server-zstd` cannot keep the manifest with -D -, so it is not used.
// Level: 1, or PGKEEP_COMPRESS=zstd:N; threads: PGKEEP_ZSTD_WORKERS (default 0 on ≤ 2 CPUs, else min(4, CPUs − 2)).
//
// WAL source: with archive_mode on, `-X none` makes the server wait until the stop segment is
// archived (pg_basebackup only sends NOWAIT with -X fetch/stream) and we then check the
// repository has every segment start..stop (bounded wait, PGKEEP_WAL_WAIT_SECONDS, default 120).
// With archive_mode off, the WAL comes from a pull over the `pgkeep` replication slot
// (created before the backup starts, so the server keeps the WAL) up to the stop LSN.
// Tablespaces other than pg_default/pg_global are refused (pg_basebackup -D - cannot stream
// them): the error says so before anything is written.
//
// Incremental (`--type incr`):
//  - PG >= 17: `pg_basebackup --incremental=<previous backup_manifest>` (extracted from the
//    newest full/incr base.tar.zst of the same system into a temp file); manifest type "incr"
//    with `parent` = that backup's id; objects as for full. Restore = pg_combinebackup chain.
//  - PG 15/16: an "incr" run is a WAL pull (pg_switch_wal(), then pg_receivewal on the slot up
//    to the switch LSN), guaranteeing every WAL up to the run's start is in wal/. It writes NO
//    manifest (there is no restorable object; the planner only ever sees full backups there).
//    The result's id is informational and `objects` lists nothing.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import zlib from 'node:zlib';
import path from 'node:path';
import { PassThrough, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { configInt, type Config } from '../config/config.js';
import type { BackupOptions } from '../commands/backup.js';
import type { BackupResult } from '../commands/types.js';
import { serverFacts, withClient, type ServerFacts } from '../postgres/client.js';
import { resolveBinDir, startTool } from '../postgres/pg-tools.js';
import { ensureRepoInfo, freshBackupId, loadCatalog, writeJson } from '../repo/catalog.js';
import { backupObjectKey, backupPrefix, makeBackupId, manifestKey, walKey, FORMAT_VERSION, WAL_PREFIX } from '../repo/layout.js';
import { acquireLock } from '../repo/lock.js';
import type { Manifest, ManifestObject } from '../repo/manifest.js';
import { openStore } from '../storage/open-store.js';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { formatBytes, log, progress } from '../util/log.js';
import { HashCounter, streamToBuffer, zstdDecompress } from '../util/streams.js';
import { VERSION } from '../version.js';
import { pullWalTo, ensureSlot, DEFAULT_SLOT } from '../wal/wal-pull.js';
import { formatLsn, parseLsn, parseSegmentName, segmentName, segnoForLsn } from '../wal/segment.js';
import { TarScan, parseBackupLabel, parseManifestWalRange, type BackupLabel } from './tar-scan.js';

export const BASE_OBJECT = 'base.tar.zst';
export const BASE_KIND = 'base';

export interface PhysicalPreflight {
  walLevel: string;
  archiveMode: string;
  archiveCommand: string;
  segSize: number;
  tablespaces: { name: string; location: string }[];
  totalBytes: number;
  canReplicate: boolean;
  inRecovery: boolean;
  /** Timeline being written now. */
  timeline: number;
}

export async function preflight(env: Record<string, string>): Promise<PhysicalPreflight> {
  return withClient(env, undefined, async (c) => {
    const s = await c.query<{ name: string; setting: string }>(
      `select name, setting from pg_settings where name in ('wal_level','archive_mode','archive_command','wal_segment_size')`,
    );
    const get = (n: string) => s.rows.find((r) => r.name === n)?.setting ?? '';
    const ts = await c.query<{ name: string; location: string }>(
      `select spcname as name, pg_tablespace_location(oid) as location from pg_tablespace where spcname not in ('pg_default','pg_global') order by 1`,
    );
    const size = await c.query<{ total: string }>(`select coalesce(sum(pg_database_size(oid)),0)::text as total from pg_database where datallowconn`);
    const role = await c.query<{ ok: boolean }>(`select rolsuper or rolreplication as ok from pg_roles where rolname = current_user`);
    const rec = await c.query<{ r: boolean }>(`select pg_is_in_recovery() as r`);
    // The timeline being written now (pg_control_checkpoint lags behind a promotion until the next checkpoint).
    const tli = await c.query<{ t: string }>(`select case when pg_is_in_recovery() then (select timeline_id::text from pg_control_checkpoint()) else substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) end as t`);
    return {
      walLevel: get('wal_level'),
      archiveMode: get('archive_mode'),
      archiveCommand: get('archive_command'),
      segSize: Number(get('wal_segment_size')) || 16 * 1024 * 1024,
      tablespaces: ts.rows,
      totalBytes: Number(size.rows[0]?.total ?? 0),
      canReplicate: !!role.rows[0]?.ok,
      inRecovery: !!rec.rows[0]?.r,
      timeline: parseTimeline(tli.rows[0]?.t),
    };
  });
}

export type WalSource = 'archive' | 'pull';

function parseTimeline(t: string | undefined): number {
  if (!t) return 1;
  return /^[0-9A-F]{8}$/.test(t) ? parseInt(t, 16) : Number(t) || 1;
}

/** Refuse what cannot produce a restorable backup, before anything is written. */
export function checkPreflight(p: PhysicalPreflight): WalSource {
  if (p.walLevel === 'minimal')
    throw new PgkeepError('wal-level-minimal', 'The server runs with wal_level = minimal, which cannot produce a physical backup.', "Set wal_level = replica (and archive_mode = on, archive_command = 'pgkeep wal-push %p'), then restart PostgreSQL.");
  if (!p.canReplicate)
    throw new PgkeepError('no-replication-privilege', 'The backup user has neither SUPERUSER nor REPLICATION, which pg_basebackup needs.', 'ALTER ROLE <user> REPLICATION, and allow it in pg_hba.conf ("host replication <user> …").');
  if (p.tablespaces.length)
    throw new PgkeepError(
      'tablespaces-unsupported',
      `The cluster has tablespaces outside the data directory (${p.tablespaces.map((t) => `${t.name} at ${t.location}`).join(', ')}), which a streamed pg_basebackup (-D -) cannot include.`,
      'Move them into pg_default (ALTER TABLE … SET TABLESPACE pg_default) or use logical backups for this cluster.',
    );
  const archiving = p.archiveMode === 'on' || p.archiveMode === 'always';
  if (archiving && p.inRecovery && p.archiveMode !== 'always')
    throw new PgkeepError('standby-archive-mode', 'The server is a standby with archive_mode = on, so it does not archive WAL and a backup from it would wait forever.', 'Back up the primary, or set archive_mode = always on the standby.');
  if (archiving) {
    if (!p.archiveCommand.trim() || p.archiveCommand === '(disabled)')
      throw new PgkeepError('no-archive-command', 'archive_mode is on but archive_command is empty, so the WAL a backup needs is never archived.', "Set archive_command = 'pgkeep wal-push %p' (or turn archive_mode off to let pgkeep pull WAL over a replication slot).");
    return 'archive';
  }
  return 'pull';
}

async function serverNow(env: Record<string, string>): Promise<string> {
  return withClient(env, undefined, async (c) => {
    const r = await c.query<{ t: string }>(`select to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as t`);
    return r.rows[0].t;
  });
}

/** Wait until every segment start..stop is in the repository (bounded); return how many. */
export async function waitForWal(store: Store, timeline: number, startWal: string, stopWal: string, segSize: number, timeoutSeconds: number): Promise<number> {
  const startSeg = parseSegmentName(startWal, segSize).segno;
  const stopSeg = parseSegmentName(stopWal, segSize).segno;
  const need: string[] = [];
  for (let s = startSeg; s <= stopSeg; s++) need.push(segmentName(timeline, s, segSize));
  const deadline = Date.now() + timeoutSeconds * 1000;
  let missing = need;
  for (;;) {
    const have = new Set((await store.list(`${WAL_PREFIX}${need[0].slice(0, 8)}/`)).map((o) => o.key));
    missing = need.filter((n) => !have.has(walKey(n)));
    if (!missing.length) return need.length;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new PgkeepError(
    'wal-not-archived',
    `WAL ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` (+${missing.length - 3} more)` : ''} needed by the backup did not reach ${store.description} within ${timeoutSeconds} s.`,
    "Check archive_command (pgkeep wal-push %p with the same repository) and pg_stat_archiver.last_failed_wal in the server log; PGKEEP_WAL_WAIT_SECONDS raises the wait.",
  );
}

interface BaseRun {
  object: ManifestObject;
  /** Null when the stream was not decoded (archive mode: the .backup history file has them). */
  label: BackupLabel | null;
  stopLsn: string | null;
}

/**
 * The backup history file (`<startWal>.<offset>.backup`) the server archives when a backup
 * ends: start/stop LSN and timeline of the backup labelled `pgkeep <id>`. Bounded wait.
 */
export async function findBackupHistory(store: Store, timeline: number, id: string, timeoutSeconds: number): Promise<{ label: BackupLabel; stopLsn: string } | null> {
  const prefix = `${WAL_PREFIX}${timeline.toString(16).toUpperCase().padStart(8, '0')}/`;
  const deadline = Date.now() + timeoutSeconds * 1000;
  const seen = new Set<string>();
  for (;;) {
    const keys = (await store.list(prefix)).map((o) => o.key).filter((k) => k.endsWith('.backup.zst') && !seen.has(k)).sort().reverse();
    for (const k of keys) {
      seen.add(k);
      const buf = await streamToBuffer((await store.get(k)).pipe(zstdDecompress()));
      const text = buf.toString('utf8');
      if (!text.includes(`LABEL: pgkeep ${id}\n`)) continue;
      const label = parseBackupLabel(text);
      const stop = /STOP WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/.exec(text);
      if (label && stop) return { label, stopLsn: stop[1] };
    }
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Run pg_basebackup into backups/<id>/base.tar.zst; returns the object and WAL positions. */
async function streamBase(
  cfg: Config,
  store: Store,
  id: string,
  binDir: string,
  opts: { checkpoint: 'fast' | 'spread'; level: number; workers: number; totalBytes: number; incrementalManifest?: string; decode: boolean },
): Promise<BaseRun> {
  // client-zstd: libzstd inside pg_basebackup, one frame, worker threads (Node's zstd stream
  // with nbWorkers fails, and multi-frame output is misread by Node's decompressor).
  const zdetail = `level=${opts.level}${opts.workers > 0 ? `,workers=${opts.workers}` : ''}`;
  const args = ['-D', '-', '-Ft', '-X', 'none', `--checkpoint=${opts.checkpoint}`, '-v', '-l', `pgkeep ${id}`, `--compress=client-zstd:${zdetail}`];
  if (opts.incrementalManifest) args.push(`--incremental=${opts.incrementalManifest}`);
  // Without decoding, pg_basebackup's own progress (-P, "done/total kB") gives bytes and ETA.
  if (!opts.decode) args.push('-P');
  const run = startTool(binDir, 'pg_basebackup', args, { env: cfg.pgEnv, what: 'pg_basebackup' });
  let verbose = '';
  let reportedKb = 0;
  let totalKb = 0;
  const prog = progress(`backup ${id}`, opts.totalBytes);
  run.child.stderr!.on('data', (c: Buffer) => {
    const text = c.toString('utf8');
    verbose = (verbose + text).slice(-65536);
    if (opts.decode) return;
    for (const m of text.matchAll(/(\d+)\/(\d+) kB/g)) {
      const done = Number(m[1]);
      totalKb = Number(m[2]);
      if (done > reportedKb) prog.add((done - reportedKb) * 1024);
      reportedKb = Math.max(reportedKb, done);
    }
  });
  // Side branch: decompress what is being stored to count raw bytes (progress, rawBytes) and
  // read backup_label and the backup_manifest tail as they pass. It also proves the stored
  // stream decompresses. Back-pressure: the tap waits for the side branch.
  const side = new PassThrough({ highWaterMark: 1 << 20 });
  let rawBytes = 0;
  const raw = new Transform({
    transform(chunk: Buffer, _e, cb) {
      rawBytes += chunk.length;
      prog.add(chunk.length);
      cb(null, chunk);
    },
  });
  const scan = new TarScan(new Set(['backup_label']), 1 << 20, new Map([['backup_manifest', 64 * 1024]]));
  // 1 MiB output chunks: the default 16 KiB costs seconds of per-chunk stream overhead per GB.
  const sideDone = opts.decode
    ? pipeline(side, zlib.createZstdDecompress({ chunkSize: 1 << 20 }), raw, scan, new Writable({ write: (_c, _e, cb) => cb() }))
    : Promise.resolve();
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      if (!opts.decode) cb(null, chunk);
      else if (side.write(chunk)) cb(null, chunk);
      else side.once('drain', () => cb(null, chunk));
    },
    flush(cb) {
      if (opts.decode) side.end();
      sideDone.then(() => cb(), cb);
    },
  });
  const compressed = new PassThrough({ highWaterMark: 1 << 20 });
  const produce = pipeline(run.stdout, tap, compressed);
  const key = backupObjectKey(id, BASE_OBJECT);
  // Already compressed by pg_basebackup: only hash (SHA-256 of the stored bytes) and store.
  const stored = new HashCounter();
  const write = (async () => {
    const body = new PassThrough({ highWaterMark: 1 << 20 });
    const hashing = pipeline(compressed, stored, body);
    const [h, put] = await Promise.allSettled([hashing, store.put(key, body)]);
    if (h.status === 'rejected' || put.status === 'rejected') {
      body.destroy();
      await store.delete(key).catch(() => undefined);
      throw h.status === 'rejected' ? h.reason : (put as PromiseRejectedResult).reason;
    }
    return { bytes: stored.bytes, sha256: stored.sha256 };
  })();
  let killed = false;
  const fail = () => {
    killed = true;
    run.kill();
  };
  produce.catch(fail);
  write.catch(fail);
  sideDone.catch((e) => {
    side.destroy();
    tap.destroy(e as Error);
  });
  const [d, p, w] = await Promise.allSettled([run.done, produce, write]);
  // When our side failed first, the tool only reports the broken pipe: our error is the cause.
  if (w.status === 'rejected' && (killed || d.status === 'fulfilled')) throw w.reason;
  if (p.status === 'rejected' && (killed || d.status === 'fulfilled')) throw p.reason;
  if (d.status === 'rejected') throw d.reason;
  if (p.status === 'rejected') throw p.reason;
  if (w.status === 'rejected') throw w.reason;
  prog.done();
  const labelText = scan.captured.get('backup_label')?.toString('utf8') ?? '';
  const label = parseBackupLabel(labelText);
  // pg_basebackup -D - prints no WAL end point; the injected backup_manifest ends with it.
  const range = parseManifestWalRange(scan.captured.get('backup_manifest')?.toString('utf8') ?? '');
  const end = /write-ahead log end point: ([0-9A-F]+\/[0-9A-F]+)/.exec(verbose)?.[1] ?? range?.endLsn;
  if (!opts.decode)
    return {
      object: { name: BASE_OBJECT, kind: BASE_KIND, bytes: w.value.bytes, sha256: w.value.sha256, rawBytes: Math.max(reportedKb, totalKb) * 1024, compression: 'zstd' },
      label: null,
      stopLsn: null,
    };
  if (!label || !end)
    throw new PgkeepError('backup-label-missing', `pg_basebackup finished but its output lacked ${!label ? 'backup_label' : 'the WAL end point'}; the backup is unusable.`, 'Check the pg_basebackup version matches the server (PGKEEP_PG_BINDIR).');
  return {
    object: { name: BASE_OBJECT, kind: BASE_KIND, bytes: w.value.bytes, sha256: w.value.sha256, rawBytes, compression: 'zstd' },
    label,
    stopLsn: end,
  };
}

/** The newest full/incr backup's backup_manifest, extracted from its base.tar.zst (PG 17+ incremental). */
async function extractManifest(store: Store, m: Manifest, dest: string): Promise<void> {
  const obj = m.objects.find((o) => o.kind === BASE_KIND);
  if (!obj) throw new PgkeepError('no-parent-manifest', `Backup ${m.id} has no base object to build an incremental on.`);
  const scan = new TarScan(new Set(['backup_manifest']), 1 << 30);
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  await pipeline(await store.get(backupObjectKey(m.id, obj.name)), zstdDecompress(), scan, sink);
  const buf = scan.captured.get('backup_manifest');
  if (!buf) throw new PgkeepError('no-parent-manifest', `Backup ${m.id} has no backup_manifest in ${obj.name}.`, 'Take a new full backup.');
  await fsp.writeFile(dest, buf);
}

export async function physicalBackup(cfg: Config, opts: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  if (opts.type !== 'full' && opts.type !== 'incr')
    throw new PgkeepError('bad-usage', `physicalBackup cannot take a ${opts.type} backup.`);
  const facts = await serverFacts(cfg.pgEnv);
  const binDir = resolveBinDir(cfg.pgBinDir, facts.major);
  const pre = await preflight(cfg.pgEnv);
  const walSource = checkPreflight(pre);
  const store = openStore(cfg);
  await ensureRepoInfo(store, facts.systemIdentifier);
  if (opts.type === 'incr' && facts.major < 17) return walPullRun(cfg, store, facts, binDir, pre, started);

  const lock = await acquireLock(store, `backup-${opts.type}`);
  let id = '';
  try {
    let parent: Manifest | undefined;
    let tmpDir: string | undefined;
    let incrementalManifest: string | undefined;
    if (opts.type === 'incr') {
      const cat = await loadCatalog(store);
      parent = [...cat.backups].reverse().find((b) => (b.type === 'full' || b.type === 'incr') && b.systemIdentifier === facts.systemIdentifier);
      if (!parent) throw new PgkeepError('no-parent', 'An incremental backup needs a previous full backup of this cluster, and the repository has none.', 'Run pgkeep backup --type full first.');
      tmpDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-incr-'));
      incrementalManifest = path.join(tmpDir, 'backup_manifest');
      await extractManifest(store, parent, incrementalManifest);
    }
    if (walSource === 'pull') await ensureSlot(cfg.pgEnv, DEFAULT_SLOT);
    const startTime = await serverNow(cfg.pgEnv);
    id = await freshBackupId(store, new Date(startTime), opts.type);
    const checkpoint = opts.checkpoint ?? 'spread';
    // Level 1 unless PGKEEP_COMPRESS sets one: on a 1 GB cluster level 3 costs ~35% more time
    // for ~5% smaller objects (bench/physical-backup.sh); backups are read rarely.
    const level = cfg.env.PGKEEP_COMPRESS && cfg.compression.kind === 'zstd' ? cfg.compression.level : 1;
    // zstd threads compete with the walsender and pg_basebackup itself: on 2 CPUs inline
    // compression (0 workers) measured fastest (6.3 s vs 8.8 s with 2 workers, 1.4 GB).
    const cpus = os.availableParallelism();
    const workers = configInt(cfg, 'PGKEEP_ZSTD_WORKERS', cpus > 2 ? Math.min(4, cpus - 2) : 0, 0, 64);
    log.info(`backup ${id}: pg_basebackup (${checkpoint} checkpoint, zstd level ${level}, ${workers} workers) of ~${formatBytes(pre.totalBytes)}, WAL from ${walSource === 'archive' ? 'the archive' : `slot ${DEFAULT_SLOT}`}`);
    let base: BaseRun;
    try {
      // With archive_command the server archives a .backup history file holding the start/stop
      // positions, so the stream need not be decoded (≈30% less CPU, bench/physical-backup.sh).
      base = await streamBase(cfg, store, id, binDir, { checkpoint, level, workers, totalBytes: pre.totalBytes, incrementalManifest, decode: walSource !== 'archive' });
    } finally {
      if (tmpDir) await fsp.rm(tmpDir, { recursive: true, force: true });
    }
    const waitSeconds = configInt(cfg, 'PGKEEP_WAL_WAIT_SECONDS', 120, 1, 86400);
    let label = base.label;
    let stopLsn = base.stopLsn;
    if (!label || !stopLsn) {
      const hist = await findBackupHistory(store, pre.timeline, id, waitSeconds);
      if (!hist)
        throw new PgkeepError('wal-not-archived', `The backup history file of ${id} did not reach ${store.description} within ${waitSeconds} s.`, "Check archive_command (pgkeep wal-push %p with the same repository) and pg_stat_archiver.last_failed_wal.");
      label = hist.label;
      stopLsn = hist.stopLsn;
    }
    const stopWal = segmentName(label.timeline, segnoForLsn(parseLsn(stopLsn) - 1n, pre.segSize), pre.segSize);
    if (walSource === 'pull') {
      const pulled = await pullWalTo({ store, pgEnv: cfg.pgEnv, binDir, parallel: cfg.parallel }, parseLsn(stopLsn), pre.segSize, facts.systemIdentifier);
      log.info(`backup ${id}: pulled ${pulled.length} WAL file(s) over slot ${DEFAULT_SLOT}`);
    }
    const segs = await waitForWal(store, label.timeline, label.startWal, stopWal, pre.segSize, waitSeconds);
    const stopTime = await serverNow(cfg.pgEnv);
    const manifest: Manifest = {
      format: FORMAT_VERSION,
      id,
      type: opts.type,
      startTime,
      stopTime,
      pgVersion: facts.version,
      pgVersionNum: facts.versionNum,
      systemIdentifier: facts.systemIdentifier,
      timeline: label.timeline,
      startLsn: label.startLsn,
      stopLsn,
      startWal: label.startWal,
      stopWal,
      ...(parent ? { parent: parent.id } : {}),
      bytes: base.object.bytes,
      rawBytes: base.object.rawBytes,
      objects: [base.object],
      tool: { name: 'pgkeep', version: VERSION },
      extra: { walSource, checkpoint, zstdLevel: level, zstdWorkers: workers, walSegSize: pre.segSize, walSegments: segs, backupLabel: label },
    };
    await writeJson(store, manifestKey(id), manifest, true);
    const durationSeconds = (Date.now() - started) / 1000;
    log.info(`backup ${id}: done, ${formatBytes(base.object.rawBytes)} → ${formatBytes(base.object.bytes)}, WAL ${label.startWal}..${stopWal} archived, ${durationSeconds.toFixed(1)} s`);
    return {
      id,
      type: opts.type,
      startTime,
      stopTime,
      bytes: base.object.bytes,
      rawBytes: base.object.rawBytes,
      durationSeconds,
      objects: [{ name: BASE_OBJECT, bytes: base.object.bytes, rawBytes: base.object.rawBytes }],
    };
  } catch (e) {
    if (id) {
      for (const o of await store.list(backupPrefix(id)).catch(() => [])) await store.delete(o.key).catch(() => undefined);
    }
    throw e;
  } finally {
    await lock.release();
  }
}

/** PG < 17 `incr`: make every WAL up to now durable in the repository (see header). */
async function walPullRun(cfg: Config, store: Store, facts: ServerFacts, binDir: string, pre: PhysicalPreflight, started: number): Promise<BackupResult> {
  const lock = await acquireLock(store, 'backup-incr');
  try {
    await ensureSlot(cfg.pgEnv, DEFAULT_SLOT);
    const startTime = await serverNow(cfg.pgEnv);
    const switchLsn = await withClient(cfg.pgEnv, undefined, async (c) => (await c.query<{ l: string }>('select pg_switch_wal()::text as l')).rows[0].l);
    log.info(`incr: PostgreSQL ${facts.major} has no incremental backup; pulling WAL up to ${switchLsn} over slot ${DEFAULT_SLOT}`);
    const pulled = await pullWalTo({ store, pgEnv: cfg.pgEnv, binDir, parallel: cfg.parallel }, parseLsn(switchLsn), pre.segSize, facts.systemIdentifier);
    const stopTime = await serverNow(cfg.pgEnv);
    const durationSeconds = (Date.now() - started) / 1000;
    log.info(`incr: ${pulled.length} WAL file(s) pushed; every WAL up to ${switchLsn} is in ${store.description} (${durationSeconds.toFixed(1)} s)`);
    return {
      id: makeBackupId(new Date(startTime), 'incr'),
      type: 'incr',
      startTime,
      stopTime,
      bytes: 0,
      rawBytes: 0,
      durationSeconds,
      objects: [],
      walPulled: pulled.length,
      walUpTo: formatLsn(parseLsn(switchLsn)),
    } as BackupResult;
  } finally {
    await lock.release();
  }
}
