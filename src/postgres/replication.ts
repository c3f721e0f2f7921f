// BASE_BACKUP over the replication protocol, spoken directly (PostgreSQL >= 15 syntax) on a
// node-postgres connection (`replication=database`; auth and SCRAM are node-postgres's, TLS follows libpq via connectClient).
// Why not pg_basebackup -D -: it cannot stream tablespaces, cannot keep the backup_manifest
// with server-side compression, and its version must match the server's. Here every archive
// (one per tablespace, the data directory last) and the manifest arrive as separate streams,
// each handed to a sink the caller opens, with back-pressure down to the socket.
//
// Protocol (PostgreSQL docs, "Streaming Replication Protocol", BASE_BACKUP): a result set with
// the start position, one with the tablespaces, then CopyOut whose CopyData messages start
// with a type byte — 'n' new archive (name, tablespace location), 'm' manifest follows,
// 'd' data, 'p' progress (int64 bytes done) — then a result set with the end position.
// PG >= 17 incrementals: UPLOAD_MANIFEST (CopyIn of the parent's backup_manifest) first, on
// the same connection, then BASE_BACKUP ( INCREMENTAL ).
import type { Writable } from 'node:stream';
import { connectClient, describeTarget, type PgEnv } from './client.js';
import { PgkeepError } from '../util/errors.js';

export interface ArchiveStart {
  /** Archive name the server gives: base.tar, or <oid>.tar for a tablespace. */
  name: string;
  /** Tablespace directory on the server; undefined for the data directory. */
  location?: string;
  tablespaceOid?: number;
}

/** Where one archive's (or the manifest's) bytes go; `done` settles when it is stored. */
export interface StreamSink {
  stream: Writable;
  done: Promise<unknown>;
}

export interface BaseBackupRequest {
  label: string;
  checkpoint: 'fast' | 'spread';
  /** Server-side compression (the server's CPU); undefined = raw tar. */
  serverCompression?: { level: number; workers: number };
  /** PG >= 17: the parent backup's backup_manifest (makes this an incremental backup). */
  incrementalManifest?: Buffer;
  /** Throttle the server's reads (MAX_RATE, kB/s, 32..1048576), to spare production I/O. */
  maxRateKb?: number;
  openArchive(a: ArchiveStart): StreamSink | Promise<StreamSink>;
  openManifest(): StreamSink | Promise<StreamSink>;
  /** Raw bytes the server has sent so far (PROGRESS), and its estimate of the total. */
  onProgress?(done: number, total: number): void;
}

export interface BaseBackupResult {
  startLsn: string;
  startTimeline: number;
  endLsn: string;
  endTimeline: number;
  tablespaces: { oid: number; location: string; bytes: number }[];
  /** The server's estimate of the raw size (PROGRESS), bytes. */
  estimatedBytes: number;
}

function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function baseBackupCommand(r: Pick<BaseBackupRequest, 'label' | 'checkpoint' | 'serverCompression' | 'incrementalManifest' | 'maxRateKb'>): string {
  // WAIT false: the server must not wait for archive_command itself. Its wait has no bound and
  // says nothing while archive_command fails (a scheduled backup hung until the runner killed it);
  // pgkeep waits instead, for the WAL in the repository (what a restore needs, a stronger fact
  // than "archived somewhere"), bounded by PGKEEP_WAL_WAIT_SECONDS and watching pg_stat_archiver
  // (src/backup/physical-backup.ts waitForWal). pg_basebackup too passes WAIT false whenever it
  // gets the WAL by other means (-X fetch/stream).
  const opts = [`LABEL ${quoteLiteral(r.label)}`, 'PROGRESS', `CHECKPOINT ${quoteLiteral(r.checkpoint)}`, 'WAIT false', "MANIFEST 'yes'", "MANIFEST_CHECKSUMS 'CRC32C'", 'TABLESPACE_MAP'];
  if (r.serverCompression) {
    opts.push("COMPRESSION 'zstd'");
    const detail = `level=${r.serverCompression.level}${r.serverCompression.workers > 0 ? `,workers=${r.serverCompression.workers}` : ''}`;
    opts.push(`COMPRESSION_DETAIL ${quoteLiteral(detail)}`);
  }
  if (r.incrementalManifest) opts.push('INCREMENTAL');
  if (r.maxRateKb) opts.push(`MAX_RATE ${Math.trunc(r.maxRateKb)}`);
  return `BASE_BACKUP ( ${opts.join(', ')} )`;
}

type Row = (string | null)[];

/**
 * A node-postgres "submittable": receives the raw protocol messages of one simple query.
 * Messages are queued and handled one at a time (sinks are async); the socket is paused
 * while the queue is long, so memory stays bounded whatever the backup's size.
 */
class BaseBackupQuery {
  readonly resultSets: Row[][] = [];
  private queue: Buffer[] = [];
  private pumping = false;
  private paused = false;
  private connection: any;
  private current: StreamSink | null = null;
  private failed: Error | null = null;
  private finishedCopy = false;
  private settle!: { resolve: () => void; reject: (e: unknown) => void };
  readonly finished = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
  private readyForQuery = false;
  private estimated = 0;
  private slab = Buffer.allocUnsafe(0);
  private slabUsed = 0;

  /**
   * A copy of a message (it is a view of node-postgres's read buffer, which it reuses), carved
   * from 1 MiB slabs: one allocation per ~40 messages instead of one each (less GC, less RSS).
   */
  private copy(chunk: Buffer): Buffer {
    if (chunk.length > this.slab.length - this.slabUsed) {
      this.slab = Buffer.allocUnsafe(Math.max(1 << 20, chunk.length));
      this.slabUsed = 0;
    }
    const out = this.slab.subarray(this.slabUsed, this.slabUsed + chunk.length);
    chunk.copy(out);
    this.slabUsed += chunk.length;
    return out;
  }

  constructor(
    private readonly text: string,
    private readonly req: BaseBackupRequest,
  ) {
    this.finished.catch(() => undefined);
  }

  get estimatedBytes(): number {
    return this.estimated;
  }

  submit(connection: any): void {
    this.connection = connection;
    connection.query(this.text);
  }
  handleRowDescription(): void {
    this.resultSets.push([]);
  }
  handleDataRow(msg: { fields: Row }): void {
    this.resultSets[this.resultSets.length - 1]?.push(msg.fields);
    // The tablespace result set (oid, location, size kB) arrives before the copy starts.
    if (this.resultSets.length === 2) this.estimated += Number(msg.fields[2] ?? 0) * 1024;
  }
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {
    this.fail(new Error('unexpected CopyIn during BASE_BACKUP'));
  }
  handleCopyData(msg: { chunk: Buffer }): void {
    if (this.failed) return;
    this.queue.push(this.copy(msg.chunk));
    if (this.queue.length > 64 && !this.paused) {
      this.paused = true;
      this.connection.stream.pause();
    }
    void this.pump();
  }
  handleError(err: Error): void {
    this.fail(err);
  }
  handleReadyForQuery(): void {
    this.readyForQuery = true;
    void this.pump();
  }

  private fail(e: Error): void {
    if (!this.failed) this.failed = e;
    this.current?.stream.destroy(e);
    if (this.paused) this.connection?.stream.resume();
    this.settle.reject(e);
  }

  private async closeCurrent(): Promise<void> {
    const c = this.current;
    this.current = null;
    if (!c) return;
    c.stream.end();
    await c.done;
  }

  /** Why a sink can take no more: it was destroyed (its upload failed) or errored. */
  private static dead(w: Writable): Error | null {
    if (!w.destroyed && !w.writableEnded) return null;
    return (w as Writable & { errored?: Error | null }).errored ?? new Error('the object being stored was closed before the backup finished');
  }

  private async write(data: Buffer): Promise<void> {
    const c = this.current;
    if (!c) throw new Error('BASE_BACKUP sent data before naming an archive');
    const dead = BaseBackupQuery.dead(c.stream);
    if (dead) throw dead;
    if (!c.stream.write(data)) {
      // 'drain', or the sink dies ('error'/'close'): never wait on a stream that cannot drain.
      await new Promise<void>((resolve, reject) => {
        const done = (e?: Error) => {
          c.stream.off('drain', onDrain);
          c.stream.off('error', onErr);
          c.stream.off('close', onClose);
          if (e) reject(e);
          else resolve();
        };
        const onDrain = () => done();
        const onErr = (e: Error) => done(e);
        const onClose = () => done(BaseBackupQuery.dead(c.stream) ?? new Error('the object being stored was closed before the backup finished'));
        c.stream.once('drain', onDrain);
        c.stream.once('error', onErr);
        c.stream.once('close', onClose);
        const already = BaseBackupQuery.dead(c.stream);
        if (already) done(already);
      });
    }
  }

  private async handle(chunk: Buffer): Promise<void> {
    const type = String.fromCharCode(chunk[0]);
    if (type === 'd') return this.write(chunk.subarray(1));
    if (type === 'p') {
      this.req.onProgress?.(Number(chunk.readBigInt64BE(1)), this.estimated);
      return;
    }
    if (type === 'n') {
      await this.closeCurrent();
      const nul1 = chunk.indexOf(0, 1);
      const name = chunk.subarray(1, nul1).toString('utf8');
      const nul2 = chunk.indexOf(0, nul1 + 1);
      const location = chunk.subarray(nul1 + 1, nul2 < 0 ? undefined : nul2).toString('utf8');
      const oid = /^(\d+)\.tar/.exec(name)?.[1];
      this.current = await this.req.openArchive({ name, location: location || undefined, tablespaceOid: location && oid ? Number(oid) : undefined });
      return;
    }
    if (type === 'm') {
      await this.closeCurrent();
      this.current = await this.req.openManifest();
      return;
    }
    throw new Error(`unknown BASE_BACKUP message type '${type}'`);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.failed && this.queue.length) {
        const chunk = this.queue.shift()!;
        await this.handle(chunk);
        if (this.paused && this.queue.length < 16) {
          this.paused = false;
          this.connection.stream.resume();
        }
      }
      if (!this.failed && this.readyForQuery && !this.queue.length && !this.finishedCopy) {
        this.finishedCopy = true;
        await this.closeCurrent();
        this.settle.resolve();
      }
    } catch (e) {
      this.fail(e as Error);
    } finally {
      this.pumping = false;
    }
  }
}

/** UPLOAD_MANIFEST: CopyIn of the parent's backup_manifest (PG >= 17). */
class UploadManifestQuery {
  private settle!: { resolve: () => void; reject: (e: unknown) => void };
  readonly finished = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
  private error: Error | null = null;
  constructor(private readonly manifest: Buffer) {
    this.finished.catch(() => undefined);
  }
  submit(connection: any): void {
    connection.query('UPLOAD_MANIFEST');
  }
  handleCopyInResponse(connection: any): void {
    for (let i = 0; i < this.manifest.length; i += 1 << 20) connection.sendCopyFromChunk(this.manifest.subarray(i, i + (1 << 20)));
    connection.endCopyFrom();
  }
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
  handleError(err: Error): void {
    this.error = err;
  }
  handleReadyForQuery(): void {
    if (this.error) this.settle.reject(this.error);
    else this.settle.resolve();
  }
}

/** Run one BASE_BACKUP; every sink has been ended and its `done` awaited when this resolves. */
export async function baseBackup(env: PgEnv, req: BaseBackupRequest): Promise<BaseBackupResult> {
  // The same libpq rules (sslmode, certificates) as every other connection.
  const client = await connectClient(env, undefined, { replication: 'database' });
  try {
    if (req.incrementalManifest) {
      const up = new UploadManifestQuery(req.incrementalManifest);
      client.query(up as any);
      await up.finished.catch((e) => {
        throw new PgkeepError('incremental-refused', `The server refused the parent backup's manifest for an incremental backup: ${(e as Error).message}.`, 'Check summarize_wal = on (PostgreSQL 17+), and that the parent backup is of this cluster; take a full backup otherwise.');
      });
    }
    const q = new BaseBackupQuery(baseBackupCommand(req), req);
    client.query(q as any);
    await q.finished;
    const [start, tbs, end] = [q.resultSets[0]?.[0], q.resultSets[1] ?? [], q.resultSets[q.resultSets.length - 1]?.[0]];
    if (!start || !end || q.resultSets.length < 3) throw new Error(`BASE_BACKUP returned ${q.resultSets.length} result sets, expected 3`);
    return {
      startLsn: String(start[0]),
      startTimeline: Number(start[1]),
      endLsn: String(end[0]),
      endTimeline: Number(end[1]),
      tablespaces: tbs.filter((r) => r[0] !== null).map((r) => ({ oid: Number(r[0]), location: String(r[1]), bytes: Number(r[2] ?? 0) * 1024 })),
      estimatedBytes: q.estimatedBytes,
    };
  } catch (e) {
    if (e instanceof PgkeepError) throw e;
    const err = e as { message?: string; code?: string };
    if (err.code && /^[0-9A-Z]{5}$/.test(err.code))
      throw new PgkeepError(
        'base-backup-failed',
        `The server ended the base backup with an error: ${err.message} (SQLSTATE ${err.code}).`,
        err.code.startsWith('57')
          ? 'Nothing was kept (no manifest). The server was shut down or the backup was cancelled; run the backup again.'
          : 'Nothing was kept (no manifest); see the server log. max_wal_senders = 0 or a missing pg_hba.conf replication line are common causes.',
      );
    // The connection broke (server restarted, walsender terminated, network) or a sink failed.
    throw new PgkeepError('base-backup-failed', `The base backup from ${describeTarget(env)} did not complete: ${err.message ?? String(e)}.`, 'Nothing was kept (no manifest). Check the server log and the repository, then run the backup again.');
  } finally {
    await client.end().catch(() => undefined);
  }
}
