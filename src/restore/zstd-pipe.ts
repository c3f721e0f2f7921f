// A zstd-compressed dump decompressed by the zstd CLI straight into a tool's stdin (pg_restore):
// zstd's stdout is the tool's stdin, so the raw dump never passes through this process. Measured
// on the bench's core (47 MiB stored, 230 MiB raw): zstd -d 0.18 CPU s, our streaming JS decoder
// 1.2 CPU s, and relaying zstd's output through Node another 0.2 CPU s; every CPU second here is
// one the restoring server does not get on a small runner. Without a zstd CLI on PATH the caller
// keeps the in-process decoder (as src/restore/extract.ts does for base backups).
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { toolError, type ToolRun } from '../postgres/pg-tools.js';
import { ByteCounter } from '../util/streams.js';

export interface ZstdPiped {
  /** The consumer, reading zstd -d's output on its stdin. */
  run: ToolRun;
  /**
   * Settles when the stored bytes were all fed and zstd exited. Rejects with the cause: the
   * source's own error (checksum mismatch, read or decrypt failure), zstd's (corrupt data), or an
   * EPIPE-coded error when the consumer closed its input early (it then explains itself).
   */
  fed: Promise<void>;
}

/**
 * Spawn zstd -d and `startConsumer` with zstd's output as its stdin, then feed zstd from `open`
 * (the stored bytes, verified/decrypted as they stream). Both processes are spawned in one tick,
 * before zstd has any input, so this process never reads a byte of zstd's output; its own end of
 * that pipe is closed at once, so a consumer that exits early stops zstd with SIGPIPE instead of
 * leaving it blocked on a full pipe.
 */
export function pipeThroughZstd(zstdPath: string, startConsumer: (stdin: Readable) => ToolRun, open: () => Promise<Readable>, what: string, onBytes?: (n: number) => void): ZstdPiped {
  const zstd = spawn(zstdPath, ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  zstd.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4096)));
  const exited = new Promise<void>((resolve, reject) => {
    zstd.on('error', (e) => reject(toolError(`zstd -d of ${what} (${zstdPath}: ${e.message})`, null, null, '')));
    zstd.on('close', (code, signal) => {
      if (code === 0) return resolve();
      // Its reader gone: SIGPIPE, or (SIGPIPE ignored; Node's stdio are socket pairs) a write error.
      if (signal === 'SIGPIPE' || (code !== null && /write error/i.test(stderr)))
        return reject(Object.assign(new Error(`the reader of ${what} closed its input`), { code: 'EPIPE' }));
      reject(toolError(`zstd -d of ${what}`, code, signal, stderr));
    });
  });
  let run: ToolRun;
  try {
    run = startConsumer(zstd.stdout!);
  } catch (e) {
    zstd.kill();
    throw e;
  }
  zstd.stdout!.destroy();
  const feed = (async () => pipeline(await open(), new ByteCounter(onBytes), zstd.stdin!))();
  // A source that fails (e.g. a checksum mismatch at the end) must not let zstd end its output
  // normally: killed, it leaves the consumer a truncated stream, and the consumer is killed too.
  feed.catch(() => zstd.kill());
  const fed = Promise.allSettled([feed, exited]).then(([f, z]) => {
    const isPipe = (e: unknown) => ['EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'ECANCELED', 'ERR_STREAM_DESTROYED'].includes((e as NodeJS.ErrnoException)?.code ?? '');
    if (f.status === 'rejected' && !isPipe(f.reason)) throw f.reason;
    if (z.status === 'rejected') throw z.reason;
    if (f.status === 'rejected') throw f.reason;
  });
  return { run, fed };
}
