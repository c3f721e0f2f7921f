// Frame decoding in worker threads, so that `pgkeep verify` decodes WAL on one core while the
// main thread reads and hashes backup objects on the other. The workers run the same
// synchronous decoder as the main thread (zstd-sync-decoder.ts; its source is handed over with
// Function.prototype.toString, so no separate bundle entry is needed). Each frame stays on one
// worker (its decoder state lives there); the bytes are copied into a buffer of their own and
// transferred; at most IN_FLIGHT pieces per frame wait, so memory stays flat.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { syncFrameDecoders } from './zstd-sync-decoder.js';

/** Pieces of one frame on their way to its worker before the feeder waits. */
const IN_FLIGHT = 4;

interface Reply {
  id: number;
  raw: number;
  error?: string;
  /** The request's buffer, handed back for the next piece (no allocation per piece on either side). */
  buf?: ArrayBuffer;
}

/** Size of the recycled transfer buffers; the fs store reads 1 MiB at a time. */
const PIECE = 1 << 20;
/** Transfer buffers kept for reuse (more are allocated while more are in flight, then dropped). */
const spare: ArrayBuffer[] = [];

/** The worker's body: self-contained, it gets zlib, its port and the decoder factory as arguments. */
function workerMain(z: unknown, port: import('node:worker_threads').MessagePort, make: (z: unknown) => { create(): { decode(b: Buffer): number; close(): void } | null }): void {
  const decoders = make(z);
  const open = new Map<number, { decode(b: Buffer): number; close(): void }>();
  port.on('message', (m: { op: 'open' | 'feed' | 'close'; id: number; buf?: ArrayBuffer; len?: number }) => {
    if (m.op === 'open') {
      const d = decoders.create();
      if (d) open.set(m.id, d);
      return;
    }
    const d = open.get(m.id);
    if (m.op === 'close') {
      d?.close();
      open.delete(m.id);
      return;
    }
    const buf = m.buf!;
    if (!d) return port.postMessage({ id: m.id, raw: 0, error: 'no decoder for this frame (it failed earlier or could not start)', buf }, [buf]);
    try {
      const raw = d.decode(Buffer.from(buf, 0, m.len));
      port.postMessage({ id: m.id, raw, buf }, [buf]);
    } catch (e) {
      d.close();
      open.delete(m.id);
      port.postMessage({ id: m.id, raw: 0, error: String((e as Error)?.message ?? e), buf }, [buf]);
    }
  });
}

class DecodeWorker {
  private readonly worker: Worker;
  /** Replies come in the order of the requests, per frame. */
  private readonly waiting = new Map<number, ((r: Reply) => void)[]>();
  private pending = 0;
  private dead?: string;

  constructor(source: string) {
    this.worker = new Worker(source, { eval: true });
    this.worker.on('message', (r: Reply) => this.settle(r));
    this.worker.on('error', (e) => this.fail(`the decoding thread failed: ${e.message}`));
    this.worker.on('exit', (code) => this.fail(`the decoding thread exited (${code})`));
    // Referenced only while it owes a reply: an idle worker must not keep the process alive.
    // After the listeners: adding a 'message' listener references the worker's port again (a
    // worker that never got a frame kept `pgkeep verify` from exiting).
    this.worker.unref();
  }

  post(msg: { op: 'open' | 'close'; id: number }): void {
    if (!this.dead) this.worker.postMessage(msg);
  }

  /** Never rejects: a failure is a reply with `error`. */
  request(id: number, buf: ArrayBuffer, len: number): Promise<Reply> {
    if (this.dead) return Promise.resolve({ id, raw: 0, error: this.dead });
    return new Promise((resolve) => {
      let q = this.waiting.get(id);
      if (!q) this.waiting.set(id, (q = []));
      q.push(resolve);
      if (this.pending++ === 0) this.worker.ref();
      this.worker.postMessage({ op: 'feed', id, buf, len }, [buf]);
    });
  }

  private settle(r: Reply): void {
    const q = this.waiting.get(r.id);
    const resolve = q?.shift();
    if (q && !q.length) this.waiting.delete(r.id);
    if (--this.pending === 0) this.worker.unref();
    if (r.buf?.byteLength === PIECE && spare.length < 16) spare.push(r.buf);
    resolve?.(r);
  }

  private fail(why: string): void {
    if (this.dead) return;
    this.dead = why;
    for (const [id, q] of this.waiting) for (const resolve of q) resolve({ id, raw: 0, error: why });
    this.waiting.clear();
    this.pending = 0;
    this.worker.unref();
  }

  get alive(): boolean {
    return !this.dead;
  }
}

let pool: DecodeWorker[] | null | undefined;
let nextId = 1;
let turn = 0;

function workers(): DecodeWorker[] | null {
  if (pool !== undefined) return pool?.some((w) => w.alive) ? pool : null;
  try {
    const source = `(${workerMain.toString()})(require('node:zlib'), require('node:worker_threads').parentPort, ${syncFrameDecoders.toString()})`;
    // One per core, up to the 4 WAL objects verify reads at once with the default PGKEEP_PARALLEL
    // (2 × 2): the main thread only reads, hashes backup objects and parses frame headers, and
    // is idle once the backup objects are hashed, when the rest is WAL. (On the shared 2-core
    // test machine, under load, one and two workers measured the same within noise.)
    const n = Math.max(1, Math.min(4, os.availableParallelism()));
    pool = Array.from({ length: n }, () => new DecodeWorker(source));
  } catch {
    pool = null;
  }
  return pool;
}

/** One frame decoded on a worker; `finish` resolves to the bytes it decompressed to. */
export interface AsyncFrameDecoder {
  feed(b: Buffer): Promise<void>;
  finish(): Promise<number>;
  close(): void;
}

/** A frame decoder on a worker thread, or null when no worker can run (the caller decodes itself). */
export function workerFrameDecoder(): AsyncFrameDecoder | null {
  const ws = workers()?.filter((w) => w.alive);
  if (!ws?.length) return null;
  const w = ws[turn++ % ws.length];
  const id = nextId++;
  w.post({ op: 'open', id });
  let raw = 0;
  let error: string | undefined;
  let inflight: Promise<void>[] = [];
  const check = () => {
    if (error) throw new Error(error);
  };
  return {
    async feed(b: Buffer): Promise<void> {
      check();
      // A buffer of its own (the chunk's memory may be shared with other views), recycled.
      const buf = b.length <= PIECE ? (spare.pop() ?? new ArrayBuffer(PIECE)) : new ArrayBuffer(b.length);
      new Uint8Array(buf).set(b);
      inflight.push(
        w.request(id, buf, b.length).then((r) => {
          if (r.error) error ??= r.error;
          else raw += r.raw;
        }),
      );
      if (inflight.length >= IN_FLIGHT) await inflight.shift();
      check();
    },
    async finish(): Promise<number> {
      await Promise.all(inflight);
      inflight = [];
      w.post({ op: 'close', id });
      check();
      return raw;
    },
    close(): void {
      w.post({ op: 'close', id });
    },
  };
}

/** How many decoding threads run and answer (tests confirm the worker path is really taken). */
export function decodeWorkersAlive(): number {
  return pool ? pool.filter((w) => w.alive).length : 0;
}
