// Physical backups: one BASE_BACKUP over the replication protocol (src/postgres/replication.ts)
// streamed into the store, then the manifest, written last.
//
// Repository objects of a full or PG >= 17 incremental backup (format v1):
//   backups/<id>/base.tar.zst          kind "base": the server's tar of the data directory
//                                      (backup_label, tablespace_map; pg_wal/ empty), zstd frames.
//   backups/<id>/tblspc-<oid>.tar.zst  kind "tablespace" (tablespaceOid, tablespaceLocation).
//   backups/<id>/backup_manifest.zst   kind "backup-manifest": the server's backup_manifest.
//   backups/<id>/manifest.json         type "full"|"incr" (+ parent), timeline, startLsn, stopLsn,
//                                      startWal, stopWal, startTime/stopTime (the server's clock,
//                                      now() before/after), pgVersion(Num), systemIdentifier,
//                                      bytes/rawBytes; extra: { walSource, checkpoint, zstdLevel,
//                                      zstdWorkers, compressedOn, tablespaces }.
// Every WAL segment startWal..stopWal is in wal/<TLI>/ before the manifest is written.
// Restore = extract the objects (src/restore/extract.ts; a chain goes through pg_combinebackup,
// src/restore/combine.ts), recovery.signal + restore_command (`pgkeep wal-fetch %f %p`).
//
// Compression: in the walsender when the server is on this host and has zstd (PGKEEP_COMPRESS_AT
// auto, the default; compressAt), else on the runner (raw tar cut into 4 MiB blocks compressed as
// independent zstd frames on the thread pool, src/backup/parallel-zstd.ts); `client`/`server`
// force either. Level 1 unless PGKEEP_COMPRESS=zstd:N.
//
// WAL source: with archive_mode on, the server does not wait for archiving (WAIT false: its wait
// has no bound); pgkeep waits until the repository has every segment start..stop (bounded,
// PGKEEP_WAL_WAIT_SECONDS, default 120), watching pg_stat_archiver to fail early and say why
// when archive_command fails. With archive_mode off, the WAL comes from a pull over
// the `pgkeep` replication slot (created before the backup starts, so the server keeps the WAL)
// up to the stop LSN.
//
// Incremental (`--type incr`):
//  - PG >= 17: UPLOAD_MANIFEST with the newest full/incr backup's backup_manifest (of the same
//    system), then BASE_BACKUP ( INCREMENTAL ); manifest type "incr" with `parent`; objects as
//    for full. Needs summarize_wal = on.
//  - PG 15/16: an "incr" run guarantees every WAL up to the run's start is in wal/. By default
//    (PGKEEP_WAL_SOURCE=archive) archive_command stores it: pg_switch_wal(), then wait until the
//    switched segment is in the repository, failing loudly when archiving fails or is stale
//    (src/backup/archive-check.ts); no replication slot is created. Only with --wal-source slot
//    does it pull over the `pgkeep` slot (pg_receivewal up to the switch LSN). It writes NO
//    manifest (there is no restorable object; the planner only ever sees full backups there;
//    `list` is unchanged). The result's id is informational, `objects` lists nothing and `wal`
//    says what was proven; the action's job summary and status record carry the window.
import os from 'node:os';
import zlib from 'node:zlib';
import { PassThrough, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../config/config.js';
import { zstdWorkersFor } from '../config/settings.js';
import type { BackupOptions } from '../commands/backup.js';
import type { BackupResult } from '../commands/types.js';
import { serverFacts, withClient, type PgEnv, type ServerFacts } from '../postgres/client.js';
import { resolveBinDir } from '../postgres/pg-tools.js';
import { baseBackup, type ArchiveStart } from '../postgres/replication.js';
import { ParallelZstd } from './parallel-zstd.js';
import { ensureRepoInfo, freshBackupId, loadCatalog, writeJson } from '../repo/catalog.js';
import { backupObjectKey, backupPrefix, makeBackupId, manifestKey, walKey, walKeyEncrypted, FORMAT_VERSION, WAL_PREFIX } from '../repo/layout.js';
import { acquireLock } from '../repo/lock.js';
import type { Manifest, ManifestObject } from '../repo/manifest.js';
import { openStore } from '../storage/open-store.js';
import type { Store } from '../storage/store.js';
import { PgkeepError } from '../util/errors.js';
import { formatBytes, log, progress } from '../util/log.js';
import { HashCounter, streamToBuffer, zstdDecompress } from '../util/streams.js';
import { VERSION } from '../version.js';
import { AGE_SUFFIX, ageDecryptStream, ageEncryptStream, ageRecipients } from '../util/age.js';
import { pullWalTo, ensureSlot, DEFAULT_SLOT } from '../wal/wal-pull.js';
import { readSlots, type SlotInfo } from '../wal/replication-slot.js';
import { ARCHIVE_FAIL_GRACE_MS, archiveCommandRunsPgkeep, archiverFailing, checkArchiveFresh, describeArchiver, readArchiver, type ArchiverStats, type IncrWalReport } from './archive-check.js';
import { formatLsn, parseLsn, parseSegmentName, segmentName, segnoForLsn } from '../wal/segment.js';
import { TarScan } from './tar-scan.js';

export const BASE_OBJECT = 'base.tar.zst';
export const BASE_KIND = 'base';
export const TABLESPACE_KIND = 'tablespace';
export const BACKUP_MANIFEST_OBJECT = 'backup_manifest.zst';
export const BACKUP_MANIFEST_KIND = 'backup-manifest';

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

/** Whether every host of a connection is this machine: a Unix socket directory or a loopback address. */
export function isLocalConnection(env: PgEnv): boolean {
  const hosts = (env.PGHOSTADDR || env.PGHOST || '/var/run/postgresql').split(',').map((h) => h.trim());
  return hosts.every((h) => h === '' || h.startsWith('/') || h.startsWith('@') || h === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1' || h === '[::1]');
}

/**
 * Where the base backup is compressed (PGKEEP_COMPRESS_AT). `auto`: in the walsender when the
 * server is on this host and built with zstd. There both share the same CPUs, and compressing
 * before the bytes leave the server spares sending the raw data through a socket and copying it
 * through this process: measured on the 1 GB bench cluster, 2.24–2.70 s against 2.89–3.16 s on
 * the runner (pgBackRest 4.46–4.85 s, same run). A server elsewhere keeps its CPU for its own
 * work, and compression runs on the runner, as before. pg_config tells whether the server has
 * zstd (PostgreSQL's embedded builds often lack it); it is readable by superusers and
 * pg_read_all_settings members, and when it cannot be read the runner compresses.
 */
export async function compressAt(cfg: Config): Promise<{ at: 'client' | 'server'; why?: string }> {
  const set = cfg.settings.compressAt;
  if (set !== 'auto') return { at: set };
  if (!isLocalConnection(cfg.pgEnv)) return { at: 'client', why: 'the server is on another host' };
  const configure = await withClient(cfg.pgEnv, undefined, (c) => c.query<{ s: string }>("select setting as s from pg_config where name = 'CONFIGURE'")).then(
    (r) => r.rows[0]?.s ?? '',
    () => undefined,
  );
  if (configure === undefined) return { at: 'client', why: "pg_config is not readable to this role, so the server's zstd support is unknown" };
  if (!/--with-zstd\b|zstd=enabled/.test(configure)) return { at: 'client', why: 'the server is built without zstd' };
  return { at: 'server', why: 'the server is on this host' };
}

function parseTimeline(t: string | undefined): number {
  if (!t) return 1;
  return /^[0-9A-F]{8}$/.test(t) ? parseInt(t, 16) : Number(t) || 1;
}

/** Refuse what cannot produce a restorable backup, before anything is written. */
export function checkPreflight(p: PhysicalPreflight): WalSource {
  if (p.walLevel === 'minimal')
    throw new PgkeepError('wal-level-minimal', 'The server runs with wal_level = minimal, which cannot produce a physical backup.', "Set wal_level = replica (and archive_mode = on, archive_command = 'pgkeep wal-push %p'), then restart PostgreSQL.");
  if (!p.canReplicate)
    throw new PgkeepError('no-replication-privilege', 'The backup user has neither SUPERUSER nor REPLICATION, which a base backup (BASE_BACKUP) needs.', 'ALTER ROLE <user> REPLICATION, and allow it in pg_hba.conf ("host replication <user> …").');
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

export interface WalWaitOptions {
  /** PGKEEP_WAL_WAIT_SECONDS: the longest the backup waits for its WAL in the repository. */
  timeoutSeconds: number;
  /**
   * archive_mode on: watch pg_stat_archiver on a normal connection while waiting, with the
   * reading taken before BASE_BACKUP started (`before`), so a failing archive_command ends the
   * wait early and the error says what the server says.
   */
  archiver?: { pgEnv: PgEnv; before?: ArchiverStats };
  /** How long the archiver may stay failing, with nothing archived, before the backup gives up. */
  failGraceMs?: number;
  pollMs?: number;
}

/**
 * Wait until every segment start..stop is in the repository (bounded); return how many.
 *
 * Ends early when archiving visibly fails: pg_stat_archiver's last attempt failed, failed_count
 * rose since the backup began, and nothing was archived for `failGraceMs`. PostgreSQL archives
 * the oldest .ready file first and retries it 3 times, 1 s apart, before sleeping up to a
 * minute, so a failure that outlasts the grace holds back every segment behind it — ours
 * included, whatever last_failed_wal names. A transient failure is retried and succeeds within
 * the grace, which resets it.
 */
export async function waitForWal(store: Store, timeline: number, startWal: string, stopWal: string, segSize: number, o: WalWaitOptions): Promise<number> {
  const startSeg = parseSegmentName(startWal, segSize).segno;
  const stopSeg = parseSegmentName(stopWal, segSize).segno;
  const need: string[] = [];
  for (let s = startSeg; s <= stopSeg; s++) need.push(segmentName(timeline, s, segSize));
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  const grace = o.failGraceMs ?? ARCHIVE_FAIL_GRACE_MS;
  const baseline = o.archiver?.before;
  let missing = need;
  let archiver: ArchiverStats | undefined;
  let failing: { since: number; archivedCount: number } | undefined;
  const waited = () => `${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` (+${missing.length - 3} more)` : ''}`;
  for (;;) {
    const have = new Set((await store.list(`${WAL_PREFIX}${need[0].slice(0, 8)}/`)).map((o) => o.key));
    missing = need.filter((n) => !have.has(walKey(n)) && !have.has(walKeyEncrypted(n)));
    if (!missing.length) return need.length;
    if (o.archiver) {
      // The view only informs: a failed read must not fail a backup whose WAL may still arrive.
      archiver = (await readArchiver(o.archiver.pgEnv).catch(() => undefined)) ?? archiver;
      const rose = archiver && baseline ? archiver.failedCount > baseline.failedCount : true;
      if (archiver && archiverFailing(archiver) && rose) {
        if (!failing || archiver.archivedCount !== failing.archivedCount) failing = { since: Date.now(), archivedCount: archiver.archivedCount };
        else if (Date.now() - failing.since >= grace)
          throw new PgkeepError(
            'archiving-failing',
            `archive_command is failing, so WAL ${waited()} that the backup needs (through ${stopWal}) is not in ${store.description} and the backup was abandoned without a manifest: ${describeArchiver(archiver)}.`,
            "Read the server log for the archive_command error (pg_stat_archiver.last_failed_wal names the file) and fix archive_command or the repository it writes to (reachable, writable, credentials, pgkeep on the server's PATH); WAL piles up in pg_wal until archiving succeeds. Then run the backup again.",
          );
      } else failing = undefined;
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
  }
  // The server says it archived the stop segment, yet the repository lacks WAL: archiving goes elsewhere.
  // (A backup history file, <segment>.<offset>.backup, counts as its segment; a .history file does not.)
  const lastSeg = /^[0-9A-F]{24}/.exec(archiver?.lastArchivedWal ?? '')?.[0];
  const elsewhere = lastSeg !== undefined && lastSeg >= stopWal;
  throw new PgkeepError(
    'wal-not-archived',
    `WAL ${waited()} needed by the backup (through ${stopWal}) did not reach ${store.description} within ${o.timeoutSeconds} s, so the backup was abandoned without a manifest` +
      (archiver
        ? `; ${elsewhere ? 'the server reports it archived, so archive_command stores WAL somewhere else' : archiverFailing(archiver) ? 'archive_command is failing' : 'archiving is stale or slow'} (${describeArchiver(archiver)})`
        : '') +
      '.',
    elsewhere
      ? "Point archive_command at this repository (archive_command = 'pgkeep wal-push %p' with the same PGKEEP_REPO)."
      : 'Read the server log for the archive_command error (pg_stat_archiver.last_failed_wal names the file) and check archive_command writes to this repository (pgkeep wal-push %p with the same PGKEEP_REPO); PGKEEP_WAL_WAIT_SECONDS raises the wait on a busy server.',
  );
}

function zstdFrame(buf: Buffer, level: number): Buffer {
  return zlib.zstdCompressSync(buf, { params: { [zlib.constants.ZSTD_c_compressionLevel]: level, [zlib.constants.ZSTD_c_checksumFlag]: 1 } });
}

export interface NativeRun {
  objects: ManifestObject[];
  backupManifest: Buffer;
  startLsn: string;
  stopLsn: string;
  timeline: number;
  rawBytes: number;
}

/**
 * One BASE_BACKUP (src/postgres/replication.ts) into the repository: each archive becomes an
 * object (`base.tar.zst`, `tblspc-<oid>.tar.zst`: the server's tar, trailer included),
 * compressed here as parallel zstd frames or by the server. The backup_manifest arrives last
 * and becomes `backup_manifest.zst` (restore writes it into DIR, as pg_basebackup does; the
 * next PG 17 incremental uploads it without reading the whole base).
 */
async function streamNative(
  cfg: Config,
  store: Store,
  id: string,
  opts: { checkpoint: 'fast' | 'spread'; level: number; workers: number; at: 'client' | 'server'; totalBytes: number; incrementalManifest?: Buffer; maxRateKb?: number; recipients?: string[] },
): Promise<NativeRun> {
  const prog = progress(`backup ${id}`, opts.totalBytes);
  let reported = 0;
  const objects: ManifestObject[] = [];
  const writes: Promise<unknown>[] = [];
  let manifestBuf: Buffer | null = null;

  const recipients = opts.recipients;
  const suffix = recipients ? AGE_SUFFIX : '';
  /** Store one object: `body` chunks (already compressed) → [age] → SHA-256 → store.put. */
  const putObject = (name: string, body: AsyncIterable<Buffer>, meta: Partial<ManifestObject>, raw: () => number) => {
    const key = backupObjectKey(id, name);
    const stored = new HashCounter();
    const p = (async () => {
      const out = new PassThrough({ highWaterMark: 1 << 20 });
      // zstd → age: the SHA-256 is over the stored ciphertext, so verify needs no key.
      const enc = recipients ? [ageEncryptStream(recipients)] : [];
      const [h, put] = await Promise.allSettled([pipeline(Readable.from(body), ...(enc as [Transform]), stored, out), store.put(key, out)]);
      if (h.status === 'rejected' || put.status === 'rejected') {
        out.destroy();
        // The store's own error (mapped: no space, access denied) over the broken pipe it causes.
        if (put.status === 'rejected' && (put.reason instanceof PgkeepError || h.status !== 'rejected')) throw put.reason;
        throw (h as PromiseRejectedResult).reason;
      }
      objects.push({ name, kind: meta.kind ?? BASE_KIND, bytes: stored.bytes, sha256: stored.sha256, rawBytes: raw(), compression: 'zstd', ...(recipients ? { encryption: 'age' as const } : {}), ...meta });
    })();
    p.catch(() => undefined);
    writes.push(p);
    return p;
  };

  // Compressed by the server, an archive's raw size is not what arrives: it is the difference of
  // the server's PROGRESS counts (raw bytes, counted before compression), which it always sends
  // at the end of each archive, before announcing the next one (basebackup_copy.c).
  let progressDone = 0;
  let current: { end: number } | undefined;
  const openArchive = (a: ArchiveStart) => {
    const isBase = a.location === undefined;
    const name = (isBase ? BASE_OBJECT : `tblspc-${a.tablespaceOid}.tar.zst`) + suffix;
    const input = new PassThrough({ highWaterMark: 1 << 20 });
    const mark = { from: progressDone, end: progressDone };
    current = mark;
    let raw = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _e, cb) {
        raw += chunk.length;
        cb(null, chunk);
      },
    });
    const compressed = opts.at === 'client' ? new ParallelZstd(opts.level, opts.workers) : new PassThrough({ highWaterMark: 1 << 20 });
    // pipeline(): an error anywhere destroys every stage, so the reader below sees it.
    pipeline(input, counted, compressed).catch(() => undefined);
    async function* body(): AsyncGenerator<Buffer> {
      for await (const c of compressed) yield c as Buffer;
    }
    const meta: Partial<ManifestObject> = isBase ? { kind: BASE_KIND } : { kind: TABLESPACE_KIND, tablespaceOid: a.tablespaceOid, tablespaceLocation: a.location };
    const stored = putObject(name, body(), meta, () => (opts.at === 'server' ? mark.end - mark.from : raw));
    // A failed upload must stop the protocol side too, or it would wait for 'drain' forever.
    stored.catch((e) => input.destroy(e as Error));
    return { stream: input, done: stored };
  };

  const openManifest = () => {
    const parts: Buffer[] = [];
    const stream = new Writable({
      write(c: Buffer, _e, cb) {
        parts.push(c);
        cb();
      },
      final(cb) {
        manifestBuf = Buffer.concat(parts);
        cb();
      },
    });
    return { stream, done: new Promise<void>((res) => stream.once('finish', res)) };
  };

  let result;
  try {
    result = await baseBackup(cfg.pgEnv, {
      label: `pgkeep ${id}`,
      checkpoint: opts.checkpoint,
      serverCompression: opts.at === 'server' ? { level: opts.level, workers: opts.workers } : undefined,
      incrementalManifest: opts.incrementalManifest,
      maxRateKb: opts.maxRateKb,
      openArchive,
      openManifest,
      onProgress: (done, total) => {
        progressDone = done;
        if (current) current.end = done;
        prog.setTotal(total);
        if (done > reported) prog.add(done - reported);
        reported = Math.max(reported, done);
      },
    });
    if (!manifestBuf) throw new PgkeepError('base-backup-failed', 'The server finished the base backup without sending its backup_manifest; the backup is unusable.');
    const m: Buffer = manifestBuf;
    putObject(BACKUP_MANIFEST_OBJECT + suffix, (async function* () {
      yield zstdFrame(m, 3);
    })(), { kind: BACKUP_MANIFEST_KIND }, () => m.length);
    await Promise.all(writes);
  } catch (e) {
    // When an upload failed, the protocol side only saw its sink aborted: the store's own
    // error (no space, access denied, … already a PgkeepError) is the cause to report.
    const failed = (await Promise.allSettled(writes)).find((w): w is PromiseRejectedResult => w.status === 'rejected' && w.reason instanceof PgkeepError);
    throw failed ? failed.reason : e;
  }
  prog.done();
  const order = (o: ManifestObject) => (o.kind === BASE_KIND ? 0 : o.kind === TABLESPACE_KIND ? 1 : 2);
  objects.sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name));
  return {
    objects,
    backupManifest: manifestBuf,
    startLsn: result.startLsn,
    stopLsn: result.endLsn,
    timeline: result.startTimeline,
    rawBytes: objects.filter((o) => o.kind !== BACKUP_MANIFEST_KIND).reduce((a, o) => a + o.rawBytes, 0),
  };
}

/** A backup's backup_manifest (the parent of a PG 17 incremental): its own object, else from base.tar.zst. */
async function readBackupManifest(store: Store, m: Manifest): Promise<Buffer> {
  const own = m.objects.find((o) => o.kind === BACKUP_MANIFEST_KIND);
  if (own) {
    // An encrypted parent: a PG 17 incremental needs PGKEEP_AGE_IDENTITY on the runner too.
    const decrypt = own.encryption === 'age' ? [ageDecryptStream(`${own.name} of backup ${m.id}`)] : [];
    const out = new PassThrough();
    const done = pipeline(await store.get(backupObjectKey(m.id, own.name)), ...(decrypt as [Transform]), zstdDecompress(), out);
    const [buf] = await Promise.all([streamToBuffer(out), done]);
    return buf;
  }
  const obj = m.objects.find((o) => o.kind === BASE_KIND);
  if (!obj) throw new PgkeepError('no-parent-manifest', `Backup ${m.id} has no base object to build an incremental on.`);
  const scan = new TarScan(new Set(['backup_manifest']), 1 << 30);
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  await pipeline(await store.get(backupObjectKey(m.id, obj.name)), zstdDecompress(), scan, sink);
  const buf = scan.captured.get('backup_manifest');
  if (!buf) throw new PgkeepError('no-parent-manifest', `Backup ${m.id} has no backup_manifest in ${obj.name}.`, 'Take a new full backup.');
  return buf;
}

export async function physicalBackup(cfg: Config, opts: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  if (opts.type !== 'full' && opts.type !== 'incr')
    throw new PgkeepError('bad-usage', `physicalBackup cannot take a ${opts.type} backup.`);
  const facts = await serverFacts(cfg.pgEnv);
  // Client tools are needed only to pull WAL (pg_receivewal): BASE_BACKUP needs none, so an
  // archiving server of any supported major is backed up without its version's tools.
  const binDir = () => resolveBinDir(cfg.pgBinDir, facts.major);
  const pre = await preflight(cfg.pgEnv);
  const walSource = checkPreflight(pre);
  const store = openStore(cfg);
  await ensureRepoInfo(store, facts.systemIdentifier);
  if (opts.type === 'incr' && facts.major < 17) return incrWalRun(cfg, store, facts, binDir, pre, started);

  // A bad PGKEEP_AGE_RECIPIENTS is refused before the lock and the first byte.
  const recipients = ageRecipients();
  const lock = await acquireLock(store, `backup-${opts.type}`);
  let id = '';
  try {
    let parent: Manifest | undefined;
    let incrementalManifest: Buffer | undefined;
    if (opts.type === 'incr') {
      const cat = await loadCatalog(store);
      parent = [...cat.backups].reverse().find((b) => (b.type === 'full' || b.type === 'incr') && b.systemIdentifier === facts.systemIdentifier);
      if (!parent) throw new PgkeepError('no-parent', 'An incremental backup needs a previous full backup of this cluster, and the repository has none.', 'Run pgkeep backup --type full first.');
      incrementalManifest = await readBackupManifest(store, parent);
    }
    if (walSource === 'pull') await ensureSlot(cfg.pgEnv, DEFAULT_SLOT);
    const startTime = await serverNow(cfg.pgEnv);
    id = await freshBackupId(store, new Date(startTime), opts.type);
    const checkpoint = opts.checkpoint ?? 'spread';
    // Level 1 unless PGKEEP_COMPRESS sets one: on a 1 GB cluster level 3 costs ~35% more time
    // for ~5% smaller objects (bench/physical-backup.sh); backups are read rarely.
    const level = cfg.compressionGiven && cfg.compression.kind === 'zstd' ? cfg.compression.level : 1;
    const { at, why } = await compressAt(cfg);
    // Client side: frames compressed on libuv's thread pool, one per CPU (bench/physical-backup.sh).
    // Server side: libzstd threads in the walsender, 0 = inline; chosen by auto (same host, same
    // CPUs), as many as the runner would use.
    const cpus = os.availableParallelism();
    const workers = cfg.settings.compressAt === 'auto' && at === 'server' && cfg.settings.zstdWorkers === undefined ? Math.min(4, cpus) : zstdWorkersFor(cfg.settings, at, cpus);
    log.info(
      `backup ${id}: BASE_BACKUP (${checkpoint} checkpoint, zstd level ${level} on the ${at}${why ? ` (auto: ${why})` : ''}, ${workers} workers) of ~${formatBytes(pre.totalBytes)}` +
        `${pre.tablespaces.length ? ` with ${pre.tablespaces.length} tablespace(s)` : ''}, WAL from ${walSource === 'archive' ? 'the archive' : `slot ${DEFAULT_SLOT}`}${parent ? `, incremental on ${parent.id}` : ''}`,
    );
    // PGKEEP_MAX_RATE_KB: the server reads at most this many kB/s (like pg_basebackup --max-rate).
    const maxRateKb = cfg.settings.maxRateKb;
    // pg_stat_archiver before the backup: the wait for its WAL counts failures from here on.
    const archiverBefore = walSource === 'archive' ? await readArchiver(cfg.pgEnv).catch(() => undefined) : undefined;
    // Objects are written through the lock: once its lease is lost the upload is cut.
    const run = await streamNative(cfg, lock.guard(store), id, { checkpoint, level, workers, at, totalBytes: pre.totalBytes, incrementalManifest, maxRateKb, recipients });
    const waitSeconds = cfg.settings.walWaitSeconds;
    const startWal = segmentName(run.timeline, segnoForLsn(parseLsn(run.startLsn), pre.segSize), pre.segSize);
    const stopWal = segmentName(run.timeline, segnoForLsn(parseLsn(run.stopLsn) - 1n, pre.segSize), pre.segSize);
    if (walSource === 'pull') {
      const pulled = await pullWalTo({ store: lock.guard(store), pgEnv: cfg.pgEnv, binDir: binDir(), parallel: cfg.parallel }, parseLsn(run.stopLsn), pre.segSize, facts.systemIdentifier);
      log.info(`backup ${id}: pulled ${pulled.length} WAL file(s) over slot ${DEFAULT_SLOT}`);
    }
    const segs = await waitForWal(store, run.timeline, startWal, stopWal, pre.segSize, {
      timeoutSeconds: waitSeconds,
      ...(walSource === 'archive' ? { archiver: { pgEnv: cfg.pgEnv, before: archiverBefore } } : {}),
    });
    const stopTime = await serverNow(cfg.pgEnv);
    const bytes = run.objects.reduce((a, o) => a + o.bytes, 0);
    const manifest: Manifest = {
      format: FORMAT_VERSION,
      id,
      type: opts.type,
      startTime,
      stopTime,
      pgVersion: facts.version,
      pgVersionNum: facts.versionNum,
      systemIdentifier: facts.systemIdentifier,
      timeline: run.timeline,
      startLsn: run.startLsn,
      stopLsn: run.stopLsn,
      startWal,
      stopWal,
      ...(parent ? { parent: parent.id } : {}),
      bytes,
      rawBytes: run.rawBytes,
      objects: run.objects,
      ...(recipients ? { encryption: { method: 'age' as const, recipients } } : {}),
      tool: { name: 'pgkeep', version: VERSION },
      extra: {
        walSource,
        checkpoint,
        zstdLevel: level,
        zstdWorkers: workers,
        compressedOn: at,
        walSegSize: pre.segSize,
        walSegments: segs,
        ...(pre.tablespaces.length ? { tablespaces: pre.tablespaces } : {}),
      },
    };
    // The manifest makes the backup exist: written only while the lock is provably still ours.
    await lock.confirm();
    await writeJson(lock.guard(store), manifestKey(id), manifest, true);
    const durationSeconds = (Date.now() - started) / 1000;
    log.info(`backup ${id}: done, ${formatBytes(run.rawBytes)} → ${formatBytes(bytes)}, WAL ${startWal}..${stopWal} archived, ${durationSeconds.toFixed(1)} s`);
    return {
      id,
      type: opts.type,
      startTime,
      stopTime,
      bytes,
      rawBytes: run.rawBytes,
      durationSeconds,
      objects: run.objects.map((o) => ({ name: o.name, bytes: o.bytes, rawBytes: o.rawBytes })),
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

/**
 * PG < 17 `incr`: make sure every WAL up to now is durable in the repository (see header).
 * By default (PGKEEP_WAL_SOURCE=archive) archive_command does it and the run only proves it;
 * the slot pull runs only when the operator asked for it (--wal-source slot).
 */
async function incrWalRun(cfg: Config, store: Store, facts: ServerFacts, binDir: () => string, pre: PhysicalPreflight, started: number): Promise<BackupResult> {
  const lock = await acquireLock(store, 'backup-incr');
  try {
    const startTime = await serverNow(cfg.pgEnv);
    const wal = cfg.walSource === 'slot' ? await incrBySlot(cfg, lock.guard(store), facts, binDir(), pre) : await incrByArchive(cfg, store, facts, pre);
    await lock.confirm();
    const stopTime = await serverNow(cfg.pgEnv);
    const durationSeconds = (Date.now() - started) / 1000;
    log.info(
      wal.source === 'archive'
        ? `incr: archiving is fresh: every WAL up to ${wal.upTo} is in ${store.description} (through ${wal.archivedThrough}); no replication slot used (${durationSeconds.toFixed(1)} s)`
        : `incr: ${wal.pulled} WAL file(s) pushed; every WAL up to ${wal.upTo} is in ${store.description} (${durationSeconds.toFixed(1)} s)`,
    );
    return {
      id: makeBackupId(new Date(startTime), 'incr'),
      type: 'incr',
      startTime,
      stopTime,
      bytes: 0,
      rawBytes: 0,
      durationSeconds,
      objects: [],
      wal,
      // Kept for scripts that read them (before `wal` existed).
      walUpTo: wal.upTo,
      ...(wal.pulled !== undefined ? { walPulled: wal.pulled } : {}),
    };
  } finally {
    await lock.release();
  }
}

/** The default: archive_command stores WAL; prove it reached the repository, pin nothing. */
async function incrByArchive(cfg: Config, store: Store, facts: ServerFacts, pre: PhysicalPreflight): Promise<IncrWalReport> {
  const archiving = pre.archiveMode === 'on' || pre.archiveMode === 'always';
  if (!archiving || !pre.archiveCommand.trim() || pre.archiveCommand === '(disabled)') {
    const existing = (await readSlots(cfg.pgEnv).catch(() => ({ slots: [] as SlotInfo[] }))).slots.find((s) => s.name === DEFAULT_SLOT);
    throw new PgkeepError(
      'no-wal-archiving',
      `PostgreSQL ${facts.major} has no incremental backup, so the incr run makes sure WAL is archived, but archive_mode is ${pre.archiveMode}${archiving ? ' with an empty archive_command' : ''}; pgkeep does not create a replication slot unless asked, because a slot nobody reads keeps WAL until the primary's disk is full.` +
        (existing ? ` (Replication slot "${DEFAULT_SLOT}" exists and retains ${formatBytes(existing.retainedBytes ?? 0)}.)` : ''),
      `Set archive_mode = on and archive_command = 'pgkeep wal-push %p' (restart), or opt into pulling WAL over the "${DEFAULT_SLOT}" slot with --wal-source slot / PGKEEP_WAL_SOURCE=slot (then also set max_slot_wal_keep_size).`,
    );
  }
  const warnings: string[] = [];
  if (!archiveCommandRunsPgkeep(pre.archiveCommand)) {
    warnings.push(`archive_command does not mention pgkeep wal-push; checked that WAL reaches ${store.description} anyway.`);
    log.warn(warnings.at(-1)!);
  }
  const waitSeconds = cfg.settings.walWaitSeconds;
  log.info(`incr: PostgreSQL ${facts.major} has no incremental backup; switching WAL and checking that archive_command stored it in ${store.description}`);
  const r = await checkArchiveFresh({ store, pgEnv: cfg.pgEnv, segSize: pre.segSize, timeline: pre.timeline, waitSeconds });
  // A slot left from earlier (opt-in or a full backup without archiving) still pins WAL: say so.
  const slot = (await readSlots(cfg.pgEnv).catch(() => ({ slots: [] as SlotInfo[] }))).slots.find((s) => s.name === DEFAULT_SLOT && !s.active);
  if (slot) {
    warnings.push(`Replication slot "${DEFAULT_SLOT}" is not used by this run and retains ${formatBytes(slot.retainedBytes ?? 0)} of WAL on the server; drop it with pgkeep slot drop if nothing reads it.`);
    log.warn(warnings.at(-1)!);
  }
  return { source: 'archive', upTo: formatLsn(parseLsn(r.upTo)), archivedThrough: r.archivedThrough, archiver: r.archiver, warnings };
}

/** Opt-in (--wal-source slot): pull up to now over the slot (created if missing). */
async function incrBySlot(cfg: Config, store: Store, facts: ServerFacts, binDir: string, pre: PhysicalPreflight): Promise<IncrWalReport> {
  const ensured = await ensureSlot(cfg.pgEnv, DEFAULT_SLOT);
  const switchLsn = await withClient(cfg.pgEnv, undefined, async (c) => (await c.query<{ l: string }>('select pg_switch_wal()::text as l')).rows[0].l);
  log.info(`incr: PostgreSQL ${facts.major} has no incremental backup; pulling WAL up to ${switchLsn} over slot ${DEFAULT_SLOT} (--wal-source slot)`);
  const pulled = await pullWalTo({ store, pgEnv: cfg.pgEnv, binDir, parallel: cfg.parallel }, parseLsn(switchLsn), pre.segSize, facts.systemIdentifier);
  const after = await readSlots(cfg.pgEnv);
  const slot = after.slots.find((s) => s.name === DEFAULT_SLOT);
  return {
    source: 'slot',
    upTo: formatLsn(parseLsn(switchLsn)),
    pulled: pulled.length,
    ...(slot?.retainedBytes !== undefined ? { slotRetainedBytes: slot.retainedBytes } : {}),
    warnings: ensured.warnings,
  };
}
